"""What a page's weekly charts draw, read through the reporting module (:mod:`tracker.reporting`).

A figure counts once, in the week of its end date (docs/counting.md, rule 6). Drawn there as a bar, a figure
spanning December to March would read as a spike in one week; so the figures spanning several weeks (the same
rule's ``multi_bucket`` figures, by week) are drawn on their own, across their period, and the bars are the
report of the others. The largest :data:`SPANS_DRAWN` of each term group are drawn so; any others stay in the
bar of their end week, hatched, as the report counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connections
from django.db.models import F, Model, QuerySet, Window
from django.db.models.functions import RowNumber

from tracker.charts.weekly import NARROW, WIDE, chart_table, summaries, week_range, weekly_chart
from tracker.choices import TermGroup
from tracker.reporting.counting import counted
from tracker.reporting.dimensions import bucket_expression
from tracker.reporting.report import Report, figure_report

SPANS_DRAWN = 12
SPAN_FIELDS = ("pk", "term_group", "start_date", "end_date", "low", "best", "high", "high_open")


def spanning_figures(figures: QuerySet) -> QuerySet:
    """Counted figures whose period began before the week of their end date."""
    return counted(figures).annotate(chart_end_week=bucket_expression("week", "end_date", figures.db)).filter(
        start_date__lt=F("chart_end_week"))


def largest_spanning(figures: QuerySet, *, by_country: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The :data:`SPANS_DRAWN` largest spanning figures of each term group (best first, ties: the lower id).

    A country's (``by_country``: ``figures`` are selected by their stored country) are each group's first spanning
    figures in that order: its index on the country, term group and best hands over a few dozen rows, where ranking
    every spanning flow of the country sorted 27,000 of them (52 ms at a million records); PostgreSQL reads the
    groups in one statement, SQLite (which cannot cut the parts of a UNION) in one each. Any other scope (an event's
    few hundred figures, a province) is ranked whole."""
    spanning = spanning_figures(figures)
    if by_country:
        spanning = spanning.order_by("-best", "pk").values(*SPAN_FIELDS)
        parts = [spanning.filter(term_group=group)[:SPANS_DRAWN] for group in TermGroup]
        if connections[figures.db].features.supports_slicing_ordering_in_compound:
            rows = list(parts[0].union(*parts[1:], all=True))
        else:
            rows = [row for part in parts for row in part]
        rows.sort(key=lambda row: (row["term_group"], -row["best"], row["pk"]))
    else:
        ranked = spanning.annotate(rank=Window(
            RowNumber(), partition_by=[F("term_group")], order_by=[F("best").desc(), F("pk").asc()]))
        rows = list(ranked.filter(rank__lte=SPANS_DRAWN).order_by("term_group", "rank").values(*SPAN_FIELDS))
    spans: dict[str, list[dict[str, Any]]] = {}
    for span in rows:
        spans.setdefault(span["term_group"], []).append(span)
    return spans


def _all(spans: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every term group's spans drawn, in one list."""
    return [span for group_spans in spans.values() for span in group_spans]


def _bars(model: type[Model], figures: QuerySet, spans: dict[str, list[dict[str, Any]]], *,
          date_from: date | None = None) -> Report:
    """The weekly report of the counted flows in ``figures`` but those drawn across their period (``spans``)."""
    drawn = [span["pk"] for span in _all(spans)]
    return figure_report(model, figures.exclude(pk__in=drawn), group_by="week", date_from=date_from,
                         with_ids=False, with_warnings=False, with_totals=False, with_sources=False, flows_only=True)


@dataclass
class WeeklyCharts:
    """The weekly charts of one kind of flow on a page, one per term group, and the weeks they share."""

    weeks: list[date] = field(default_factory=list)
    truncated: bool = False
    charts: list[dict[str, Any]] = field(default_factory=list)


def weekly_charts(model: type[Model], figures: QuerySet, *, name: str, id_prefix: str, noun: str = "People",
                  first: date | None = None, last: date | None = None, by_country: bool = False,
                  few: bool = False) -> WeeklyCharts:
    """The charts of the flows in ``figures`` (a page's scope of ``model``), one per term group, titled
    "<noun> <term group> per week: <name>", over the weeks from ``first`` to ``last`` widened to every counted
    figure's end date and to the periods of the figures drawn across them.

    ``few``: the scope holds a few hundred figures (an event's), so every week of theirs is grouped at once and
    the weeks are read from the rows, not from two queries for the first and last end dates."""
    spans: dict[str, list[dict[str, Any]]] = {}
    if few:
        spans = largest_spanning(figures, by_country=by_country)
        report = _bars(model, figures, spans)
        # every counted figure is a bar of its end date's week or drawn across its period
        ends = [row["week_start"] for row in report.rows]
        ends += [span["end_date"] for span in _all(spans)]
        if not ends:
            return WeeklyCharts()
        first_end, last_end = min(ends), max(ends)
    else:
        # the first and last end dates (each the first row of an index on the scope and the end date: an aggregate
        # over a country's tens of thousands of figures took 30 ms), then the largest spanning figures of each group
        ends_asked = counted(figures).values_list("end_date", flat=True)
        first_end, last_end = ends_asked.order_by("end_date").first(), ends_asked.order_by("-end_date").first()
        if first_end is None:
            return WeeklyCharts()
        spans = largest_spanning(figures, by_country=by_country)
    starts = [span["start_date"] for span in _all(spans)]
    weeks, truncated = week_range(min(filter(None, [first, first_end, *starts])), max(filter(None, [last, last_end])))
    if not few:  # a long scope's bars from its last weeks only
        report = _bars(model, figures, spans, date_from=weeks[0])
    result = WeeklyCharts(weeks=weeks, truncated=truncated)
    for group in TermGroup:
        bars = [row for row in report.rows if row["term_group"] == group and row["week_start"] >= weeks[0]]
        group_spans = [span for span in spans.get(group.value, []) if span["end_date"] >= weeks[0]]
        if not bars and not group_spans:
            continue
        title = f"{noun} {group.label.lower()} per week: {name}"
        chart_id = f"{id_prefix}-{group.value}"
        said = summaries(bars, group_spans, weeks, title=title)  # the same words in both drawings
        result.charts.append({
            "term_group": group.value,
            "label": group.label,
            "title": title,
            "table": chart_table(bars, group_spans),
            "hatched": any(row.get("multi_bucket_count") for row in bars),
            "svg": weekly_chart(bars, group_spans, weeks, title=title, chart_id=chart_id, noun=noun, variant=WIDE,
                                said=said),
            "svg_narrow": weekly_chart(bars, group_spans, weeks, title=title, chart_id=f"{chart_id}-narrow",
                                       noun=noun, variant=NARROW, said=said),
        })
    return result
