"""The grouping registry: each dimension's key in SQL equals its key in Python, and one entry is all a grouping is.

The stock engine groups kept stocks in memory with the Python keys while the database groups flows with the SQL
ones: a drift between the two would split one bucket or place into two rows. Runs on SQLite and PostgreSQL
(where time buckets take the ``DATE_TRUNC`` fast path as well as Django's portable ``Trunc``).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tests.factories import DisplacementFigureFactory, EventFactory, SourceFactory
from tracker.choices import DisplacementCategory, DisplacementTerm, ReviewStatus
from tracker.models import DisplacementFigure
from tracker.reporting.dimensions import (
    DIMENSIONS,
    GROUP_BY_CHOICES,
    KEY_HXL,
    TIME_DIMENSIONS,
    bucket_expression,
    group_key_columns,
    monday,
    period,
)
from tracker.reporting.grouping import key_annotations, with_keys
from tracker.reporting.report import figure_report

pytestmark = pytest.mark.django_db

# Around week, month and year boundaries: 31 Dec 2018 is a Monday in ISO week 2019-W01; 3 Jan 2021 a Sunday in
# 2020-W53; 29 Feb 2020 a leap day.
DAYS = [date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1), date(2019, 1, 6), date(2019, 1, 7),
        date(2019, 3, 31), date(2020, 2, 29), date(2020, 3, 1), date(2020, 12, 31), date(2021, 1, 3),
        date(2021, 1, 4)]


@pytest.fixture
def figures(places):
    """One figure a day, in places of every level (a country-level one has no adm1 or adm2), with and without an
    event, flows and stocks."""
    source = SourceFactory(publication_date=date(2021, 6, 1))
    event = EventFactory(name="Battle of Baghouz")
    where = [places.syria, places.deir_ez_zor, places.abu_kamal, places.baghouz, places.camp, places.anbar]
    made = []
    for n, day in enumerate(DAYS):
        stock = n % 2 == 1
        made.append(DisplacementFigureFactory(
            source=source, location=where[n % len(where)], start_date=day, end_date=day,
            event=event if n % 3 else None, review_status=ReviewStatus.APPROVED,
            category=DisplacementCategory.STOCK if stock else DisplacementCategory.FLOW,
            term=DisplacementTerm.IN_CAMP if stock else DisplacementTerm.FLED,
        ))
    return made


def python_fields(figure: DisplacementFigure) -> dict:
    """What the stock engine knows of a figure: its own columns and its place's stored area links."""
    return {"end_date": figure.end_date, "term": figure.term, "event_id": figure.event_id,
            "country_id": figure.country_id, "adm1_id": figure.location.adm1_id, "adm2_id": figure.location.adm2_id,
            "category": figure.category, "term_group": figure.term_group}


@pytest.mark.parametrize("fast_path", [True, False], ids=["vendor", "portable"])
def test_every_dimension_keys_a_figure_alike_in_sql_and_in_python(figures, fast_path):
    chosen = [name for name in GROUP_BY_CHOICES if name not in TIME_DIMENSIONS]
    for time_dim in TIME_DIMENSIONS:
        keys = key_annotations(DisplacementFigure, (time_dim, *chosen), "default" if fast_path else None)
        rows = with_keys(DisplacementFigure.objects.all(), keys).values("pk", *keys)
        by_pk = {row["pk"]: row for row in rows}
        for figure in figures:
            fields = python_fields(figure)
            for name in (time_dim, *chosen, "category", "term_group"):
                dimension = DIMENSIONS[name]
                assert by_pk[figure.pk][dimension.key] == dimension.python(fields), (name, figure.end_date)


def test_the_vendor_bucket_and_the_portable_one_are_the_same_day(figures):
    for time_dim in TIME_DIMENSIONS:
        fast = DisplacementFigure.objects.annotate(bucket=bucket_expression(time_dim, using="default"))
        portable = DisplacementFigure.objects.annotate(bucket=bucket_expression(time_dim))
        assert dict(fast.values_list("pk", "bucket")) == dict(portable.values_list("pk", "bucket"))
        assert {pk: period(time_dim, day) for pk, day in fast.values_list("pk", "end_date")} == dict(
            fast.values_list("pk", "bucket"))


def test_weeks_start_on_monday():
    assert [monday(day) for day in DAYS[:5]] == [date(2018, 12, 24), date(2018, 12, 31), date(2018, 12, 31),
                                                 date(2018, 12, 31), date(2019, 1, 7)]
    assert monday(date(2021, 1, 3)).isocalendar()[:2] == (2020, 53)


@pytest.mark.parametrize("name", GROUP_BY_CHOICES)
def test_a_grouping_is_one_registry_entry(figures, name):
    """Its rows carry exactly its columns (named, labelled, tagged), stocks and flows alike, and its keys add up to
    the ungrouped totals."""
    report = figure_report(DisplacementFigure, group_by=name)
    assert report.key_columns == group_key_columns("displacement", (name,))
    assert set(DIMENSIONS[name].column_names) <= set(report.key_columns)
    assert all(column in KEY_HXL for column in report.key_columns)
    assert {row["category"] for row in report.rows} == {"flow", "stock"}
    for row in report.rows:
        assert list(row)[: len(report.key_columns)] == report.key_columns
    whole = figure_report(DisplacementFigure)
    flows = sum(row["best"] for row in report.rows if row["category"] == "flow")
    assert flows == sum(row["best"] for row in whole.rows if row["category"] == "flow")


def test_the_vendor_path_is_what_postgresql_runs():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no DATE_TRUNC: the portable path is the only one there")
    sql = str(DisplacementFigure.objects.annotate(bucket=bucket_expression("week", using="default")).query)
    assert "DATE_TRUNC('week'" in sql and "::timestamp)::date" in sql
