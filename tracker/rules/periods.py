"""Relative periods ("in the past month", "last week") turned into dates, counted back from publication.

DOMAIN.md's relative-period table and the issue's date conventions, as one function. The extraction
assistant (tracker/extraction/dates.py) reads phrases out of a source's text and calls
:func:`relative_period`, so that every relative phrase becomes the same dates whoever enters it.
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


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


# Counted back from publication, ending on it: phrase -> (days back, months back, start precision).
RELATIVE_PERIODS: dict[str, tuple[int, int, str]] = {
    "in the past 24 hours": (1, 0, DatePrecision.DAY),
    "in the past 48 hours": (2, 0, DatePrecision.DAY),
    "in the past week": (7, 0, DatePrecision.DAY),
    "in the past month": (0, 1, DatePrecision.MONTH),
    "in recent months": (0, 3, DatePrecision.MONTH),
    "over the past few months": (0, 3, DatePrecision.MONTH),
    "in the past few months": (0, 3, DatePrecision.MONTH),
}
# Other ways of saying the same phrase: "over the past week" is "in the past week".
SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"^(?:over|during|within|in) the (?:past|last|preceding|previous)\b", "in the past"),
    (r"^in (?:just |only )?(?=(?:\d+|two|three|four|five|six|seven|eight|nine|ten) (?:days|weeks)$)", "in the past "),
    (r"^in the past day$", "in the past 24 hours"),
    (r"^in the past two days$", "in the past 48 hours"),
    (r"^(?:in|over) the past few months$", "over the past few months"),
    (r"^since the (?:start|beginning) of (?:the|this) year$", "since january"),
    (r"^(?:so far )?this year$", "since january"),
    (r"^(?:earlier )?this month$", "earlier this month"),
    (r"^earlier this week$", "this week"),
    (r"^in the past year$", "in the past 12 months"),
    (r"^(?:over|at) the weekend$|^this weekend$|^last weekend$", "the weekend"),
    (r"^a week ago$", "7 days ago"),
    (r"^the day before yesterday$", "2 days ago"),
    (r"^since last (?=(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)$)", "since "),
    (r"^in the past fortnight$", "in the past 14 days"),
    (r"^a fortnight ago$", "14 days ago"),
)
NUMBER_NAMES = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_SINCE_WEEKDAY = re.compile(r"^since (?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")
_NUMBER = r"\d+|two|three|four|five|six|seven|eight|nine|ten"
_PAST_N = re.compile(rf"^in the past (?P<n>{_NUMBER}) (?P<unit>days|weeks|months|years)$")
_AGO = re.compile(rf"^(?P<n>{_NUMBER}) (?P<unit>days|weeks) ago$")
_SINCE_MONTH = re.compile(
    r"^since (?P<month>january|february|march|april|may|june|july|august|september|october|november|december)$"
)
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}


def latest_weekday_before(published: date, weekday: str) -> date:
    """The latest ``weekday`` strictly before the publication date ("since Saturday")."""
    back = (published.weekday() - WEEKDAYS[weekday]) % 7 or 7
    return published - timedelta(days=back)


def _key(phrase: str) -> str:
    key = " ".join(phrase.lower().split())
    for pattern, replacement in SYNONYMS:
        key = re.sub(pattern, replacement, key)
    return key


def relative_period(phrase: str, published: date) -> Period:
    """The period a relative phrase names, counted from the publication date.

    The end is the publication date at day precision, except for "last week" and "last month", which end
    with the week or month they name. "since Saturday" starts on the latest Saturday before publication.
    """
    key = _key(phrase)
    day = DatePrecision.DAY
    if match := _SINCE_WEEKDAY.match(key):
        return Period(latest_weekday_before(published, match["day"]), day, published, day)
    if match := _PAST_N.match(key):
        count = NUMBER_NAMES.get(match["n"]) or int(match["n"])
        if match["unit"] in ("months", "years"):
            months = count if match["unit"] == "months" else 12 * count
            precision = DatePrecision.MONTH if match["unit"] == "months" else DatePrecision.YEAR
            return Period(months_before(published, months), precision, published, day)
        back = count if match["unit"] == "days" else 7 * count
        return Period(published - timedelta(days=back), day, published, day)
    if match := _AGO.match(key):
        count = NUMBER_NAMES.get(match["n"]) or int(match["n"])
        when = published - timedelta(days=count if match["unit"] == "days" else 7 * count)
        return Period(when, day, when, day)
    if key == "the weekend":
        saturday = published - timedelta(days=(published.weekday() - 5) % 7)
        return Period(saturday, day, min(saturday + timedelta(days=1), published), day)
    if key == "last year":
        year = published.year - 1
        return Period(date(year, 1, 1), DatePrecision.YEAR, date(year, 12, 31), DatePrecision.YEAR)
    if match := _SINCE_MONTH.match(key):
        month = MONTHS[match["month"]]
        year = published.year if month <= published.month else published.year - 1
        return Period(date(year, month, 1), DatePrecision.MONTH, published, day)
    if key == "earlier this month":
        return Period(published.replace(day=1), DatePrecision.MONTH, published, day)
    if key == "this week":
        return Period(published - timedelta(days=published.weekday()), day, published, day)
    if key == "last week":
        monday = published - timedelta(days=published.weekday() + 7)
        return Period(monday, DatePrecision.WEEK, monday + timedelta(days=6), DatePrecision.WEEK)
    if key == "last month":
        last_day = published.replace(day=1) - timedelta(days=1)
        return Period(last_day.replace(day=1), DatePrecision.MONTH, last_day, DatePrecision.MONTH)
    if key in ("today", "this morning", "this afternoon", "tonight"):
        return Period(published, day, published, day)
    if key in ("yesterday", "last night"):
        return Period(published - timedelta(days=1), day, published - timedelta(days=1), day)
    if key in ("overnight", "by morning", "by daybreak", "by dawn"):
        # "By morning, 8,000 people had left": what happened during the night before publication
        return Period(published - timedelta(days=1), day, published, day)
    if key not in RELATIVE_PERIODS:
        known = ", ".join(
            sorted([*RELATIVE_PERIODS, "since <weekday>", "since <month>", "in the past N days/weeks/months/years",
                    "N days ago", "earlier this month", "this week", "last week", "the weekend", "last month",
                    "last year", "today", "yesterday", "overnight", "by morning"])
        )
        raise ValueError(f"Unknown relative period {phrase!r}; known: {known}.")
    days, months, precision = RELATIVE_PERIODS[key]
    start = months_before(published, months) - timedelta(days=days)
    return Period(start, precision, published, day)
