"""Each kind's XLSX template: our writable columns explained, lists from the model's choices, date cells, and a
sheet that the import reads back once filled in."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter
from openpyxl import load_workbook

from tests.imports.conftest import EXCERPTS, counts, run
from tracker.imports import spec
from tracker.imports.templates import INLINE_LIST_LIMIT, ListSheet, template_bytes, template_filename
from tracker.models import DisplacementFigure, ImportKind


def opened(kind: str):
    return load_workbook(io.BytesIO(template_bytes(kind)))


def validations(sheet) -> dict[str, object]:
    """The data validation of each header's column, by header."""
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            letter = cells.coord.split(":")[0].rstrip("0123456789")
            found[headers[letter]] = validation
    return found


@pytest.mark.parametrize("kind", ImportKind.values)
def test_the_header_row_is_our_writable_columns_frozen_and_explained(db, kind):
    workbook = opened(kind)
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [column.name for column in spec.writable_columns(kind)]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for cell in sheet[1]:
        assert "Required" in cell.comment.text or "Optional." in cell.comment.text
    read_me = workbook["Read me"]
    text = "\n".join(str(cell.value) for (cell, *_) in read_me.iter_rows() if cell.value)
    for group in spec.required_columns(kind):
        assert " or ".join(sorted(group)) in text
    assert template_filename(kind) == f"template-{kind}.xlsx"


def test_a_comment_says_how_names_are_found_and_what_is_required(db):
    sheet = opened("displacement").worksheets[0]
    comments = {cell.value: cell.comment.text for cell in sheet[1]}
    assert "alternate name" in comments["location_name"] and "P-code or id" in comments["location_name"]
    assert "location_id or location_pcode" in comments["location_name"]
    assert "acronym or alias" in comments["attributed_to"]
    assert "Optional." in comments["notes"] and "Required" not in comments["notes"]
    assert "fled" in comments["term"] and "Required for new rows." in comments["term"]


def test_choices_booleans_and_dates_are_checked_in_the_sheet(db):
    sheet = opened("displacement").worksheets[0]
    checks = validations(sheet)
    model = spec.MODELS["displacement"]
    for name in ("term", "quantifier", "unit", "start_precision", "location_precision"):
        expected = [str(value) for value, _ in model._meta.get_field(name).flatchoices]
        assert checks[name].type == "list" and checks[name].formula1.strip('"').split(",") == expected, name
    assert checks["is_confidential"].formula1 == '"true,false"'
    assert checks["start_date"].type == "date" and checks["end_date"].type == "date"
    headers = [cell.value for cell in sheet[1]]
    start = sheet.cell(1, headers.index("start_date") + 1).column_letter
    assert sheet.column_dimensions[start].number_format == "yyyy-mm-dd"
    assert "reported_value" not in checks  # numbers are read by the import ("12,500" as text included)


def test_a_long_list_goes_to_the_hidden_lists_sheet(db):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("data")
    lists = ListSheet(book)
    many = [f"value_number_{n}" for n in range(40)]
    assert len(",".join(many)) > INLINE_LIST_LIMIT
    source = lists.source("long", many)
    sheet.data_validation(1, 0, 100, 0, {"validate": "list", "source": source})
    assert lists.source("short", ["a", "b"]) == ["a", "b"]
    book.close()
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    assert workbook["lists"].sheet_state == "hidden"
    formula = workbook["data"].data_validations.dataValidation[0].formula1
    assert formula == "lists!$A$2:$A$41"
    assert [cell.value for (cell,) in workbook["lists"]["A2:A41"]] == many


def test_a_filled_in_template_imports(world):
    """An analyst types two rows under the headers (dates as date cells, choices from the lists) and imports the
    template as it is, its other columns left blank."""
    workbook = opened("displacement")
    sheet = workbook.worksheets[0]
    column = {cell.value: cell.column for cell in sheet[1]}
    rows = [
        {"term": "fled", "quantifier": "more_than", "reported_value": 4000, "unit": "persons", "role": "headline",
         "country_iso3": "SYR", "location_name": "Baghouz", "start_date": date(2019, 3, 3),
         "end_date": date(2019, 3, 10), "source_id": world.source.pk, "excerpt": EXCERPTS[0],
         "location_precision": "exact", "start_precision": "week", "end_precision": "day"},
        {"term": "arrived", "quantifier": "approximately", "reported_value": 1200, "unit": "persons",
         "role": "headline", "location_name": "Al-Hol camp", "start_date": date(2019, 3, 9),
         "end_date": date(2019, 3, 9), "source_id": world.source.pk, "excerpt": EXCERPTS[1],
         "is_confidential": "false", "location_precision": "exact", "start_precision": "day",
         "end_precision": "day"},
    ]
    for number, values in enumerate(rows, start=2):
        for name, value in values.items():
            sheet.cell(number, column[name], value)
    out = io.BytesIO()
    workbook.save(out)
    before = counts()
    result = run("displacement", out.getvalue(), world.analyst, name="template-displacement.xlsx")
    assert result.ok and result.written, result.error_lines()
    assert result.counts["created"] == 2
    assert counts()["DisplacementFigure"] == before["DisplacementFigure"] + 2
    figures = sorted(result.batch.items.values_list("object_id", flat=True))
    stored = DisplacementFigure.objects.filter(pk__in=figures).order_by("pk")
    assert [(f.term, f.start_date, f.location.name) for f in stored] == [
        ("fled", date(2019, 3, 3), "Baghouz"), ("arrived", date(2019, 3, 9), "Al-Hol camp")]
