"""Dates in a sentence, anchored to the publication date, with their precision (docs/intake.md, "Dates").

Relative phrases ("since Saturday", "in the past month", "last week") are turned into dates by the one home of
relative periods, tracker/rules/periods.py. This module finds them in the text, and reads calendar dates ("on 3
March", "in February", "since 3 March") itself: a date without a year takes the publication's year, or the year
before when it would otherwise follow publication.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from tracker.choices import DatePrecision
from tracker.rules.periods import MONTHS, WEEKDAYS, Period, latest_weekday_before, month_end, relative_period

_MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_NAMES["sept"] = 9
MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
WEEKDAY = "|".join(WEEKDAYS)
NUMBER = r"\d+|two|three|four|five|six|seven|eight|nine|ten"

# The relative phrases tracker/rules/periods.py knows, as they are written in articles.
RELATIVE = (
    rf"since (?:last )?(?:{WEEKDAY})",
    rf"since (?:{'|'.join(MONTHS)})(?! \d)",
    r"since the (?:start|beginning) of (?:the|this) year",
    rf"(?:in|over|during|within) the (?:past|last|preceding|previous) (?:{NUMBER}) (?:days|weeks|months|years)",
    rf"(?:{NUMBER}|a) (?:days|weeks|week|fortnight) ago|the day before yesterday",
    rf"in (?:just |only )?(?:{NUMBER}) (?:days|weeks)",
    r"(?:over|at) the weekend|this weekend|last weekend|last year|earlier this week",
    r"(?:in|over|during|within) the (?:past|last|preceding|previous) (?:24|48) hours",
    r"(?:in|over|during|within) the (?:past|last|preceding|previous)"
    r" (?:day|two days|week|fortnight|month|few months|year)",
    r"in recent months",
    r"earlier this month|this week|last week|last month|(?:so far )?this year",
    r"today|yesterday|overnight|last night|this morning|tonight|by (?:morning|daybreak|dawn)",
)
_RELATIVE = re.compile(rf"\b(?:{'|'.join(RELATIVE)})\b", re.IGNORECASE)
_ON_WEEKDAY = re.compile(rf"\b(?:on|late on|early on|earlier on|by|from)?\s*(?P<day>{WEEKDAY})\b", re.IGNORECASE)
_DAY_MONTH = re.compile(
    rf"\b(?P<since>since |from )?(?:on )?(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{MONTH})\.?"
    rf"|(?P<month2>{MONTH})\.? (?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,? (?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
# "between 1 and 5 March", "from 1 March to 5 March", "1-5 March", "March 1-5": a period of days.
_DAY_RANGE = re.compile(
    rf"\b(?:between |from )?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?: (?:of )?(?P<m1>{MONTH}))?\s*(?:and|to|-|\u2013)\s*"
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<m2>{MONTH})"
    rf"|(?P<m3>{MONTH}) (?P<d3>\d{{1,2}})\s*(?:-|\u2013|to|and)\s*(?P<d4>\d{{1,2}}))\b(?:,? (?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
_IN_MONTH = re.compile(
    rf"\b(?P<word>in|since|during|throughout|early|late|mid-|mid|by the end of|at the end of|in early|in late"
    rf"|in mid-|in mid)\s*"
    rf"(?P<month>{'|'.join(MONTHS)})\b(?:\s+(?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
# "between January and March", "from January to March": whole months, the last one up to publication.
_MONTH_RANGE = re.compile(
    rf"\b(?:between|from)\s+(?P<first>{'|'.join(MONTHS)})\s+(?:and|to|until)\s+(?P<last>{'|'.join(MONTHS)})\b"
    rf"(?:\s+(?P<year>(?:19|20)\d\d))?",
    re.IGNORECASE,
)
_WEEKDAY_RANGE = re.compile(
    rf"\b(?:on|between|from)\s+(?P<first>{WEEKDAY})\s+(?:and|to|until|through)\s+(?P<last>{WEEKDAY})\b", re.IGNORECASE)
_IN_YEAR = re.compile(r"\b(?:in|since|during) (?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    period: Period


def _year_for(month: int, day: int, published: date) -> int:
    try:
        return published.year if date(published.year, month, day) <= published else published.year - 1
    except ValueError:
        return published.year - 1


def find_dates(text: str, start: int, end: int, published: date) -> list[DateMention]:
    """Every date phrase in ``text[start:end]`` with the period it names, in order."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(first: int, last: int, period: Period | None) -> None:
        if period is None or any(first < b and a < last for a, b in taken):
            return
        if period.end_date > published or period.start_date > period.end_date:
            return
        taken.append((first, last))
        found.append(DateMention(first, last, period))

    day = DatePrecision.DAY
    for match in _RELATIVE.finditer(text, start, end):
        try:
            add(match.start(), match.end(), relative_period(match.group(), published))
        except ValueError:
            continue
    for match in _DAY_RANGE.finditer(text, start, end):
        last_month = _MONTH_NAMES[(match["m2"] or match["m3"]).lower()]
        first_month = _MONTH_NAMES[(match["m1"] or match["m2"] or match["m3"]).lower()]
        first_day, last_day = int(match["d1"] or match["d3"]), int(match["d2"] or match["d4"])
        year = int(match["year"]) if match["year"] else _year_for(last_month, last_day, published)
        try:
            first = date(year if first_month <= last_month else year - 1, first_month, first_day)
            last = date(year, last_month, last_day)
        except ValueError:
            continue
        if first < last:
            add(match.start(), match.end(), Period(first, day, last, day))
    for match in _MONTH_RANGE.finditer(text, start, end):
        first_month, last_month = MONTHS[match["first"].lower()], MONTHS[match["last"].lower()]
        year = int(match["year"]) if match["year"] else (
            published.year if last_month <= published.month else published.year - 1)
        first = date(year if first_month <= last_month else year - 1, first_month, 1)
        last = min(month_end(date(year, last_month, 1)), published)
        add(match.start(), match.end(),
            Period(first, DatePrecision.MONTH, last, DatePrecision.MONTH if last != published else day))
    for match in _DAY_MONTH.finditer(text, start, end):
        month = _MONTH_NAMES[(match["month"] or match["month2"]).lower()]
        number = int(match["day"] or match["day2"])
        year = int(match["year"]) if match["year"] else _year_for(month, number, published)
        try:
            when = date(year, month, number)
        except ValueError:
            continue
        period = Period(when, day, published, day) if match["since"] else Period(when, day, when, day)
        add(match.start(), match.end(), period)
    for match in _IN_MONTH.finditer(text, start, end):
        month = MONTHS[match["month"].lower()]
        year = int(match["year"]) if match["year"] else (
            published.year if month <= published.month else published.year - 1)
        first = date(year, month, 1)
        if match["word"].lower() == "since":
            period = Period(first, DatePrecision.MONTH, published, day)
        else:
            last = min(month_end(first), published)
            period = Period(first, DatePrecision.MONTH, last, DatePrecision.MONTH if last != published else day)
        add(match.start(), match.end(), period)
    for match in _IN_YEAR.finditer(text, start, end):
        year = int(match["year"])
        if year > published.year:
            continue
        last = min(date(year, 12, 31), published)
        end_precision = DatePrecision.YEAR if last != published else day
        if match.group().lower().startswith("since"):
            last, end_precision = published, day
        add(match.start(), match.end(), Period(date(year, 1, 1), DatePrecision.YEAR, last, end_precision))
    for match in _WEEKDAY_RANGE.finditer(text, start, end):
        # "on Wednesday and Thursday", "from Monday to Wednesday": the days between, both counted
        first, last = (published if WEEKDAYS[d.lower()] == published.weekday() else latest_weekday_before(published,
                       d.lower()) for d in (match["first"], match["last"]))
        if first < last:
            add(match.start(), match.end(), Period(first, day, last, day))
    for match in _ON_WEEKDAY.finditer(text, start, end):
        weekday = match["day"].lower()
        when = published if WEEKDAYS[weekday] == published.weekday() else latest_weekday_before(published, weekday)
        add(match.start("day") if not match.group().strip().lower().startswith(("on", "late", "early", "by",
                                                                                 "from")) else match.start(),
            match.end(), Period(when, day, when, day))
    return sorted(found, key=lambda mention: mention.start)


def publication_day(published: date) -> Period:
    """No date words: the publication date, at day precision."""
    return Period(published, DatePrecision.DAY, published, DatePrecision.DAY)
