"""The sync cursor: pages follow one another without a gap or a repeat, and on PostgreSQL the index on the change
time starts its range at the cursor, so page 500 of a first sync costs what page 1 does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.api.conftest import API, list_ids
from tests.factories import DisplacementFigureFactory, SourceFactory
from tracker.api.pagination import KeysetPagination
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure


@pytest.fixture
def figures(places):
    """Eleven approved figures whose change times come in three runs of equal values (a bulk import, say)."""
    source = SourceFactory()
    rows = [DisplacementFigureFactory(source=source, location=places.baghouz, review_status=ReviewStatus.APPROVED)
            for _ in range(11)]
    start = timezone.now() - timedelta(days=3)
    times = [start] * 4 + [start + timedelta(hours=1)] * 5 + [start + timedelta(hours=2)] * 2
    # Later ids first within the list, so that id order and insertion order differ from the sync order.
    for row, when in zip(reversed(rows), times, strict=True):
        DisplacementFigure.objects.filter(pk=row.pk).update(updated_at=when)
    return DisplacementFigure.objects.filter(pk__in=[row.pk for row in rows])


def expected(figures, *ordering: str) -> list[int]:
    return list(figures.order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 5])
def test_sync_pages_walk_every_row_once_in_order_across_equal_change_times(figures, key_client, page_size):
    ids = list_ids(key_client, "displacement-figures", page_size=page_size)
    assert ids == expected(figures, "updated_at", "id")
    assert len(set(ids)) == 11


@pytest.mark.parametrize("ordering", ["-updated_at,-id", "-updated_at,id", "updated_at,-id", "-end_date,-id"])
def test_other_orderings_walk_every_row_once_too(figures, key_client, ordering):
    """Descending throughout is a row comparison the other way; mixed directions keep the chain of ORs."""
    ids = list_ids(key_client, "displacement-figures", page_size=2, ordering=ordering)
    assert ids == expected(figures, *ordering.split(","))


def test_a_change_between_pages_moves_the_row_to_the_end_without_losing_another(figures, key_client):
    first = key_client.get(f"{API}/displacement-figures/", {"page_size": 4}).json()
    seen = [item["id"] for item in first["results"]]
    moved = figures.exclude(pk__in=seen).order_by("updated_at", "id").first()
    DisplacementFigure.objects.filter(pk=moved.pk).update(updated_at=timezone.now())
    rest = key_client.get(first["next"]).json()
    ids = seen + [item["id"] for item in rest["results"]]
    while rest["next"]:
        rest = key_client.get(rest["next"]).json()
        ids += [item["id"] for item in rest["results"]]
    assert sorted(ids) == sorted(figures.values_list("pk", flat=True))
    assert ids[-1] == moved.pk


def cursor_plan(queryset, ordering: list[str], values: list) -> str:
    with connection.cursor() as cursor:
        # A test table is tiny: without this the planner reads it whole whatever the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    page = queryset.filter(KeysetPagination.after(ordering, values)).order_by(*ordering)[:1001]
    return page.explain()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
def test_the_cursor_bounds_the_index_range_on_postgresql(figures):
    """The condition is an Index Cond on the change-time index (the range starts at the cursor), not a Filter
    applied to every row from the first; the chain of ORs it replaced was such a filter."""
    last = figures.order_by("updated_at", "id")[5]
    index = next(name for name in connection.introspection.get_constraints(
        connection.cursor(), DisplacementFigure._meta.db_table).items()
        if name[1]["index"] and name[1]["columns"][:1] == ["updated_at"])[0]
    plan = cursor_plan(DisplacementFigure.objects.all(), ["updated_at", "id"], [last.updated_at, last.pk])
    scan = next(line for line in plan.splitlines() if "Index" in line and "Scan" in line)
    assert index in scan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "updated_at" in condition, plan
    assert " OR " not in plan, plan

    chain = DisplacementFigure.objects.filter(updated_at__gt=last.updated_at) | DisplacementFigure.objects.filter(
        updated_at=last.updated_at, pk__gt=last.pk)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    old = chain.order_by("updated_at", "id")[:1001].explain()
    assert "Index Cond" not in old and "Filter" in old, old
