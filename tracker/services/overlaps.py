"""The double-count check's query: the other figures of the same kind that may count the same people as a figure.

``overlapping_figures`` is the rule, as a queryset; ``overlap_found_sql`` gives the same query's SQL for a figure
being created, compiled once and kept on PostgreSQL (``tracker.db.compiled``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from tracker.db.compiled import Slot, bind
from tracker.models import Location, QuantifiedClaim
from tracker.models.double_counts import OVERLAP_CANDIDATES, overlap_period
from tracker.models.reference import path_prefix_q


def overlapping_figures(claim: QuantifiedClaim) -> QuerySet:
    """Other figures of the same kind that may count the same people as ``claim``.

    Same term group, places that nest or match, periods sharing at least a day,
    matching events (an empty event matches any), neither zero.
    """
    return _overlapping(type(claim), **_probe(claim))


def _probe(claim: QuantifiedClaim) -> dict[str, Any]:
    """The values of ``claim`` that the double-count check compares."""
    location = claim.location
    values = {"pk": claim.pk, "term_group": claim.term_group, "start_date": claim.start_date,
              "end_date": claim.end_date, "event_id": claim.event_id or None, "path": location.path,
              "ancestors": location.ancestor_ids()}
    if connection.vendor == "postgresql":
        from django.db.backends.postgresql.psycopg_any import DateRange

        values["period"] = DateRange(claim.start_date, claim.end_date, "[]")
    return values


def _overlapping(model: type[QuantifiedClaim], *, pk: Any, term_group: Any, start_date: Any, end_date: Any,
                 event_id: Any, path: Any, ancestors: list[Any], period: Any = None) -> QuerySet:
    """The check's query from the values it compares (``_probe``), real or ``Slot``s (``_overlap_sql``)."""
    # The places that nest with the claim's (its ancestors, itself and everything under it), then each place's
    # candidates whose period shares a day with the claim's, from the overlap index on PostgreSQL
    # (tracker.models.double_counts): a probe per place, whatever the period and the table's size.
    places = Location.objects.filter(Q(pk__in=ancestors) | path_prefix_q("path", path))
    qs = (
        model.objects.exclude(pk=pk)
        .filter(OVERLAP_CANDIDATES, term_group=term_group, location_id__in=places.values("pk"))
        .filter(start_date__lte=end_date, end_date__gte=start_date)
    )
    if period is not None:  # the same condition, as the overlap index's GiST key reads it (PostgreSQL)
        qs = qs.alias(overlap_period=overlap_period()).filter(overlap_period__overlap=period)
    if event_id is not None:
        qs = qs.filter(Q(event__isnull=True) | Q(event_id=event_id))
    return qs


@cache
def _overlap_sql(model: type[QuantifiedClaim], ancestors: int, event: bool) -> tuple[str, list[Any]]:
    """The ids ``overlapping_figures`` finds, as SQL compiled once per kind, number of ancestors and event or
    none, the compared values left as ``Slot``s (PostgreSQL, where every path is a prefix pattern)."""
    from django.contrib.postgres.fields import DateRangeField

    field, place = model._meta.get_field, Location._meta.get_field
    slots = {name: Slot(name, field(name)) for name in ("term_group", "start_date", "end_date")}
    query = _overlapping(
        model, pk=Slot("pk", model._meta.pk), **slots, path=Slot("path", place("path")),
        event_id=Slot("event_id", field("event").target_field) if event else None,
        ancestors=[Slot(f"ancestor{index}", Location._meta.pk) for index in range(ancestors)],
        period=Slot("period", DateRangeField()),
    )
    return query.order_by().values("pk").query.sql_with_params()


def overlap_found_sql(claim: QuantifiedClaim) -> tuple[str, list[Any]]:
    """SQL and parameters of the ids ``overlapping_figures(claim)`` finds: on PostgreSQL compiled once
    (``_overlap_sql``), on SQLite compiled each time (its path prefix is a range the slots do not express)."""
    if connection.vendor != "postgresql":
        return overlapping_figures(claim).order_by().values("pk").query.sql_with_params()
    values = _probe(claim)
    ancestors = values.pop("ancestors")
    sql, params = _overlap_sql(type(claim), len(ancestors), values["event_id"] is not None)
    return sql, bind(params, {**values, **{f"ancestor{index}": pk for index, pk in enumerate(ancestors)}})
