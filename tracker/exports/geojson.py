"""GeoJSON downloads: an RFC 7946 FeatureCollection, a feature per record at its place's point (null geometry
when unknown), the export columns as its properties.

Written twice, to the same bytes: in Python from each record's JSON representation (``stream``), and, for the
records on PostgreSQL, by the database itself (``copy_stream``: each feature built in SQL from the columns' SQL
cells and forwarded from ``COPY``, as the CSV is). tests/api/test_exports.py holds the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import Case, Expression, F, Func, Q, QuerySet, TextField, Value, When

from tracker.exports.cells import Integer, Number, plain
from tracker.exports.columns import Column
from tracker.exports.copy import FLUSH_BYTES as COPY_FLUSH_BYTES
from tracker.exports.copy import RAW_LINES, copy_blocks, select
from tracker.exports.csv import FLUSH_BYTES, Buffer
from tracker.exports.escape import sql_literal

FEATURES_END = "\n]}\n"


def point_geometry(coordinates) -> dict | None:
    """A GeoJSON Point from (latitude, longitude), or None when either is unknown."""
    if not coordinates or coordinates[0] is None or coordinates[1] is None:
        return None
    latitude, longitude = coordinates
    return {"type": "Point", "coordinates": [round(float(longitude), 6), round(float(latitude), 6)]}


def head() -> str:
    """The collection up to its first feature."""
    return json.dumps({"type": "FeatureCollection", "license": settings.DATA_LICENSE})[:-1] + ', "features": [\n'


def stream(items: Iterable[dict], columns: list[Column], point: Callable[[dict], tuple]) -> Iterator[bytes]:
    """The collection, in blocks of about 64 KB; ``point`` gives a record's (latitude, longitude)."""
    buffer = Buffer()
    buffer.write(head())
    first = True
    for item in items:
        feature = {
            "type": "Feature",
            "id": item.get("id"),
            "geometry": point_geometry(point(item)),
            "properties": {column.name: plain(column.value(item)) for column in columns},
        }
        buffer.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
        first = False
        if buffer.size >= FLUSH_BYTES:
            yield buffer.take()
    buffer.write(FEATURES_END)
    yield buffer.take()


# --- in the database (PostgreSQL) -----------------------------------------------------------------


class Concat(Func):
    """Text pieces and expressions joined with ``||``, the pieces as SQL literals (they are ours, never input)."""

    output_field = TextField()

    def __init__(self, *parts: str | Expression):
        self.parts = [part if isinstance(part, str) else None for part in parts]
        super().__init__(*(part for part in parts if not isinstance(part, str)))

    def as_sql(self, compiler, connection, **extra):
        expressions = iter(self.get_source_expressions())
        pieces, params = [], []
        for part in self.parts:
            if part is None:
                sql, part_params = compiler.compile(next(expressions))
                pieces.append(sql)
                params.extend(part_params)
            else:
                pieces.append(sql_literal(part))
        return f"({' || '.join(pieces)})", params


def point_sql(place: str) -> Expression:
    """``point_geometry`` of the place at ``place`` (``location``) as JSON text. Coordinates are stored with six
    decimals, so Python's rounding to six leaves them as they are, and so does this."""
    latitude, longitude = F(f"{place}__latitude"), F(f"{place}__longitude")
    return Case(
        When(Q(**{f"{place}__latitude__isnull": True}) | Q(**{f"{place}__longitude__isnull": True}),
             then=Value("null")),
        default=Concat('{"type": "Point", "coordinates": [', Number(longitude), ", ", Number(latitude), "]}"),
        output_field=TextField(),
    )


def feature_sql(model, columns: list[Column], place: str) -> Expression:
    """A record's feature as the text ``json.dumps`` writes for it in ``stream``: the same keys in the same order,
    the same separators, its properties from the columns' SQL cells as JSON values (``Cell.json``)."""
    parts: list[str | Expression] = ['{"type": "Feature", "id": ', Integer(F("pk")), ', "geometry": ',
                                     point_sql(place), ', "properties": {']
    for i, column in enumerate(columns):
        parts += [(", " if i else "") + json.dumps(column.name) + ": ", column.sql(model).json()]
    parts.append("}}")
    return Concat(*parts)


def copy_stream(queryset: QuerySet, columns: list[Column], place: str = "location") -> Iterator[bytes]:
    """The collection ``stream`` writes, its features built by PostgreSQL and forwarded from ``COPY`` in blocks of
    about 256 KB; ``place`` names the relation whose point is the geometry."""
    sql, params = select(queryset, {"feature": feature_sql(queryset.model, columns, place)})
    buffer = bytearray(head().encode())
    # COPY ends each feature with a newline (a feature holds none: JSON escapes them); features are separated
    # by ",\n", so a comma goes before every newline, and the last one is taken back at the end.
    rows = False
    for block in copy_blocks(sql, params, RAW_LINES):
        buffer += bytes(block).replace(b"\n", b",\n")
        rows = True
        if len(buffer) >= COPY_FLUSH_BYTES:
            yield bytes(buffer[:-2])
            del buffer[:-2]
    if rows:
        del buffer[-2:]
    buffer += FEATURES_END.encode()
    yield bytes(buffer)
