"""A record's form in a real Chromium: the phrase read into its parts as it is typed, the category following the
term, the source's text in a panel that stays in view while the form scrolls, a selected sentence quoted with
its exact offsets, and the reviewer's page showing the excerpt marked in its source."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import choose, screenshot
from tests.browser.watch import Watched
from tracker.models import DisplacementFigure, Location, Organization, Source
from tracker.services import claim_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Markup, an ampersand and a character outside the Basic Multilingual Plane before the sentence: offsets are
# characters of the stored text, whatever escaping and UTF-16 do to the page.
SENTENCE = "Some 300 families fled Baghouz on Saturday, a local official said."
TEXT = (
    "Forces resume attacks on <final> enclave & more \U0001F4A5\n\n"
    + "\n\n".join(f"Paragraph {n} tells of the fighting around the town, street by street." for n in range(12))
    + f"\n\nThe fighting went on. {SENTENCE} Others stayed.\n\n"
    + "\n\n".join(f"Later paragraph {n} says nothing of numbers." for n in range(30))
)


@pytest.fixture
def article(demo_world):
    publisher = Organization.objects.get(name="Al Jazeera")
    Location.objects.filter(name="Syria").update(default_household_size=5,
                                                 default_household_size_citation="Household survey, table 3")
    return Source.objects.create(title="Forces resume attacks on final enclave", publisher=publisher,
                                 publication_date=datetime.date(2019, 3, 10), text=TEXT, text_may_be_kept=True)


@pytest.fixture
def watched(browser):
    contexts = []

    def _open(width: int = 1400, height: int = 1000) -> Watched:
        contexts.append(Watched(browser))
        contexts[-1].page.set_viewport_size({"width": width, "height": height})
        return contexts[-1]

    yield _open
    for context in contexts:
        context.close()


def select_in_text(page, start: int, end: int) -> None:
    """Select characters start:end of the stored text in the panel, as a mouse drag does, and let go."""
    page.evaluate("""([start, end]) => {
        const spans = Array.from(document.querySelectorAll('#claim-source-text span[data-start]'));
        function point(offset) {
            const span = spans.filter(s => Number(s.dataset.start) <= offset).pop();
            const node = span.firstChild;
            const chars = Array.from(node.data).slice(0, offset - Number(span.dataset.start)).join('');
            return [node, chars.length];
        }
        const range = document.createRange();
        range.setStart(...point(start));
        range.setEnd(...point(end));
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.getElementById('claim-source-text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
    }""", [start, end])


def test_a_figure_from_a_selected_sentence_with_the_panel_in_view(watched, demo_world, article):
    base = demo_world.url
    browser = watched(1400, 800)
    page = browser.page
    browser.login(base, "demo_analyst")
    browser.goto(f"{base}/admin/tracker/displacementfigure/add/")
    assert "Choose the source" in page.inner_text("#claim-source-panel")

    # choosing the source loads its text beside the form
    choose(page, "id_source", "Forces resume attacks")
    page.wait_for_selector("#claim-source-text")
    assert page.get_attribute("#id_end_date", "placeholder") == "10/03/2019"

    # the phrase, typed once, fills its parts
    page.fill("#id_reported_phrase", "some 300 families")
    expect(page.locator("#id_reported_value")).to_have_value("300")
    assert page.input_value("#id_quantifier") == "approximately"
    assert page.input_value("#id_unit") == "families"
    # a part corrected by hand stays as corrected when the phrase is edited again
    page.select_option("#id_quantifier", "exact")
    page.fill("#id_reported_phrase", "some 300 families,")
    page.wait_for_timeout(600)
    assert page.input_value("#id_quantifier") == "exact"
    page.select_option("#id_quantifier", "approximately")

    # the category follows the term, and is asked for only for "displaced"
    page.select_option("#id_term", "fled")
    assert not page.is_visible("#id_category")
    assert page.input_value("#id_category") == "flow"
    page.select_option("#id_term", "displaced")
    assert page.is_visible("#id_category")
    page.select_option("#id_term", "fled")

    # selecting the sentence in the text quotes it, with its exact offsets
    start = TEXT.index(SENTENCE)
    select_in_text(page, start - 1, start + len(SENTENCE) + 1)  # a space either side: trimmed
    expect(page.locator("#id_excerpt_start")).to_have_value(str(start))
    assert page.input_value("#id_excerpt") == SENTENCE
    assert page.input_value("#id_excerpt_end") == str(start + len(SENTENCE))
    expect(page.locator("#claim-source-text mark")).to_have_text(SENTENCE)  # what was quoted is marked

    # the panel stays in view with the form scrolled to its bottom
    panel = page.locator("#claim-source-panel")
    assert page.eval_on_selector("#claim-source-panel", "el => getComputedStyle(el).position") == "sticky"
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    assert page.evaluate("window.scrollY") > 500
    box = panel.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800, box
    assert page.is_visible("#claim-source-text")
    screenshot(page, "claim-form-panel-sticky")

    choose(page, "id_location", "Baghouz")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success, .errornote")
    assert not page.is_visible(".errornote"), page.inner_text("#content-main")
    figure = DisplacementFigure.objects.get()
    assert (figure.quantifier, figure.reported_value, figure.unit, figure.category) == (
        "approximately", 300, "families", "flow")
    assert (figure.household_size, figure.household_size_source, figure.best) == (5, "country_default", 1500)
    assert "Household survey, table 3" in page.inner_text(".field-household_size_citation")
    assert (figure.excerpt, figure.excerpt_start, figure.excerpt_end) == (SENTENCE, start, start + len(SENTENCE))
    assert str(figure.end_date) == "2019-03-10" and str(figure.start_date) == "2019-03-10"
    assert browser.violations() == []


def test_on_a_narrow_screen_the_text_is_above_the_form(watched, demo_world, article):
    base = demo_world.url
    browser = watched(800, 900)
    page = browser.page
    browser.login(base, "demo_analyst")
    start = TEXT.index(SENTENCE)
    browser.goto(f"{base}/admin/tracker/displacementfigure/add/?source={article.pk}"
                 f"&excerpt_start={start}&excerpt_end={start + len(SENTENCE)}")
    panel = page.locator("#claim-source-panel").bounding_box()
    form = page.locator(".claim-form-column").bounding_box()
    assert panel["y"] + panel["height"] <= form["y"] + 1
    assert page.input_value("#id_excerpt") == SENTENCE
    assert browser.violations() == []


def test_the_reviewers_page_marks_the_excerpt_in_its_source(watched, demo_world, article):
    analyst = get_user_model().objects.get(username="demo_analyst")
    figure = DisplacementFigure(source=article, excerpt=SENTENCE, location=Location.objects.get(name="Baghouz"),
                                reported_phrase="some 300 families", unit="", term="fled")
    claim_create(figure, created_by=analyst)
    base = demo_world.url
    browser = watched()
    page = browser.page
    browser.login(base, "demo_reviewer")
    browser.goto(f"{base}/admin/tracker/displacementfigure/{figure.pk}/change/")
    mark = page.locator("#claim-source-text mark")
    expect(mark).to_have_text(SENTENCE)
    page.wait_for_load_state("networkidle")
    panel = page.locator("#claim-source-panel").bounding_box()
    box = mark.bounding_box()  # scrolled into the panel's view
    assert panel["y"] <= box["y"] and box["y"] + box["height"] <= panel["y"] + panel["height"]
    assert (figure.unit, figure.best) == ("families", 1500)  # the shell read the phrase too
    screenshot(page, "claim-reviewer-excerpt")
    assert browser.violations() == []
