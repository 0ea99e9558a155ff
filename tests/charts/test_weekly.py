"""The weekly chart's geometry, read back from its SVG: what is drawn never says more than the figures do."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from tracker.charts.weekly import ARROW, NARROW, WIDE, week_range, weekly_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
WEEKS, _ = week_range(date(2025, 12, 1), date(2026, 3, 30))


def bar(week: str, low: int, best: int, high: int | None, high_open: bool = False, **extra) -> dict:
    return {"week_start": date.fromisoformat(week), "low": low, "best": best, "high": high, "high_open": high_open,
            "figures_count": 1, **extra}


def span(start: str, end: str, low: int, best: int, high: int | None, high_open: bool = False) -> dict:
    return {"pk": 7, "start_date": date.fromisoformat(start), "end_date": date.fromisoformat(end), "low": low,
            "best": best, "high": high, "high_open": high_open}


def draw(bars=(), spans=(), variant=WIDE) -> ET.Element:
    svg = weekly_chart(list(bars), list(spans), WEEKS, title="People leaving per week: Probe", chart_id="c",
                       variant=variant)
    return ET.fromstring(str(svg))


def plot(svg: ET.Element) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the plot, from its two axis lines."""
    x_axis, y_axis = svg.findall("svg:line[@class='axis']", NS)[-2:]
    return (float(x_axis.get("x1")), float(x_axis.get("x2")), float(y_axis.get("y1")), float(y_axis.get("y2")))


def y_ticks(svg: ET.Element) -> dict[int, float]:
    """The y axis's tick values and their heights."""
    left = plot(svg)[0]
    return {int(t.text.replace(",", "")): float(t.get("y")) for t in svg.findall("svg:text[@class='tick']", NS)
            if float(t.get("x")) < left}


def y_of(svg: ET.Element, value: float) -> float:
    ticks = y_ticks(svg)
    (v0, y0), (v1, y1) = sorted(ticks.items())[:2]
    return y0 + (value - v0) * (y1 - y0) / (v1 - v0) - (y_ticks(svg)[0] - plot(svg)[3])


def test_an_open_upper_bound_is_an_arrow_above_its_value_and_never_a_band_to_the_top():
    svg = draw([bar("2026-02-02", 1_000, 1_000, None, True), bar("2026-03-02", 800, 800, 800)])
    left, right, top, bottom = plot(svg)
    assert max(y_ticks(svg)) <= 2_000  # "more than 1,000" does not stretch the scale
    week = svg.find("svg:g[@data-week='2026-02-02']", NS)
    assert week.findall("svg:rect[@class='band']", NS) == []  # low = best: no band at all, and none to the top
    marker = week.find("svg:path[@class='open-marker']", NS)
    points = [float(n) for n in re.findall(r"-?\d+\.?\d*", marker.get("d"))]
    marker_ys = points[1::2]
    y_low = y_of(svg, 1_000)
    assert max(marker_ys) < y_low - ARROW / 2  # above its low value
    assert min(marker_ys) > top + 5  # and well below the top of the axis
    stem = week.find("svg:line[@class='open-stem']", NS)
    assert abs(float(stem.get("y1")) - y_low) < 1


def test_an_open_bound_keeps_the_rest_of_its_range_as_a_band_up_to_best():
    svg = draw([bar("2026-02-02", 1_000, 1_500, None, True)])
    band = svg.find("svg:g[@data-week='2026-02-02']/svg:rect[@class='band']", NS)
    assert abs(float(band.get("y")) - y_of(svg, 1_500)) < 1  # from low up to best, not to the top
    assert float(band.get("y")) > plot(svg)[2] + ARROW


def test_a_figure_spanning_december_to_march_is_drawn_across_its_weeks():
    svg = draw([bar("2026-01-12", 2_500, 3_000, 4_000)], [span("2025-12-08", "2026-03-20", 12_000, 12_000, 12_000)])
    left, right, _, _ = plot(svg)
    slot = (right - left) / len(WEEKS)
    line = svg.find("svg:g[@class='span']/svg:line[@class='span-line']", NS)
    x0, x1 = float(line.get("x1")), float(line.get("x2"))
    first, last = WEEKS.index(date(2025, 12, 8)), WEEKS.index(date(2026, 3, 16))
    assert abs(x0 - (left + first * slot)) < 1  # starts on 8 December's Monday
    assert left + last * slot < x1 <= left + (last + 1) * slot  # ends inside the week of 20 March
    assert (x1 - x0) / slot > 14  # fifteen weeks wide, not a spike
    assert abs(float(line.get("y1")) - y_of(svg, 12_000)) < 1  # at the height of its value
    labels = " ".join(t.text for t in svg.findall(".//svg:g[@class='span']/svg:text", NS))
    assert "12,000 in all" in labels and "8 Dec 2025 – 20 Mar 2026" in labels
    assert "8 December 2025 to 20 March 2026" in svg.find("svg:g[@class='span']/svg:title", NS).text
    desc = svg.find("svg:desc", NS).text  # the text alternative tells the same
    assert "1 figure spanning several weeks" in desc
    assert "Week of 12 January 2026: best 3,000, range 2,500–4,000; 1 figure. One figure over 8 December 2025" in desc


def test_a_span_with_a_range_draws_its_range_and_one_before_the_first_week_is_marked_as_cut():
    svg = draw(spans=[span("2025-06-01", "2026-02-20", 20_000, 20_000, 99_999)])
    group = svg.find("svg:g[@class='span']", NS)
    whisker = group.find("svg:line[@class='span-range']", NS)
    assert abs(float(whisker.get("y1")) - y_of(svg, 99_999)) < 1
    assert abs(float(whisker.get("y2")) - y_of(svg, 20_000)) < 1
    assert group.find("svg:path[@class='span-arrow']", NS) is not None  # began before the chart's first week
    assert float(group.find("svg:line[@class='span-line']", NS).get("x1")) == plot(svg)[0]


def test_the_time_axis_names_the_year_at_its_first_tick_and_where_it_changes():
    svg = draw([bar("2026-01-12", 2_500, 3_000, 4_000)])
    years = [t.text for t in svg.findall("svg:text[@class='tick-year']", NS)]
    assert years == ["2025", "2026"]
    assert svg.find("svg:desc", NS).text.startswith("People leaving per week: Probe. 18 weeks from 1 December 2025")


def test_the_narrow_chart_keeps_its_text_large_and_its_ticks_few():
    bars = [bar((WEEKS[0] + timedelta(weeks=n)).isoformat(), 100 * n, 100 * n, 100 * n) for n in range(1, 18)]
    wide, narrow = draw(bars), draw(bars, variant=NARROW)
    assert narrow.get("viewBox").split()[2] == "340"
    assert narrow.get("class") == "chart chart-narrow" and wide.get("class") == "chart chart-wide"
    ticks = narrow.findall("svg:text[@class='tick']", NS)
    assert {float(t.get("font-size")) for t in ticks} == {13}
    dates = [t for t in ticks if float(t.get("x")) > plot(narrow)[0]]
    assert len(dates) <= 5 < len([t for t in wide.findall("svg:text[@class='tick']", NS)
                                  if float(t.get("x")) > plot(wide)[0]])
    # every text stays inside the chart
    width = 340
    for text in narrow.iter(f"{{{NS['svg']}}}text"):
        if text.get("x") and text.get("text-anchor") != "middle":
            assert 0 <= float(text.get("x")) < width


def test_weeks_without_a_report_have_no_bar_and_a_reported_zero_says_zero():
    svg = draw([bar("2026-03-02", 0, 0, 0)])
    weeks = svg.findall("svg:g[@data-week]", NS)
    assert [g.get("data-week") for g in weeks] == ["2026-03-02"]
    assert [t.text for t in weeks[0].findall("svg:text[@class='zero']", NS)] == ["0"]
