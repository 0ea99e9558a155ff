"""Bad files: each gets a message saying what to change, and nothing is written."""

from __future__ import annotations

import codecs
import random
from datetime import date

import pytest

from tests.imports.conftest import EXCERPTS, HEADER, counts, csv_bytes, errors_of, row, run, xlsx_bytes
from tracker.models import DisplacementFigure


def refused(result) -> str:
    """The whole-file refusal of a result that wrote nothing."""
    assert not result.written
    assert result.file_errors, result.error_lines()
    return " ".join(result.file_errors)


@pytest.mark.parametrize("data, name, said", [
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "figures.pdf", "a PDF, not a spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "figures.png", "a PNG image, not a spreadsheet"),
    (b"<!DOCTYPE html><html><body><table><tr><td>term</td></tr></table></body></html>", "figures.csv",
     "an HTML page, not a spreadsheet"),
    (bytes(range(32)) * 20, "figures.csv", "binary data"),
    (b"PK\x03\x04 not really a zip archive", "figures.xlsx", "cannot be read as an Excel workbook"),
    (b"term,category\nfled,flow\n", "figures.xlsx", "named .xlsx but is not an Excel workbook"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused(world, data, name, said):
    before = counts()
    result = run("displacement", data, world.analyst, name=name)
    assert said in refused(result)
    assert "Upload CSV, XLSX or HXL-tagged CSV" in refused(result) or name.endswith(".xlsx")
    assert counts() == before


def test_random_bytes_are_refused(world):
    noise = bytes(random.Random(7).randrange(128, 256) for _ in range(4000))
    before = counts()
    assert "not UTF-8" in refused(run("displacement", noise, world.analyst))
    assert counts() == before


def _with_notes(source, notes: list[str]) -> list[list[str]]:
    return [[*HEADER, "notes"], *[[*row(source), note] for note in notes]]


def test_a_windows_1252_csv_is_refused_with_its_line_and_read_when_its_encoding_is_named(world):
    data = csv_bytes(_with_notes(world.source, ["plain", "Déplacés vers Hajin"]), encoding="cp1252")
    before = counts()
    message = refused(run("displacement", data, world.analyst))
    assert "not UTF-8 (line 3" in message and "cp1252" in message
    assert counts() == before

    result = run("displacement", data, world.analyst, encoding="cp1252")
    assert result.written and result.counts["created"] == 2
    assert DisplacementFigure.objects.filter(notes="Déplacés vers Hajin").count() == 1


def test_mixed_encodings_are_refused(world):
    utf8 = csv_bytes(_with_notes(world.source, ["Réfugiés"]))
    cp1252 = csv_bytes([[*row(world.source), "Déplacés"]], encoding="cp1252")
    before = counts()
    message = refused(run("displacement", utf8 + cp1252, world.analyst))
    assert "mixes encodings: line 3 is not UTF-8" in message
    assert counts() == before


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_utf8_with_bom_and_utf16_are_read(world, encoding):
    data = csv_bytes(_with_notes(world.source, ["Déplacés"]), encoding=encoding)
    assert data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    result = run("displacement", data, world.analyst)
    assert result.written, result.error_lines()
    figure = DisplacementFigure.objects.get()
    assert figure.notes == "Déplacés" and figure.term == "fled"  # the first header is not read with a BOM glued on


def test_a_semicolon_separated_csv_is_read(world):
    result = run("displacement", csv_bytes([HEADER, row(world.source)], delimiter=";"), world.analyst)
    assert result.written and result.counts["created"] == 1


def test_a_missing_required_column_fails_every_row(world):
    header = [name for name in HEADER if name != "term"]
    data = csv_bytes([header, [value for name, value in zip(HEADER, row(world.source), strict=True)
                               if name != "term"]])
    before = counts()
    result = run("displacement", data, world.analyst)
    assert not result.written and result.counts["failed"] == 1
    assert "row 2, column term: This field is required." in result.error_lines()
    assert counts() == before


def test_an_unknown_column_is_refused_with_our_columns_listed(world):
    data = csv_bytes([[*HEADER, "Remarks"], [*row(world.source), "seen by the team"]])
    before = counts()
    message = refused(run("displacement", data, world.analyst))
    assert "Unknown column: 'Remarks'" in message
    assert "Our columns: id, term, category" in message and "location_pcode" in message
    assert counts() == before


def test_a_column_named_twice_is_refused(world):
    data = csv_bytes([[*HEADER, "Term"], [*row(world.source), "fled"]])
    assert "Two columns are both 'term'" in refused(run("displacement", data, world.analyst))


def test_a_formula_in_an_xlsx_cell_is_refused_by_row_and_column(world):
    at = HEADER.index("reported_value")
    data = xlsx_bytes([HEADER, row(world.source), row(world.source, excerpt=EXCERPTS[1])],
                      write=lambda book, sheet: sheet.write_formula(2, at, "=SUM(B1:B2)", None, 4000))
    before = counts()
    result = run("displacement", data, world.analyst, name="figures.xlsx")
    assert not result.written and result.counts["failed"] == 1
    assert [line for line in result.error_lines() if line.startswith("row 3")] == [
        "row 3, column reported_value: This cell holds a formula (=SUM(B1:B2)): import values, not formulas "
        "(paste as values in your spreadsheet first)."]
    assert counts() == before


def test_formula_text_in_a_csv_cell_is_refused_by_row_and_column(world):
    data = csv_bytes([HEADER, row(world.source, reported_value="=SUM(D2:D9)")])
    before = counts()
    result = run("displacement", data, world.analyst)
    assert errors_of(result) == {2: {"reported_value": [
        "This cell holds a formula (=SUM(D2:D9)): import values, not formulas (paste as values in your "
        "spreadsheet first)."]}}
    assert counts() == before


def test_iso_dates_are_read_and_day_first_only_when_declared(world):
    data = csv_bytes([HEADER, row(world.source, start="05/03/2019", end="2019-03-10")])
    before = counts()
    result = run("displacement", data, world.analyst)
    assert errors_of(result) == {2: {"start_date": [
        "Enter a valid date. Write dates as YYYY-MM-DD, or declare the file's dates day-first to read DD/MM/YYYY."]}}
    assert counts() == before

    result = run("displacement", data, world.analyst, day_first=True)
    assert result.written, result.error_lines()
    assert DisplacementFigure.objects.get().start_date == date(2019, 3, 5)


def test_a_date_in_another_format_is_an_error_even_day_first(world):
    data = csv_bytes([HEADER, row(world.source, start="March 5, 2019")])
    result = run("displacement", data, world.analyst, day_first=True)
    assert list(errors_of(result)[2]) == ["start_date"]
    assert "Enter a valid date." in errors_of(result)[2]["start_date"][0]


def test_excel_date_cells_and_numbers_as_text_are_read(world):
    figure = row(world.source)
    figure[HEADER.index("start_date")] = date(2019, 3, 3)
    figure[HEADER.index("end_date")] = date(2019, 3, 10)
    as_number = row(world.source, excerpt=EXCERPTS[1], place="Al-Hol camp")
    as_number[HEADER.index("reported_value")] = 1200
    result = run("displacement", xlsx_bytes([HEADER, figure, as_number]), world.analyst, name="figures.xlsx")
    assert result.written, result.error_lines()
    stored = {f.reported_value: f for f in DisplacementFigure.objects.all()}
    assert set(stored) == {4000, 1200}  # "4000" typed as text, 1200 as a number
    assert (stored[4000].start_date, stored[4000].end_date) == (date(2019, 3, 3), date(2019, 3, 10))


def test_thousands_separators_are_read(world):
    result = run("displacement", csv_bytes([HEADER, row(world.source, value="12,500")]), world.analyst)
    assert result.written, result.error_lines()
    assert DisplacementFigure.objects.get().reported_value == 12500


def test_a_number_that_is_not_one_gets_the_forms_message(world):
    result = run("displacement", csv_bytes([HEADER, row(world.source, value="4.000,5")]), world.analyst)
    assert errors_of(result) == {2: {"reported_value": ["Enter a whole number."]}}


def test_empty_rows_are_passed_over_and_counted(world):
    blank = [""] * len(HEADER)
    data = csv_bytes([HEADER, row(world.source), blank, ["  "] * len(HEADER),
                      row(world.source, excerpt=EXCERPTS[1], place="Al-Hol camp")])
    result = run("displacement", data, world.analyst)
    assert result.written, result.error_lines()
    assert result.counts["created"] == 2 and result.counts["empty"] == 2 and result.counts["rows"] == 2
    assert "2 empty row(s) were passed over." in result.notes


def test_merged_header_cells_are_refused(world):
    """The header "term" merged over two columns: the second column's data has no header to go under."""
    header = [HEADER[0], None, *HEADER[1:]]
    data_row = row(world.source)
    data = xlsx_bytes([header, [data_row[0], "fled", *data_row[1:]]],
                      write=lambda book, sheet: sheet.merge_range(0, 0, 0, 1, "term"))
    before = counts()
    result = run("displacement", data, world.analyst, name="figures.xlsx")
    assert not result.written
    assert errors_of(result) == {2: {"row": [
        "Column 2 holds data but has no header (merged header cells are not read): give every column its own "
        "header."]}}
    assert counts() == before


def test_a_cell_past_the_last_header_is_refused(world):
    result = run("displacement", csv_bytes([HEADER, [*row(world.source), "stray"]]), world.analyst)
    assert errors_of(result) == {2: {"row": [
        f"Cell {len(HEADER) + 1} is past the last column header: give it a header or remove it."]}}


@pytest.mark.parametrize("name, build", [("figures.csv", csv_bytes), ("figures.xlsx", xlsx_bytes)])
def test_a_sheet_past_the_row_limit_is_refused(world, settings, name, build):
    settings.IMPORT_MAX_ROWS = 2
    rows = [row(world.source, excerpt=excerpt) for excerpt in EXCERPTS]
    before = counts()
    message = refused(run("displacement", build([HEADER, *rows]), world.analyst, name=name))
    assert "past the limit of 2" in message or "more than 2 rows" in message
    assert "split it into files" in message
    assert counts() == before

    result = run("displacement", build([HEADER, *rows[:2]]), world.analyst, name=name)
    assert result.written, result.error_lines()


def test_an_excerpt_not_in_the_sources_stored_text_is_an_error_on_the_excerpt(world):
    data = csv_bytes([HEADER, row(world.source), row(world.source, excerpt="Nobody left Baghouz this week.")])
    before = counts()
    result = run("displacement", data, world.analyst)
    assert not result.written and result.counts["failed"] == 1
    assert errors_of(result) == {3: {"excerpt": ["This excerpt does not occur in the source's stored text."]}}
    assert counts() == before


@pytest.mark.parametrize("name, build", [("figures.csv", csv_bytes), ("figures.xlsx", xlsx_bytes)])
def test_a_sheet_of_headers_only_or_empty_rows_is_refused(world, name, build):
    for rows in ([HEADER], [HEADER, [""] * len(HEADER), [" "] * len(HEADER)]):
        result = run("displacement", build(rows), world.analyst, name=name)
        assert refused(result) == ("The file has no rows under its column headers (empty rows are passed over): "
                                   "nothing to import.")
        assert result.batch.status == "previewed"


@pytest.mark.parametrize("data, name, said", [
    (b"", "figures.csv", "The file is empty."),
    (b"\r\n\r\n", "figures.csv", "The file is empty: its first row should hold the column headers."),
])
def test_an_empty_file_is_refused(world, data, name, said):
    assert refused(run("displacement", data, world.analyst, name=name)) == said


def test_an_empty_workbook_is_refused(world):
    assert refused(run("displacement", xlsx_bytes([]), world.analyst, name="figures.xlsx")) == (
        "The first sheet is empty: its first row should hold the column headers.")


def test_a_workbook_of_several_sheets_is_read_from_its_first(world):
    data = xlsx_bytes([HEADER, row(world.source)],
                      write=lambda book, sheet: book.add_worksheet("Notes").write(0, 0, "Compiled by the team"))
    result = run("displacement", data, world.analyst, name="figures.xlsx")
    assert result.written and "Read the first sheet, 'Data'." in result.notes


@pytest.mark.parametrize("written, named", [("utf-8-sig", "utf-8"), ("utf-8-sig", "UTF8"), ("utf-16", "utf-16-le")])
def test_a_named_encoding_reads_a_file_with_a_bom(world, written, named):
    data = csv_bytes([HEADER, row(world.source)], encoding=written)
    result = run("displacement", data, world.analyst, encoding=named)
    assert result.written, result.error_lines()


def test_an_unknown_or_wrong_named_encoding_is_refused(world):
    data = csv_bytes(_with_notes(world.source, ["Déplacés"]), encoding="cp1252")
    assert refused(run("displacement", data, world.analyst, encoding="klingon")) == "Unknown encoding 'klingon'."
    message = refused(run("displacement", data, world.analyst, encoding="utf-8"))
    assert message.startswith("The file is not utf-8: byte ")
