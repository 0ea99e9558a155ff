"""CSV and HXL downloads of records straight from PostgreSQL's ``COPY ... TO STDOUT``: the fast twin of
``tracker.exports.csv.stream``.

The Python writer builds each record's JSON representation and then its cells; here the database computes
every export column as the text cell the Python writer would write (each column's SQL cell in
``tracker.exports.columns``, the cell kinds in ``tracker.exports.cells``) and the server forwards COPY's
bytes, many times faster (bench/README.md). tests/api/test_exports.py holds the two paths to the same bytes
for every column of every kind of record.

Only the three kinds of record take this path, only on PostgreSQL; everything else (and SQLite) uses the
Python writer.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from tracker.exports.columns import Column
from tracker.models import CLAIM_MODELS

FLUSH_BYTES = 256 * 1024


def can_copy(queryset: QuerySet, columns: list[Column]) -> bool:
    """Whether this download can come from COPY: records, on PostgreSQL, in UTC, every column with its SQL cell."""
    return (
        connection.vendor == "postgresql"
        and queryset.model in CLAIM_MODELS
        and settings.TIME_ZONE == "UTC"
        and all(column.sql is not None for column in columns)
    )


def copy_select(queryset: QuerySet, columns: list[Column]) -> tuple[str, tuple]:
    """The SELECT (and its parameters) whose rows are the export's cells, in the queryset's order."""
    model = queryset.model
    cells = {f"cell_{i}": column.sql(model) for i, column in enumerate(columns)}
    # Nothing else is selected (no select_related, no prefetching): only the cells.
    rows = queryset.select_related(None).prefetch_related(None).annotate(**cells).values_list(*cells)
    return rows.query.sql_with_params()


def copy_stream(queryset: QuerySet, columns: list[Column], head: bytes) -> Iterator[bytes]:
    """``head`` (the header rows), then COPY's CSV of the rows, in blocks of about 256 KB."""
    sql, params = copy_select(queryset, columns)
    # COPY takes no bound parameters: psycopg merges them client-side, safely quoted. Through Django's
    # cursor, so that the statement shows in query logs like any other.
    statement = psycopg.ClientCursor(connection.connection).mogrify(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params)
    buffer = bytearray(head)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            buffer += block
            if len(buffer) >= FLUSH_BYTES:
                yield bytes(buffer)
                buffer.clear()
    yield bytes(buffer)
