"""A report: displacement or surrender totals that never double count, with their warnings (docs/counting.md).

Every door that shows a total (the report endpoints, their CSV and HXL, the public pages and their CSV) calls
:func:`figure_report`; nothing else sums figures. Flows (and surrenders) are grouped in the database
(:mod:`tracker.reporting.grouping`); stocks are read once and the stock rule decided in memory
(:mod:`tracker.reporting.stocks`), for the rows' time grouping and for the whole-period totals. On PostgreSQL
the flows' GROUP BY runs on a second connection that reads the report's snapshot
(:func:`tracker.db.snapshot.alongside`) while the first reads the stocks and the warnings. The same code runs on
SQLite and PostgreSQL.

The rules, in order:

1. Counted = approved, headline, non-duplicate, quantified figures that the
   audience may see (``visible_to``): for NGO keys and public pages also not
   effectively confidential (:mod:`tracker.reporting.counting`).
2. Flows add up. Stocks never add over time: per period (time bucket, or the
   whole report when there is no time grouping), place and term, only the latest
   stock dated within the period counts (ties: the more reliable publisher, then
   the lower id); no carry-forward from earlier periods (:mod:`tracker.reporting.stocks`).
3. A latest stock whose place lies inside another counted stock's place, for the
   same term and period, is dropped and listed in the warnings, so totals do not
   change with ``group_by``.
4. A figure belongs to the bucket of its end date; one whose period starts
   before that bucket is counted once and flagged (``multi_bucket_count`` and a
   warning). Buckets: :mod:`tracker.reporting.dimensions`.
5. Place keys come from the stored ancestor links: a figure coarser than the
   grouping level has an empty key ("not attributable at this level"), so every
   grouping adds up to the same total.
6. Totals: low, best and high are sums; high is open (``None``, ``high_open``)
   when any figure in the row is open. Household figures are already in persons.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Model, Q, QuerySet

from tracker.audience import Audience
from tracker.choices import DisplacementCategory
from tracker.db.ids import id_list
from tracker.db.snapshot import GROUPS_HASHED, alongside, one_snapshot
from tracker.models import DisplacementFigure, SurrenderFigure
from tracker.reporting import grouping
from tracker.reporting.counting import counted
from tracker.reporting.dimensions import group_key_columns, parse_group_by, time_dimension
from tracker.reporting.grouping import IDS_CAP, kind_of
from tracker.reporting.stocks import CountedStocks
from tracker.reporting.warnings import multi_bucket_warning, report_warnings


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
    with_sources: bool = True,
    ids_cap: int = IDS_CAP,
    flows_only: bool = False,
) -> Report:
    """Displacement or surrender totals grouped by ``group_by``, with warnings.

    ``figures`` is the report's scope (a filtered queryset of ``model``);
    ``date_from``/``date_to`` select figures by their end date. ``flows_only``: the displacement flows of the
    scope alone (a page's weekly charts), with no stocks to read. ``with_sources=False`` leaves each row's
    ``sources_count`` empty (None) for what does not show it (the pages): listing every counted figure's source
    to count them was a third of a province's monthly GROUP BY.
    """
    group_by = parse_group_by(group_by)
    scope = model.objects.all() if figures is None else figures
    if flows_only and model is DisplacementFigure:
        scope = scope.filter(category=DisplacementCategory.FLOW)
    if date_from:
        scope = scope.filter(end_date__gte=date_from)
    if date_to:
        scope = scope.filter(end_date__lte=date_to)
    with gc_paused(), one_snapshot(scope.db) as snapshot:
        return _figure_report(model, scope, group_by, snapshot=snapshot, audience=audience,
                              date_from=date_from, date_to=date_to, with_ids=with_ids, with_warnings=with_warnings,
                              with_totals=with_totals, with_sources=with_sources, ids_cap=ids_cap,
                              flows_only=flows_only)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a report allocates a million small objects (rows, ids, tuples) and
    keeps most of them, so the collector's full passes, each walking every live object, find nothing to free
    and cost a large share of the report's Python time (bench/README.md). The few cycles made meanwhile are
    collected after."""
    if not gc.isenabled():  # paused already, by a caller or another report
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            # Everything allocated meanwhile is in the youngest generation, and its first collection, at the
            # next allocation, would walk the whole report once more (a tenth of a second at a million
            # records). Moved to the oldest generation instead, it is freed by reference counting as usual, and a
            # cycle waits for the next full collection. Skipped where the process froze objects on purpose.
            gc.freeze()
            gc.unfreeze()
        gc.enable()


@dataclass
class _Part:
    """The shaped rows of a report's stocks or of its flows, each after its sort key; the first ids spanning
    several buckets and how many span; and the part's whole-period totals, still as grouped values."""

    rows: list[tuple[tuple, dict[str, Any]]]
    spanning: list[int]
    spanning_count: int = 0
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
    with_sources: bool,
    ids_cap: int,
    flows_only: bool = False,
) -> Report:
    using = scope.db
    time_dim = time_dimension(group_by)
    arrays = connections[using].vendor == "postgresql"
    base = counted(scope, audience=audience)

    def grouped(figures: QuerySet, keys: Sequence[str] = group_by, ids: bool = with_ids) -> list[dict[str, Any]]:
        return grouping.grouped(figures, model, keys, arrays=arrays, with_ids=ids, with_sources=with_sources,
                                cap=ids_cap)

    shaper = grouping.Shaper(model, group_by, using, cap=ids_cap, with_ids=with_ids, with_sources=with_sources)

    def part(values: list[dict[str, Any]], ids: dict[tuple, list[int]] | None = None) -> _Part:
        """One part's rows (the stocks', or the flows'), named, shaped and keyed for sorting, by the thread and
        on the connection that counted them: the first connection shapes the stocks while the flows are still
        summed, and the second shapes the flows while the first waits."""
        rows = shaper.rows(values, ids)
        if not time_dim:
            return _Part(rows, [])
        # the first ids spanning several buckets: every counted figure is in one row, so they are among the
        # rows' first ones
        spanning = heapq.nsmallest(ids_cap, itertools.chain.from_iterable(filter(None, map(
            operator.methodcaller("get", "multi_bucket_ids"), values)))) if arrays else []
        return _Part(rows, spanning, spanning_count=sum(map(operator.itemgetter("multi_bucket_count"), values)))

    # Flows (and surrenders) need no stock rule: they are summed and shaped on a second connection, started
    # first, while this one reads the stocks, applies the rule, sums and shapes the kept stocks and gathers the
    # warnings.
    flows_scope = base.filter(category=DisplacementCategory.FLOW) if model is DisplacementFigure else base

    def flows_part() -> _Part:
        values = grouped(flows_scope)
        ids = grouping.capped_ids(flows_scope, model, group_by, ids_cap) if with_ids and not arrays else {}
        flows = part(values, ids)
        if with_totals and group_by:
            # Flows add up, so their totals are the rows' sums (the sources' union for sources_count: on SQLite,
            # which lists no sources, one more GROUP BY).
            if arrays:
                flows.totals = grouping.added_up(values)
            else:
                flows.totals = grouped(flows_scope, (), False)
        return flows

    # REPORT_SECOND_CONNECTION = False counts the flows here, first, on this connection (bench/ab_report.py)
    shared = snapshot if getattr(settings, "REPORT_SECOND_CONNECTION", True) else None
    with alongside(using, shared, flows_part, settings=[GROUPS_HASHED]) as flows:
        stocks = CountedStocks(base) if model is DisplacementFigure and not flows_only else None
        stocks_done = part([] if stocks is None else stocks.groups(group_by, with_ids=with_ids))
        if stocks is not None and with_totals and group_by:  # counted again, under the whole-period rule
            stocks_done.totals = stocks.groups((), with_ids=False)
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
    rows = list(map(operator.itemgetter(1), ordered))
    del ordered
    totals = rows
    if with_totals and group_by:
        whole = grouping.Shaper(model, (), using, with_ids=False, with_sources=with_sources)
        totals = sorted((row for _, row in whole.rows([*flows_done.totals, *stocks_done.totals])),
                        key=lambda row: (row.get("category") or "", row["term_group"]))
    elif not with_totals:
        totals = []
    if with_warnings and time_dim:
        spanning = multi_bucket_warning(
            included, time_dim, cap=ids_cap, count=stocks_done.spanning_count + flows_done.spanning_count,
            ids=heapq.nsmallest(ids_cap, [*stocks_done.spanning, *flows_done.spanning]) if arrays else None,
        )
        warnings += [spanning] if spanning else []
    return Report(
        kind=kind_of(model), group_by=group_by, rows=rows, totals=totals, warnings=warnings, ids_cap=ids_cap,
        date_from=date_from, date_to=date_to,
    )


def displacement_report(figures: QuerySet | None = None, **options: Any) -> Report:
    """Displacement totals; rows always split by category (flow, stock) and term group."""
    return figure_report(DisplacementFigure, figures, **options)


def surrender_report(figures: QuerySet | None = None, **options: Any) -> Report:
    """Surrender totals (surrendered and captured form one term group)."""
    return figure_report(SurrenderFigure, figures, **options)
