"""How quantities read on a page. An open upper bound is never shown as a number."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.formats import number_format
from django.utils.translation import get_language

# Per language: whether its grouped whole numbers read as Python's "{:,}" writes them ("-1,234,567"). A page
# formats thousands of counts; Django's number_format takes about 30 µs each, the f-string well under one.
_COMMA_GROUPED: dict[str | None, bool] = {}


def _comma_grouped() -> bool:
    """Whether the active language groups whole numbers as Python's "{:,}" does."""
    language = get_language()
    comma = _COMMA_GROUPED.get(language)
    if comma is None:
        comma = _COMMA_GROUPED[language] = number_format(-1234567, force_grouping=True) == "-1,234,567"
    return comma


def count(value: int | None) -> str:
    if value is None:
        return ""
    if type(value) is int and _comma_grouped():
        return f"{value:,}"
    return number_format(value, force_grouping=True)


def _python_grouped(value: int | None) -> str:
    return f"{value:,}" if type(value) is int else count(value)


def counter() -> Callable[[int | None], str]:
    """:func:`count` for the language active now, asked once: for a caller writing many numbers together (a
    chart's texts), where asking at each number (a context-local read) cost more than the formatting."""
    return _python_grouped if _comma_grouped() else count


def persons_range(low: int | None, best: int | None, high: int | None, high_open: bool, *,
                  fmt: Callable[[int | None], str] = count) -> str:
    """'20,000 (20,000–99,999)', '4,000 (4,000 or more)', 'unquantified' (numbers written by ``fmt``)."""
    if best is None:
        return "unquantified"
    if not high_open and low == high:
        return fmt(best)
    upper = f"{fmt(low)} or more" if high_open else f"{fmt(low)}–{fmt(high)}"
    return f"{fmt(best)} ({upper})"


def total(low: int | None, high: int | None, high_open: bool) -> str:
    """A total's bounds: '20,000 or more' when open."""
    if low is None:
        return ""
    return f"{count(low)} or more" if high_open else f"{count(low)}–{count(high)}"
