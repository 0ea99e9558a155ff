"""The double-count check fits its index on PostgreSQL: the overlap index with the period as an index condition
(at a million records, a probe per nesting place), so its cost follows the pairs found rather than the period or
the table's size."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tests.factories import DisplacementFigureFactory, build_claim
from tracker.services import claim_create
from tracker.services.claims import overlapping_figures

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GiST index and plans"),
]


def test_the_check_reads_the_overlap_index_with_the_period_as_its_condition(analyst, places, source):
    # Figures at the place, in and out of the period, so the planner has something to choose through.
    for month in range(1, 13):
        claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                 reported_value=100 + month, start_date=date(2018, month, 1),
                                 end_date=date(2018, month, 20)), created_by=analyst)
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                      reported_value=5000, start_date=date(2018, 3, 20),
                                      end_date=date(2018, 5, 2)), created_by=analyst)
    found = overlapping_figures(figure)
    sql, params = found.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_displacementfigure")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "displacement_overlap_idx" in plan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line and "daterange" in line)
    assert "&&" in condition and "term_group" in condition, plan
    # March (ends 20 March, the figure starts that day), April and May: periods sharing at least a day
    assert sorted(found.values_list("reported_value", flat=True)) == [103, 104, 105]
