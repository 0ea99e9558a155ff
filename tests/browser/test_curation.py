"""An analyst's day in a real browser: a source and two records, review, and a refused stale save."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, choose, screenshot
from tracker.choices import ReviewStatus
from tracker.models import AidCapacityReport, DisplacementFigure, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXCERPT_FLED = "Tens of thousands of people have streamed out of the territory in recent months."
EXCERPT_AID = "Aid agencies in the area are struggling to cope with the influx."


def add_source_with_two_records(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/tracker/source/add/")
    page.fill("#id_title", "Forces resume attacks on final enclave")
    choose(page, "id_publisher", "Al Jazeera")
    page.fill("#id_publication_date", "10/03/2019")
    page.fill("#id_url", "https://www.example.org/news/2019/3/10/enclave?utm_source=feed")
    # A displacement figure from the article, in the source's own page
    page.click("#displacementfigures-group .add-row a")
    prefix = "displacementfigures-0"
    page.select_option(f"#id_{prefix}-quantifier", "magnitude")
    page.select_option(f"#id_{prefix}-magnitude_word", "tens_of_thousands")
    page.fill(f"#id_{prefix}-reported_phrase", "Tens of thousands of people")
    page.select_option(f"#id_{prefix}-term", "fled")
    page.select_option(f"#id_{prefix}-category", "flow")
    page.fill(f"#id_{prefix}-excerpt", EXCERPT_FLED)
    choose(page, f"id_{prefix}-location", "Abu Kamal")
    page.select_option(f"#id_{prefix}-location_precision", "adm2")
    page.fill(f"#id_{prefix}-start_date", "10/12/2018")
    page.select_option(f"#id_{prefix}-start_precision", "month")
    page.fill(f"#id_{prefix}-end_date", "10/03/2019")
    # ... and an aid capacity report
    page.click("#aidcapacityreports-group .add-row a")
    prefix = "aidcapacityreports-0"
    page.fill(f"#id_{prefix}-provider_description", "aid agencies in the area")
    page.select_option(f"#id_{prefix}-sector", "multi_sector")
    page.select_option(f"#id_{prefix}-strain", "strained")
    page.fill(f"#id_{prefix}-excerpt", EXCERPT_AID)
    choose(page, f"id_{prefix}-location", "Deir-ez-Zor")
    page.select_option(f"#id_{prefix}-location_precision", "adm1")
    page.fill(f"#id_{prefix}-start_date", "10/03/2019")
    page.fill(f"#id_{prefix}-end_date", "10/03/2019")
    screenshot(page, "01-source-workbench-filled")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")


def open_record(page, base_url: str, record) -> None:
    page.goto(f"{base_url}/admin/tracker/{record._meta.model_name}/{record.pk}/change/")
    page.wait_for_selector("#review-panel")


def test_analyst_adds_submits_and_reviewer_decides(login, demo_world):
    base = demo_world.url
    analyst = login("demo_analyst")
    add_source_with_two_records(analyst, base)

    source = Source.objects.get()
    assert source.url_normalized == "https://example.org/news/2019/3/10/enclave"
    figure = DisplacementFigure.objects.get(source=source)
    report = AidCapacityReport.objects.get(source=source)
    assert (figure.low, figure.best, figure.high) == (20_000, 20_000, 99_999)
    assert figure.created_by.username == "demo_analyst"
    assert figure.history.first().history_user.username == "demo_analyst"

    for record in (figure, report):
        open_record(analyst, base, record)
        analyst.click("input[name=review-submit]")
        analyst.wait_for_selector(".messagelist .success")
        assert analyst.inner_text("#review-status") == "In review"
    screenshot(analyst, "02-record-submitted")

    reviewer = login("demo_reviewer")
    reviewer.goto(f"{base}/admin/")
    assert reviewer.inner_text("#landing tr:has-text('Displacement figures') .queue-awaiting") == "1"
    screenshot(reviewer, "03-reviewer-landing")
    reviewer.click("#landing tr:has-text('Displacement figures') .queue-awaiting")
    reviewer.click(f"#result_list a[href*='/{figure.pk}/change/']")
    reviewer.wait_for_selector("#review-panel")
    reviewer.click("input[name=review-approve]")
    reviewer.wait_for_selector(".messagelist .success")
    assert reviewer.inner_text("#review-status") == "Approved"

    open_record(reviewer, base, report)
    reviewer.fill("textarea[name=comment] >> nth=0", "Name the agencies if the source does; check the date.")
    reviewer.click("input[name=review-request-changes]")
    reviewer.wait_for_selector(".messagelist .success")
    screenshot(reviewer, "04-changes-requested")

    figure.refresh_from_db()
    report.refresh_from_db()
    assert figure.review_status == ReviewStatus.APPROVED
    assert figure.reviewed_by.username == "demo_reviewer"
    assert report.review_status == ReviewStatus.CHANGES_REQUESTED

    analyst.goto(f"{base}/admin/")
    assert analyst.inner_text("#landing tr:has-text('Aid capacity reports') .queue-changes") == "1"
    analyst.click("#landing tr:has-text('Aid capacity reports') .queue-changes")
    analyst.click(f"#result_list a[href*='/{report.pk}/change/']")
    assert "Name the agencies if the source does" in analyst.inner_text("#review-comment")
    screenshot(analyst, "05-analyst-sees-comment")


def test_analyst_cannot_approve_their_own_record(login, demo_world):
    analyst = login("demo_analyst")
    add_source_with_two_records(analyst, demo_world.url)
    figure = DisplacementFigure.objects.get()
    open_record(analyst, demo_world.url, figure)
    analyst.click("input[name=review-submit]")
    analyst.wait_for_selector(".messagelist .success")
    # An analyst has no approve button, and a forged request is refused by the service.
    assert analyst.locator("input[name=review-approve]").count() == 0
    token = analyst.input_value("input[name=csrfmiddlewaretoken] >> nth=0")
    response = analyst.request.post(
        f"{demo_world.url}/admin/tracker/displacementfigure/{figure.pk}/review/approve/",
        form={"csrfmiddlewaretoken": token}, headers={"Referer": analyst.url},
    )
    assert response.ok
    figure.refresh_from_db()
    assert figure.review_status == ReviewStatus.IN_REVIEW


def test_second_stale_save_is_refused_and_keeps_its_input(login, demo_world):
    base = demo_world.url
    first = login("demo_analyst")
    add_source_with_two_records(first, base)
    figure = DisplacementFigure.objects.get()
    second = login("demo_reviewer")

    url = f"{base}/admin/tracker/displacementfigure/{figure.pk}/change/"
    first.goto(url)
    second.goto(url)
    first.fill("#id_reported_phrase", "tens of thousands of people (first editor)")
    first.click("input[name=_continue]")
    first.wait_for_selector(".messagelist .success")

    mine = "Second editor's reasoning, which must not be lost."
    second.fill("#id_notes", mine)
    second.click("input[name=_continue]")
    second.wait_for_selector(".errornote")
    screenshot(second, "06-stale-save-refused")
    errors = second.inner_text(".errorlist.nonfield")
    assert "Someone else saved this record" in errors
    assert "first editor" in errors  # the other person's change is shown
    assert second.input_value("#id_notes") == mine  # and this editor's input is kept,
    # merged with the other person's change to a field this editor did not touch
    assert second.input_value("#id_reported_phrase") == "tens of thousands of people (first editor)"

    figure.refresh_from_db()
    assert figure.reported_phrase == "tens of thousands of people (first editor)"
    assert figure.notes == ""

    # Having seen the other change, the second editor saves again on top of it.
    second.click("input[name=_continue]")
    second.wait_for_selector(".messagelist .success")
    figure.refresh_from_db()
    assert figure.notes == mine
    assert figure.reported_phrase == "tens of thousands of people (first editor)"


def test_the_event_filter_searches_as_you_type_and_narrows_the_list(login, demo_world):
    """The admin's event filter (an autocomplete, not a list of every event) picks an event and filters by it."""
    from django.core.management import call_command

    from tracker.models import Event

    call_command("loaddata", "demo_baghouz", verbosity=0)
    call_command("create_demo_accounts", password=PASSWORD, verbosity=0)  # the fixture's users replaced them
    event = Event.objects.get(name__icontains="Baghouz")
    page = login("demo_reviewer")
    page.goto(f"{demo_world.url}/admin/tracker/displacementfigure/")
    page.click("details[data-filter-title='event'] summary")
    page.click("select[name=event] + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Baghouz")
    page.wait_for_selector(f".select2-results__option--highlighted:has-text('{event.name}')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"event={event.pk}" in page.url
    shown = page.locator("#result_list tbody tr").count()
    assert shown == DisplacementFigure.objects.filter(event=event).count() > 0
    assert page.locator("select[name=event] option:checked").inner_text() == str(event)
    screenshot(page, "05-admin-event-filter")
