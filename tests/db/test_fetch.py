"""The raw fetch and the id arrays give what Django's portable path gives: the same rows, the same records.

On PostgreSQL :func:`fetch` reads rows straight from the cursor and :func:`among` filters with ``= ANY(array)``;
elsewhere both are Django's own ``list(query)`` and ``pk__in``. Each pair is compared here on the database the
suite runs on, so the PostgreSQL pass holds the fast path to its twin.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, Q

from tests.factories import DisplacementFigureFactory, SourceFactory
from tracker.choices import Quantifier
from tracker.db.fetch import fetch
from tracker.db.ids import among, id_list
from tracker.models import DisplacementFigure
from tracker.reporting.dimensions import bucket_expression

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(places):
    source = SourceFactory(publication_date=date(2019, 6, 1))
    made = [DisplacementFigureFactory(source=source, location=places.baghouz, start_date=date(2019, 2, n),
                                      end_date=date(2019, 3, n)) for n in range(1, 6)]
    made.append(DisplacementFigureFactory(source=source, location=places.syria, quantifier=Quantifier.MORE_THAN,
                                          reported_value=4000))
    return made


def test_values_rows_are_the_same_raw_and_through_django(figures):
    query = (DisplacementFigure.objects.annotate(week=bucket_expression("week", using="default"))
             .values("pk", "end_date", "week", "high", "high_open", "location_id", place=F("location__name"))
             .order_by("pk"))
    assert fetch(query) == list(query)
    tuples = query.values_list("pk", "end_date", "best", "high_open")
    assert fetch(tuples) == list(tuples)


def test_grouped_rows_are_the_same_raw_and_through_django(figures):
    query = (DisplacementFigure.objects.values("location_id").annotate(n=Count("pk"), opened=Count(
        "pk", filter=Q(high_open=True))).order_by("location_id"))
    assert fetch(query) == list(query)


def test_an_array_column_reads_as_a_list(figures):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("arrays are PostgreSQL's: SQLite lists ids with a window query instead")
    query = DisplacementFigure.objects.values("location_id").annotate(ids=ArrayAgg("pk")).order_by("location_id")
    raw, portable = fetch(query), list(query)
    assert [sorted(row["ids"]) for row in raw] == [sorted(row["ids"]) for row in portable]


def test_a_query_that_can_match_nothing_gives_no_rows(figures):
    query = DisplacementFigure.objects.filter(pk__in=[]).values("pk")
    assert fetch(query) == list(query) == []


def test_id_filters_select_the_listed_records_only(figures):
    chosen = [figures[0].pk, figures[2].pk, figures[5].pk]
    expected = set(chosen)
    assert set(DisplacementFigure.objects.filter(among(DisplacementFigure, chosen, "default"))
               .values_list("pk", flat=True)) == expected
    assert set(DisplacementFigure.objects.filter(pk__in=id_list(chosen, "default"))
               .values_list("pk", flat=True)) == expected
    assert not DisplacementFigure.objects.filter(pk__in=id_list([], "default")).exists()
