"""The charts in a real Chromium, as a reader sees them, at a desktop width and on a 390 px phone.

On the Baghouz demo page and on a probe event (tests/charts/probe.py) with an open upper bound ("more than
1,000") and a figure spanning December to March. Screenshots go to artifacts/screenshots/charts-*.png.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.charts.probe import charts_probe
from tracker.models import Event
from tracker.permissions import ensure_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP, PHONE = 1280, 390
MIN_TEXT_PX = 11


@pytest.fixture
def probe_site(live_server, places):
    ensure_groups()  # the live server's database is flushed after every test
    return live_server, charts_probe(places).event


@pytest.fixture
def baghouz_site(live_server):
    ensure_groups()
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    return live_server, Event.objects.get(name="Battle of Baghouz")


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(url: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        return page

    yield _open
    for context in contexts:
        context.close()


def plot_box(chart) -> dict:
    """The plot rectangle on screen, from the chart's two axis lines (drawn last)."""
    x_axis = chart.locator(":scope > line.axis").nth(-2).bounding_box()
    y_axis = chart.locator(":scope > line.axis").nth(-1).bounding_box()
    return {"left": x_axis["x"], "right": x_axis["x"] + x_axis["width"], "top": y_axis["y"],
            "bottom": y_axis["y"] + y_axis["height"]}


def years_on_axis(chart) -> list[str]:
    return chart.locator("text.tick-year").all_text_contents()


def assert_open_bound_is_an_arrow_above_its_value(chart, group) -> None:
    """No band of the open figure reaches the top of the axis; its hollow marker sits above its value, inside."""
    plot = plot_box(chart)
    for band in group.locator("rect.band").all():
        assert band.bounding_box()["y"] > plot["top"] + 20
    stem = group.locator("line.open-stem").bounding_box()
    marker = group.locator("path.open-marker").bounding_box()
    foot = stem["y"] + stem["height"]  # the arrow stands on the figure's value
    assert marker["y"] + marker["height"] < foot - 5  # the marker is above it
    assert marker["y"] > plot["top"] + 5  # and not at the top of the axis
    assert marker["height"] > 5 and marker["width"] > 5  # really drawn


def assert_ticks_readable(page, width: int) -> None:
    """Every visible tick text of every chart renders at 11 px or more, and none is cut off."""
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart')]
        .filter(svg => svg.getBoundingClientRect().width > 0)
        .flatMap(svg => {
            const box = svg.getBoundingClientRect(), scale = box.width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text.tick, text.tick-year')].map(text => ({
                chart: svg.id, chartLeft: box.left, chartRight: box.right,
                text: text.textContent,
                height: text.getBoundingClientRect().height,
                font: parseFloat(getComputedStyle(text).fontSize) * scale,
                left: text.getBoundingClientRect().left,
                right: text.getBoundingClientRect().right,
            }));
        })""")
    assert len(sizes) > 10
    for size in sizes:
        assert size["font"] >= MIN_TEXT_PX and size["height"] >= MIN_TEXT_PX, (width, size)
        assert size["chartLeft"] <= size["left"] and size["right"] <= min(size["chartRight"], width), (width, size)


def assert_readable_at_phone_width(page) -> None:
    """At 390 px only the narrow drawings show, whole, and every visible tick renders at 11 px or more."""
    assert page.locator("svg.chart-wide").first.is_hidden()
    assert_ticks_readable(page, PHONE)
    for chart in page.locator("svg.chart-narrow").all():
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE


def test_the_probe_event_draws_open_bounds_and_long_periods_honestly(probe_site, open_page):
    server, event = probe_site
    page = open_page(f"{server.url}/events/{event.pk}/", DESKTOP)
    chart = page.locator("svg#chart-leaving")
    assert chart.is_visible() and page.locator("svg#chart-leaving-narrow").is_hidden()

    assert_open_bound_is_an_arrow_above_its_value(chart, chart.locator('g.week.open[data-week="2026-02-02"]'))
    bar = chart.locator('g.week.open[data-week="2026-02-02"] rect.bar').bounding_box()
    marker = chart.locator('g.week.open[data-week="2026-02-02"] path.open-marker').bounding_box()
    assert marker["y"] + marker["height"] < bar["y"]  # above the low value (1,000, the bar's top)

    plot = plot_box(chart)
    slot = (plot["right"] - plot["left"]) / 18  # 1 December 2025 to the week of 30 March 2026
    line = chart.locator('g.span[data-start="2025-12-08"] line.span-line').bounding_box()
    assert abs(line["x"] - (plot["left"] + slot)) < 2  # from 8 December's week
    assert line["x"] + line["width"] > plot["left"] + 15 * slot  # into the week of 16 March
    assert chart.locator('g.week[data-week="2026-03-16"]').count() == 0  # and no spike in its end week
    assert chart.locator("g.span text.span-label").text_content() == "12,000 in all"
    assert years_on_axis(chart) == ["2025", "2026"]

    surrenders = page.locator("svg#chart-surrenders-surrendered")
    assert surrenders.is_visible()
    assert "People surrendered or captured per week" in surrenders.locator("title").first.text_content()
    assert_open_bound_is_an_arrow_above_its_value(surrenders, surrenders.locator('g.span[data-high-open="true"]'))
    screenshot(page, "charts-probe-desktop")
    chart.screenshot(path=str(ARTIFACTS / "charts-probe-leaving.png"))
    surrenders.screenshot(path=str(ARTIFACTS / "charts-probe-surrenders.png"))

    for width in (DESKTOP, 1000, 800, 700, 480):  # the wide drawing, then the narrow one, never shrunk too far
        assert_ticks_readable(open_page(f"{server.url}/events/{event.pk}/", width), width)

    phone = open_page(f"{server.url}/events/{event.pk}/", PHONE)
    assert_readable_at_phone_width(phone)
    narrow = phone.locator("svg#chart-leaving-narrow")
    assert_open_bound_is_an_arrow_above_its_value(narrow, narrow.locator('g.week.open[data-week="2026-02-02"]'))
    assert years_on_axis(narrow) == ["2025", "2026"]
    screenshot(phone, "charts-probe-390")
    narrow.screenshot(path=str(ARTIFACTS / "charts-probe-leaving-390.png"))


def test_the_baghouz_page_draws_december_to_march_across_its_period(baghouz_site, open_page):
    server, event = baghouz_site
    page = open_page(f"{server.url}/events/{event.pk}/", DESKTOP)
    chart = page.locator("svg#chart-leaving")
    plot = plot_box(chart)
    span = chart.locator('g.span[data-start="2018-12-10"]')
    assert span.get_attribute("data-end") == "2019-03-10"
    line = span.locator("line.span-line").bounding_box()
    assert (line["width"]) / (plot["right"] - plot["left"]) > 0.7  # 13 of the chart's 15 weeks
    whisker = span.locator("line.span-range").bounding_box()
    assert whisker["y"] < line["y"] - 50  # its range reaches 99,999, drawn as a range, not as a bar
    assert chart.locator("g.week.reported").count() == 1  # only the reported zero of 9-10 March
    assert chart.locator("g.week.reported text.zero").text_content() == "0"
    assert years_on_axis(chart) == ["2018", "2019"]
    surrenders = page.locator("svg#chart-surrenders-surrendered")
    assert_open_bound_is_an_arrow_above_its_value(surrenders, surrenders.locator('g.span[data-high-open="true"]'))
    assert surrenders.locator("g.span text.span-label").text_content() == "4,000+ in all"
    assert_ticks_readable(page, DESKTOP)
    screenshot(page, "charts-baghouz-desktop")
    chart.screenshot(path=str(ARTIFACTS / "charts-baghouz-leaving.png"))

    phone = open_page(f"{server.url}/events/{event.pk}/", PHONE)
    assert_readable_at_phone_width(phone)
    screenshot(phone, "charts-baghouz-390")
    phone.locator("svg#chart-leaving-narrow").screenshot(path=str(ARTIFACTS / "charts-baghouz-leaving-390.png"))
