"""Every XLSX, lists and reports, opens in a spreadsheet with dates as dates and numbers as numbers.

Read back with openpyxl, as Excel or LibreOffice would read them: a date column's cells are dates (``is_date``,
the day the JSON gives), a time column's are UTC date-times, a number column's are numbers, whatever the JSON
carries (ISO text, decimals).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.api.conftest import API, body, token_client
from tests.factories import DisplacementFigureFactory, SurrenderFigureFactory
from tracker.api.reports import REPORT_KINDS
from tracker.api.resources import RESOURCE_VIEWSETS
from tracker.choices import ReviewStatus
from tracker.exports.cells import BOOLEAN, DATE, DATETIME, INTEGER, NUMBER, TEXT

REPORTS = {
    "displacement": {"group_by": "month,adm1,event"},
    "surrenders": {"group_by": "week,country"},
    "aid-capacity": {"as_of": "2020-01-01"},
}


def workbook(response):
    assert response.status_code == 200, body(response)[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(io.BytesIO(body(response)))


def expected(kind: str, value):
    """What a cell of ``kind`` holds for the JSON ``value``, read independently of the exporter."""
    if value is None or value == "" or kind == TEXT:
        return value
    if kind == DATE:
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    if kind == DATETIME:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)
    if kind in (INTEGER, NUMBER):
        return float(value)
    return value


def check_cell(cell, kind: str, where) -> None:
    if cell.value is None:
        return
    if kind in (DATE, DATETIME):
        assert cell.is_date and isinstance(cell.value, datetime), (where, cell.value, cell.number_format)
        if kind == DATE:
            assert cell.value.time() == datetime.min.time(), where
    elif kind == INTEGER:
        assert isinstance(cell.value, int) and not isinstance(cell.value, bool), (where, cell.value)
    elif kind == NUMBER:
        assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool), (where, cell.value)
    elif kind == BOOLEAN:
        assert isinstance(cell.value, bool), (where, cell.value)


@pytest.mark.parametrize("viewset", RESOURCE_VIEWSETS, ids=[viewset.resource for viewset in RESOURCE_VIEWSETS])
def test_every_list_xlsx_has_typed_cells_equal_to_the_json(viewset, world):
    client = token_client(world.reviewer)
    url = f"{API}/{viewset.resource}/"
    sheet = workbook(client.get(url, {"format": "xlsx"})).worksheets[0]
    records = {item["id"]: item for item in client.get(url, {"format": "json", "page_size": 1000}).json()["results"]}
    header = [cell.value for cell in sheet[1]]
    columns = {column.name: column for column in viewset.columns}
    kinds = {name: columns[name].kind for name in header}
    assert DATETIME in kinds.values() and INTEGER in kinds.values()
    seen = set()
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(records) > 0
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        item = records[cells["id"].value]
        for name, cell in cells.items():
            kind = kinds[name]
            check_cell(cell, kind, (viewset.resource, name))
            want = expected(kind, columns[name].value(item))
            if kind == DATETIME and want is not None:
                assert abs(cell.value - want) < timedelta(milliseconds=1), (name, cell.value, want)
            elif kind in (DATE, INTEGER, NUMBER) and want is not None:
                assert cell.value == want, (name, cell.value, want)
            if cell.value is not None:
                seen.add(kind)
    assert {DATETIME, INTEGER} <= seen
    if viewset.resource in ("displacement-figures", "surrenders", "aid-capacity", "events", "sources"):
        assert DATE in seen, viewset.resource
    if viewset.resource in ("displacement-figures", "surrenders", "aid-capacity", "locations"):
        assert NUMBER in seen, viewset.resource  # latitude and longitude


@pytest.mark.parametrize("resource", REPORTS)
def test_every_report_xlsx_has_typed_rows_its_warnings_and_the_licence(resource, world):
    """The rows as the JSON report gives them, typed; a figure over three months adds a warning, on its sheet."""
    if resource != "aid-capacity":
        factory = DisplacementFigureFactory if resource == "displacement" else SurrenderFigureFactory
        extra = {} if resource == "displacement" else {"surrendering_group": world.isil, "received_by": world.sdf}
        factory(start_date=date(2019, 1, 5), end_date=date(2019, 3, 20), review_status=ReviewStatus.APPROVED,
                location=world.places.baghouz, source=world.public_source, event=world.event, **extra)
    client = token_client(world.reviewer)
    url = f"{API}/reports/{resource}/"
    params = REPORTS[resource]
    report = client.get(url, {**params, "format": "json"}).json()
    book = workbook(client.get(url, {**params, "format": "xlsx"}))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(report["rows"]) > 0
    seen = set()
    for row, item in zip(rows, report["rows"], strict=True):
        for name, cell in zip(header, row, strict=True):
            kind = REPORT_KINDS.get(name, TEXT)
            check_cell(cell, kind, (resource, name))
            if kind in (DATE, INTEGER) and item.get(name) is not None:
                assert cell.value == expected(kind, item[name]), (name, cell.value, item[name])
            if cell.value is not None:
                seen.add(kind)
    assert {DATE, INTEGER} <= seen
    names = book.sheetnames
    assert names[-1] == "licence"
    licence = {row[0]: row[1] for row in book["licence"].iter_rows(values_only=True)}
    assert licence["Licence"] == report["license"] and licence["Rows"] == len(rows)
    assert isinstance(licence["Generated"], datetime)
    warnings = report.get("warnings") or []
    if resource != "aid-capacity":
        assert any(warning["code"] == "multi_bucket" for warning in warnings)
    if warnings:
        listed = list(book["warnings"].iter_rows(values_only=True))
        assert listed[0][:3] == ("code", "count", "message")
        assert [(code, count) for code, count, *_ in listed[1:]] == [(w["code"], w["count"]) for w in warnings]
    else:
        assert "warnings" not in names
