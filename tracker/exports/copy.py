"""CSV, HXL and GeoJSON downloads of records straight from PostgreSQL's ``COPY ... TO STDOUT``: the fast twins of
``tracker.exports.csv.stream`` and ``tracker.exports.geojson.stream``.

The Python writers build each record's JSON representation and then its cells; here the database computes
every export column as the text the Python writer would write (each column's SQL cell in
``tracker.exports.columns``, the cell kinds in ``tracker.exports.cells``) and the server forwards COPY's
bytes, many times faster (bench/README.md). tests/api/test_exports.py holds the two paths to the same bytes
for every column of every kind of record, CSV and GeoJSON alike.

Only the three kinds of record take this path, only on PostgreSQL; everything else (and SQLite) uses the
Python writers.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from django.conf import settings
from django.db import connection, connections
from django.db.models import Expression, QuerySet

from tracker.db.routers import read_alias
from tracker.exports.columns import Column
from tracker.models import CLAIM_MODELS

FLUSH_BYTES = 256 * 1024

#: COPY options under which a row of one text column is written as it is, unquoted: CSV quotes a value only when
#: it holds the delimiter, the quote, a CR or an LF, and a JSON text holds none of these control characters raw.
RAW_LINES = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"


def can_copy(queryset: QuerySet, columns: list[Column]) -> bool:
    """Whether this download can come from COPY: records, on PostgreSQL, in UTC, every column with its SQL cell."""
    return (
        connection.vendor == "postgresql"
        and queryset.model in CLAIM_MODELS
        and settings.TIME_ZONE == "UTC"
        and all(column.sql is not None for column in columns)
    )


def select(queryset: QuerySet, cells: dict[str, Expression]) -> tuple[str, tuple]:
    """The SELECT (and its parameters) of ``cells``, one row per record, in the queryset's order."""
    # Nothing else is selected (no select_related, no prefetching): only the cells.
    rows = queryset.select_related(None).prefetch_related(None).annotate(**cells).values_list(*cells)
    return rows.query.sql_with_params()


def copy_select(queryset: QuerySet, columns: list[Column]) -> tuple[str, tuple]:
    """The SELECT (and its parameters) whose rows are the export's cells, in the queryset's order."""
    model = queryset.model
    return select(queryset, {f"cell_{i}": column.sql(model) for i, column in enumerate(columns)})


def copy_blocks(sql: str, params: tuple, options: str) -> Iterator[bytes]:
    """COPY's output of the SELECT ``sql``, in the blocks PostgreSQL sends."""
    # COPY takes no bound parameters: psycopg merges them client-side, safely quoted. Through Django's
    # cursor, so that the statement shows in query logs like any other.
    connection = connections[read_alias()]  # the replica when the request reads it (tracker.db.routers)
    connection.ensure_connection()
    statement = psycopg.ClientCursor(connection.connection).mogrify(f"COPY ({sql}) TO STDOUT ({options})", params)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        yield from copy


def copy_stream(queryset: QuerySet, columns: list[Column], head: bytes) -> Iterator[bytes]:
    """``head`` (the header rows), then COPY's CSV of the rows, in blocks of about 256 KB."""
    sql, params = copy_select(queryset, columns)
    buffer = bytearray(head)
    for block in copy_blocks(sql, params, "FORMAT csv"):
        buffer += block
        if len(buffer) >= FLUSH_BYTES:
            yield bytes(buffer)
            buffer.clear()
    yield bytes(buffer)
