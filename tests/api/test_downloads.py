"""Downloads that start at once and stay flat: GeoJSON built by the database, XLSX streamed as it is written.

On PostgreSQL a records GeoJSON comes from ``COPY`` (tracker/exports/geojson.py); it is the document the Python
writer gives, feature by feature, types included. A workbook's first bytes leave before its first row is read,
and what it holds in memory does not grow with its rows.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from geojson_pydantic import FeatureCollection
from openpyxl import load_workbook

from tests.api.conftest import API, body
from tests.api.test_exports import _awkward
from tests.factories import LocalityFactory
from tracker.exports import xlsx
from tracker.exports.cells import BOOLEAN, DATE, DATETIME, INTEGER, NUMBER
from tracker.exports.columns import col

RECORDS = ["displacement-figures", "surrenders", "aid-capacity"]


def typed_tree(value):
    """A parsed JSON value with the type of every leaf beside it: 36 and 36.0 differ, as do null and ""."""
    if isinstance(value, dict):
        return {key: typed_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed_tree(item) for item in value]
    return type(value).__name__, value


def _harder_text(world) -> None:
    """Text JSON must escape (a tab, a control character, a backslash, a line separator) and a record whose place
    has no point."""
    nowhere = LocalityFactory(name="No point", latitude=None, longitude=None)
    for resource in RECORDS:
        second = world.visible[resource][1]
        type(second).objects.filter(pk=second.pk).update(
            notes="tab\there \x1f bell\x07 back\\slash \u2028 line «quoted»", location=nowhere, excerpt_translation="")


@pytest.mark.parametrize("caller", ["key", "confidential key", "staff"])
@pytest.mark.parametrize("resource", RECORDS)
def test_the_database_geojson_is_the_python_one(world, key_client, scoped_key_client, staff_client, monkeypatch,
                                                caller, resource):
    from tracker.api import base

    _awkward(world)
    _harder_text(world)
    client = {"key": key_client, "confidential key": scoped_key_client, "staff": staff_client}[caller]
    url = f"{API}/{resource}/"
    with CaptureQueriesContext(connection) as queries:
        served = body(client.get(url, {"format": "geojson"}))
    copied = any(query["sql"].startswith("COPY (") for query in queries)
    assert copied == (connection.vendor == "postgresql")
    monkeypatch.setattr(base, "can_copy", lambda queryset, columns: False)
    python = body(client.get(url, {"format": "geojson"}))

    served_doc, python_doc = json.loads(served), json.loads(python)
    FeatureCollection.model_validate(served_doc)
    assert {key: value for key, value in served_doc.items() if key != "features"} == {
        key: value for key, value in python_doc.items() if key != "features"}
    assert len(served_doc["features"]) == len(python_doc["features"]) >= 3
    for mine, theirs in zip(served_doc["features"], python_doc["features"], strict=True):
        assert typed_tree(mine) == typed_tree(theirs), mine["id"]
    assert served == python  # the same bytes, separators and escapes included

    geometries = [feature["geometry"] for feature in served_doc["features"]]
    assert None in geometries and {"type": "Point", "coordinates": [-40.95, 34.0]} in geometries
    properties = [feature["properties"] for feature in served_doc["features"]]
    assert any(p["notes"] == "=1+2" for p in properties)  # JSON carries text as it is, unescaped
    assert any(p["notes"].startswith("tab\there \x1f bell\x07 back\\slash \u2028") for p in properties)
    assert any(p["excerpt_translation"] == "" for p in properties)
    assert all(isinstance(p["latitude"], float) for p in properties if p["latitude"] is not None)
    assert ("is_confidential" in properties[0]) == (caller != "key")


def test_an_empty_geojson_is_an_empty_collection(world, key_client):
    data = json.loads(body(key_client.get(f"{API}/surrenders/", {"format": "geojson", "country": "IRQ"})))
    assert data["type"] == "FeatureCollection" and data["features"] == []


# --- XLSX ---------------------------------------------------------------------------------------

COLUMNS = [col("id", "#meta+id", type=INTEGER), col("start_date", "#date+start", type=DATE),
           col("created_at", "#date+created", type=DATETIME), col("latitude", "#geo+lat", type=NUMBER),
           col("high_open", "#meta+high_open", type=BOOLEAN), col("notes", "#description+notes")]


def naive(text: str) -> datetime:
    """A date-time as a spreadsheet holds it: without a time zone (times in the workbooks are UTC)."""
    return datetime.fromisoformat(text)


class Rows:
    """``count`` records' representations, made as they are read; ``read`` says how many have been."""

    def __init__(self, count: int):
        self.count, self.read = count, 0

    def __iter__(self):
        for n in range(1, self.count + 1):
            self.read = n
            yield {"id": n, "start_date": f"2019-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                   "created_at": f"2019-03-10T12:{n % 60:02d}:05.250000Z", "latitude": 34.46 + n / 1e6,
                   "high_open": n % 2 == 0, "notes": f"=note {n * 7919 % 100003} of <the> camp & more"}


def test_a_workbook_sends_its_first_bytes_before_reading_a_row_and_streams_the_rest():
    rows = Rows(30000)
    chunks = xlsx.stream(rows, COLUMNS, "surrenders", rows=rows.count)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and b"xl/worksheets/sheet1.xml" in first
    assert rows.read == 0
    read_at = []
    rest = []
    for chunk in chunks:
        read_at.append(rows.read)
        rest.append(chunk)
    assert len(rest) > 2 and read_at[0] < rows.count  # blocks leave while rows are still unread
    data = first + b"".join(rest)
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.max_row == rows.count + 1
    assert [cell.value for cell in sheet[1]] == [column.name for column in COLUMNS]
    assert [cell.value for cell in sheet[2]] == [1, naive("2019-02-02"),
                                                 naive("2019-03-10T12:01:05.250"),
                                                 34.460001, False, "'=note 7919 of <the> camp & more"]
    assert sheet["B2"].is_date and sheet["B2"].number_format == xlsx.DATE_FORMAT
    assert sheet["C2"].number_format == xlsx.DATETIME_FORMAT
    licence = {row[0]: row[1] for row in book["licence"].iter_rows(values_only=True)}
    assert licence["Rows"] == rows.count


def peak_memory(count: int) -> int:
    tracemalloc.start()
    try:
        for _ in xlsx.stream(Rows(count), COLUMNS, "surrenders", rows=count):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_workbook_holds_as_much_memory_for_many_rows_as_for_few():
    few, many = peak_memory(2000), peak_memory(40000)
    assert many < few + 1024 * 1024, (few, many)


def test_awkward_text_and_dates_read_back_from_a_workbook():
    """Control characters, text past Excel's limit, leading spaces, dates before March 1900 (Excel's leap year)."""
    items = [{"id": 1, "start_date": "1900-02-28", "created_at": None, "latitude": None, "high_open": None,
              "notes": " lead\x01 _x0041_ trail "},
             {"id": 2, "start_date": "1900-03-01", "created_at": "2019-03-10T00:00:00Z", "latitude": -0.000001,
              "high_open": True, "notes": "x" * 40000}]
    data = b"".join(xlsx.stream(items, COLUMNS, "events"))  # no row count: the sheet gets ZIP64 sizes
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].value == naive("1900-02-28") and sheet["B3"].value == naive("1900-03-01")
    assert sheet["C3"].value == naive("2019-03-10") and sheet["D3"].value == -0.000001
    assert sheet["C2"].value is None and sheet["E3"].value is True
    # Excel's escapes, which Excel reads back as the character (and the text that looked like one as it was)
    assert sheet["F2"].value == " lead_x0001_ _x005F_x0041_ trail "
    assert len(sheet["F3"].value) == xlsx.TEXT_MAX


def test_a_large_list_download_starts_before_its_rows_are_read(world, key_client):
    """Through the API: the response's first block is the ZIP's start, sent before the rows' query runs."""
    with CaptureQueriesContext(connection) as queries:
        response = key_client.get(f"{API}/surrenders/", {"format": "xlsx"})
        chunks = iter(response.streaming_content)
        first = next(chunks)
        before = len(queries)
        rest = b"".join(chunks)
    assert first.startswith(b"PK\x03\x04") and b"xl/worksheets/sheet1.xml" in first
    assert len(queries) > before  # the rows were read after the first block left
    assert zipfile.ZipFile(io.BytesIO(first + rest)).testzip() is None
