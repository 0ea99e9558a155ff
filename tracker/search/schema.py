"""The search indexes, one per record table, made by the database that serves it.

PostgreSQL: a GIN index over the document expression (``document_sql``), prose weighted B and names weighted A;
``tracker.search.query`` filters on the very same expression, so the planner can use the index (and ANALYZE keeps
statistics of its words). SQLite: an FTS5 table ``<table>_search`` over the record table's own two columns
(external content: no copy of the text), kept by triggers, with the ``ascii`` tokenizer so that it indexes the
words exactly as ``tracker.search.text`` wrote them.

Django's SQLite schema editor rebuilds a table to alter it, and the rebuild drops the table's triggers: after every
``migrate`` (``ensure_search_tables``, a ``post_migrate`` handler) missing triggers are made again and the FTS5
table rebuilt from the records.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

#: The record tables and the prefix of their index names.
SEARCH_TABLES = {
    "tracker_displacementfigure": "displacement",
    "tracker_surrenderfigure": "surrender",
    "tracker_aidcapacityreport": "aidcapacity",
}
TRIGGERS = ("insert", "delete", "update")


def document_sql(text: str, names: str) -> str:
    """The PostgreSQL tsvector of a record, over its ``search_text`` and ``search_names`` columns (SQL given)."""
    return (f"(setweight(to_tsvector('simple'::regconfig, {text}), 'B') || "
            f"setweight(to_tsvector('simple'::regconfig, {names}), 'A'))")


def pg_index_name(table: str) -> str:
    return f"{SEARCH_TABLES[table]}_search_idx"


def fts_table(table: str) -> str:
    return f"{table}_search"


def _sqlite_triggers(table: str) -> list[str]:
    fts = fts_table(table)
    add = f'INSERT INTO "{fts}"(rowid, search_text, search_names) VALUES (new.id, new.search_text, new.search_names);'
    remove = (f'INSERT INTO "{fts}"("{fts}", rowid, search_text, search_names) '
              "VALUES ('delete', old.id, old.search_text, old.search_names);")
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_insert" AFTER INSERT ON "{table}" BEGIN {add} END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_delete" AFTER DELETE ON "{table}" BEGIN {remove} END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_update" AFTER UPDATE OF search_text, search_names ON "{table}" '
        f"BEGIN {remove} {add} END",
    ]


def _sqlite_rebuild(table: str) -> str:
    fts = fts_table(table)
    return f"INSERT INTO \"{fts}\"(\"{fts}\") VALUES ('rebuild')"


def create_statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'CREATE INDEX IF NOT EXISTS "{pg_index_name(table)}" ON "{table}" USING gin '
                f"({document_sql('search_text', 'search_names')})", f'ANALYZE "{table}"']
    if vendor == "sqlite":
        return [
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts_table(table)}" USING fts5(search_text, search_names, '
            f"content='{table}', content_rowid='id', tokenize='ascii', prefix='2 3')",
            *_sqlite_triggers(table),
            _sqlite_rebuild(table),
        ]
    return []


def drop_statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP INDEX IF EXISTS "{pg_index_name(table)}"']
    if vendor == "sqlite":
        return [*(f'DROP TRIGGER IF EXISTS "{fts_table(table)}_{name}"' for name in TRIGGERS),
                f'DROP TABLE IF EXISTS "{fts_table(table)}"']
    return []


class CreateSearchIndexes(Operation):
    """The search index of each record table, as the database at hand makes it (module docstring); reversible.
    Other databases get none and search falls back to nothing (``tracker.search.query`` supports these two)."""

    reversible = True
    reduces_to_sql = True

    def state_forwards(self, app_label, state) -> None:
        pass  # no model state: the index and the FTS5 table are outside Django's models

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in SEARCH_TABLES:
            for statement in create_statements(schema_editor.connection.vendor, table):
                schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for table in SEARCH_TABLES:
            for statement in drop_statements(schema_editor.connection.vendor, table):
                schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return "Create the search index of each record table (PostgreSQL GIN or SQLite FTS5)"


def ensure_search_tables(using: str = "default", **kwargs) -> None:
    """After ``migrate`` on SQLite: make again the triggers that a table rebuild dropped, and rebuild the FTS5
    table from the records (rows written meanwhile were not indexed). Nothing to do elsewhere or before 0014."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for (name,) in cursor.fetchall()}
        for table in SEARCH_TABLES:
            fts = fts_table(table)
            if fts not in present or all(f"{fts}_{name}" in present for name in TRIGGERS):
                continue
            for statement in [*_sqlite_triggers(table), _sqlite_rebuild(table)]:
                cursor.execute(statement)
