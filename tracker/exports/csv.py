"""The one CSV dialect of every download (the API's CSV and HXL, the pages' tables), and the Python writer of
the API's CSV and HXL.

The dialect is Excel's (comma, minimal quoting, doubled quotes) with rows ending in ``\\n``, as PostgreSQL's
``COPY ... (FORMAT csv)`` ends them, so that both ways of writing a download give the same bytes
(docs/decisions.md, "Downloads from COPY").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from tracker.exports.cells import text_cell
from tracker.exports.columns import Column

FLUSH_BYTES = 64 * 1024


class Dialect(csv.excel):
    lineterminator = "\n"


def writer(target):
    """A ``csv.writer`` in the downloads' dialect."""
    return csv.writer(target, dialect=Dialect)


class Buffer:
    """Text written in pieces, taken out as UTF-8 bytes in blocks (a streamed response's chunks)."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts, self.size = [], 0
        return data


def head(columns: list[Column], hashtags: bool = False) -> str:
    """The header row, and under it the HXL hashtag row when asked."""
    buffer = Buffer()
    rows = writer(buffer)
    rows.writerow([column.name for column in columns])
    if hashtags:
        rows.writerow([column.hxl for column in columns])
    return "".join(buffer.parts)


def stream(items: Iterable[dict], columns: list[Column], hashtags: bool = False) -> Iterator[bytes]:
    """The header (``head``), then a row per record (its JSON representation), in blocks of about 64 KB."""
    buffer = Buffer()
    buffer.write(head(columns, hashtags))
    rows = writer(buffer)
    for item in items:
        rows.writerow([text_cell(column.value(item)) for column in columns])
        if buffer.size >= FLUSH_BYTES:
            yield buffer.take()
    yield buffer.take()
