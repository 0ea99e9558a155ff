"""Excel downloads: the rows on one sheet, the licence on another (and a report's warnings on a third). At most
1,048,575 rows (a sheet's limit, ``API_XLSX_MAX_ROWS``).

Each column's cells are of its kind (``Column.kind``): dates are Excel dates (``yyyy-mm-dd``), times are Excel
date-times in UTC (Excel has no time zones: shown as ``yyyy-mm-dd hh:mm:ssZ``, the Z saying UTC), numbers are numbers
and booleans booleans, so a spreadsheet sorts and filters them as such. Text is formula-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from tracker.exports.cells import DATETIME, typed
from tracker.exports.columns import Column
from tracker.exports.escape import escape_formula

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss"Z"'  # UTC, as the API writes times


def write_workbook(target, items: Iterable[dict], columns: list[Column], title: str,
                   warnings: list[dict] | None = None) -> int:
    """Write the rows to ``target`` (a path or binary file) row by row, in constant memory; returns the count.

    ``warnings`` (a report's, each with a ``code``, ``message`` and ``count``) get a sheet of their own.
    """
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )
    workbook.set_properties({"title": title, "comments": f"Licence: {settings.DATA_LICENSE}"})
    workbook.set_custom_property("License", settings.DATA_LICENSE)
    bold = workbook.add_format({"bold": True})
    formats = {date: workbook.add_format({"num_format": DATE_FORMAT}),
               datetime: workbook.add_format({"num_format": DATETIME_FORMAT})}
    sheet = workbook.add_worksheet(title[:31])
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.name, bold)
    kinds = [column.kind for column in columns]
    count = 0
    for count, item in enumerate(items, start=1):
        for col, column in enumerate(columns):
            write_cell(sheet, count, col, typed(column.value(item), kinds[col]), formats)
    if warnings:
        about = workbook.add_worksheet("warnings")
        for col, name in enumerate(("code", "count", "message", "ids")):
            about.write_string(0, col, name, bold)
        for row, warning in enumerate(warnings, start=1):
            about.write_string(row, 0, str(warning.get("code", "")))
            write_cell(about, row, 1, warning.get("count"), formats)
            about.write_string(row, 2, escape_formula(str(warning.get("message", ""))))
            ids = warning.get("ids")
            if ids:
                about.write_string(row, 3, " ".join(str(pk) for pk in ids))
    about = workbook.add_worksheet("licence")
    about.write_string(0, 0, "Licence")
    about.write_string(0, 1, settings.DATA_LICENSE)
    about.write_string(1, 0, "Generated")
    write_cell(about, 1, 1, typed(timezone.now().replace(microsecond=0), DATETIME), formats)
    about.write_string(2, 0, "Rows")
    about.write_number(2, 1, count)
    workbook.close()
    return count


def write_cell(sheet, row: int, col: int, value, formats: dict) -> None:
    """One typed cell (``cells.typed``): nothing for null."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats[datetime])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats[date])
    else:
        sheet.write_string(row, col, escape_formula(str(value)))
