"""Relative periods ("in the past month") turned into dates, counted back from publication.

DOMAIN.md's relative-period table, as one function. Nothing calls it yet: the extraction work (a source's
text read into draft records) will, so that every relative phrase becomes the same dates whoever enters it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.choices import DatePrecision

WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}


@dataclass(frozen=True)
class Period:
    start_date: date
    start_precision: str
    end_date: date
    end_precision: str


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier, clamped to the month's last day."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# phrase -> (days back, months back, start precision)
RELATIVE_PERIODS: dict[str, tuple[int, int, str]] = {
    "in the past 48 hours": (2, 0, DatePrecision.DAY),
    "in the past week": (7, 0, DatePrecision.DAY),
    "in the past month": (0, 1, DatePrecision.MONTH),
    "in recent months": (0, 3, DatePrecision.MONTH),
    "over the past few months": (0, 3, DatePrecision.MONTH),
}
_SINCE_WEEKDAY = re.compile(r"^since (?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")


def relative_period(phrase: str, published: date) -> Period:
    """The period a relative phrase names, ending on the publication date (day precision).

    "since Saturday" starts on the latest Saturday before publication.
    """
    key = " ".join(phrase.lower().split())
    if match := _SINCE_WEEKDAY.match(key):
        back = (published.weekday() - WEEKDAYS[match["day"]]) % 7 or 7
        return Period(published - timedelta(days=back), DatePrecision.DAY, published, DatePrecision.DAY)
    if key not in RELATIVE_PERIODS:
        known = ", ".join(sorted([*RELATIVE_PERIODS, "since <weekday>"]))
        raise ValueError(f"Unknown relative period {phrase!r}; known: {known}.")
    days, months, precision = RELATIVE_PERIODS[key]
    start = months_before(published, months) - timedelta(days=days)
    return Period(start, precision, published, DatePrecision.DAY)
