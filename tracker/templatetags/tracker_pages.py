"""Filters the public pages use to show totals: an open upper bound is never printed as a number."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from tracker.formatting import count, persons_range, total

register = template.Library()


@register.filter
def num(value: int | None) -> str:
    """12,345; empty for None."""
    return count(value)


@register.filter
def figure(row: Any) -> str:
    """'20,000 (20,000–99,999)', '4,000 (4,000 or more)', 'unquantified' for a report row or a record."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return persons_range(get("low"), get("best"), get("high"), bool(get("high_open")))


@register.filter
def bounds(row: Any) -> str:
    """'20,000–99,999' or '4,000 or more'."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return total(get("low"), get("high"), bool(get("high_open")))


@register.simple_tag(takes_context=True)
def page_url(context: dict, param: str, number: int) -> str:
    """The current URL with one page parameter changed, the others kept."""
    query: QueryDict = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


def _shown(value: Any) -> str:
    """A number as ``{{ value }}`` prints it (``localize``), without the template's lookups for each."""
    return str(value) if type(value) is int and not settings.USE_THOUSAND_SEPARATOR else str(localize(value))


@register.filter
def numbers_data(row: dict[str, Any]) -> SafeString:
    """A total's numbers as the data attributes its card or table row carries (numbers and booleans only: nothing
    to escape), written at once: a page has hundreds of them."""
    high = "" if row["high"] is None else _shown(row["high"])
    return mark_safe(  # noqa: S308 - numbers, None and a boolean word only
        f' data-low="{_shown(row["low"])}" data-best="{_shown(row["best"])}" data-high="{high}" '
        f'data-high-open="{"true" if row["high_open"] else "false"}"')


@register.filter
def day(value: date | None) -> str:
    """``value|date:"j M Y"`` ("5 Dec 2026"), with Django's month names, without its format parser."""
    return "" if value is None else f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"


@register.filter
def month(value: date | None) -> str:
    """``value|date:"F Y"`` ("December 2026"), likewise."""
    return "" if value is None else f"{MONTHS[value.month]} {value.year:04d}"


@register.filter
def total_cells(row: dict[str, Any]) -> SafeString:
    """A time row's best, its low–high and its number of figures ("*" when one began in an earlier bucket) as
    three table cells: an event's surrenders table has a row for every month of its years."""
    star = "*" if row.get("multi_bucket_count") else ""
    return mark_safe(  # noqa: S308 - each text escaped
        f'<td class="n">{escape(count(row["best"]))}</td>'
        f'<td class="n">{escape(total(row["low"], row["high"], bool(row["high_open"])))}</td>'
        f'<td class="n">{escape(_shown(row["figures_count"]))}{star}</td>')


@register.filter
def record_refs(ids: list[int]) -> str:
    """Record ids as a counting note names them: "#12, #40, #41" (up to a hundred ids in each of a page's notes)."""
    return ", ".join(f"#{_shown(pk)}" for pk in ids)


@register.filter
def chart_table_rows(rows: list[dict[str, Any]]) -> SafeString:
    """A weekly chart's data table rows (:func:`tracker.charts.weekly.chart_table`), written at once: a chart has a
    row for each week with a report, up to two years of them."""
    span_row = ' class="span-row"'
    return mark_safe("".join(  # noqa: S308 - each text escaped
        f'\n        <tr{span_row if row["period"] else ""}><td>{escape(row["week_text"])}</td>'
        f'<td>{escape(row["period_text"])}</td><td class="n">{escape(row["figure"])}</td>'
        f'<td class="n">{escape(_shown(row["figures_count"]))}</td></tr>\n      ' for row in rows))
