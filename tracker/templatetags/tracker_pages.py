"""Filters the public pages use to show totals: an open upper bound is never printed as a number."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

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
