"""Excel downloads: the rows on one sheet, the licence on another (and a report's warnings on a third). At most
1,048,575 rows (a sheet's limit, ``API_XLSX_MAX_ROWS``).

Each column's cells are of its kind (``Column.kind``): dates are Excel dates (``yyyy-mm-dd``), times are Excel
date-times in UTC (Excel has no time zones: shown as ``yyyy-mm-dd hh:mm:ssZ``, the Z saying UTC), numbers are numbers
and booleans booleans, so a spreadsheet sorts and filters them as such. Text is formula-escaped.

The workbook is streamed as it is written (``stream``): a ZIP written forward with data descriptors by Python's
``zipfile`` (which does so on a stream it cannot seek), the sheet's XML a row at a time with inline strings. The
first bytes leave before the first row is read, and memory holds one block, whatever the number of rows
(docs/decisions.md, "Workbooks streamed as they are written").
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import timezone

from tracker.exports.cells import BOOLEAN, DATETIME, INTEGER, NUMBER, TEXT, typed
from tracker.exports.columns import Column
from tracker.exports.escape import escape_formula

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss"Z"'  # UTC, as the API writes times
FLUSH_BYTES = 256 * 1024
ROWS_PER_WRITE = 200
#: Excel's longest text in a cell (UTF-16 code units); longer text is cut, as Excel itself would refuse it
TEXT_MAX = 32767
#: a sheet whose XML may pass ZIP's 4 GB limit is written with ZIP64 sizes; reckoned at 200 bytes a cell (most
#: cells take 40), so that only very large downloads carry the extension
CELL_BYTES = 200

# Cell styles (xl/styles.xml's cellXfs): the header's bold, dates, times.
BOLD, DATE_STYLE, DATETIME_STYLE = 1, 2, 3

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTROL = re.compile("(_x[0-9a-fA-F]{4}_)|([\x00-\x08\x0b-\x1f\ufffe\uffff])")
EPOCH = date(1899, 12, 30).toordinal()
LEAP_BUG_END = date(1900, 3, 1)  # Excel counts a 29 February 1900: serials from here on are one day later


def text(value: str) -> str:
    """Text as a cell's XML: cut at Excel's limit, control characters as Excel's ``_xHHHH_`` (and a text that looks
    like one escaped), ``&``, ``<`` and ``>`` escaped."""
    if len(value) > TEXT_MAX // 2 and len(value.encode("utf-16-le")) > 2 * TEXT_MAX:
        value = value.encode("utf-16-le")[: 2 * TEXT_MAX].decode("utf-16-le", "ignore")
    value = CONTROL.sub(lambda match: "_x005F" + match[1] if match[1] else f"_x{ord(match[2]):04X}_", value)
    return escape(value)


def serial(moment: date) -> str:
    """An Excel date-time serial number (days since 1899-12-30, the day's fraction after the point)."""
    day = moment.toordinal() - EPOCH - (moment.toordinal() < LEAP_BUG_END.toordinal())
    if not isinstance(moment, datetime):
        return str(day)
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return repr(day + seconds / 86400) if seconds else str(day)


def cell(ref: str, value) -> str:
    """One typed cell (``cells.typed``) at ``ref`` (``B7``): nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{serial(value)}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{serial(value)}</v></c>'
    return string(ref, escape_formula(str(value)))


def string(ref: str, value: str, style: int = 0) -> str:
    """A text cell, as it is (no formula escaping: the caller's text)."""
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text(value)}</t></is></c>'


def letters(count: int) -> list[str]:
    """The column letters A, B, ... of ``count`` columns."""
    names = []
    for index in range(count):
        name, index = "", index + 1
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        names.append(name)
    return names


def writer(kind: str):
    """``(ref, value) -> cell XML`` for a column of ``kind``: ``cell(ref, typed(value, kind))``, with the values
    that are already of the kind (most of them: the JSON carries integers, floats, booleans and text as such)
    written without the general conversion."""
    def general(ref: str, value) -> str:
        return cell(ref, typed(value, kind))

    if kind == TEXT:
        def write(ref, value):
            if type(value) is str:
                return string(ref, escape_formula(value)) if value else ""
            return general(ref, value)
    elif kind in (INTEGER, NUMBER):
        exact = (int,) if kind == INTEGER else (int, float)

        def write(ref, value):
            return f'<c r="{ref}"><v>{value!r}</v></c>' if type(value) in exact else general(ref, value)
    elif kind == BOOLEAN:
        def write(ref, value):
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>' if type(value) is bool else general(ref, value)
    else:
        write = general
    return write


def rows_xml(items: Iterable[dict], columns: list[Column], refs: list[str], start: int) -> Iterator[str]:
    """The sheet rows of ``items`` (records' representations), numbered from ``start``."""
    plan = [(column.get, writer(column.kind), ref) for column, ref in zip(columns, refs, strict=False)]
    for number, item in enumerate(items, start=start):
        suffix = str(number)
        parts = [f'<row r="{suffix}">']
        for get, write, ref in plan:
            value = get(item)
            if value is not None:
                parts.append(write(ref + suffix, value))
        parts.append("</row>")
        yield "".join(parts)


def sheet_xml(rows: Iterable[str]) -> Iterator[str]:
    yield f'{XML}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


class Sink:
    """Where the ZIP is written: bytes taken out in blocks (a streamed response's chunks). Not seekable, so that
    ``zipfile`` writes each member forward, its sizes after its data."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.data)
        self.data.clear()
        return data


def package_parts(title: str, sheets: list[str], modified: datetime | None = None) -> dict[str, str]:
    """The workbook's parts other than its sheets: content types, relationships, properties (the title, the
    licence, when it was written: ``modified``, now by default), the sheet list and the styles."""
    types = "application/vnd.openxmlformats-officedocument"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{types}.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(sheets) + 1))
    licence = escape(settings.DATA_LICENSE)
    now = (modified or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "[Content_Types].xml": (
            f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{types}.spreadsheetml.sheet.main+xml"/>{overrides}'
            f'<Override PartName="/xl/styles.xml" ContentType="{types}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/custom.xml" ContentType="{types}.custom-properties+xml"/></Types>'),
        "_rels/.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{PACKAGE_RELATIONSHIPS}/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/custom-properties" Target="docProps/custom.xml"/>'
            '</Relationships>'),
        "docProps/core.xml": (
            f'{XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(title)}</dc:title><dc:description>Licence: {licence}</dc:description>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'),
        "docProps/custom.xml": (
            f'{XML}<Properties xmlns="{types}.custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="License">'
            f'<vt:lpwstr>{licence}</vt:lpwstr></property></Properties>'),
        "xl/workbook.xml": (
            f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            + "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
                      for n, name in enumerate(sheets, start=1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{XML}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            + "".join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": (
            f'{XML}<styleSheet xmlns="{MAIN}"><numFmts count="2">'
            f'<numFmt numFmtId="164" formatCode={quoteattr(DATE_FORMAT)}/>'
            f'<numFmt numFmtId="165" formatCode={quoteattr(DATETIME_FORMAT)}/></numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    }


def stream(items: Iterable[dict], columns: list[Column], title: str, warnings: list[dict] | None = None,
           rows: int | None = None, generated: datetime | None = None) -> Iterator[bytes]:
    """The workbook of ``items`` (records' JSON representations) in blocks of about 256 KB, written as it is sent.

    ``warnings`` (a report's, each with a ``code``, ``message`` and ``count``) get a sheet of their own. ``rows``
    (how many items there are, when known) decides whether the rows' sheet needs ZIP64 sizes. ``generated`` (an
    aware time, now by default) is the moment the workbook states and its ZIP members carry: given, the same items
    give the same bytes (a citable release's workbooks, tracker/releases/).
    """
    sink = Sink()
    sheets = [title[:31], *(["warnings"] if warnings else []), "licence"]
    refs = letters(max(len(columns), 4))
    large = rows is None or rows * len(columns) * CELL_BYTES > zipfile.ZIP64_LIMIT
    stamp = generated.astimezone(UTC).timetuple()[:6] if generated else None

    def member(name: str) -> str | zipfile.ZipInfo:
        # zipfile stamps a member written by name with the local time now; one opened by name (the rows' sheet)
        # with 1980-01-01.
        return name if stamp is None else zipfile.ZipInfo(name, date_time=stamp)

    options = {"compress_type": zipfile.ZIP_DEFLATED, "compresslevel": 1}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, xml in package_parts(title, sheets, generated).items():
            package.writestr(member(name), xml, **options)
        count = 0
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=large) as part:
            header = "".join(string(f"{ref}1", column.name, BOLD) for ref, column in zip(refs, columns,
                                                                                         strict=False))
            part.write(f'{XML}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetData>'
                       f'<row r="1">{header}</row>'.encode())
            yield sink.take()  # the first bytes, before a row is read
            pending = []
            for line in rows_xml(items, columns, refs, start=2):
                count += 1
                pending.append(line)
                if len(pending) >= ROWS_PER_WRITE:
                    part.write("".join(pending).encode())
                    pending.clear()
                    if len(sink.data) >= FLUSH_BYTES:
                        yield sink.take()
            part.write(("".join(pending) + "</sheetData></worksheet>").encode())
        number = 2
        if warnings:
            names = ("code", "count", "message", "ids")
            header = "".join(string(f"{ref}1", name, BOLD) for ref, name in zip(refs, names, strict=False))
            lines = [f'<row r="1">{header}</row>']
            for n, warning in enumerate(warnings, start=2):
                ids = " ".join(str(pk) for pk in warning.get("ids") or ())
                lines.append(f'<row r="{n}">{string(f"A{n}", str(warning.get("code", "")))}'
                             f'{cell(f"B{n}", warning.get("count"))}'
                             f'{string(f"C{n}", escape_formula(str(warning.get("message", ""))))}'
                             f'{string(f"D{n}", ids) if ids else ""}</row>')
            package.writestr(member(f"xl/worksheets/sheet{number}.xml"), "".join(sheet_xml(lines)), **options)
            number += 1
        moment = typed((generated or timezone.now()).replace(microsecond=0), DATETIME)
        licence = [f'<row r="1">{string("A1", "Licence")}{string("B1", settings.DATA_LICENSE)}</row>',
                   f'<row r="2">{string("A2", "Generated")}{cell("B2", moment)}</row>',
                   f'<row r="3">{string("A3", "Rows")}{cell("B3", count)}</row>']
        package.writestr(member(f"xl/worksheets/sheet{number}.xml"), "".join(sheet_xml(licence)), **options)
    yield sink.take()

