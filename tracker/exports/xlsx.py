"""Excel downloads: the rows on one sheet, the licence on another. At most 1,048,575 rows (a sheet's limit,
``API_XLSX_MAX_ROWS``)."""

from __future__ import annotations

from collections.abc import Iterable

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from tracker.exports.cells import plain
from tracker.exports.columns import Column
from tracker.exports.escape import escape_formula


def write_workbook(target, items: Iterable[dict], columns: list[Column], title: str) -> int:
    """Write the rows to ``target`` (a path or binary file) row by row, in constant memory; returns the count."""
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )
    workbook.set_properties({"title": title, "comments": f"Licence: {settings.DATA_LICENSE}"})
    workbook.set_custom_property("License", settings.DATA_LICENSE)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(title[:31])
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.name, bold)
    count = 0
    for count, item in enumerate(items, start=1):
        for col, column in enumerate(columns):
            value = plain(column.value(item))
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(count, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(count, col, value)
            else:
                sheet.write_string(count, col, escape_formula(str(value)))
    about = workbook.add_worksheet("licence")
    about.write_string(0, 0, "Licence")
    about.write_string(0, 1, settings.DATA_LICENSE)
    about.write_string(1, 0, "Generated")
    about.write_string(1, 1, timezone.now().isoformat(timespec="seconds"))
    about.write_string(2, 0, "Rows")
    about.write_number(2, 1, count)
    workbook.close()
    return count
