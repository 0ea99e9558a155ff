"""No input makes a public page or the admin answer 500 (docs/security.md, "Error format").

Each case was a 500 found by fuzzing: "²" (``str.isdigit`` says yes, ``int`` raises) in a page number, an
admin list filter or a History URL, a NUL character in a filter or an autocomplete search (PostgreSQL cannot
compare text holding NUL), and any search of the aid capacity list. Bad input is a 400 page, an unknown id a
404, a filter the admin cannot apply its usual "?e=1" redirect.
"""

from __future__ import annotations

import pytest

from tests.factories import EventFactory
from tests.schema_support import seed_approved_records
from tracker.models import AidCapacityReport, DisplacementFigure

NUL = "\x00"
SQUARED = "\u00b2"
ARABIC_THREE = "\u0663"
CLAIM_LISTS = ["displacementfigure", "surrenderfigure", "aidcapacityreport"]
HISTORIES = ["displacementfigure", "surrenderfigure", "aidcapacityreport", "source", "location", "event",
             "organization", "possibledoublecount"]


@pytest.fixture
def admin_client(client, reviewer, places, source):
    event = EventFactory()
    seed_approved_records(source, places.baghouz)
    DisplacementFigure.objects.update(event=event)
    reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    client.event = event
    return client


@pytest.mark.parametrize("model", CLAIM_LISTS)
@pytest.mark.parametrize("name", ["country", "event", "publisher"])
def test_a_non_ascii_digit_in_an_admin_list_filter_is_refused_not_a_500(admin_client, model, name):
    response = admin_client.get(f"/admin/tracker/{model}/", {name: f"1{SQUARED}"})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")  # the admin's "cannot apply this filter"


@pytest.mark.parametrize("model", CLAIM_LISTS)
@pytest.mark.parametrize("name", ["country", "event", "location", "origin", "destination", "q"])
def test_a_nul_character_in_an_admin_list_parameter_is_a_400_page(admin_client, model, name):
    response = admin_client.get(f"/admin/tracker/{model}/", {name: f"SY{NUL}"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"Bad request" in response.content


@pytest.mark.parametrize(("model", "field"), [("displacementfigure", "location"), ("displacementfigure", "event"),
                                              ("displacementfigure", "origin"), ("source", "publisher"),
                                              ("location", "parent")])
def test_a_nul_character_in_an_admin_autocomplete_search_is_a_400(admin_client, model, field):
    response = admin_client.get("/admin/autocomplete/", {"term": f"Bag{NUL}", "app_label": "tracker",
                                                         "model_name": model, "field_name": field})
    assert response.status_code == 400
    ok = admin_client.get("/admin/autocomplete/", {"term": "Bag", "app_label": "tracker", "model_name": model,
                                                   "field_name": field})
    assert ok.status_code == 200


def test_searching_the_aid_capacity_list_works(admin_client):
    report = AidCapacityReport.objects.get()
    response = admin_client.get("/admin/tracker/aidcapacityreport/", {"q": report.excerpt.split()[0]})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert admin_client.get("/admin/tracker/aidcapacityreport/", {"q": SQUARED}).status_code == 200


@pytest.mark.parametrize("model", HISTORIES)
def test_a_history_url_with_a_non_ascii_digit_is_a_404(admin_client, model):
    assert admin_client.get(f"/admin/tracker/{model}/{SQUARED}/history/").status_code == 404
    assert admin_client.get(f"/admin/tracker/{model}/1/history/{SQUARED}/").status_code == 404
    assert admin_client.get(f"/admin/tracker/{model}/1/history/{ARABIC_THREE}/").status_code == 404


def test_a_review_action_with_a_non_ascii_expected_version_is_not_a_500(admin_client):
    """An unreadable version is refused, not taken as "no version check": the record stays as it was."""
    figure = DisplacementFigure.objects.get()
    response = admin_client.post(f"/admin/tracker/displacementfigure/{figure.pk}/review/reject/",
                                 {"expected_version": SQUARED, "comment": "Wrong place."})
    assert response.status_code == 302
    after = DisplacementFigure.objects.get(pk=figure.pk)
    assert (after.review_status, after.version) == (figure.review_status, figure.version)


@pytest.mark.parametrize(("name", "shown"), [("sources_page", "sources"), ("aid_page", "aid_rows")])
@pytest.mark.parametrize("digit", [SQUARED, ARABIC_THREE])
def test_a_non_ascii_page_number_on_a_public_page_shows_the_first_page(admin_client, places, name, shown, digit):
    for url in (f"/places/{places.syria.pk}/", f"/events/{admin_client.event.pk}/"):
        response = admin_client.get(url, {name: digit})
        assert response.status_code == 200, url
        assert response.context[shown].number == 1


def test_a_nul_character_on_a_public_page_is_a_400_page(client, places):
    response = client.get(f"/places/{places.syria.pk}/", {"sources_page": NUL})
    assert response.status_code == 400
    assert b"Bad request" in response.content
