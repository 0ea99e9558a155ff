"""The Content-Security-Policy in a real Chromium: every page works under it and none logs a violation.

The policy (``CONTENT_SECURITY_POLICY`` in the base settings) allows no inline script, handler or style, so
each page's behaviour is checked as well as its silence: select2 autocompletes, the list filter applies
itself, the source workbench highlights, the charts and pages are styled, and Swagger UI lists the
operations.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.conftest import PASSWORD, choose, screenshot
from tests.browser.watch import Watched
from tracker.models import DisplacementFigure, Event, Location, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def watched(browser):
    contexts = []

    def _open(**options) -> Watched:
        contexts.append(Watched(browser, **options))
        return contexts[-1]

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def baghouz(demo_world):
    call_command("loaddata", "demo_baghouz", verbosity=0)
    call_command("create_demo_accounts", password=PASSWORD, verbosity=0)  # the fixture's users replaced them
    return demo_world


def background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


def test_the_admin_works_under_the_policy_without_a_violation(baghouz, watched):
    base = baghouz.url
    source = Source.objects.get()
    Source.objects.filter(pk=source.pk).update(text="Thousands of people have fled the enclave over the weekend.")
    event = Event.objects.get(name="Battle of Baghouz")
    browser = watched()
    page = browser.page

    browser.login(base, "demo_analyst")
    assert page.is_visible("#landing table")
    # the tracker's stylesheet: the landing table spans the module (it was a style attribute)
    width = "el => Math.round(el.getBoundingClientRect().width)"
    assert page.eval_on_selector("#landing table", width) == page.eval_on_selector("#landing", width)
    assert browser.violations() == []

    # select2 asks the autocomplete view (connect-src) and fills the field
    browser.goto(f"{base}/admin/tracker/source/add/")
    choose(page, "id_publisher", "Al Jazeera")
    assert page.inner_text("#id_publisher + .select2 .select2-selection__rendered").startswith("Al Jazeera")
    assert browser.violations() == []

    # the source workbench highlights, live, the excerpt being typed (a static script now)
    browser.goto(f"{base}/admin/tracker/source/{source.pk}/change/")
    page.click("#displacementfigures-group .add-row a")
    page.locator("#displacementfigures-group [name$='-excerpt']:not([name*='__prefix__'])").last.fill(
        "have fled the enclave")
    assert page.inner_text("#source-text mark.live") == "have fled the enclave"
    assert browser.violations() == []

    # the event filter of a list applies itself once chosen (an inline onchange handler before)
    browser.goto(f"{base}/admin/tracker/displacementfigure/")
    page.click("details[data-filter-title=event] summary")
    page.click("form.autocomplete-list-filter select[name=event] + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Baghouz")
    page.wait_for_selector(".select2-results__option--highlighted:has-text('Battle of Baghouz')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"event={event.pk}" in page.url
    assert page.locator("#result_list tbody tr").count() == DisplacementFigure.objects.filter(event=event).count()

    # a record's change form: the review panel is styled from the file
    figure = DisplacementFigure.objects.filter(event=event).first()
    browser.goto(f"{base}/admin/tracker/displacementfigure/{figure.pk}/change/")
    assert page.eval_on_selector("#review-panel", "el => getComputedStyle(el).borderTopStyle") == "solid"
    screenshot(page, "csp-review-panel")
    assert browser.violations() == []


def test_the_public_pages_and_the_api_docs_work_under_the_policy_without_a_violation(baghouz, watched):
    base = baghouz.url
    event = Event.objects.get(name="Battle of Baghouz")
    place = Location.objects.get(name="Abu Kamal")
    browser = watched()
    page = browser.page
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    for url in (f"{base}/", f"{base}/events/{event.pk}/", f"{base}/places/{place.pk}/"):
        browser.goto(url)
        assert background(page, "header.site") == "rgb(29, 36, 48)", url  # pages.css applies
        assert browser.violations() == [], url
    # the chart draws with its own presentation attributes: bars filled, a figure spanning weeks as a bracket
    span = page.locator("svg#chart-leaving g.span line.span-line").first  # Baghouz's figure spans weeks
    assert span.evaluate("el => getComputedStyle(el).stroke") == "rgb(122, 74, 0)"
    legend = page.locator("svg#chart-leaving g.legend-item rect.bar").first
    assert legend.evaluate("el => getComputedStyle(el).fill") == "rgb(31, 95, 139)"

    browser.goto(f"{base}/api/v1/docs/")
    page.wait_for_selector(".opblock-summary")
    assert page.locator(".opblock").count() > 20  # every operation is listed
    screenshot(page, "csp-api-docs")
    assert browser.violations() == []
    assert [url for url in requested if not url.startswith(f"{base}/")] == []  # offline: nothing from elsewhere


def test_the_policy_blocks_what_it_promises_to(baghouz, watched):
    """The listener hears a violation when there is one: an injected inline script is blocked and reported."""
    browser = watched()
    page = browser.page
    browser.goto(f"{baghouz.url}/events/{Event.objects.get(name='Battle of Baghouz').pk}/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.appendChild(script);
        const div = document.createElement("div");
        div.setAttribute("style", "color: red");
        document.body.appendChild(div);
    }""")
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.__ran === undefined")
    directives = " ".join(page.evaluate("window.__violations"))
    assert "script-src" in directives and "style-src" in directives
    response = page.request.get(f"{baghouz.url}/")
    policy = response.headers["content-security-policy"]
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"):
        assert directive in policy

