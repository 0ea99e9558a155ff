"""The Baghouz event page in a real Chromium: the chart is drawn and the totals read right.

Screenshots go to artifacts/reports/ (git-ignored).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.reports.conftest import ARTIFACTS, save_screenshot
from tracker.permissions import ensure_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    ensure_groups()  # the live server's database is flushed after every test
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    return live_server


def in_page(chromium, url: str, check):
    """Open ``url`` in a fresh browser context and run ``check(page)`` there."""

    def visit(browser):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(url)
            return check(page)
        finally:
            context.close()

    return chromium.run(visit)


def test_the_baghouz_event_page_draws_its_chart_and_totals(demo_site, chromium):
    from tracker.models import Event

    event = Event.objects.get(name="Battle of Baghouz")

    def check(page):
        chart = page.locator("svg#chart-leaving")
        assert chart.is_visible()
        assert chart.get_attribute("role") == "img"
        assert page.locator("svg#chart-leaving title").first.text_content() == (
            "People leaving per week: Battle of Baghouz")
        bars = page.locator("svg#chart-leaving g.week.reported")
        assert bars.count() == 1  # the reported zero of 9-10 March
        assert bars.first.get_attribute("data-week") == "2019-03-04"
        # "tens of thousands ... in recent months": drawn across 10 December to 10 March, not as a spike
        span = page.locator('svg#chart-leaving g.span[data-start="2018-12-10"]')
        drawn = span.locator("line.span-line").bounding_box()
        assert drawn and drawn["width"] > 400  # really drawn, across most of the chart
        whisker = span.locator("line.span-range").bounding_box()
        assert whisker["height"] > 100  # 20,000-99,999 reaches far above the 20,000 bracket
        march = page.locator("#monthly-table tbody tr").first
        assert march.locator("td").nth(0).inner_text() == "March 2019"
        assert march.locator("td").nth(2).inner_text() == "20,000"
        assert march.locator("td").nth(3).inner_text() == "20,000–99,999"
        card = page.locator('#headline-totals .card[data-term-group="leaving"]')
        assert card.locator(".value").inner_text() == "20,000"
        assert "4,000 or more" in page.locator("#surrenders-table").inner_text()
        save_screenshot(page, "baghouz-event")
        chart.screenshot(path=str(ARTIFACTS / "baghouz-event-chart.png"))

    in_page(chromium, f"{demo_site.url}/events/{event.pk}/", check)


def test_the_baghouz_place_page(demo_site, chromium):
    from tracker.models import Location

    abu_kamal = Location.objects.get(name="Abu Kamal")

    def check(page):
        assert page.locator("h1").inner_text() == "Abu Kamal"
        assert page.locator("svg#chart-leaving g.week.reported").count() == 1
        assert page.locator("#monthly-table tbody tr").first.locator("td").nth(3).inner_text() == "20,000–99,999"
        save_screenshot(page, "abu-kamal-place")

    in_page(chromium, f"{demo_site.url}/places/{abu_kamal.pk}/", check)


def test_open_bounds_and_several_charts_render(live_server, world, chromium):
    def check(page):
        leaving = page.locator("svg#chart-leaving")
        assert leaving.is_visible() and page.locator("svg#chart-arriving").is_visible()
        open_week = leaving.locator('g.week.open[data-week="2019-02-25"]')
        assert open_week.locator("path.open-marker").bounding_box()["height"] > 3  # "more than 4,000": open
        assert "4,000 or more" in open_week.locator("title").text_content()
        card = page.locator('#headline-totals .card[data-category="stock"][data-term-group="in_camp"]')
        assert card.locator(".value").inner_text() == "9,000"
        save_screenshot(page, "counting-world-event")
        leaving.screenshot(path=str(ARTIFACTS / "counting-world-chart.png"))

    in_page(chromium, f"{live_server.url}/events/{world.event.pk}/", check)
