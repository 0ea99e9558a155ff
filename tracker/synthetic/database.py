"""Writing the generated rows: inserts and COPY, bulk loading, clearing earlier synthetic data, COPY text.

This is one of the two bulk paths allowed to skip per-row services and history (DOMAIN.md): rows are inserted
directly (COPY on PostgreSQL, ``executemany`` elsewhere), and the database constraints check every one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, models

from tracker.models import CLAIM_MODELS, Crisis, Event, Location, Organization, Source
from tracker.synthetic.shared import CRISIS_PREFIX


def sql_name(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


class Inserter:
    """Sends rows to one table: COPY on PostgreSQL, ``executemany`` elsewhere.

    ``send`` takes dicts by column name; ``send_tuples`` takes tuples in ``columns`` order; ``send_copy_text``
    (PostgreSQL only, the fastest) takes rows already in COPY's text format.
    """

    def __init__(self, model: type[models.Model], columns: list[str] | None = None):
        self.model = model
        by_column = {f.column: f for f in model._meta.concrete_fields}
        self.columns = columns or list(by_column)
        if set(self.columns) != set(by_column) or len(self.columns) != len(by_column):
            raise ValueError(f"{model.__name__}: columns differ from the table's: "
                             f"{sorted(set(self.columns) ^ set(by_column))}")
        self.fields = [by_column[c] for c in self.columns]
        self.postgres = connection.vendor == "postgresql"
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self.copy_sql = f"COPY {sql_name(model)} ({quoted}) FROM STDIN"
        self.insert_sql = (
            f"INSERT INTO {sql_name(model)} ({quoted}) VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        # Off PostgreSQL, values go through Django's adapters (aware datetimes, decimals) for the column types.
        self.adapters = [
            (i, f) for i, f in enumerate(self.fields)
            if isinstance(f, models.DateTimeField | models.DecimalField | models.DateField)
        ]

    def send(self, rows: list[dict]) -> None:
        columns = self.columns
        self.send_tuples([tuple(row.get(c) for c in columns) for row in rows])

    def send_tuples(self, values: list[tuple]) -> None:
        if not values:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    write = copy.write_row
                    for value in values:
                        write(value)
                return
            adapted = []
            for value in values:
                value = list(value)
                for i, field in self.adapters:
                    if value[i] is not None:
                        value[i] = field.get_db_prep_value(value[i], connection)
                adapted.append(value)
            cursor.executemany(self.insert_sql, adapted)

    def send_copy_text(self, chunks: Iterable[tuple[bytes, int]], batch_size: int,
                       sent: Callable[[int], object] | None = None) -> None:
        """COPY chunks of whole rows (text format, with their row counts), ``batch_size`` rows a statement.

        A chunk never spans two statements: the chunks must end where batches do. ``sent(rows)`` follows progress.
        """
        chunks = iter(chunks)
        pending = next(chunks, None)
        with connection.cursor() as cursor:
            while pending is not None:
                rows = 0
                with cursor.cursor.copy(self.copy_sql) as copy:
                    while pending is not None and rows < batch_size:
                        data, count = pending
                        copy.write(data)
                        rows += count
                        if sent:
                            sent(count)
                        pending = next(chunks, None)
                if rows != batch_size and pending is not None:
                    raise ValueError(f"a chunk crossed a batch boundary ({rows:,} rows, not {batch_size:,})")


@contextmanager
def bulk_loading(tables: list[type[models.Model]]):
    """On PostgreSQL, load without per-row index upkeep and foreign-key triggers, then rebuild and re-check.

    What pg_restore does: the tables' secondary indexes and foreign keys are dropped inside the
    transaction, and recreated after the load. ``ADD CONSTRAINT`` validates every row at once, so
    every foreign key still holds when the transaction commits (and a failure rolls all of it back).
    Check, unique and primary-key constraints stay in place throughout.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    saved = []
    with connection.cursor() as cursor:
        # Run the checks deferred so far (earlier deletes): ALTER TABLE refuses a table with pending ones.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname",
                [table])
            indexes = cursor.fetchall()
            for name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            saved.append((table, foreign_keys, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, foreign_keys, indexes in saved:
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute(f"ANALYZE {quote(table)}")


def remove_previous(say: Callable[[str], object]) -> None:
    """Delete earlier synthetic rows with plain DELETEs (no per-row signals: they carry no history); records
    with one TRUNCATE on PostgreSQL when every record is synthetic."""
    if not Location.objects.filter(is_synthetic=True).exists() and not Source.objects.filter(
        is_synthetic=True
    ).exists() and not any(m.objects.filter(is_synthetic=True).exists() for m in CLAIM_MODELS):
        return
    say("Removing the earlier synthetic data...")
    with connection.cursor() as cursor:

        def delete(model, where: str) -> None:
            cursor.execute(f"DELETE FROM {sql_name(model)} WHERE {where}")

        def delete_links(through, owner_column: str, owner) -> None:
            delete(through, f"{connection.ops.quote_name(owner_column)} IN "
                            f"(SELECT id FROM {sql_name(owner)} WHERE is_synthetic)")

        truth = "is_synthetic = TRUE" if connection.vendor == "postgresql" else "is_synthetic = 1"
        throughs = [model._meta.get_field("cited_sources").remote_field.through for model in CLAIM_MODELS]
        if connection.vendor == "postgresql" and not any(
            model.objects.filter(is_synthetic=False).exists() for model in CLAIM_MODELS
        ):
            # Every record is synthetic: empty the three tables and their links at once. After a DELETE,
            # each source, place and organization deleted next would queue a deferred foreign-key check that
            # probes every dead record row; TRUNCATE leaves none to probe.
            cursor.execute(f"TRUNCATE {', '.join(sql_name(m) for m in [*CLAIM_MODELS, *throughs])}")
        else:
            for model, through in zip(CLAIM_MODELS, throughs, strict=True):
                delete_links(through, through._meta.get_field(model._meta.model_name).column, model)
                delete(model, truth)
        through = Source._meta.get_field("co_credited").remote_field.through
        delete_links(through, "source_id", Source)
        delete(Source, truth)
        for name in ("countries", "parties"):
            through = Event._meta.get_field(name).remote_field.through
            delete_links(through, "event_id", Event)
        delete(Event, truth)
        cursor.execute(f"DELETE FROM {sql_name(Crisis)} WHERE name LIKE %s", [f"{CRISIS_PREFIX}%"])
        delete(Organization, truth)
        delete(Location, truth)


def reset_sequences() -> None:
    """Ids were assigned here: move PostgreSQL's sequences past them."""
    sql = connection.ops.sequence_reset_sql(
        no_style(), [Location, Organization, Crisis, Event, Source, *CLAIM_MODELS]
    )
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def vacuum(say: Callable[[str], object]) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) every table written: fresh statistics for the planner, and a
    visibility map so that counts can be answered from indexes alone. Outside the transaction (it must be)."""
    if connection.vendor != "postgresql":
        return
    # Called inside someone's transaction (a test, a script), VACUUM cannot run: statistics still can.
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    say("Vacuuming and analysing..." if statement != "ANALYZE" else "Analysing...")
    with connection.cursor() as cursor:
        for model in (Location, Organization, Crisis, Event, Source, *CLAIM_MODELS):
            cursor.execute(f"{statement} {sql_name(model)}")


def copy_field(value) -> str:
    """One value in the text format of PostgreSQL's COPY: ``\\N`` for NULL, backslash escapes in text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    return str(value)  # int, Decimal, date, aware datetime ("2016-01-01 01:00:00+00:00"): PostgreSQL's input forms


def copy_text(values: Sequence) -> str:
    """A tuple of values as tab-separated COPY fields.

    The fast way is ``str()`` of every value (PostgreSQL reads ``True``, ISO dates and ``+00:00`` offsets);
    if the result has a tab, line end or backslash that is not a field separator or a NULL, the values
    go one by one through ``copy_field``, which escapes them.
    """
    nulls = values.count(None)
    if nulls:
        text = "\t".join(["\\N" if value is None else str(value) for value in values])
    else:
        text = "\t".join(map(str, values))
    if text.count("\t") != len(values) - 1 or text.count("\\") != nulls or "\n" in text or "\r" in text:
        return "\t".join(map(copy_field, values))
    return text


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
