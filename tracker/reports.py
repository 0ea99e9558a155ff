"""Totals that never double count: the one aggregation module (docs/counting.md).

Every door that shows a total (the report endpoints, their CSV and HXL, the
public pages and their CSV) calls these selectors; nothing else sums figures.
Sums run in the database: GROUP BY through ``values().annotate()``, with the
contributing ids in the grouped query itself (``ARRAY_AGG``) on PostgreSQL and
through a ``ROW_NUMBER()`` window elsewhere. The stock rule (rules 2 and 3) is
decided in memory by :class:`CountedStocks` from one narrow read of the scope's
counted stocks, for the rows' time grouping and for the whole-period totals, and
the grouped queries take its kept ids as one array parameter. The same code runs
on SQLite and PostgreSQL.

The rules, in order:

1. Counted = approved, headline, non-duplicate, quantified figures; for NGO keys
   and public pages also not effectively confidential.
2. Flows add up. Stocks never add over time: per period (time bucket, or the
   whole report when there is no time grouping), place and term, only the latest
   stock dated within the period counts (ties: the more reliable publisher, then
   the lower id); no carry-forward from earlier periods.
3. A latest stock whose place lies inside another counted stock's place, for the
   same term and period, is dropped and listed in the warnings, so totals do not
   change with ``group_by``.
4. A figure belongs to the bucket of its end date; one whose period starts
   before that bucket is counted once and flagged (``multi_bucket_count`` and a
   warning).
5. Place keys come from the stored ancestor links: a figure coarser than the
   grouping level has an empty key ("not attributable at this level"), so every
   grouping adds up to the same total.
6. Totals: low, best and high are sums; high is open (``None``, ``high_open``)
   when any figure in the row is open. Household figures are already in persons.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, RowNumber, Trim, TruncMonth, TruncWeek, TruncYear

from tracker.charts import monday
from tracker.choices import (
    RELIABILITY_RANK,
    DisplacementCategory,
    DisplacementTerm,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    SurrenderTerm,
    TermGroup,
)
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
    Tombstone,
)
from tracker.models.reference import path_prefix_q

# At most this many contributing record ids are listed per row (and per warning);
# ``ids_truncated`` says when a row has more. The rest are in the list endpoint.
IDS_CAP = 100

TIME_DIMENSIONS = ("week", "month", "year")
PLACE_DIMENSIONS = ("country", "adm1", "adm2")
GROUP_BY_CHOICES = (*TIME_DIMENSIONS, *PLACE_DIMENSIONS, "event", "term")

NOT_ATTRIBUTABLE = "Not attributable at this level"

_TRUNC = {"week": TruncWeek, "month": TruncMonth, "year": TruncYear}


# --- parameters ------------------------------------------------------------------------


def parse_group_by(raw: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"adm1,month"`` -> ``("month", "adm1")`` in canonical order; a field-level error for bad names.

    Names may repeat (counted once); at most one time dimension.
    """
    if raw is None:
        return ()
    parts = raw.split(",") if isinstance(raw, str) else [p for item in raw for p in str(item).split(",")]
    names = [p.strip().lower() for p in parts if p.strip()]
    unknown = sorted({n for n in names if n not in GROUP_BY_CHOICES})
    if unknown:
        raise ValidationError(
            {"group_by": f"Unknown grouping {', '.join(unknown)}: choose from {', '.join(GROUP_BY_CHOICES)}."}
        )
    times = sorted({n for n in names if n in TIME_DIMENSIONS}, key=TIME_DIMENSIONS.index)
    if len(times) > 1:
        raise ValidationError({"group_by": f"Choose one time grouping, not {' and '.join(times)}."})
    return tuple(n for n in GROUP_BY_CHOICES if n in names)


def _time_dimension(group_by: Sequence[str]) -> str | None:
    return next((g for g in group_by if g in TIME_DIMENSIONS), None)


# --- which figures count -------------------------------------------------------------------


def counted(figures: QuerySet, *, include_confidential: bool = False) -> QuerySet:
    """Figures that enter totals: approved, headline, non-duplicate, quantified (and not confidential)."""
    figures = figures.filter(
        review_status=ReviewStatus.APPROVED, role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=False
    )
    return figures if include_confidential else figures.not_confidential()


def _visible(figures: QuerySet, *, include_confidential: bool) -> QuerySet:
    """Approved records the audience may see (for warnings about what was not counted)."""
    figures = figures.filter(review_status=ReviewStatus.APPROVED)
    return figures if include_confidential else figures.not_confidential()


def reliability_rank(lookup: str = "source__publisher__reliability") -> Case:
    """The publisher's reliability as a number: higher wins ties between stocks."""
    return Case(
        *[When(**{lookup: value}, then=Value(rank)) for value, rank in RELIABILITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def _bucket(time_dim: str | None, field_name: str = "end_date"):
    return _TRUNC[time_dim](field_name) if time_dim else None


# Every strict ancestor of a place is one of these, closest first: levels strictly coarsen upwards, and below adm2
# there are at most three levels above a place (adm3, locality, site above a feature), so the parent chain reaches
# adm2 within three steps and the stored adm2, adm1 and country links do the rest.
ANCESTOR_LINKS = ("parent_id", "parent__parent_id", "parent__parent__parent_id", "adm2_id", "adm1_id", "country_id")


def _period(time_dim: str | None, day: date) -> date | None:
    """The first day of ``day``'s bucket, as the database truncates it (weeks start on Monday)."""
    if time_dim == "month":
        return day.replace(day=1)
    if time_dim == "week":
        return monday(day)
    if time_dim == "year":
        return day.replace(month=1, day=1)
    return None


@dataclass
class StockRule:
    """The stock rule's decisions for one scope and time grouping (rules 2 and 3)."""

    kept: list[int]  # the counted stocks: the latest per period, place and term, not inside another's place
    nested: list[int]  # latest stocks dropped because a place holding theirs has a stock too, in id order
    inside_of: dict[int, int]  # each nested stock -> the latest stock of the closest place that holds it


class CountedStocks:
    """The counted stocks of a report's scope, read once, and the stock rule applied to them in memory.

    One narrow query (id, end date, publisher rank, term, place) plus the ancestor links of the places met. Per
    period, place and term the latest stock wins (ties: the more reliable publisher, then the lower id); a latest
    stock is dropped when one of its place's strict ancestors has a stock of the same term and period (any stock
    there has a latest, so the place itself is enough to know). Deciding here, not in SQL, costs one pass over
    the stocks for every time grouping a report needs (its rows and its whole-period totals), where the database
    compared every stock with its rivals and its ancestors' stocks again for each query, and could not estimate
    how many rows a "latest" filter keeps.
    """

    def __init__(self, scope: QuerySet):
        self.scope = scope
        self.rows = list(
            scope.filter(category=DisplacementCategory.STOCK)
            .order_by()
            .annotate(rank=reliability_rank())
            .values_list("pk", "end_date", "rank", "term", "location_id")
        )
        # Oldest first, and among stocks of one day the less reliable and the higher id first: the last stock
        # met for a period, place and term is its latest.
        self.rows.sort(key=lambda row: (row[1], row[2], -row[0]))
        self.days = {row[1] for row in self.rows}
        places = {row[4] for row in self.rows}
        self.ancestors: dict[int, tuple[int, ...]] = {
            pk: tuple(link for link in links if link is not None and link != pk)
            for pk, *links in Location.objects.using(scope.db)
            .filter(pk__in=id_list(places, scope.db))
            .values_list("pk", *ANCESTOR_LINKS)
        }
        self._rules: dict[str | None, StockRule] = {}

    def rule(self, time_dim: str | None) -> StockRule:
        if time_dim not in self._rules:
            self._rules[time_dim] = self._decide(time_dim)
        return self._rules[time_dim]

    def _decide(self, time_dim: str | None) -> StockRule:
        period = {day: _period(time_dim, day) for day in self.days}
        latest: dict[tuple, int] = dict(zip(
            ((period[end_date], term, place) for _, end_date, _, term, place in self.rows),
            (row[0] for row in self.rows),
            strict=True,
        ))
        kept: list[int] = []
        inside_of: dict[int, int] = {}
        for (bucket, term, place), pk in latest.items():
            holder = next((latest[(bucket, term, above)] for above in self.ancestors.get(place, ())
                           if (bucket, term, above) in latest), None)
            if holder is None:
                kept.append(pk)
            else:
                inside_of[pk] = holder
        return StockRule(kept=kept, nested=sorted(inside_of), inside_of=inside_of)


def id_list(ids: Iterable[int], using: str) -> RawSQL:
    """A subquery listing ``ids``, for ``pk__in``: one parameter however many ids (an array on PostgreSQL,
    JSON on SQLite), where a literal list would bind a parameter per id."""
    ids = list(ids)
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def counted_figures(
    model: type[Model],
    figures: QuerySet | None = None,
    *,
    time_dim: str | None = None,
    include_confidential: bool = False,
    stocks: CountedStocks | None = None,
) -> QuerySet:
    """The figures a report with this time grouping adds up, after the stock rule.

    ``stocks`` are the counted stocks of the same scope when the caller has read them already.
    """
    scope = counted(model.objects.all() if figures is None else figures, include_confidential=include_confidential)
    if model is not DisplacementFigure:
        return scope
    kept = (stocks or CountedStocks(scope)).rule(time_dim).kept
    return scope.filter(Q(category=DisplacementCategory.FLOW) | Q(pk__in=id_list(kept, scope.db)))


# --- group keys -------------------------------------------------------------------------------


def _key_annotations(model: type[Model], group_by: Sequence[str]) -> dict[str, Any]:
    """Output key -> expression for every key of the grouping (names and codes included); None for a key
    that is a column of the model already. Apply with :func:`_with_keys`."""
    keys: dict[str, Any] = {}
    for dim in group_by:
        if dim in TIME_DIMENSIONS:
            keys[f"{dim}_start"] = _bucket(dim)
        elif dim == "country":
            # Records store their place's country: the column itself, named as the key already.
            keys["country_id"] = None
            keys["country_name"] = F("country__name")
            keys["country_pcode"] = F("country__pcode")
            keys["country_iso3"] = F("country__iso3")
        elif dim in PLACE_DIMENSIONS:
            keys[f"{dim}_id"] = F(f"location__{dim}_id")
            keys[f"{dim}_name"] = F(f"location__{dim}__name")
            keys[f"{dim}_pcode"] = F(f"location__{dim}__pcode")
        elif dim == "event":
            keys["event_key"] = F("event_id")
            keys["event_name"] = F("event__name")
        elif dim == "term":
            keys["term_key"] = F("term")
    if model is DisplacementFigure:
        keys["category_key"] = F("category")
    keys["term_group_key"] = F("term_group")
    return keys


def _with_keys(figures: QuerySet, keys: dict[str, Any]) -> QuerySet:
    return figures.annotate(**{name: expression for name, expression in keys.items() if expression is not None})


def _ordering(group_by: Sequence[str]) -> list:
    order = []
    for dim in group_by:
        if dim in TIME_DIMENSIONS:
            order.append(F(f"{dim}_start").asc())
        elif dim in PLACE_DIMENSIONS:
            order += [F(f"{dim}_name").asc(nulls_last=True), F(f"{dim}_id").asc(nulls_last=True)]
        elif dim == "event":
            order += [F("event_name").asc(nulls_last=True), F("event_key").asc(nulls_last=True)]
        elif dim == "term":
            order.append(F("term_key").asc())
    return order


_RENAMES = {"event_key": "event_id", "term_key": "term", "category_key": "category", "term_group_key": "term_group"}


def _key_of(values: dict[str, Any], key_names: Iterable[str]) -> tuple:
    return tuple(values[name] for name in key_names)


def _as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _row(values: dict[str, Any], model: type[Model], group_by: Sequence[str]) -> dict[str, Any]:
    """One database row, as the API and the pages read it: keys in output order, then the numbers."""
    keys: dict[str, Any] = {}
    for name, value in values.items():
        if name.endswith("_start") and name[: -len("_start")] in TIME_DIMENSIONS:
            keys.update(_time_keys(name[: -len("_start")], value))
        elif name in _RENAMES:
            keys[_RENAMES[name]] = value
        else:
            keys[name] = value
    if "term" in keys:
        keys["term_label"] = _term_label(model, keys["term"])
    keys["term_group_label"] = TermGroup(keys["term_group"]).label
    if "category" in keys:
        keys["category_label"] = DisplacementCategory(keys["category"]).label.split(" (")[0]
    row = {column: keys.get(column) for column in group_key_columns(_kind(model), group_by)}
    high_open = bool(values["open_count"])
    row.update(
        figures_count=values["figures_count"],
        sources_count=values["sources_count"] if "sources_count" in values else len(values["row_sources"]),
        low=_as_int(values["total_low"]),
        best=_as_int(values["total_best"]),
        high=None if high_open else _as_int(values["total_high"]),
        high_open=high_open,
    )
    if "multi_bucket_count" in values:
        row["multi_bucket_count"] = values["multi_bucket_count"]
        row["earliest_start_date"] = values["earliest_start_date"]
    return row


def _term_label(model: type[Model], term: str) -> str:
    choices = DisplacementTerm if model is DisplacementFigure else SurrenderTerm
    return choices(term).label


def _time_keys(dim: str, start: date) -> dict[str, Any]:
    if dim == "week":
        iso = start.isocalendar()
        return {"week": f"{iso.year}-W{iso.week:02d}", "week_start": start}
    if dim == "month":
        return {"month": f"{start:%Y-%m}", "month_start": start}
    return {"year": start.year}


def bucket_bounds(dim: str, row: dict[str, Any]) -> tuple[date, date]:
    """The first and last day of a row's time bucket."""
    if dim == "week":
        return row["week_start"], row["week_start"] + timedelta(days=6)
    if dim == "month":
        start = row["month_start"]
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return date(row["year"], 1, 1), date(row["year"], 12, 31)


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    """A grouped total with its warnings. ``rows`` and ``totals`` are plain dicts (JSON-ready but for dates)."""

    kind: str
    group_by: tuple[str, ...]
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    ids_cap: int = IDS_CAP
    date_from: date | None = None
    date_to: date | None = None

    @property
    def key_columns(self) -> list[str]:
        """The row keys, in output order (CSV columns before the numbers)."""
        return group_key_columns(self.kind, self.group_by)


def group_key_columns(kind: str, group_by: Sequence[str]) -> list[str]:
    columns: list[str] = []
    for dim in group_by:
        if dim == "week":
            columns += ["week", "week_start"]
        elif dim == "month":
            columns += ["month", "month_start"]
        elif dim == "year":
            columns.append("year")
        elif dim == "country":
            columns += ["country_id", "country_name", "country_iso3", "country_pcode"]
        elif dim in PLACE_DIMENSIONS:
            columns += [f"{dim}_id", f"{dim}_name", f"{dim}_pcode"]
        elif dim == "event":
            columns += ["event_id", "event_name"]
        elif dim == "term":
            columns += ["term", "term_label"]
    if kind == "displacement":
        columns += ["category", "category_label"]
    columns += ["term_group", "term_group_label"]
    return columns


VALUE_COLUMNS = ["figures_count", "sources_count", "low", "best", "high", "high_open"]


def _aggregate(
    figures: QuerySet, model: type[Model], group_by: Sequence[str], **lists: Any
) -> tuple[QuerySet, list[str]]:
    """One row per group key with its numbers, and ``lists`` (id arrays of :func:`_first_ids`) alongside."""
    keys = _key_annotations(model, group_by)
    time_dim = _time_dimension(group_by)
    measures: dict[str, Any] = {
        "figures_count": Count("pk"),
        "sources_count": Count("source_id", distinct=True),
        "total_low": Sum("low"),
        "total_best": Sum("best"),
        "total_high": Sum("high"),
        "open_count": Count("pk", filter=Q(high_open=True)),
    }
    if time_dim:
        measures["multi_bucket_count"] = Count("pk", filter=Q(start_date__lt=F(f"{time_dim}_start")))
        measures["earliest_start_date"] = Min("start_date")
    measures.update(lists)
    if "row_sources" in lists:
        del measures["sources_count"]  # the length of row_sources: one distinct pass per group, not two
    grouped = (
        _with_keys(figures, keys)
        .values(*keys)
        .annotate(**measures)
        .order_by(*_ordering(group_by), "category_key" if model is DisplacementFigure else "term_group_key",
                  "term_group_key")
    )
    return grouped, list(keys)


def _ids_in_arrays(figures: QuerySet) -> bool:
    """Whether the grouped query itself lists ids (PostgreSQL's ``ARRAY_AGG``).

    A separate pass over the counted figures (a window numbering each row's ids) costs as much as the grouped
    query, stock rule included, all over again; SQLite has no arrays and keeps it.
    """
    return connections[figures.db].vendor == "postgresql"


def _first_ids(cap: int, order_by: str | tuple[str, ...], **options: Any) -> Func:
    """The group's ids in ``order_by`` order, cut to the first ``cap`` (PostgreSQL; NULL when none match).

    ``ArrayAgg`` needs no ``django.contrib.postgres`` in INSTALLED_APPS: that app registers lookups, checks and
    type handlers for its model fields, none of which an aggregate's result uses.
    """
    return Func(ArrayAgg("pk", order_by=order_by, **options), template=f"(%(expressions)s)[1:{int(cap)}]")


def _capped_ids(figures: QuerySet, model: type[Model], group_by: Sequence[str], cap: int) -> dict[tuple, list[int]]:
    """Up to ``cap`` contributing ids per row, largest best first, from one windowed query (no arrays)."""
    keys = _key_annotations(model, group_by)
    ranked = (
        _with_keys(figures, keys)
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


def _add_up(totals: dict[tuple, dict[str, Any]], values: dict[str, Any]) -> None:
    """Add one grouped row's numbers to its (category, term group) total, as ``_aggregate(..., ())`` would."""
    key = (values.get("category_key"), values["term_group_key"])
    total = totals.get(key)
    if total is None:
        total = totals[key] = {
            **({"category_key": key[0]} if "category_key" in values else {}), "term_group_key": key[1],
            "figures_count": 0, "sources": set(), "total_low": None, "total_best": None, "total_high": None,
            "open_count": 0,
        }
    total["figures_count"] += values["figures_count"]
    total["open_count"] += values["open_count"]
    total["sources"].update(values["row_sources"] or ())
    total["sources_count"] = len(total["sources"])
    for name in ("total_low", "total_best", "total_high"):
        if values[name] is not None:  # SUM skips NULLs, and is NULL when all are
            total[name] = values[name] + (total[name] or 0)


def _kind(model: type[Model]) -> str:
    return "displacement" if model is DisplacementFigure else "surrenders"


def figure_report(
    model: type[Model],
    figures: QuerySet | None = None,
    *,
    group_by: str | Sequence[str] | None = (),
    include_confidential: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    with_ids: bool = True,
    with_warnings: bool = True,
    with_totals: bool = True,
    ids_cap: int = IDS_CAP,
) -> Report:
    """Displacement or surrender totals grouped by ``group_by``, with warnings.

    ``figures`` is the report's scope (a filtered queryset of ``model``);
    ``date_from``/``date_to`` select figures by their end date.
    """
    group_by = parse_group_by(group_by)
    scope = model.objects.all() if figures is None else figures
    if date_from:
        scope = scope.filter(end_date__gte=date_from)
    if date_to:
        scope = scope.filter(end_date__lte=date_to)
    with one_snapshot(scope.db):
        return _figure_report(model, scope, group_by, include_confidential=include_confidential,
                              date_from=date_from, date_to=date_to, with_ids=with_ids, with_warnings=with_warnings,
                              with_totals=with_totals, ids_cap=ids_cap)


@contextmanager
def one_snapshot(using: str) -> Iterator[None]:
    """Every query inside reads the database as it was at the first one.

    A report is several queries (the stocks, the grouped rows, the totals' stocks, the warnings); a change
    committed between two of them must not show in one and not the other (a holder stock rejected after the
    stocks were read would leave a nested stock dropped and its holder uncounted). On PostgreSQL a read-only
    REPEATABLE READ transaction gives them one snapshot; SQLite's read transaction does the same. Inside a
    transaction already, the caller's own isolation applies.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _figure_report(
    model: type[Model],
    scope: QuerySet,
    group_by: tuple[str, ...],
    *,
    include_confidential: bool,
    date_from: date | None,
    date_to: date | None,
    with_ids: bool,
    with_warnings: bool,
    with_totals: bool,
    ids_cap: int,
) -> Report:
    time_dim = _time_dimension(group_by)
    stocks = (CountedStocks(counted(scope, include_confidential=include_confidential))
              if model is DisplacementFigure else None)
    included = counted_figures(model, scope, time_dim=time_dim, include_confidential=include_confidential,
                               stocks=stocks)
    lists: dict[str, Func] = {}
    if _ids_in_arrays(included):
        if with_ids:
            lists["row_ids"] = _first_ids(ids_cap, ("-best", "pk"))
        if with_warnings and time_dim:
            lists["multi_bucket_ids"] = _first_ids(ids_cap, "pk", filter=Q(start_date__lt=F(f"{time_dim}_start")))
        if with_totals and group_by:
            lists["row_sources"] = ArrayAgg("source_id", distinct=True)
    grouped, key_names = _aggregate(included, model, group_by, **lists)
    ids = _capped_ids(included, model, group_by, ids_cap) if with_ids and "row_ids" not in lists else {}
    rows = []
    multi_bucket_ids: list[int] = []
    added: dict[tuple, dict[str, Any]] = {}  # flows (and surrenders) over the whole period, from the rows
    for values in grouped:
        row = _row(values, model, group_by)
        if "row_sources" in lists and values.get("category_key") != DisplacementCategory.STOCK:
            _add_up(added, values)
        if with_ids:
            row["ids"] = sorted(values["row_ids"]) if "row_ids" in lists else ids.get(_key_of(values, key_names), [])
            row["ids_truncated"] = row["figures_count"] > len(row["ids"])
        multi_bucket_ids += values.get("multi_bucket_ids") or []
        rows.append(row)
    totals = rows
    if with_totals and group_by and "row_sources" in lists:
        # Flows add up, so their totals are the rows' sums (the sources' union for sources_count); only stocks
        # are counted again, under the whole-period rule.
        whole_stocks = [] if stocks is None else _aggregate(
            stocks.scope.filter(pk__in=id_list(stocks.rule(None).kept, included.db)), model, ()
        )[0]
        totals = sorted((_row(values, model, ()) for values in [*added.values(), *whole_stocks]),
                        key=lambda row: (row.get("category") or "", row["term_group"]))
    elif with_totals and group_by:
        whole = counted_figures(model, scope, include_confidential=include_confidential, stocks=stocks)
        totals = [_row(values, model, ()) for values in _aggregate(whole, model, ())[0]]
    elif not with_totals:
        totals = []
    warnings = (
        report_warnings(
            model, scope, included, include_confidential=include_confidential, cap=ids_cap,
            stock_rule=stocks.rule(time_dim) if stocks else None, time_dim=time_dim,
            # every counted figure is in exactly one row, so the rows' counts add up to the exact number, and
            # the first ids of all are among the rows' first ids
            multi_bucket_count=sum(row.get("multi_bucket_count", 0) for row in rows),
            multi_bucket_ids=sorted(multi_bucket_ids)[:ids_cap] if "multi_bucket_ids" in lists else None,
        )
        if with_warnings
        else []
    )
    return Report(
        kind=_kind(model), group_by=group_by, rows=rows, totals=totals, warnings=warnings, ids_cap=ids_cap,
        date_from=date_from, date_to=date_to,
    )


def displacement_report(figures: QuerySet | None = None, **options: Any) -> Report:
    """Displacement totals; rows always split by category (flow, stock) and term group."""
    return figure_report(DisplacementFigure, figures, **options)


def surrender_report(figures: QuerySet | None = None, **options: Any) -> Report:
    """Surrender totals (surrendered and captured form one term group)."""
    return figure_report(SurrenderFigure, figures, **options)


# --- warnings ---------------------------------------------------------------------------------


def _id_warning(code: str, message: str, count: int, ids: list[int], cap: int) -> dict[str, Any]:
    """A warning about ``count`` figures naming the first ``cap`` of their ``ids``."""
    return {"code": code, "message": message.format(count=count, s="" if count == 1 else "s"),
            "count": count, "ids": ids[:cap], "ids_truncated": count > cap}


def report_warnings(
    model: type[Model],
    scope: QuerySet,
    included: QuerySet,
    *,
    time_dim: str | None,
    include_confidential: bool,
    cap: int = IDS_CAP,
    stock_rule: StockRule | None = None,
    multi_bucket_count: int | None = None,
    multi_bucket_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Overlaps found (stored possible double counts among counted figures), stocks dropped as nested (from
    ``stock_rule``, the report's decisions about displacement stocks), what was excluded and why, and figures
    that span several time buckets (``multi_bucket_count`` and ``multi_bucket_ids``, the first ``cap`` in id
    order, when the report has them already)."""
    warnings: list[dict[str, Any]] = []
    counted_ids = included.values("pk")
    pairs = PossibleDoubleCount.objects.filter(
        kind=model._meta.model_name, first_id__in=counted_ids, second_id__in=counted_ids
    ).order_by("first_id", "second_id")
    listed = list(pairs.values("first_id", "second_id", "decided_at", "decision_reason")[: cap + 1])
    if listed:
        count = len(listed) if len(listed) <= cap else pairs.count()
        unresolved = sum(1 for pair in listed[:cap] if pair["decided_at"] is None)
        warnings.append({
            "code": "overlap",
            "message": (
                f"{count} pair{'s' if count != 1 else ''} of counted figures may describe the same people "
                f"(same term group, nesting places, overlapping periods); both figures of each pair are counted"
                + (f"; {unresolved} without a reviewer's decision." if unresolved else
                   ", as a reviewer decided that both stand.")
            ),
            "count": count,
            "pairs": [
                {"first_id": p["first_id"], "second_id": p["second_id"], "decided": p["decided_at"] is not None,
                 "decision_reason": p["decision_reason"]}
                for p in listed[:cap]
            ],
            "ids_truncated": count > cap,
        })
    if stock_rule is not None:
        count = len(stock_rule.nested)
        if count:
            nested_ids = stock_rule.nested[:cap]
            warnings.append({
                "code": "nested_stock",
                "message": (
                    f"{count} stock figure{'s' if count != 1 else ''} dropped: the place lies inside the place "
                    "of another counted stock of the same term and period, which already includes it."
                ),
                "count": count,
                "ids": nested_ids,
                "inside_of": {str(pk): stock_rule.inside_of[pk] for pk in nested_ids},
                "ids_truncated": count > cap,
            })
    visible = _visible(scope, include_confidential=include_confidential)
    exclusions = {
        "excluded_triangulation": (
            "{count} triangulation figure{s} not counted: each supports a headline figure that is counted.",
            Q(role=Role.TRIANGULATION)),
        "excluded_duplicate": (
            "{count} duplicate{s} not counted: the same fact from another source, counted once through the original.",
            Q(role=Role.HEADLINE, duplicate_of__isnull=False)),
        "unquantified": (
            "{count} unquantified claim{s} skipped (\"large numbers\"): evidence, never summed.",
            Q(role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=True)),
    }
    # one pass counts all three; only a kind that has figures is asked for its first ids
    counts = visible.filter(Q(*[q for _, q in exclusions.values()], _connector=Q.OR)).aggregate(
        **{code: Count("pk", filter=q) for code, (_, q) in exclusions.items()}
    )
    for code, (message, q) in exclusions.items():
        if counts[code]:
            ids = list(visible.filter(q).order_by("pk").values_list("pk", flat=True)[:cap])
            warnings.append(_id_warning(code, message, counts[code], ids, cap))
    if time_dim and multi_bucket_count != 0:
        message = ("Counted figures whose period spans several " + time_dim + "s: {count}. Each is counted once, "
                   "in the " + time_dim + " of its end date.")
        if multi_bucket_ids is None or multi_bucket_count is None:
            spanning = included.annotate(bucket=_bucket(time_dim)).filter(start_date__lt=F("bucket"))
            multi_bucket_ids = list(spanning.order_by("pk").values_list("pk", flat=True)[: cap + 1])
            if multi_bucket_count is None:
                multi_bucket_count = len(multi_bucket_ids) if len(multi_bucket_ids) <= cap else spanning.count()
        if multi_bucket_count:
            warnings.append(_id_warning("multi_bucket", message, multi_bucket_count, multi_bucket_ids, cap))
    return warnings


# --- aid capacity -----------------------------------------------------------------------------


def _provider_key() -> Case:
    """Unnamed providers are told apart by their description, case and spaces aside."""
    return Case(
        When(provider__isnull=True, then=Lower(Trim("provider_description"))),
        default=Value(""),
        output_field=CharField(),
    )


AID_CAPACITY_COLUMNS = [
    "location_id", "location_name", "location_pcode", "sector", "sector_label", "provider_id", "provider_name",
    "provider_description", "strain", "strain_label", "capacity", "demand", "capacity_unit", "reported_on",
    "record_id", "source_id",
]


def aid_capacity_status(
    reports: QuerySet | None = None,
    *,
    as_of: date | None = None,
    include_confidential: bool = False,
) -> QuerySet:
    """The latest report per provider, place and sector as of a date (ties: more reliable publisher, lower id).

    Returns a values() queryset of ``AID_CAPACITY_COLUMNS`` (lazy: slice or paginate it).
    Aid capacity is never summed.
    """
    scope = _visible(AidCapacityReport.objects.all() if reports is None else reports,
                     include_confidential=include_confidential)
    if as_of:
        scope = scope.filter(end_date__lte=as_of)
    annotated = scope.annotate(rank=reliability_rank(), provider_key=_provider_key())
    # provider_id is NULL for unnamed providers (and NULL = NULL is not true in SQL): those match on their
    # description key instead, which is empty exactly for named providers.
    better = annotated.filter(
        Q(provider_id=OuterRef("provider_id")) | Q(provider__isnull=True, provider_key=OuterRef("provider_key")),
        location_id=OuterRef("location_id"),
        sector=OuterRef("sector"),
    ).filter(
        Q(end_date__gt=OuterRef("end_date"))
        | Q(end_date=OuterRef("end_date"), rank__gt=OuterRef("rank"))
        | Q(end_date=OuterRef("end_date"), rank=OuterRef("rank"), pk__lt=OuterRef("pk"))
    )
    latest = annotated.exclude(Exists(better))
    return latest.values(
        "location_id", "sector", "provider_id", "provider_description", "strain", "capacity", "demand",
        "capacity_unit",
        location_name=F("location__name"), location_pcode=F("location__pcode"), location_path=F("location__path"),
        provider_name=F("provider__name"), reported_on=F("end_date"), record_id=F("pk"),
    ).annotate(source_id=F("source_id")).order_by("location__path", "sector", "provider__name",
                                                   "provider_description", "pk")


def aid_capacity_row(values: dict[str, Any]) -> dict[str, Any]:
    """Labels for one status row."""
    row = {column: values.get(column) for column in AID_CAPACITY_COLUMNS}
    row["sector_label"] = Sector(values["sector"]).label
    row["strain_label"] = Strain(values["strain"]).label
    return row


# --- selectors for the public pages ------------------------------------------------------------


def claims_about(model: type[Model], *, event: Event | None = None, place: Location | None = None) -> QuerySet:
    """Records of ``model`` about an event, or about a place and everything under it."""
    records = model.objects.all()
    if event is not None:
        records = records.filter(event=event)
    if place is not None:
        records = records.filter(path_prefix_q("location__path", place.path))
    return records


def counted_end_dates(figures: QuerySet, **filters: Any) -> tuple[date | None, date | None]:
    """The first and last end dates of the counted, non-confidential figures in ``figures``."""
    span = counted(figures).filter(**filters).aggregate(first=Min("end_date"), last=Max("end_date"))
    return span["first"], span["last"]


def event_headline_totals(event_ids: Sequence[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Whole-period displacement and surrender totals per event, for public listings (two GROUP BY queries)."""
    totals: dict[int, dict[str, list[dict[str, Any]]]] = {
        pk: {"displacement": [], "surrenders": []} for pk in event_ids
    }
    for model, key in ((DisplacementFigure, "displacement"), (SurrenderFigure, "surrenders")):
        report = figure_report(
            model, model.objects.filter(event_id__in=list(event_ids)), group_by="event",
            with_ids=False, with_warnings=False, with_totals=False,
        )
        for row in report.rows:
            totals[row["event_id"]][key].append(row)
    return totals


def public_records(model: type[Model], records: QuerySet) -> QuerySet:
    """Approved, non-confidential records for a page, newest first, with what a row shows joined in.

    ``is_party_claim_flag`` says whether the claim is attributed to one of its event's parties.
    """
    party = Event.parties.through.objects.filter(
        event_id=OuterRef("event_id"), organization_id=OuterRef("attributed_to_id")
    )
    related = ["source__publisher", "location", "attributed_to", "event"]
    if model is not AidCapacityReport:
        related += ["supports", "duplicate_of"]
    return (
        _visible(records, include_confidential=False)
        .select_related(*related)
        .annotate(is_party_claim_flag=Exists(party))
        .order_by("-end_date", "-pk")
    )


def public_sources(*record_sets: QuerySet) -> QuerySet:
    """Non-confidential sources of the approved, non-confidential records in ``record_sets``."""
    condition = Q()
    for records in record_sets:
        visible = _visible(records, include_confidential=False)
        condition |= Q(Exists(visible.filter(source_id=OuterRef("pk"))))
    return (
        Source.objects.filter(is_confidential=False)
        .filter(condition)
        .select_related("publisher")
        .prefetch_related("co_credited")
        .order_by("-publication_date", "title", "pk")
    )


def data_version() -> str:
    """A short token that changes whenever anything a total or a page shows may have changed.

    Built from each table's latest change and highest id (a figure is marked updated when a source or place it
    shows changes; an insert raises the highest id even when its ``updated_at`` is not the latest), the latest
    deletion (every delete writes a tombstone), and the possible double counts' latest finding and decision
    (a small table, counted too, since a lapsed decision deletes its row). Each part is one index lookup, so the
    token stays cheap at a million records. Pages and the report endpoints key their cached reports on it.
    """
    parts = []
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport, Source, Location, Event, Organization,
                  Tombstone):
        latest = "deleted_at" if model is Tombstone else "updated_at"
        state = model.objects.aggregate(changed=Max(latest), top=Max("pk"))
        parts.append(f"{state['changed'].isoformat() if state['changed'] else '-'}/{state['top']}")
    pairs = PossibleDoubleCount.objects.aggregate(found=Max("found_at"), decided=Max("decided_at"), rows=Count("pk"))
    parts += [str(pairs["found"]), str(pairs["decided"]), str(pairs["rows"])]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]
