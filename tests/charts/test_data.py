"""What a page's weekly charts draw, from the database (both databases): long figures across their period, the
others as bars, surrenders too."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.charts.probe import charts_probe
from tests.factories import DisplacementFigureFactory
from tests.reports.pages import elements, numbers
from tracker.charts.data import SPANS_DRAWN, largest_spanning, weekly_charts
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, Event, SurrenderFigure

pytestmark = pytest.mark.django_db


def svg_of(html: str, chart_id: str) -> str:
    match = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def test_a_long_figure_is_drawn_across_its_period_and_left_out_of_the_bars(places):
    probe = charts_probe(places)
    charts = weekly_charts(DisplacementFigure, DisplacementFigure.objects.filter(event=probe.event),
                           name="Winter offensive", id_prefix="chart",
                           first=probe.event.start_date, last=probe.event.end_date)
    assert charts.weeks[0].isoformat() == "2025-12-01" and charts.weeks[-1].isoformat() == "2026-03-30"
    (leaving,) = charts.charts
    table = {(row["week"].isoformat(), row["period"] is not None): row["figure"] for row in leaving["table"]}
    assert table == {
        ("2025-12-15", False): "1,500", ("2026-01-12", False): "2,500 (2,500–4,000)",
        ("2026-02-02", False): "1,000 (1,000 or more)", ("2026-03-02", False): "800",
        ("2026-03-16", True): "12,000",  # the long one: its end week, drawn across 8 Dec - 20 Mar
    }
    bars = {g["data-week"]: numbers(g) for g in elements(leaving["svg"], "g", "data-week")}
    assert "2026-03-16" not in bars  # no spike in the week of its end date
    assert bars["2026-02-02"] == (1_000, 1_000, None, True)
    (long,) = elements(leaving["svg"], "g", "data-start")
    assert (long["data-start"], long["data-end"], long["data-best"]) == ("2025-12-08", "2026-03-20", "12000")


def test_the_event_page_draws_both_widths_and_a_surrenders_chart(places, client):
    probe = charts_probe(places)
    html = client.get(reverse("pages:event", args=[probe.event.pk])).content.decode()
    for chart_id in ("chart-leaving", "chart-leaving-narrow", "chart-surrenders-surrendered",
                     "chart-surrenders-surrendered-narrow"):
        svg = svg_of(html, chart_id)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert re.search(r'class="tick-year"[^>]*>2025<', svg) and re.search(r'class="tick-year"[^>]*>2026<', svg)
    surrenders = svg_of(html, "chart-surrenders-surrendered")
    assert "People surrendered or captured per week: Winter offensive" in surrenders
    assert 'data-week="2026-01-19"' in surrenders  # 250, within one week
    assert 'data-start="2026-02-09" data-end="2026-03-01"' in surrenders  # more than 100, across three weeks
    assert "open-marker" in surrenders
    assert "<script" not in html.lower() and " style=" not in html.lower()


def test_the_baghouz_page_draws_its_long_figure_across_december_to_march(client):
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    event = Event.objects.get(name="Battle of Baghouz")
    html = client.get(reverse("pages:event", args=[event.pk])).content.decode()
    leaving = svg_of(html, "chart-leaving")
    (long,) = elements(leaving, "g", "data-start")
    assert (long["data-start"], long["data-end"]) == ("2018-12-10", "2019-03-10")
    assert numbers(long) == (20_000, 20_000, 99_999, False)
    bars = {g["data-week"]: numbers(g) for g in elements(leaving, "g", "data-week")}
    assert bars == {"2019-03-04": (0, 0, 0, False)}  # the zero, no 20,000 spike
    surrenders = svg_of(html, "chart-surrenders-surrendered")
    assert 'data-high-open="true"' in surrenders and SurrenderFigure.objects.count() == 1


def test_a_page_without_surrenders_has_no_surrenders_chart(places, client):
    probe = charts_probe(places)
    SurrenderFigure.objects.all().delete()
    html = client.get(reverse("pages:event", args=[probe.event.pk])).content.decode()
    assert 'id="chart-surrenders' not in html and "No counted surrender figures: nothing to chart." in html


def test_beyond_the_largest_spanning_figures_the_others_stay_hatched_in_their_end_week(places):
    probe = charts_probe(places)
    for n in range(SPANS_DRAWN):  # larger than the 12,000 of 8 December - 20 March: drawn as brackets
        DisplacementFigureFactory(event=probe.event, source=probe.source, location=places.baghouz,
                                  review_status=ReviewStatus.APPROVED, reported_value=20_000 + n,
                                  start_date=date(2026, 1, 5), end_date=date(2026, 2, 20))
    (leaving,) = weekly_charts(DisplacementFigure, DisplacementFigure.objects.filter(event=probe.event),
                               name="Winter offensive", id_prefix="chart").charts
    assert len(elements(leaving["svg"], "g", "data-start")) == SPANS_DRAWN
    bars = {g["data-week"]: g for g in elements(leaving["svg"], "g", "data-week")}
    assert numbers(bars["2026-03-16"]) == (12_000, 12_000, 12_000, False)  # the smallest, counted in its end week
    assert "spans" in bars["2026-03-16"]["class"] and leaving["hatched"]
    assert "includes figures begun earlier" in leaving["svg"]


def test_a_countrys_largest_spans_from_its_index_are_those_ranked_whole(places):
    """The country's shortcut (each term group's first spanning figures, best first) picks what ranking every
    spanning figure of the country picks."""
    charts_probe(places)
    for n in range(SPANS_DRAWN + 3):  # more long figures than are drawn, ties of best included
        DisplacementFigureFactory(location=places.baghouz, review_status=ReviewStatus.APPROVED, term="fled",
                                  category="flow", reported_value=1000 + 10 * (n // 2),
                                  start_date=date(2026, 1, 1), end_date=date(2026, 3, 1))
    country = DisplacementFigure.objects.filter(country=places.syria)
    shortcut = largest_spanning(country, by_country=True)
    assert shortcut and shortcut == largest_spanning(country)
    assert max(len(spans) for spans in shortcut.values()) == SPANS_DRAWN


@pytest.mark.parametrize("years_before", [0, 3])
def test_an_events_weeks_read_from_its_rows_are_those_of_its_first_and_last_end_dates(places, years_before):
    """An event's charts (``few``: its weeks grouped at once, the range read from the rows) draw what asking the
    scope's first and last end dates first draws, a long figure across its period included; beyond two years of
    weeks (a figure three years before), the same latest weeks, truncated."""
    probe = charts_probe(places)
    if years_before:
        DisplacementFigureFactory(event=probe.event, source=probe.source, location=places.baghouz, term="fled",
                                  category="flow", review_status=ReviewStatus.APPROVED, reported_value=75,
                                  start_date=date(2023, 1, 2), end_date=date(2023, 1, 4))
    figures = DisplacementFigure.objects.filter(event=probe.event, category="flow")
    options = {"name": "Winter offensive", "id_prefix": "chart", "first": probe.event.start_date,
               "last": probe.event.end_date}
    few, asked = weekly_charts(DisplacementFigure, figures, few=True, **options), weekly_charts(
        DisplacementFigure, figures, **options)
    assert few.charts and any(elements(chart["svg"], "g", "data-start") for chart in few.charts)
    assert (few.weeks, few.truncated, few.charts) == (asked.weeks, asked.truncated, asked.charts)
    assert few.truncated is bool(years_before)
    empty = DisplacementFigure.objects.none()
    assert weekly_charts(DisplacementFigure, empty, few=True, **options).charts == []
