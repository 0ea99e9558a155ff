"""The stock rule (docs/counting.md, rules 2 and 3): stocks never add over time, and a stock inside another
counted stock's place is dropped.

:class:`CountedStocks` reads a report's counted stocks once and decides the rule in memory
(:class:`StockRule`) for each time grouping the report needs, then sums the stocks it keeps into the same
grouped values the database gives for flows (:mod:`tracker.reporting.grouping`).
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet

from tracker.choices import DisplacementCategory
from tracker.db.fetch import fetch
from tracker.db.ids import among, id_list
from tracker.models import Location, Source
from tracker.models.claims import COUNTED
from tracker.reporting.counting import reliability_rank
from tracker.reporting.dimensions import applied, period, time_dimension
from tracker.rules.tree import strict_ancestor_ids


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

    One query reads the rule's columns of every counted stock, oldest first (ties of a day, place and term broken by
    their publishers, read for those alone), and one the ancestor links of the places met; the numbers and keys of
    the stocks the rule keeps are read afterwards, by id. Per period, place and term the latest stock wins (ties:
    the more reliable publisher, then the lower id); a latest stock is dropped when one of its place's strict
    ancestors has a stock of the same term and period (any stock there has a latest, so the place itself is enough
    to know). Deciding here, not in SQL, costs one pass over the stocks for every time grouping a report needs (its
    rows and its whole-period totals), where the database compared every stock with its rivals and its ancestors'
    stocks again for each query, and could not estimate how many rows a "latest" filter keeps. The rule keeps few
    stocks (at a million records, 11,903 of 132,608 for months, 21 for the whole period), so summing them here costs
    less than asking the database again.
    """

    # what the rule reads of every counted stock, and what summing reads of the kept ones only
    RULE_COLUMNS = ("pk", "end_date", "term", "location_id")
    COLUMNS = (*RULE_COLUMNS, "term_group", "event_id", "country_id", "adm1_id", "adm2_id", "start_date", "low",
               "best", "high", "high_open", "source_id")

    def __init__(self, scope: QuerySet):
        self.scope = scope
        # Oldest first; a day's stocks of one place and term side by side, the higher id first: the last stock
        # met for a period, place and term is its latest, once the ties are broken by publisher (below).
        rows = fetch(
            scope.filter(category=DisplacementCategory.STOCK)
            .order_by("end_date", "term", "location_id", "-pk")
            .values_list(*self.RULE_COLUMNS, "source_id")
        )
        # one list per column, in that order: the rule then builds its dicts in C loops (zip, map), not per row
        columns = zip(*rows, strict=True) if rows else ((), (), (), (), ())
        self.pks, self.end_dates, self.terms, self.places, sources = (list(column) for column in columns)
        del rows
        self._break_ties(sources)
        self._details: dict[int, tuple] = {}  # kept stock -> its COLUMNS
        self.days = set(self.end_dates)
        places = set(self.places)
        rows = Location.objects.using(scope.db).filter(pk__in=id_list(places, scope.db)).values_list(
            "pk", "path") if places else ()  # a scope without stocks (a page's flows) asks none
        self.ancestors: dict[int, tuple[int, ...]] = {}  # every strict ancestor, from the path, closest first
        self.outwards: dict[int, tuple[int, ...]] = {}  # the same, coarsest first
        for pk, path in rows:
            self.ancestors[pk] = tuple(strict_ancestor_ids(path))
            self.outwards[pk] = self.ancestors[pk][::-1]
        self._rules: dict[str | None, StockRule] = {}
        self._periods: dict[str | None, dict[date, date | None]] = {}

    def _break_ties(self, sources: list[int]) -> None:
        """Among stocks of one day, place and term (side by side) the more reliable publisher wins, then the lower
        id: the winner's id is moved to the last of them (the rest of their columns are the same). Publishers are
        read for those stocks' sources alone: ranked in SQL, every stock was joined to its source, and PostgreSQL
        hashed the whole source table for it (half of a province's stock read at a million records)."""
        days, terms, places = self.end_dates, self.terms, self.places
        # the positions equal to the one before, found in C loops (a few milliseconds for 130,000 stocks)
        same = map(operator.and_, map(operator.and_, map(operator.eq, days, days[1:]), map(operator.eq, terms,
                   terms[1:])), map(operator.eq, places, places[1:]))
        repeats = list(itertools.compress(range(1, len(days)), same))
        if not repeats:
            return
        runs: list[list[int]] = []
        for index in repeats:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index - 1, index])
        using = self.scope.db
        wanted = {sources[index] for run in runs for index in run}
        ranks = dict(Source.objects.using(using).filter(pk__in=id_list(wanted, using))
                     .annotate(rank=reliability_rank("publisher__reliability")).values_list("pk", "rank"))
        pks = self.pks
        for run in runs:
            winner = max(run, key=lambda index: (ranks[sources[index]], -pks[index]))
            pks[winner], pks[run[-1]] = pks[run[-1]], pks[winner]

    def groups(self, group_by: Sequence[str], *, with_ids: bool = True) -> list[dict[str, Any]]:
        """The kept stocks of this grouping summed per group key into what :func:`grouping.grouped` reads from
        the database: the same keys (each dimension's Python key; the time's from the periods the rule read) and
        numbers (SUM skips NULLs and is NULL when all are), each group's ids, best values and sources listed."""
        time_dim = time_dimension(group_by)
        kept = self.rule(time_dim).kept
        details = self.details(kept)
        dimensions = applied("displacement", group_by)
        key_names = [dimension.key for dimension in dimensions if dimension.time]  # the time's first, as here
        key_names += [dimension.key for dimension in dimensions if not dimension.time]
        others = [dimension.python for dimension in dimensions if not dimension.time]
        periods = self.periods(time_dim)
        stock = DisplacementCategory.STOCK.value
        # per group: count, low, best, high, open count, sources, ids, bests, earliest start, spanning count and ids
        groups: dict[tuple, list] = {}
        for pk in kept:
            # the group keys are the record's own stored area links, as the flows' GROUP BY reads them
            (_, end_date, term, _, term_group, event, country, adm1, adm2, start, low, best, high, high_open,
             source) = details[pk]
            figure = {"end_date": end_date, "term": term, "event_id": event, "country_id": country, "adm1_id": adm1,
                      "adm2_id": adm2, "category": stock, "term_group": term_group}
            key = tuple([python(figure) for python in others])
            if time_dim:
                bucket = periods[end_date]
                key = (bucket, *key)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [0, None, None, None, 0, [], [], [], start, 0, []]
            group[0] += 1
            if low is not None:
                group[1] = low if group[1] is None else group[1] + low
            if best is not None:
                group[2] = best if group[2] is None else group[2] + best
            if high is not None:
                group[3] = high if group[3] is None else group[3] + high
            if high_open:
                group[4] += 1
            group[5].append(source)
            group[6].append(pk)
            group[7].append(best)
            if time_dim:
                if start < group[8]:
                    group[8] = start
                if start < bucket:
                    group[9] += 1
                    group[10].append(pk)
        found = []
        for key, (count, low, best, high, opened, sources, ids, bests, earliest, spanning, spanning_ids) in (
                groups.items()):
            values = dict(zip(key_names, key, strict=True))
            values.update(figures_count=count, total_low=low, total_best=best, total_high=high, open_count=opened,
                          row_sources=sources)
            if with_ids:
                values.update(row_ids=ids, row_bests=bests)
            if time_dim:
                values.update(multi_bucket_count=spanning, earliest_start_date=earliest, multi_bucket_ids=spanning_ids)
            found.append(values)
        return found

    def details(self, ids: list[int]) -> dict[int, tuple]:
        """The ``COLUMNS`` of these stocks, read once each: the rule keeps about one in ten, so reading every
        stock's numbers with the rule's columns cost more Python than this second, indexed read."""
        missing = [pk for pk in ids if pk not in self._details]
        if missing:
            # stated as counted stocks (which they are), so that PostgreSQL reads them from the counted stocks'
            # index, ids checked against a hashed list, rather than visiting the table once per id
            stocks = self.scope.model._base_manager.using(self.scope.db).filter(
                COUNTED, category=DisplacementCategory.STOCK)
            self._details.update((row[0], row) for row in fetch(
                stocks.filter(among(self.scope.model, missing, self.scope.db)).order_by().values_list(*self.COLUMNS)))
        return self._details

    def periods(self, time_dim: str | None) -> dict[date, date | None]:
        """Each stock day's period (the first day of its bucket), worked out once per day."""
        if time_dim not in self._periods:
            self._periods[time_dim] = {day: period(time_dim, day) for day in self.days}
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

