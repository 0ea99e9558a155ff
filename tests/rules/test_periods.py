"""Relative periods counted back from the publication date (DOMAIN.md, "Numbers: one rule")."""

from datetime import date

import pytest

from tracker.choices import DatePrecision
from tracker.rules.periods import Period, relative_period

SUNDAY_10_MARCH_2019 = date(2019, 3, 10)


def test_since_saturday_from_a_sunday_is_the_day_before():
    assert relative_period("since Saturday", SUNDAY_10_MARCH_2019) == Period(
        date(2019, 3, 9), DatePrecision.DAY, SUNDAY_10_MARCH_2019, DatePrecision.DAY
    )


@pytest.mark.parametrize(
    ("phrase", "start"),
    [
        ("since Friday", date(2019, 3, 8)),
        ("since Monday", date(2019, 3, 4)),
        ("since Sunday", date(2019, 3, 3)),  # the Sunday before, not the day of publication
    ],
)
def test_since_a_weekday_is_the_latest_such_day_before_publication(phrase, start):
    assert relative_period(phrase, SUNDAY_10_MARCH_2019).start_date == start


def test_in_the_past_month_starts_a_month_back_at_month_precision():
    assert relative_period("in the past month", SUNDAY_10_MARCH_2019) == Period(
        date(2019, 2, 10), DatePrecision.MONTH, SUNDAY_10_MARCH_2019, DatePrecision.DAY
    )


@pytest.mark.parametrize("phrase", ["in recent months", "over the past few months"])
def test_recent_months_are_three_months_at_month_precision(phrase):
    assert relative_period(phrase, SUNDAY_10_MARCH_2019) == Period(
        date(2018, 12, 10), DatePrecision.MONTH, SUNDAY_10_MARCH_2019, DatePrecision.DAY
    )


@pytest.mark.parametrize(
    ("phrase", "start"),
    [("in the past 48 hours", date(2019, 3, 8)), ("in the past week", date(2019, 3, 3))],
)
def test_hours_and_weeks_count_days_at_day_precision(phrase, start):
    assert relative_period(phrase, SUNDAY_10_MARCH_2019) == Period(
        start, DatePrecision.DAY, SUNDAY_10_MARCH_2019, DatePrecision.DAY
    )


def test_phrases_are_read_regardless_of_case_and_spacing():
    assert relative_period("  In  the past\u00a0month ", SUNDAY_10_MARCH_2019).start_date == date(2019, 2, 10)


def test_a_month_back_from_the_31st_ends_on_the_shorter_month():
    assert relative_period("in the past month", date(2019, 3, 31)).start_date == date(2019, 2, 28)


def test_an_unknown_phrase_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="Unknown relative period 'a while ago'") as info:
        relative_period("a while ago", SUNDAY_10_MARCH_2019)
    assert "in recent months" in str(info.value)
