"""Grouping counted figures and shaping the rows: keys from the dimension registry, numbers from the database.

Flows (and surrenders) are summed in the database: GROUP BY through ``values().annotate()``, with each group's
ids, best values and sources listed in the grouped query itself (``ARRAY_AGG``) on PostgreSQL and through a
``ROW_NUMBER()`` window elsewhere (:func:`capped_ids`, the portable twin). Stocks are grouped in memory by
:mod:`tracker.reporting.stocks` into the same values. Either way :func:`finish` and :func:`rows_as_shown` turn
a group into the row the API and the pages show.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, Count, F, Func, Min, Model, Q, QuerySet, Sum, Window
from django.db.models.functions import Cast, RowNumber

from tracker.db.fetch import fetch
from tracker.db.ids import id_list
from tracker.models import DisplacementFigure
from tracker.reporting.dimensions import DIMENSIONS, Dimension, applied, time_dimension

# At most this many contributing record ids are listed per row (and per warning);
# ``ids_truncated`` says when a row has more. The rest are in the list endpoint.
IDS_CAP = 100

VALUE_COLUMNS = ["figures_count", "sources_count", "low", "best", "high", "high_open"]


def kind_of(model: type[Model]) -> str:
    return "displacement" if model is DisplacementFigure else "surrenders"


# --- group keys -------------------------------------------------------------------------------


def key_annotations(model: type[Model], group_by: Sequence[str], using: str) -> dict[str, Any]:
    """Output key -> expression for every key the database groups by; None for a key that is a column of the
    model already. Only ids and codes: names are looked up for the rows afterwards (:func:`attach_names`), as
    a join per named key made every grouped row wider and the query slower. Apply with :func:`with_keys`."""
    return {dimension.key: None if dimension.sql is None else dimension.sql(using)
            for dimension in applied(kind_of(model), group_by)}


def with_keys(figures: QuerySet, keys: dict[str, Any]) -> QuerySet:
    return figures.annotate(**{name: expression for name, expression in keys.items() if expression is not None})


def attach_names(rows: list[dict[str, Any]], group_by: Sequence[str], using: str) -> None:
    """Give rows keyed by a place or an event its name (and codes): one small query per kind of key."""
    for dimension in (DIMENSIONS[name] for name in group_by):
        if dimension.names is None:
            continue
        key, columns = dimension.key, dimension.names.columns
        ids = {row[key] for row in rows} - {None}
        found = {values["pk"]: values for values in dimension.names.model.objects.using(using).filter(
            pk__in=id_list(ids, using)).values("pk", *set(columns.values()))} if ids else {}
        for row in rows:
            named = found.get(row[key], {})
            row.update({name: named.get(column) for name, column in columns.items()})


def order_key(group_by: Sequence[str], model: type[Model]) -> Callable[[dict[str, Any]], tuple]:
    """Rows in output order: time, then places and events by name (empty keys last) and id, then term,
    category and term group."""
    fields = [name for dimension in applied(kind_of(model), group_by) for name in dimension.order]
    values = operator.itemgetter(*fields, *fields[:1])  # twice the first: always a tuple, also of one field

    def key(row: dict[str, Any]) -> tuple:
        found = values(row)
        if None in found:  # an empty key (no place at this level, no event) goes last
            return tuple(_LAST if value is None else value for value in found)
        return found

    return key


class _Last:
    """Sorts after every name, id and date: where the rows with an empty key go."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return not isinstance(other, _Last)


_LAST = _Last()


def key_of(values: dict[str, Any], key_names: Iterable[str]) -> tuple:
    return tuple(values[name] for name in key_names)


# --- grouped numbers --------------------------------------------------------------------------


def grouped(
    figures: QuerySet,
    model: type[Model],
    group_by: Sequence[str],
    *,
    arrays: bool,
    with_ids: bool = True,
    cap: int = IDS_CAP,
) -> list[dict[str, Any]]:
    """One dict per group key with its numbers, from one GROUP BY with no ordering inside its aggregates.

    With ``arrays`` (PostgreSQL) each group also lists its figures' ids, best values and source ids (and,
    time-grouped, the ids of figures starting in an earlier bucket), in no order: the capped, largest-first ids
    and the distinct sources are worked out from them in Python (:func:`finish`). An ``ORDER BY`` or
    ``DISTINCT`` inside an aggregate made the database sort every counted figure first, which cost more than
    the sums themselves. Without arrays (SQLite), ``sources_count`` is a ``COUNT(DISTINCT)``.
    """
    using = figures.db
    keys = key_annotations(model, group_by, using)
    time_dim = time_dimension(group_by)
    measures: dict[str, Any] = {
        "figures_count": Count("pk"),
        # a SUM of bigints is a numeric, read as a Decimal: cast back, the sums fit
        "total_low": Cast(Sum("low"), BigIntegerField()),
        "total_best": Cast(Sum("best"), BigIntegerField()),
        "total_high": Cast(Sum("high"), BigIntegerField()),
        "open_count": Count("pk", filter=Q(high_open=True)),
    }
    if time_dim:
        spanning = Q(start_date__lt=F(f"{time_dim}_start"))
        measures["multi_bucket_count"] = Count("pk", filter=spanning)
        measures["earliest_start_date"] = Min("start_date")
    if arrays:
        if with_ids:
            measures["row_ids"] = ArrayAgg("pk")
            # best values only where they choose among more ids than a row lists
            measures["row_bests"] = Func(Count("pk"), ArrayAgg("best"), template="CASE WHEN %(expressions)s END",
                                         arg_joiner=f" > {int(cap)} THEN ", output_field=ArrayField(BigIntegerField()))
            if time_dim:
                measures["multi_bucket_ids"] = ArrayAgg("pk", filter=spanning)
        measures["row_sources"] = ArrayAgg("source_id")
    else:
        measures["sources_count"] = Count("source_id", distinct=True)
    return fetch(with_keys(figures, keys).values(*keys).annotate(**measures).order_by())


def largest_first(ids: list[int], bests: list[int], cap: int) -> list[int]:
    """The ``cap`` ids of the largest best values (ties: the lower id), in id order. (Counted figures always
    have a best value: the lists hold no None.) One sort in C beat a heap fed by a generator."""
    if len(ids) <= cap:
        return sorted(ids)
    ranked = sorted(zip(map(operator.neg, bests), ids, strict=True))[:cap]
    return sorted(map(operator.itemgetter(1), ranked))


def capped_ids(figures: QuerySet, model: type[Model], group_by: Sequence[str], cap: int) -> dict[tuple, list[int]]:
    """Up to ``cap`` contributing ids per row, largest best first, from one windowed query: the portable twin of
    the id arrays :func:`grouped` lists on PostgreSQL."""
    keys = key_annotations(model, group_by, figures.db)
    ranked = (
        with_keys(figures, keys)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F(k) for k in keys], order_by=[F("best").desc(), F("pk").asc()]
            )
        )
        .filter(position__lte=cap)
        .values_list(*keys, "pk")
        .order_by()
    )
    ids: dict[tuple, list[int]] = {}
    for *key, pk in ranked:
        ids.setdefault(tuple(key), []).append(pk)
    for values in ids.values():
        values.sort()
    return ids


def finish(values: dict[str, Any], cap: int) -> None:
    """Turn a group's unordered arrays into what a row shows: its first ``cap`` ids (largest best first, listed
    in id order), the first ``cap`` spanning ids, and its distinct sources."""
    if "row_sources" in values:
        values["source_set"] = set(values.pop("row_sources"))
        values["sources_count"] = len(values["source_set"])
    if "row_ids" in values:
        values["ids"] = largest_first(values.pop("row_ids"), values.pop("row_bests") or [], cap)
    if "multi_bucket_ids" in values:
        values["multi_bucket_ids"] = sorted(values["multi_bucket_ids"] or ())[:cap]


def add_up(totals: dict[tuple, dict[str, Any]], values: dict[str, Any]) -> None:
    """Add one grouped row's numbers to its (category, term group) total, as a GROUP BY without keys would."""
    key = (values.get("category_key"), values["term_group_key"])
    total = totals.get(key)
    if total is None:
        total = totals[key] = {
            **({"category_key": key[0]} if "category_key" in values else {}), "term_group_key": key[1],
            "figures_count": 0, "source_set": set(), "total_low": None, "total_best": None, "total_high": None,
            "open_count": 0,
        }
    total["figures_count"] += values["figures_count"]
    total["open_count"] += values["open_count"]
    total["source_set"].update(values["source_set"])
    total["sources_count"] = len(total["source_set"])
    add_sums(total, values["total_low"], values["total_best"], values["total_high"])


def add_sums(total: dict[str, Any], low: Any, best: Any, high: Any) -> None:
    """Add to a group's sums as SQL's SUM adds: NULLs skipped, and NULL while every value is."""
    for name, value in (("total_low", low), ("total_best", best), ("total_high", high)):
        if value is not None:
            total[name] = value + (total[name] or 0)


# --- rows as shown ----------------------------------------------------------------------------


def rows_as_shown(model: type[Model], group_by: Sequence[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning one grouped row into a row as the API and the pages read it: keys in output order
    (names, codes and labels included), then the numbers. What each column reads is worked out once per
    report, not per row, and each bucket's time keys once per bucket."""
    kind = kind_of(model)
    dimensions = applied(kind, group_by)
    time: Dimension | None = next((dimension for dimension in dimensions if dimension.time), None)
    # time keys come first (the time dimension is first in output order), from the bucket's cached dict
    rest = [(column.name, column.source or dimension.key, column.labels(kind) if column.labels else None)
            for dimension in dimensions if not dimension.time for column in dimension.columns]
    bucket_key = time.key if time else ""
    time_keys = time.time_keys if time else None
    buckets: dict[date, dict[str, Any]] = {}

    def shown(values: dict[str, Any]) -> dict[str, Any]:
        if time_keys:
            start = values[bucket_key]
            keys = buckets.get(start)
            if keys is None:
                keys = buckets[start] = time_keys(start)
            row = keys.copy()
        else:
            row = {}
        for column, key, names in rest:
            row[column] = values[key] if names is None else names[values[key]]
        high_open = values["open_count"] > 0
        row["figures_count"] = values["figures_count"]
        row["sources_count"] = values["sources_count"]
        row["low"] = values["total_low"]
        row["best"] = values["total_best"]
        row["high"] = None if high_open else values["total_high"]
        row["high_open"] = high_open
        if "multi_bucket_count" in values:
            row["multi_bucket_count"] = values["multi_bucket_count"]
            row["earliest_start_date"] = values["earliest_start_date"]
        return row

    return shown
