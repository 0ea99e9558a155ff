"""Grouping counted figures and shaping the rows: keys from the dimension registry, numbers from the database.

Flows (and surrenders) are summed in the database: GROUP BY through ``values().annotate()``, with each group's
ids, best values and sources listed in the grouped query itself (``ARRAY_AGG``) on PostgreSQL and through a
``ROW_NUMBER()`` window elsewhere (:func:`capped_ids`, the portable twin). Stocks are grouped in memory by
:mod:`tracker.reporting.stocks` into the same values. Either way a :class:`Shaper` turns each group into the row the
API and the pages show.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, Count, F, Func, Min, Model, Q, QuerySet, Sum, Window
from django.db.models.functions import Cast, RowNumber

from tracker.db.fetch import fetch
from tracker.db.ids import id_list
from tracker.models import DisplacementFigure
from tracker.reporting.dimensions import Dimension, applied, time_dimension

# At most this many contributing record ids are listed per row (and per warning);
# ``ids_truncated`` says when a row has more. The rest are in the list endpoint.
IDS_CAP = 100

VALUE_COLUMNS = ["figures_count", "sources_count", "low", "best", "high", "high_open"]


def kind_of(model: type[Model]) -> str:
    return "displacement" if model is DisplacementFigure else "surrenders"


# --- group keys -------------------------------------------------------------------------------


def key_annotations(model: type[Model], group_by: Sequence[str], using: str) -> dict[str, Any]:
    """Output key -> expression for every key the database groups by; None for a key that is a column of the
    model already. Only ids and codes: names are looked up for the rows afterwards (:class:`Shaper`), as
    a join per named key made every grouped row wider and the query slower. Apply with :func:`with_keys`."""
    return {dimension.key: None if dimension.sql is None else dimension.sql(using)
            for dimension in applied(kind_of(model), group_by)}


def with_keys(figures: QuerySet, keys: dict[str, Any]) -> QuerySet:
    return figures.annotate(**{name: expression for name, expression in keys.items() if expression is not None})


class _Last:
    """Sorts after every name, id and date: where the rows with an empty key go."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return not isinstance(other, _Last)


_LAST = _Last()


def _sort_values(values: Iterable[Any]) -> tuple:
    """A row's fields as its sort key reads them: an empty key (no place at this level, no event) goes last."""
    return tuple(_LAST if value is None else value for value in values)


# --- grouped numbers --------------------------------------------------------------------------


def grouped(
    figures: QuerySet,
    model: type[Model],
    group_by: Sequence[str],
    *,
    arrays: bool,
    with_ids: bool = True,
    with_sources: bool = True,
    cap: int = IDS_CAP,
) -> list[dict[str, Any]]:
    """One dict per group key with its numbers, from one GROUP BY with no ordering inside its aggregates.

    With ``arrays`` (PostgreSQL) each group also lists its figures' ids, best values and source ids (and,
    time-grouped, the ids of figures starting in an earlier bucket), in no order: the capped, largest-first ids
    and the distinct sources are worked out from them in Python (:class:`Shaper`). An ``ORDER BY`` or
    ``DISTINCT`` inside an aggregate made the database sort every counted figure first, which cost more than
    the sums themselves. Without arrays (SQLite), ``sources_count`` is a ``COUNT(DISTINCT)``. Neither is read
    ``with_sources=False``.
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
        if with_sources:
            measures["row_sources"] = ArrayAgg("source_id")
    elif with_sources:
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


_NOT_NULL = functools.partial(operator.is_not, None)


def added_up(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Grouped rows' numbers added up per (category, term group), as a GROUP BY without keys would: sums skip
    NULLs and are NULL when all are, and the sources are the union of the rows' (``row_sources``, counted when
    the totals are shown)."""
    names = ["category_key", "term_group_key"] if values and "category_key" in values[0] else ["term_group_key"]
    parts: dict[tuple, list[dict[str, Any]]] = {}
    keys = map(operator.itemgetter(*names, names[0]), values)  # twice the first: always a tuple, also of one name
    for row_values, key in zip(values, keys, strict=True):
        part = parts.get(key)
        if part is None:
            part = parts[key] = []
        part.append(row_values)
    totals = []
    for key, rows in parts.items():
        total = dict(zip(names, key, strict=False))
        for name in ("figures_count", "open_count"):
            total[name] = sum(map(operator.itemgetter(name), rows))
        for name in ("total_low", "total_best", "total_high"):
            present = list(filter(_NOT_NULL, map(operator.itemgetter(name), rows)))
            total[name] = sum(present) if present else None
        if "row_sources" in rows[0]:
            total["row_sources"] = set(itertools.chain.from_iterable(map(operator.itemgetter("row_sources"), rows)))
        totals.append(total)
    return totals


# --- rows as shown ----------------------------------------------------------------------------


class Shaper:
    """Turns grouped values (a row of :func:`grouped`, or the stock engine's twin) into rows as the API and the
    pages read them: keys in output order (names, codes and labels included), then the numbers, then the ids.

    A report has up to a few hundred thousand rows but far fewer distinct keys: the columns each key shows and
    its part of the sort key are worked out once per bucket (the time keys) and once per place, event, term,
    category and term group met (the rest: one small query per kind of named key), never once per row.
    """

    def __init__(self, model: type[Model], group_by: Sequence[str], using: str, *, cap: int = IDS_CAP,
                 with_ids: bool = True, with_sources: bool = True):
        kind = kind_of(model)
        dimensions = applied(kind, group_by)
        self.time: Dimension | None = next((dimension for dimension in dimensions if dimension.time), None)
        self.rest = [dimension for dimension in dimensions if not dimension.time]
        self.using, self.cap, self.with_ids, self.with_sources = using, cap, with_ids, with_sources
        # (column, field it shows, the labels of its values or None) for the rest's output columns
        self.columns = [(column.name, column.source or dimension.key, column.labels(kind) if column.labels else None)
                        for dimension in self.rest for column in dimension.columns]
        self.rest_order = [name for dimension in self.rest for name in dimension.order]

    def rows(self, values: list[dict[str, Any]], ids: dict[tuple, list[int]] | None = None,
             ) -> list[tuple[tuple, dict[str, Any]]]:
        """Each grouped row shown, after its sort key (time, then places and events by name, empty keys last,
        and id, then term, category and term group). Its ids are the first ``cap`` of its listed ids (largest
        best first, in id order), or else those ``ids`` gives for its key (:func:`capped_ids`)."""
        rest_keys = [dimension.key for dimension in self.rest]
        rest_of = (operator.itemgetter(*rest_keys) if len(rest_keys) > 1
                   else lambda row, key=rest_keys[0]: (row[key],))
        keys = [rest_of(row_values) for row_values in values]
        shown_keys = self._rest_columns(set(keys))
        time = self.time
        time_key = time.key if time else ""
        buckets: dict[Any, tuple[dict[str, Any], tuple]] = {}
        with_ids, with_sources, cap = self.with_ids, self.with_sources, self.cap
        rows = []
        for row_values, key in zip(values, keys, strict=True):
            columns, order = shown_keys[key]
            if time:
                start = row_values[time_key]
                bucket = buckets.get(start)
                if bucket is None:
                    shown = time.time_keys(start)
                    known = {**shown, time_key: start}
                    bucket = buckets[start] = (shown, _sort_values(known[name] for name in time.order))
                row = {**bucket[0], **columns}
                order = bucket[1] + order
            else:
                row = columns.copy()
            count = row["figures_count"] = row_values["figures_count"]
            if with_sources:
                sources = row_values.get("row_sources")
                row["sources_count"] = row_values["sources_count"] if sources is None else len(set(sources))
            else:
                row["sources_count"] = None
            high_open = row_values["open_count"] > 0
            row["low"] = row_values["total_low"]
            row["best"] = row_values["total_best"]
            row["high"] = None if high_open else row_values["total_high"]
            row["high_open"] = high_open
            if time:
                row["multi_bucket_count"] = row_values["multi_bucket_count"]
                row["earliest_start_date"] = row_values["earliest_start_date"]
            if with_ids:
                row_ids = row_values.get("row_ids")
                if row_ids is None:
                    listed = (ids or {}).get((start, *key) if time else key, [])
                elif len(row_ids) <= cap:  # most rows: all their ids, in order
                    listed = sorted(row_ids)
                else:
                    listed = largest_first(row_ids, row_values["row_bests"], cap)
                row["ids"] = listed
                row["ids_truncated"] = count > len(listed)
            rows.append((order, row))
        return rows

    def _rest_columns(self, keys: set[tuple]) -> dict[tuple, tuple[dict[str, Any], tuple]]:
        """For each key met (its values but the time's), the columns it shows and its part of the sort key;
        names and codes from one query per kind of named key."""
        found: dict[str, dict[Any, dict[str, Any]]] = {}
        for position, dimension in enumerate(self.rest):
            if dimension.names is None:
                continue
            wanted = {key[position] for key in keys} - {None}
            found[dimension.key] = {values["pk"]: values for values in dimension.names.model.objects.using(
                self.using).filter(pk__in=id_list(wanted, self.using)).values(
                "pk", *set(dimension.names.columns.values()))} if wanted else {}
        shown = {}
        for key in keys:
            known = dict(zip((dimension.key for dimension in self.rest), key, strict=True))
            for dimension in self.rest:
                if dimension.names is not None:
                    named = found[dimension.key].get(known[dimension.key], {})
                    known.update({name: named.get(column) for name, column in dimension.names.columns.items()})
            columns = {column: known[field] if labels is None else labels[known[field]]
                       for column, field, labels in self.columns}
            shown[key] = (columns, _sort_values(known[name] for name in self.rest_order))
        return shown
