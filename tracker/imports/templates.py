"""The XLSX template of each kind of import: our writable columns as headers, each with a comment saying what goes
there, drop-down lists where a field has fixed choices, and date cells formatted and checked as dates.

The template is built from ``spec.writable_columns`` (the export registry's columns that an import writes), and
each list from the model field's own choices, so a column or a choice changed in the code changes the template
with it. The first sheet is the one an import reads; "Read me" explains each column; long lists live on a hidden
"lists" sheet, since Excel keeps a list typed into a validation to 255 characters.
"""

from __future__ import annotations

import io
from datetime import date
from typing import BinaryIO

import xlsxwriter
from django.db import models

from tracker.imports import spec
from tracker.imports.spec import ImportColumn
from tracker.models import ImportKind, Location

#: rows that carry the lists and date checks (Excel's last row)
LAST_ROW = 1_048_575
#: the longest list Excel accepts typed into a validation (values joined with commas)
INLINE_LIST_LIMIT = 255
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)

_BY = {
    spec.BY_ID: "Give its id, as the admin and the API show it.",
    spec.BY_CODE: "Give its code: a place's P-code, or a country's ISO3 (SYR).",
    spec.BY_URL: "Give its URL; it is compared without tracking parameters, 'www.' or the scheme, and must "
                 "already be stored (add the source first, or give its id).",
    spec.SCOPE: "A country's ISO3 code (SYR): place names in the row are looked up within that country.",
}
_BY_NAME = {
    Location: "Looked up by name or alternate name (within the country of country_iso3 when the row gives one); "
              "a name several places share is refused with the candidates: then give the P-code or id.",
    "event": "Looked up by the event's name; a name several events share is refused: then give event_id.",
    "organization": "Looked up by full name, then acronym or alias; it must already exist (import organizations "
                    "first). A name several organizations share is refused with the candidates.",
}


def template_filename(kind: str) -> str:
    return f"template-{kind}.xlsx"


def model_field(kind: str, column: ImportColumn) -> models.Field | None:
    """The model field a FIELD column writes (None for names resolved to rows, and lists of names)."""
    if column.role.role != spec.FIELD:
        return None
    target = column.role.target or column.name
    return spec.MODELS[kind]._meta.get_field(target.removesuffix("_id") if target.endswith("_id") else target)


def choices_of(field: models.Field | None) -> list[str]:
    """The values a list offers: the field's choices, or true/false for a boolean."""
    if field is None:
        return []
    if field.choices:
        return [str(value) for value, _ in field.flatchoices if value not in ("", None)]
    if isinstance(field, models.BooleanField):
        return ["true", "false"]
    return []


def is_date(field: models.Field | None) -> bool:
    return isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)


def requirement(kind: str, column: ImportColumn) -> str:
    """Whether a new row needs this column, in a sentence."""
    for group in spec.required_columns(kind):
        if column.name in group:
            others = sorted(group - {column.name})
            if not others:
                return "Required for new rows."
            return f"Required for new rows: this column or {' or '.join(others)}."
    return "Optional."


def resolution(column: ImportColumn) -> str:
    """How a name, code or id in the cell is found among the stored rows."""
    role = column.role
    if role.role == spec.MANY:
        if role.model is None:
            return "Several names separated by '; '; those missing are added, none removed."
        return "Several organizations separated by '; ', each looked up by full name, acronym or alias."
    if role.role != spec.REF:
        return ""
    if role.by != spec.BY_NAME:
        return _BY[role.by]
    if role.model is Location:
        return _BY_NAME[Location]
    return _BY_NAME["event" if role.target == "event" else "organization"]


def column_note(kind: str, column: ImportColumn) -> str:
    """The header's comment: what the column holds, how names are found, its list or format, whether required."""
    field = model_field(kind, column)
    parts = [spec.column_help(kind, column) or (str(field.verbose_name).capitalize() + "." if field else "")]
    parts.append(resolution(column))
    values = choices_of(field)
    if field is not None and field.choices:
        shown = [str(value) if str(label).casefold() == str(value).casefold().replace("_", " ")
                 else f"{value} ({label})" for value, label in field.flatchoices if value not in ("", None)]
        parts.append("Pick from the list: " + ", ".join(shown) + ". The import also reads a label, in any case.")
    elif values:
        parts.append("true or false.")
    if is_date(field):
        parts.append("A date, YYYY-MM-DD.")
    parts.append(requirement(kind, column))
    if column.hxl:
        parts.append(f"HXL: {column.hxl}")
    return "\n".join(part.strip() for part in parts if part and part.strip())


class ListSheet:
    """Where a drop-down's values come from: typed into the validation when short, else a column of the hidden
    "lists" sheet (made on first use)."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.sheet = None
        self.columns = 0

    def source(self, name: str, values: list[str]) -> list[str] | str:
        if len(",".join(values)) <= INLINE_LIST_LIMIT and not any("," in value for value in values):
            return values
        if self.sheet is None:
            self.sheet = self.workbook.add_worksheet("lists")
            self.sheet.hide()
        col = self.columns
        self.columns += 1
        self.sheet.write_string(0, col, name)
        for row, value in enumerate(values, start=1):
            self.sheet.write_string(row, col, value)
        letter = xlsxwriter.utility.xl_col_to_name(col)
        return f"=lists!${letter}$2:${letter}${len(values) + 1}"


def _validate(sheet, col: int, kind: str, column: ImportColumn, lists: ListSheet, date_format) -> None:
    field = model_field(kind, column)
    values = choices_of(field)
    if values:
        sheet.data_validation(1, col, LAST_ROW, col, {
            "validate": "list", "source": lists.source(column.name, values),
            "error_type": "warning", "error_title": column.name,
            "error_message": "Not one of the list's values: the import reads a value or its label, nothing else.",
        })
    elif is_date(field):
        sheet.set_column(col, col, 12, date_format)
        sheet.data_validation(1, col, LAST_ROW, col, {
            "validate": "date", "criteria": "between", "minimum": EARLIEST, "maximum": LATEST,
            "error_type": "warning", "error_title": column.name,
            "error_message": "Not a date: write it as YYYY-MM-DD.",
        })


def _read_me(workbook, kind: str, columns: list[ImportColumn], bold, wrap) -> None:
    sheet = workbook.add_worksheet("Read me")
    label = ImportKind(kind).label
    lines = [
        f"Template for importing {label.lower()}: fill the first sheet, one row per record, and import it from "
        "the admin (Import batches) or POST /api/v1/imports/ with kind=" + kind + ".",
        "Leave out the columns you do not need; keep the header names. Hover over a header to read what goes "
        "there.",
        "Every new row needs at least one column of each of these groups:",
        *("  " + " or ".join(sorted(group)) for group in spec.required_columns(kind)),
    ]
    if kind in spec.CLAIM_KINDS:
        lines.append("Rows that name no source (source_id or source_url) take the file itself as their source: "
                     "say who published it when importing, and each row's line becomes its excerpt.")
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line)
    top = len(lines) + 1
    for col, title in enumerate(("column", "required", "what it holds")):
        sheet.write_string(top, col, title, bold)
    for row, column in enumerate(columns, start=top + 1):
        sheet.write_string(row, 0, column.name)
        sheet.write_string(row, 1, requirement(kind, column))
        sheet.write_string(row, 2, column_note(kind, column), wrap)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 100)


def write_template(kind: str, target: str | BinaryIO) -> None:
    """Write the template of ``kind`` to ``target`` (a path or a binary file)."""
    columns = spec.writable_columns(kind)
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(kind)
    lists = ListSheet(workbook)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, max(12, len(column.name) + 2))
        sheet.write_string(0, col, column.name, bold)
        sheet.write_comment(0, col, column_note(kind, column), {"x_scale": 2.5, "y_scale": 2.5})
        _validate(sheet, col, kind, column, lists, date_format)
    sheet.freeze_panes(1, 0)
    _read_me(workbook, kind, columns, bold, wrap)
    sheet.activate()
    workbook.close()


def template_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    write_template(kind, out)
    return out.getvalue()
