"""A spreadsheet's header and rows, streamed: CSV (UTF-8, with or without BOM, or UTF-16 with its BOM), HXL-tagged
CSV and XLSX.

Rows are read one at a time and never held together (openpyxl's read-only mode for XLSX, ``csv`` over the decoded
text for CSV), so a 100,000-row preview stays within a few hundred megabytes whatever the file's size. A file
that cannot be read raises ``FileRefused`` with a message naming what to change; a cell that cannot be read
(a formula) is reported on its row by the engine.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

XLSX_MAGIC = b"PK\x03\x04"
#: things that are plainly not spreadsheets, by their first bytes
NOT_SPREADSHEETS = {b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                    b"GIF8": "a GIF image", b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file"}
_HXL_TAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$", re.IGNORECASE)


class FileRefused(ValueError):
    """The file as a whole cannot be imported: the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Cell:
    """A cell's value: text for CSV; for XLSX what the cell holds (text, number, date, boolean) and whether it
    is a formula."""

    value: object
    formula: bool = False


@dataclass
class Table:
    headers: list[str]
    #: the HXL hashtag row, where the file has one (under the headers, or alone as the first row)
    hashtags: list[str] | None
    #: (row number as a spreadsheet shows it, cells) for every row after the header rows
    rows: Iterator[tuple[int, list[Cell]]]
    format: str
    #: rows the reader holds in all (an estimate for CSV: its line count), for progress
    size_hint: int = 0
    notes: list[str] = field(default_factory=list)


def _is_hashtag_row(values: list[str]) -> bool:
    filled = [v.strip() for v in values if v and v.strip()]
    return bool(filled) and all(_HXL_TAG.match(v) for v in filled)


def check_encoding(name: str) -> str:
    """A text encoding's name, stripped, or FileRefused naming it (every door asks here before reading)."""
    name = name.strip()
    if not name:
        return ""
    try:
        known = codecs.lookup(name)._is_text_encoding
    except (LookupError, ValueError, TypeError):
        known = False
    if not known:
        raise FileRefused(f"Unknown text encoding '{name}': give one such as utf-8, cp1252 or latin-1.")
    return name


def decode_csv(data: bytes, encoding: str = "") -> str:
    """The file's text. UTF-8 (a BOM is dropped) and UTF-16 with a BOM are read; anything else is refused with
    the line where it stops being UTF-8, unless the caller names the encoding."""
    if encoding:
        try:
            return data.decode(encoding).removeprefix("\ufeff")  # a BOM, when the named encoding keeps it
        except LookupError as error:
            raise FileRefused(f"Unknown encoding '{encoding}'.") from error
        except UnicodeDecodeError as error:
            raise FileRefused(f"The file is not {encoding}: byte {error.start} is not {encoding}.") from error
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        head = data[: error.start]
        mixed = any(byte >= 0x80 for byte in head)
        if mixed:
            raise FileRefused(
                f"The file mixes encodings: line {line} is not UTF-8 while earlier lines are. Save the whole "
                "sheet again as 'CSV UTF-8' and import that."
            ) from error
        raise FileRefused(
            f"The file is not UTF-8 (line {line} holds a byte UTF-8 does not use; Excel's plain 'CSV' is "
            "Windows-1252). Save it as 'CSV UTF-8', or name its encoding (for example cp1252)."
        ) from error


def _sniff_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:20000]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_csv(data: bytes, *, encoding: str = "") -> Table:
    text = decode_csv(data, encoding)
    if "\x00" in text:
        raise FileRefused("This file holds binary data: it is not a CSV file. Upload CSV, XLSX or HXL-tagged CSV.")
    dialect = _sniff_dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        first = next(reader, None)
    except csv.Error as error:
        raise FileRefused(f"The file cannot be read as CSV: {error}.") from error
    if first is None or not any(cell.strip() for cell in first):
        raise FileRefused("The file is empty: its first row should hold the column headers.")
    start = 2
    headers, hashtags = first, None
    if _is_hashtag_row(first):
        hashtags, headers = first, ["" for _ in first]
    else:
        position = 0
        peek = next(reader, None)
        if peek is not None and _is_hashtag_row(peek):
            hashtags = peek
            start = 3
        elif peek is not None:
            position = 1
        if position:
            def rows_with_peek(first_row=peek) -> Iterator[tuple[int, list[Cell]]]:
                yield 2, [Cell(v) for v in first_row]
                yield from _csv_rows(reader, 3)

            return Table(headers, None, rows_with_peek(), "csv", size_hint=text.count("\n"))
    return Table(headers, hashtags, _csv_rows(reader, start), "hxl" if hashtags else "csv",
                 size_hint=text.count("\n"))


def _csv_rows(reader, start: int) -> Iterator[tuple[int, list[Cell]]]:
    number = start
    try:
        for row in reader:
            yield number, [Cell(v) for v in row]
            number += 1
    except csv.Error as error:
        raise FileRefused(f"Row {number} cannot be read as CSV: {error}.") from error


def _xlsx_value(cell) -> Cell:
    value = cell.value
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                  and getattr(cell, "data_type", None) == "f"):
        return Cell(value, formula=True)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    return Cell(value)


#: what openpyxl raises, somewhere in a workbook, when its zip or XML is damaged
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError, TypeError, SyntaxError)


def _guarded(rows: Iterator) -> Iterator:
    """A sheet's rows, a damaged part of the workbook refused with a message rather than raised."""
    number = 0
    try:
        for number, row in enumerate(rows, start=1):  # noqa: B007 - the number is read after the loop
            yield row
    except DAMAGED as error:
        raise FileRefused(f"The workbook is damaged (after row {number}): open it in a spreadsheet and save it "
                          "again, or export it as CSV UTF-8.") from error


def read_xlsx(data: bytes) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, *DAMAGED) as error:
        raise FileRefused("This file cannot be read as an Excel workbook (.xlsx). Upload CSV, XLSX or "
                          "HXL-tagged CSV.") from error
    sheet = workbook.worksheets[0]
    rows = _guarded(sheet.iter_rows())
    first = next(rows, None)
    if first is None:
        raise FileRefused("The first sheet is empty: its first row should hold the column headers.")
    header_cells = [_xlsx_value(cell) for cell in first]
    if any(cell.formula for cell in header_cells):
        raise FileRefused("A header cell holds a formula: type the column names as text.")
    headers = ["" if cell.value is None else str(cell.value) for cell in header_cells]
    hashtags, start = None, 2
    if _is_hashtag_row(headers):
        hashtags, headers = headers, ["" for _ in headers]
        peek_rows = None
    else:
        peek = next(rows, None)
        peek_rows = peek
        if peek is not None:
            values = ["" if c.value is None else str(c.value) for c in peek]
            if _is_hashtag_row(values):
                hashtags, peek_rows, start = values, None, 3

    def generate() -> Iterator[tuple[int, list[Cell]]]:
        number = start
        if peek_rows is not None:
            yield number, [_xlsx_value(c) for c in peek_rows]
            number += 1
        for row in rows:
            yield number, [_xlsx_value(c) for c in row]
            number += 1
        workbook.close()

    size = (sheet.max_row or 0) - (start - 1)
    return Table(headers, hashtags, generate(), "xlsx", size_hint=max(size, 0),
                 notes=[f"Read the first sheet, '{sheet.title}'."] if len(workbook.worksheets) > 1 else [])


def read_table(name: str, data: bytes, *, encoding: str = "") -> Table:
    """The file's table, by its content (the name only breaks ties)."""
    if not data:
        raise FileRefused("The file is empty.")
    for magic, what in NOT_SPREADSHEETS.items():
        if data.startswith(magic):
            raise FileRefused(f"This file is {what}, not a spreadsheet. Upload CSV, XLSX or HXL-tagged CSV.")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"{", b"[")):
        what = "an HTML page" if b"html" in head[:20] else "XML" if head.startswith(b"<?xml") else "JSON"
        raise FileRefused(f"This file is {what}, not a spreadsheet. Upload CSV, XLSX or HXL-tagged CSV.")
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused("This file is named .xlsx but is not an Excel workbook.")
    return read_csv(data, encoding=encoding)


def cell_text(value: object) -> str:
    """A cell as the text a CSV rendering of the sheet shows (dates ISO, whole numbers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
