"""Totals that never double count: the one aggregation module (docs/counting.md).

Every door that shows a total (the report endpoints, their CSV and HXL, the
public pages and their CSV) calls these selectors; nothing else sums figures.
Flows (and surrenders) are summed in the database: GROUP BY through
``values().annotate()``, with each group's ids, best values and sources listed
in the grouped query itself (``ARRAY_AGG``) on PostgreSQL and through a
``ROW_NUMBER()`` window elsewhere. Stocks are read once by :class:`CountedStocks`,
which decides the stock rule (rules 2 and 3) in memory, for the rows' time
grouping and for the whole-period totals, and sums the stocks it keeps there too.
On PostgreSQL the flows' GROUP BY runs on a second connection that reads the
report's snapshot (:func:`alongside`) while the first reads the stocks and the
warnings. The same code runs on SQLite and PostgreSQL.

The rules, in order:

1. Counted = approved, headline, non-duplicate, quantified figures that the
   audience may see (``visible_to``): for NGO keys and public pages also not
   effectively confidential.
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
import gc
import hashlib
import heapq
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
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
from django.db.models.functions import Cast, Lower, RowNumber, Trim, TruncMonth, TruncWeek, TruncYear
from django.db.models.query import ValuesIterable

from tracker.audience import Audience
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
from tracker.models.claims import COUNTED
from tracker.models.reference import path_prefix_q

# At most this many contributing record ids are listed per row (and per warning);
# ``ids_truncated`` says when a row has more. The rest are in the list endpoint.
IDS_CAP = 100

TIME_DIMENSIONS = ("week", "month", "year")
PLACE_DIMENSIONS = ("country", "adm1", "adm2")
GROUP_BY_CHOICES = (*TIME_DIMENSIONS, *PLACE_DIMENSIONS, "event", "term")

NOT_ATTRIBUTABLE = "Not attributable at this level"

_TRUNC = {"week": TruncWeek, "month": TruncMonth, "year": TruncYear}

T = TypeVar("T")


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


def counted(figures: QuerySet, *, audience: Audience = Audience.PUBLIC) -> QuerySet:
    """Figures that enter totals: approved, headline, non-duplicate, quantified, and visible to ``audience``."""
    return figures.filter(COUNTED).visible_to(audience)


def _visible(figures: QuerySet, *, audience: Audience) -> QuerySet:
    """Approved records ``audience`` may see (for warnings about what was not counted): even staff totals count
    approved records only."""
    return figures.filter(review_status=ReviewStatus.APPROVED).visible_to(audience)


def reliability_rank(lookup: str = "source__publisher__reliability") -> Case:
    """The publisher's reliability as a number: higher wins ties between stocks."""
    return Case(
        *[When(**{lookup: value}, then=Value(rank)) for value, rank in RELIABILITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def _bucket(time_dim: str | None, field_name: str = "end_date", using: str | None = None):
    """The first day of the bucket of ``field_name``. On PostgreSQL, when ``using`` says so, truncated as a
    timestamp without time zone and cast back to a date: ``DATE_TRUNC`` of a date is a timestamp with time zone,
    which costs time zone conversions per row (the flows' GROUP BY at a million records: 0.54-0.64 s ->
    0.49-0.53 s), and the same day comes out, as a date and not a timestamp to convert again when read."""
    if not time_dim:
        return None
    if using and connections[using].vendor == "postgresql":
        return Func(F(field_name), template=f"DATE_TRUNC('{time_dim}', %(expressions)s::timestamp)::date",
                    output_field=DateField())
    return _TRUNC[time_dim](field_name)


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


class StockRule:
    """The stock rule's decisions for one scope and time grouping (rules 2 and 3).

    ``kept``: the counted stocks, the latest per period, place and term, not inside another's place. The
    latest stocks dropped because a place holding theirs has a stock too are counted (``nested_count``) and
    listed on demand (``first_nested``, ``holder_of``).
    """

    def __init__(self, kept: list[int], nested: dict[int, tuple], latest: dict[tuple, int],
                 ancestors: dict[int, tuple[int, ...]]):
        self.kept = kept
        self._nested = nested  # nested stock -> its (period, term, place)
        self._latest = latest
        self._ancestors = ancestors

    @property
    def nested_count(self) -> int:
        return len(self._nested)

    def first_nested(self, cap: int) -> list[int]:
        """The ``cap`` lowest ids of the nested stocks (a warning lists them; all 110,000 of a million-record
        report's month rule are never sorted)."""
        return heapq.nsmallest(cap, self._nested)

    def holder_of(self, pk: int) -> int:
        """The latest stock of the closest place that holds nested stock ``pk`` (asked of the few a warning
        lists, not worked out for all)."""
        period, term, place = self._nested[pk]
        return next(self._latest[(period, term, above)] for above in self._ancestors[place]
                    if (period, term, above) in self._latest)


class CountedStocks:
    """The counted stocks of a report's scope, read once, the stock rule applied to them and the stocks it keeps
    summed, all in memory.

    One query reads the rule's columns of every counted stock, in publisher-rank order, and one the ancestor
    links of the places met; the numbers and keys of the stocks the rule keeps are read afterwards, by id. Per
    period, place and term the latest stock wins (ties: the more reliable publisher, then the lower id); a latest
    stock is dropped when one of its place's strict ancestors has a stock of the same term and period (any stock
    there has a latest, so the place itself is enough to know). Deciding here, not in SQL, costs one pass over
    the stocks for every time grouping a report needs (its rows and its whole-period totals), where the database
    compared every stock with its rivals and its ancestors' stocks again for each query, and could not estimate
    how many rows a "latest" filter keeps. The rule keeps few stocks (at a million records, 11,903 of 132,608
    for months, 21 for the whole period), so summing them here costs less than asking the database again.
    """

    # what the rule reads of every counted stock, and what summing reads of the kept ones only
    RULE_COLUMNS = ("pk", "end_date", "term", "location_id")
    COLUMNS = (*RULE_COLUMNS, "term_group", "event_id", "country_id", "start_date", "low", "best", "high",
               "high_open", "source_id")

    def __init__(self, scope: QuerySet):
        self.scope = scope
        # Oldest first, and among stocks of one day the less reliable and the higher id first: the last stock
        # met for a period, place and term is its latest.
        rows = _fetch(
            scope.filter(category=DisplacementCategory.STOCK)
            .annotate(rank=reliability_rank())
            .order_by("end_date", "rank", "-pk")
            .values_list(*self.RULE_COLUMNS)
        )
        # one list per column, in that order: the rule then builds its dicts in C loops (zip, map), not per row
        columns = zip(*rows, strict=True) if rows else ((), (), (), ())
        self.pks, self.end_dates, self.terms, self.places = (list(column) for column in columns)
        del rows
        self._details: dict[int, tuple] = {}  # kept stock -> its COLUMNS
        self.days = set(self.end_dates)
        places = set(self.places)
        links = Location.objects.using(scope.db).filter(pk__in=id_list(places, scope.db)).values_list(
            "pk", *ANCESTOR_LINKS)
        self.ancestors: dict[int, tuple[int, ...]] = {}  # closest first
        self.outwards: dict[int, tuple[int, ...]] = {}  # the same, coarsest first
        self.areas: dict[int, dict[str, int | None]] = {}  # place -> its stored adm1 and adm2 (the group keys)
        for pk, *ancestors in links:
            self.ancestors[pk] = tuple(link for link in ancestors if link is not None and link != pk)
            self.outwards[pk] = self.ancestors[pk][::-1]
            self.areas[pk] = {"adm2": ancestors[-3], "adm1": ancestors[-2]}
        self._rules: dict[str | None, StockRule] = {}
        self._periods: dict[str | None, dict[date, date | None]] = {}

    def groups(self, group_by: Sequence[str], *, cap: int, with_ids: bool = True) -> list[dict[str, Any]]:
        """The kept stocks of this grouping summed per group key into what :func:`_grouped` reads from the
        database (the same keys and numbers: SUM skips NULLs and is NULL when all are), then finished as its
        rows are (:func:`_finish`)."""
        time_dim = _time_dimension(group_by)
        kept = self.rule(time_dim).kept
        details = self.details(kept)
        groups: dict[tuple, dict[str, Any]] = {}
        period = self.periods(time_dim)
        for pk in kept:
            (_, end_date, term, place, term_group, event, country, start, low, best, high, high_open,
             source) = details[pk]
            keys: dict[str, Any] = {}
            for dim in group_by:
                if dim in TIME_DIMENSIONS:
                    keys[f"{dim}_start"] = period[end_date]
                elif dim == "country":
                    keys["country_id"] = country
                elif dim in PLACE_DIMENSIONS:
                    keys[f"{dim}_id"] = self.areas[place][dim]
                elif dim == "event":
                    keys["event_key"] = event
                elif dim == "term":
                    keys["term_key"] = term
            keys["category_key"] = DisplacementCategory.STOCK.value
            keys["term_group_key"] = term_group
            group = groups.get(key := tuple(keys.values()))
            if group is None:
                group = groups[key] = {**keys, "figures_count": 0, "total_low": None, "total_best": None,
                                       "total_high": None, "open_count": 0, "row_sources": []}
                if with_ids:
                    group.update(row_ids=[], row_bests=[])
                if time_dim:
                    group.update(multi_bucket_count=0, earliest_start_date=start, multi_bucket_ids=[])
            group["figures_count"] += 1
            group["open_count"] += bool(high_open)
            _add_sums(group, low, best, high)
            group["row_sources"].append(source)
            if with_ids:
                group["row_ids"].append(pk)
                group["row_bests"].append(best)
            if time_dim:
                group["earliest_start_date"] = min(group["earliest_start_date"], start)
                if start < keys[f"{time_dim}_start"]:
                    group["multi_bucket_count"] += 1
                    group["multi_bucket_ids"].append(pk)
        for group in groups.values():
            _finish(group, cap)
        return list(groups.values())

    def details(self, ids: list[int]) -> dict[int, tuple]:
        """The ``COLUMNS`` of these stocks, read once each: the rule keeps about one in ten, so reading every
        stock's numbers with the rule's columns cost more Python than this second, indexed read."""
        missing = [pk for pk in ids if pk not in self._details]
        if missing:
            # stated as counted stocks (which they are), so that PostgreSQL reads them from the counted stocks'
            # index, ids checked against a hashed list, rather than visiting the table once per id
            stocks = self.scope.model._base_manager.using(self.scope.db).filter(
                COUNTED, category=DisplacementCategory.STOCK)
            self._details.update((row[0], row) for row in _fetch(
                stocks.filter(_among(self.scope.model, missing, self.scope.db)).order_by().values_list(*self.COLUMNS)))
        return self._details

    def periods(self, time_dim: str | None) -> dict[date, date | None]:
        """Each stock day's period (the first day of its bucket), worked out once per day."""
        if time_dim not in self._periods:
            self._periods[time_dim] = {day: _period(time_dim, day) for day in self.days}
        return self._periods[time_dim]

    def rule(self, time_dim: str | None) -> StockRule:
        if time_dim not in self._rules:
            self._rules[time_dim] = self._decide(time_dim)
        return self._rules[time_dim]

    def _decide(self, time_dim: str | None) -> StockRule:
        period = self.periods(time_dim)
        buckets = map(period.__getitem__, self.end_dates) if time_dim else itertools.repeat(None)
        latest: dict[tuple, int] = dict(zip(zip(buckets, self.terms, self.places, strict=False), self.pks, strict=True))
        outwards = self.outwards
        kept: list[int] = []
        nested: dict[int, tuple] = {}
        for key, pk in latest.items():
            bucket, term, place = key
            # coarsest first: whether any holder exists is all the rule needs, and a country-wide stock is the
            # commonest; the closest holder is looked up only for the stocks a warning names
            for above in outwards.get(place, ()):
                if (bucket, term, above) in latest:
                    nested[pk] = key
                    break
            else:
                kept.append(pk)
        return StockRule(kept, nested, latest, self.ancestors)


def _fetch(query: QuerySet) -> list:
    """The rows of a ``values_list()`` (tuples) or ``values()`` (dicts) query as the driver returns them: on
    PostgreSQL straight from the cursor (psycopg already gives dates, numbers, booleans and lists, and Django's
    per-row iteration and converters cost 0.15 s over the 132,608 stocks of a million records, as much as the
    fetch itself over a report's grouped rows); elsewhere through Django, which converts SQLite's text dates."""
    if connections[query.db].vendor != "postgresql":
        return list(query)
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no events yet: an empty id list), as list() answers
        return []
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        if not issubclass(query._iterable_class, ValuesIterable):
            return cursor.fetchall()
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _among(model: type[Model], ids: Iterable[int], using: str) -> RawSQL | Q:
    """A filter: the record's id is one of ``ids``. On PostgreSQL ``id = ANY(array)``, a condition the planner
    may check on an index's rows (the list hashed) where ``IN (subquery)`` joined, one table visit per id."""
    if connections[using].vendor != "postgresql":
        return Q(pk__in=id_list(ids, using))
    column = f"{connections[using].ops.quote_name(model._meta.db_table)}.{connections[using].ops.quote_name('id')}"
    return RawSQL(f"{column} = ANY(%s::bigint[])", ["{" + _joined(ids) + "}"], output_field=BooleanField())


def _joined(ids: Iterable[int]) -> str:
    """``ids`` as "1,2,3", the inside of an array's or a JSON list's text: passed as text, since psycopg's list
    dumper spent 0.3 s over a report's 30,000 ids, checking each one's type."""
    return ",".join(str(int(pk)) for pk in ids)


def id_list(ids: Iterable[int], using: str) -> RawSQL:
    """A subquery listing ``ids``, for ``pk__in``: one parameter however many ids (an array on PostgreSQL,
    JSON on SQLite), where a literal list would bind a parameter per id."""
    text = _joined(ids)
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", ["{" + text + "}"])
    return RawSQL("SELECT value FROM json_each(%s)", ["[" + text + "]"])


# --- group keys -------------------------------------------------------------------------------


def _key_annotations(model: type[Model], group_by: Sequence[str], using: str) -> dict[str, Any]:
    """Output key -> expression for every key the database groups by; None for a key that is a column of the
    model already. Only ids and codes: names are looked up for the rows afterwards (:func:`_attach_names`), as
    a join per named key made every grouped row wider and the query slower. Apply with :func:`_with_keys`."""
    keys: dict[str, Any] = {}
    for dim in group_by:
        if dim in TIME_DIMENSIONS:
            keys[f"{dim}_start"] = _bucket(dim, using=using)
        elif dim == "country":
            keys["country_id"] = None  # records store their place's country: the column itself
        elif dim in PLACE_DIMENSIONS:
            keys[f"{dim}_id"] = F(f"location__{dim}_id")
        elif dim == "event":
            keys["event_key"] = F("event_id")
        elif dim == "term":
            keys["term_key"] = F("term")
    if model is DisplacementFigure:
        keys["category_key"] = F("category")
    keys["term_group_key"] = F("term_group")
    return keys


def _with_keys(figures: QuerySet, keys: dict[str, Any]) -> QuerySet:
    return figures.annotate(**{name: expression for name, expression in keys.items() if expression is not None})


_NAMES = {  # the name columns of a keyed place or event, and the model columns they are read from
    "country": {"country_name": "name", "country_pcode": "pcode", "country_iso3": "iso3"},
    "adm1": {"adm1_name": "name", "adm1_pcode": "pcode"},
    "adm2": {"adm2_name": "name", "adm2_pcode": "pcode"},
}


def _attach_names(rows: list[dict[str, Any]], group_by: Sequence[str], using: str) -> None:
    """Give rows keyed by a place or an event its name (and codes): one small query per kind of key."""
    for dim in group_by:
        if dim in PLACE_DIMENSIONS:
            columns = _NAMES[dim]
            ids = {row[f"{dim}_id"] for row in rows} - {None}
            found = {values["pk"]: values for values in Location.objects.using(using).filter(
                pk__in=id_list(ids, using)).values("pk", *set(columns.values()))} if ids else {}
            for row in rows:
                place = found.get(row[f"{dim}_id"], {})
                row.update({name: place.get(column) for name, column in columns.items()})
        elif dim == "event":
            ids = {row["event_key"] for row in rows} - {None}
            names = dict(Event.objects.using(using).filter(pk__in=id_list(ids, using)).values_list("pk", "name")
                         ) if ids else {}
            for row in rows:
                row["event_name"] = names.get(row["event_key"])


def _order_key(group_by: Sequence[str], model: type[Model]) -> Callable[[dict[str, Any]], tuple]:
    """Rows in output order: time, then places and events by name (empty keys last) and id, then term,
    category and term group."""
    fields: list[str] = []
    for dim in group_by:
        if dim in TIME_DIMENSIONS:
            fields.append(f"{dim}_start")
        elif dim in PLACE_DIMENSIONS:
            fields += [f"{dim}_name", f"{dim}_id"]
        elif dim == "event":
            fields += ["event_name", "event_key"]
        elif dim == "term":
            fields.append("term_key")
    if model is DisplacementFigure:
        fields.append("category_key")
    fields.append("term_group_key")
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


def _grouped(
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
    and the distinct sources are worked out from them in Python (:func:`_finish`). An ``ORDER BY`` or
    ``DISTINCT`` inside an aggregate made the database sort every counted figure first, which cost more than
    the sums themselves. Without arrays (SQLite), ``sources_count`` is a ``COUNT(DISTINCT)``.
    """
    using = figures.db
    keys = _key_annotations(model, group_by, using)
    time_dim = _time_dimension(group_by)
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
    return _fetch(_with_keys(figures, keys).values(*keys).annotate(**measures).order_by())


def _largest_first(ids: list[int], bests: list[int], cap: int) -> list[int]:
    """The ``cap`` ids of the largest best values (ties: the lower id), in id order. (Counted figures always
    have a best value: the lists hold no None.) One sort in C beat a heap fed by a generator."""
    if len(ids) <= cap:
        return sorted(ids)
    ranked = sorted(zip(map(operator.neg, bests), ids, strict=True))[:cap]
    return sorted(map(operator.itemgetter(1), ranked))


def _capped_ids(figures: QuerySet, model: type[Model], group_by: Sequence[str], cap: int) -> dict[tuple, list[int]]:
    """Up to ``cap`` contributing ids per row, largest best first, from one windowed query (no arrays)."""
    keys = _key_annotations(model, group_by, figures.db)
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


def _finish(values: dict[str, Any], cap: int) -> None:
    """Turn a group's unordered arrays into what a row shows: its first ``cap`` ids (largest best first, listed
    in id order), the first ``cap`` spanning ids, and its distinct sources."""
    if "row_sources" in values:
        values["source_set"] = set(values.pop("row_sources"))
        values["sources_count"] = len(values["source_set"])
    if "row_ids" in values:
        values["ids"] = _largest_first(values.pop("row_ids"), values.pop("row_bests") or [], cap)
    if "multi_bucket_ids" in values:
        values["multi_bucket_ids"] = sorted(values["multi_bucket_ids"] or ())[:cap]


_RENAMES = {"event_key": "event_id", "term_key": "term", "category_key": "category", "term_group_key": "term_group"}


def _key_of(values: dict[str, Any], key_names: Iterable[str]) -> tuple:
    return tuple(values[name] for name in key_names)


def _rows_as_shown(model: type[Model], group_by: Sequence[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning one grouped row into a row as the API and the pages read it: keys in output order
    (names, codes and labels included), then the numbers. What each column reads is worked out once per
    report, not per row, and each bucket's time keys once per bucket."""
    columns = group_key_columns(_kind(model), group_by)
    time_dim = _time_dimension(group_by)
    labels = {
        "term_label": ("term_key", dict((DisplacementTerm if model is DisplacementFigure else SurrenderTerm).choices)),
        "category_label": ("category_key", {value: label.split(" (")[0] for value, label in
                                            DisplacementCategory.choices}),
        "term_group_label": ("term_group_key", dict(TermGroup.choices)),
    }
    renamed = {value: key for key, value in _RENAMES.items()}
    # time keys come first (group_key_columns puts the time dimension first), from the bucket's cached dict
    rest = [(column, *labels.get(column, (renamed.get(column, column), None))) for column in columns
            if column not in {"week", "week_start", "month", "month_start", "year"}]
    bucket_key = f"{time_dim}_start"
    buckets: dict[date, dict[str, Any]] = {}

    def shown(values: dict[str, Any]) -> dict[str, Any]:
        if time_dim:
            start = values[bucket_key]
            keys = buckets.get(start)
            if keys is None:
                keys = buckets[start] = _time_keys(time_dim, start)
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




def _add_up(totals: dict[tuple, dict[str, Any]], values: dict[str, Any]) -> None:
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
    _add_sums(total, values["total_low"], values["total_best"], values["total_high"])


def _add_sums(total: dict[str, Any], low: Any, best: Any, high: Any) -> None:
    """Add to a group's sums as SQL's SUM adds: NULLs skipped, and NULL while every value is."""
    for name, value in (("total_low", low), ("total_best", best), ("total_high", high)):
        if value is not None:
            total[name] = value + (total[name] or 0)


def _kind(model: type[Model]) -> str:
    return "displacement" if model is DisplacementFigure else "surrenders"


def figure_report(
    model: type[Model],
    figures: QuerySet | None = None,
    *,
    group_by: str | Sequence[str] | None = (),
    audience: Audience = Audience.PUBLIC,
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
    with gc_paused(), one_snapshot(scope.db) as snapshot:
        return _figure_report(model, scope, group_by, snapshot=snapshot, audience=audience,
                              date_from=date_from, date_to=date_to, with_ids=with_ids, with_warnings=with_warnings,
                              with_totals=with_totals, ids_cap=ids_cap)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a report allocates a million small objects (rows, ids, tuples) and
    keeps most of them, so the collector's full passes, each walking every live object, found nothing to free
    and cost a quarter of the report's Python time (0.34-0.43 s of 2.3 s at a million records). The few cycles
    made meanwhile are collected after."""
    if not gc.isenabled():  # paused already, by a caller or another report
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _begin_report(cursor, snapshot: str | None = None) -> None:
    """Open a report's transaction on PostgreSQL: read only, one snapshot (``snapshot``, when another
    connection exported it). A report's two connections run on two cores already, so neither plans parallel
    workers of its own; and its sorts (the stocks in rank order, the flows' groups) stay in memory rather than
    spilling to disk."""
    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    if snapshot:
        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '64MB'")


@contextmanager
def one_snapshot(using: str) -> Iterator[str | None]:
    """Every query inside reads the database as it was at the first one.

    A report is several queries (the stocks, the grouped rows, the totals' stocks, the warnings); a change
    committed between two of them must not show in one and not the other (a holder stock rejected after the
    stocks were read would leave a nested stock dropped and its holder uncounted). On PostgreSQL a read-only
    REPEATABLE READ transaction gives them one snapshot, and yields its name (``pg_export_snapshot()``) so that
    a second connection can read the same one (:func:`alongside`); SQLite's read transaction does the same,
    for one connection. Inside a transaction already, the caller's own isolation applies and nothing is shared
    (yields None): another connection could not see the caller's uncommitted changes.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield None
        return
    with transaction.atomic(using=using):
        snapshot = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _begin_report(cursor)
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
        yield snapshot


def alongside(using: str, snapshot: str | None, work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` (queries) on a second connection that reads ``snapshot``, and return a function that
    waits for its result; meanwhile this thread goes on with other queries. PostgreSQL runs the two on two
    cores. Without a snapshot to share, ``work`` runs here and now.
    """
    if snapshot is None:
        result = work()
        return lambda: result

    def run() -> T:
        connection = connections[using]  # this thread's own connection
        try:
            with transaction.atomic(using=using):
                with connection.cursor() as cursor:
                    _begin_report(cursor, snapshot)
                return work()
        finally:
            connection.close()

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future.result


@dataclass
class _Part:
    """The shaped rows of a report's stocks or of its flows, each after its sort key; the first ids spanning
    several buckets; and the part's whole-period totals, still as grouped values."""

    rows: list[tuple[tuple, dict[str, Any]]]
    spanning: list[int]
    totals: list[dict[str, Any]] = field(default_factory=list)


def _figure_report(
    model: type[Model],
    scope: QuerySet,
    group_by: tuple[str, ...],
    *,
    snapshot: str | None,
    audience: Audience,
    date_from: date | None,
    date_to: date | None,
    with_ids: bool,
    with_warnings: bool,
    with_totals: bool,
    ids_cap: int,
) -> Report:
    using = scope.db
    time_dim = _time_dimension(group_by)
    arrays = connections[using].vendor == "postgresql"
    base = counted(scope, audience=audience)

    def grouped(figures: QuerySet, keys: Sequence[str] = group_by, ids: bool = with_ids) -> list[dict[str, Any]]:
        rows = _grouped(figures, model, keys, arrays=arrays, with_ids=ids, cap=ids_cap)
        for row_values in rows:
            _finish(row_values, ids_cap)
        return rows

    key_names = list(_key_annotations(model, group_by, using))
    shown, shown_whole = _rows_as_shown(model, group_by), _rows_as_shown(model, ())
    order = _order_key(group_by, model)

    def part(values: list[dict[str, Any]], ids: dict[tuple, list[int]]) -> _Part:
        """One part's rows (the stocks', or the flows'), named, shaped and keyed for sorting, by the thread and
        on the connection that counted them: the first connection shapes the stocks while the flows are still
        summed, and the second shapes the flows while the first waits."""
        _attach_names(values, group_by, using)
        rows = []
        for row_values in values:
            row = shown(row_values)
            if with_ids:
                row["ids"] = row_values["ids"] if "ids" in row_values else ids.get(_key_of(row_values, key_names), [])
                row["ids_truncated"] = row["figures_count"] > len(row["ids"])
            rows.append((order(row_values), row))
        # the first ids spanning several buckets: every counted figure is in one row, so they are among the
        # rows' first ones
        spanning = heapq.nsmallest(ids_cap, itertools.chain.from_iterable(
            row_values.get("multi_bucket_ids") or () for row_values in values)) if time_dim and arrays else []
        return _Part(rows, spanning)

    # Flows (and surrenders) need no stock rule: they are summed and shaped on a second connection, started
    # first, while this one reads the stocks, applies the rule, sums and shapes the kept stocks and gathers the
    # warnings.
    flows_scope = base.filter(category=DisplacementCategory.FLOW) if model is DisplacementFigure else base

    def flows_part() -> _Part:
        values = grouped(flows_scope)
        ids = _capped_ids(flows_scope, model, group_by, ids_cap) if with_ids and not arrays else {}
        flows = part(values, ids)
        if with_totals and group_by:
            # Flows add up, so their totals are the rows' sums (the sources' union for sources_count: on SQLite,
            # which lists no sources, one more GROUP BY).
            if arrays:
                added: dict[tuple, dict[str, Any]] = {}
                for row_values in values:
                    _add_up(added, row_values)
                flows.totals = list(added.values())
            else:
                flows.totals = grouped(flows_scope, (), False)
        return flows

    flows = alongside(using, snapshot, flows_part)
    stocks = CountedStocks(base) if model is DisplacementFigure else None
    stocks_done = part([] if stocks is None else stocks.groups(group_by, cap=ids_cap, with_ids=with_ids), {})
    if stocks is not None and with_totals and group_by:  # counted again, under the whole-period rule
        stocks_done.totals = stocks.groups((), cap=ids_cap, with_ids=False)
    included = base if stocks is None else base.filter(
        Q(category=DisplacementCategory.FLOW) | Q(pk__in=id_list(stocks.rule(time_dim).kept, using)))
    warnings = (
        report_warnings(model, scope, included, audience=audience, cap=ids_cap,
                        stock_rule=stocks.rule(time_dim) if stocks else None)
        if with_warnings else []
    )
    del stocks  # a million-record report's stocks, freed while the flows are still counted
    flows_done = flows()
    ordered = [*stocks_done.rows, *flows_done.rows]
    ordered.sort(key=operator.itemgetter(0))
    rows = [row for _, row in ordered]
    totals = rows
    if with_totals and group_by:
        totals = sorted((shown_whole(row_values) for row_values in [*flows_done.totals, *stocks_done.totals]),
                        key=lambda row: (row.get("category") or "", row["term_group"]))
    elif not with_totals:
        totals = []
    if with_warnings and time_dim:
        spanning = multi_bucket_warning(
            included, time_dim, cap=ids_cap, count=sum(row.get("multi_bucket_count", 0) for row in rows),
            ids=heapq.nsmallest(ids_cap, [*stocks_done.spanning, *flows_done.spanning]) if arrays else None,
        )
        warnings += [spanning] if spanning else []
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
    audience: Audience,
    cap: int = IDS_CAP,
    stock_rule: StockRule | None = None,
) -> list[dict[str, Any]]:
    """Overlaps found (stored possible double counts among counted figures), stocks dropped as nested (from
    ``stock_rule``, the report's decisions about displacement stocks), and what was excluded and why. Figures
    spanning several time buckets are :func:`multi_bucket_warning`."""
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
        count = stock_rule.nested_count
        if count:
            nested_ids = stock_rule.first_nested(cap)
            warnings.append({
                "code": "nested_stock",
                "message": (
                    f"{count} stock figure{'s' if count != 1 else ''} dropped: the place lies inside the place "
                    "of another counted stock of the same term and period, which already includes it."
                ),
                "count": count,
                "ids": nested_ids,
                "inside_of": {str(pk): stock_rule.holder_of(pk) for pk in nested_ids},
                "ids_truncated": count > cap,
            })
    visible = _visible(scope, audience=audience)
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
    return warnings


def multi_bucket_warning(
    included: QuerySet, time_dim: str, *, cap: int = IDS_CAP, count: int | None = None, ids: list[int] | None = None
) -> dict[str, Any] | None:
    """The counted figures whose period began in an earlier bucket than their end date's: ``count`` of them,
    the first ``cap`` by id (both counted here when the report has not got them already)."""
    message = ("Counted figures whose period spans several " + time_dim + "s: {count}. Each is counted once, "
               "in the " + time_dim + " of its end date.")
    if count == 0:
        return None
    if ids is None or count is None:
        spanning = included.annotate(bucket=_bucket(time_dim)).filter(start_date__lt=F("bucket"))
        ids = list(spanning.order_by("pk").values_list("pk", flat=True)[: cap + 1])
        if count is None:
            count = len(ids) if len(ids) <= cap else spanning.count()
    return _id_warning("multi_bucket", message, count, ids, cap) if count else None


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
    audience: Audience = Audience.PUBLIC,
) -> QuerySet:
    """The latest report per provider, place and sector as of a date (ties: more reliable publisher, lower id).

    Returns a values() queryset of ``AID_CAPACITY_COLUMNS`` (lazy: slice or paginate it).
    Aid capacity is never summed.
    """
    scope = _visible(AidCapacityReport.objects.all() if reports is None else reports,
                     audience=audience)
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
        _visible(records, audience=Audience.PUBLIC)
        .select_related(*related)
        .annotate(is_party_claim_flag=Exists(party))
        .order_by("-end_date", "-pk")
    )


def public_sources(*record_sets: QuerySet) -> QuerySet:
    """Non-confidential sources of the approved, non-confidential records in ``record_sets``."""
    condition = Q()
    for records in record_sets:
        visible = _visible(records, audience=Audience.PUBLIC)
        condition |= Q(Exists(visible.filter(source_id=OuterRef("pk"))))
    return (
        Source.objects.visible_to(Audience.PUBLIC)
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
