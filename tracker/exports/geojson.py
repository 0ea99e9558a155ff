"""GeoJSON downloads: an RFC 7946 FeatureCollection, a feature per record at its place's point (null geometry
when unknown), the export columns as its properties."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings

from tracker.exports.cells import plain
from tracker.exports.columns import Column
from tracker.exports.csv import FLUSH_BYTES, Buffer


def point_geometry(coordinates) -> dict | None:
    """A GeoJSON Point from (latitude, longitude), or None when either is unknown."""
    if not coordinates or coordinates[0] is None or coordinates[1] is None:
        return None
    latitude, longitude = coordinates
    return {"type": "Point", "coordinates": [round(float(longitude), 6), round(float(latitude), 6)]}


def stream(items: Iterable[dict], columns: list[Column], point: Callable[[dict], tuple]) -> Iterator[bytes]:
    """The collection, in blocks of about 64 KB; ``point`` gives a record's (latitude, longitude)."""
    head = json.dumps({"type": "FeatureCollection", "license": settings.DATA_LICENSE})
    buffer = Buffer()
    buffer.write(head[:-1] + ', "features": [\n')
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
    buffer.write("\n]}\n")
    yield buffer.take()
