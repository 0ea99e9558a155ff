"""The search indexes, one per record table and column, made by the database that serves it.

PostgreSQL: a GIN index over ``to_tsvector('simple', column)`` for each of the two columns (``vector_sql``);
``tracker.search.query`` filters on the very same expressions, so the planner can use the indexes (and ANALYZE keeps
statistics of their words). No weights: a GIN index does not store them, so a weighted query makes PostgreSQL
recompute every candidate row's document (80 ms for 800 candidates of 70,000 records, against 0.7 ms unweighted;
docs/decisions.md). SQLite: an FTS5 table ``<table>_search`` over the record table's own two columns (external
content: no copy of the text), kept by triggers, with the ``ascii`` tokenizer so that it indexes the words exactly
as ``tracker.search.text`` wrote them.

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
#: ANALYZE's sample of the indexes' words, ten times the default: the planner then knows ten times as many words'
#: frequencies and reckons an unknown word at about 70 records of a million, not 700, so a rare word is a plain
#: bitmap scan (0.3 to 0.8 ms) instead of a parallel one that waits for its workers (17 to 30 ms). ANALYZE of the
#: displacement figures takes about a minute at a million records instead of a few seconds.
STATISTICS = 1000


#: The two stored columns: prose stems (whole words match) and names (a word's beginning matches).
COLUMNS = ("search_text", "search_names")


def vector_sql(column: str) -> str:
    """The PostgreSQL tsvector of one search column (its SQL given), as its index holds it: the words as stored
    ('simple' only lowercases, and they are lower case already)."""
    return f"to_tsvector('simple'::regconfig, {column})"


def pg_index_name(table: str, column: str) -> str:
    return f"{SEARCH_TABLES[table]}_{column}_idx"


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
        statements = []
        for column in COLUMNS:
            index = pg_index_name(table, column)
            statements += [f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ({vector_sql(column)})',
                           f'ALTER INDEX "{index}" ALTER COLUMN 1 SET STATISTICS {STATISTICS}']
        return [*statements, f'ANALYZE "{table}"']
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
        return [f'DROP INDEX IF EXISTS "{pg_index_name(table, column)}"' for column in COLUMNS]
    if vendor == "sqlite":
        return [*(f'DROP TRIGGER IF EXISTS "{fts_table(table)}_{name}"' for name in TRIGGERS),
                f'DROP TABLE IF EXISTS "{fts_table(table)}"']
    return []


class CreateSearchIndexes(Operation):
    """The search indexes of each record table, as the database at hand makes them (module docstring); reversible.
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
        return "Create the search indexes of each record table (PostgreSQL GIN or SQLite FTS5)"


def ensure_search_tables(using: str = "default", **kwargs) -> None:
    """After every ``migrate``, once 0014 made the search columns: on SQLite, make again the triggers that a table
    rebuild dropped and rebuild the FTS5 table from the records (rows written meanwhile were not indexed); on
    PostgreSQL, make an index that is missing (a database migrated while 0014 made one weighted index for both
    columns gets the two it has now, and loses the old one)."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(SEARCH_TABLES)])
            present = {name for (name,) in cursor.fetchall()}
            for table in SEARCH_TABLES:
                if not _has_search_columns(connection, cursor, table):
                    continue
                if f"{SEARCH_TABLES[table]}_search_idx" in present:
                    cursor.execute(f'DROP INDEX "{SEARCH_TABLES[table]}_search_idx"')
                if any(pg_index_name(table, column) not in present for column in COLUMNS):
                    for statement in create_statements("postgresql", table):
                        cursor.execute(statement)
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
            present = {name for (name,) in cursor.fetchall()}
            for table in SEARCH_TABLES:
                fts = fts_table(table)
                if fts not in present or all(f"{fts}_{name}" in present for name in TRIGGERS):
                    continue
                for statement in [*_sqlite_triggers(table), _sqlite_rebuild(table)]:
                    cursor.execute(statement)


def _has_search_columns(connection, cursor, table: str) -> bool:
    if table not in connection.introspection.table_names(cursor):
        return False
    return "search_names" in {column.name for column in connection.introspection.get_table_description(cursor, table)}
