"""/api/v1/double-counts/: reviewers read the possible double counts and record that both figures stand, through
the admin's service; the reports then say so, as they do for a decision made in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.api.conftest import API, token_client
from tests.factories import DisplacementFigureFactory, UserFactory
from tracker import services
from tracker.choices import ReviewStatus
from tracker.models import PossibleDoubleCount

pytestmark = pytest.mark.django_db

URL = f"{API}/double-counts/"
REPORT = f"{API}/reports/displacement/"
REASON = "Different people: the town's count and the camp's arrivals."


@pytest.fixture
def pair(places, source):
    """Two approved flows out of Baghouz and Abu Kamal (which holds it), the same week: one stored pair."""
    town = DisplacementFigureFactory(source=source, location=places.abu_kamal, review_status=ReviewStatus.APPROVED)
    village = DisplacementFigureFactory(source=source, location=places.baghouz, review_status=ReviewStatus.APPROVED)
    services.double_count_refresh(village, lapse=False)
    stored = PossibleDoubleCount.objects.get()
    assert (stored.first_id, stored.second_id) == (town.pk, village.pk)
    return stored


def overlap(client) -> dict:
    warnings = client.get(REPORT).json()["warnings"]
    return next(warning for warning in warnings if warning["code"] == "overlap")


def test_a_reviewer_decides_and_the_report_says_both_stand(pair, reviewer_client, key_client, reviewer):
    before = overlap(key_client)
    assert before["pairs"] == [{"first_id": pair.first_id, "second_id": pair.second_id, "decided": False,
                                "decision_reason": ""}]
    assert "1 without a reviewer's decision" in before["message"]

    response = reviewer_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["decided"], body["decision_reason"], body["decided_by"]) == (True, REASON, reviewer.username)
    assert (body["first_version"], body["second_version"]) == (body["first"]["version"], body["second"]["version"])
    assert body["first"]["url"].endswith(f"{API}/displacement-figures/{pair.first_id}/")
    assert body["changed_since_decided"] is False

    after = overlap(key_client)  # the report's cache is keyed on the data, a decision included
    assert after["pairs"][0]["decided"] is True and after["pairs"][0]["decision_reason"] == REASON
    assert "as a reviewer decided that both stand" in after["message"]
    history = pair.history.first()
    assert (history.history_user, history.decision_reason) == (reviewer, REASON)


@pytest.mark.parametrize("body", [{}, {"decision_reason": ""}, {"decision_reason": "   "}])
def test_a_missing_or_blank_reason_is_a_field_level_400(pair, reviewer_client, body):
    response = reviewer_client.post(f"{URL}{pair.pk}/decide/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["decision_reason"]
    pair.refresh_from_db()
    assert pair.decided_at is None


def test_only_reviewers_decide_analysts_read_and_keys_are_refused(pair, analyst_client, key_client):
    assert analyst_client.get(URL).status_code == 200
    refused = analyst_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")
    assert refused.status_code == 403
    assert "permission to decide on possible double counts" in refused.json()["detail"]
    for response in (key_client.get(URL), key_client.get(f"{URL}{pair.pk}/"),
                     key_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")):
        assert response.status_code == 403
    idle = UserFactory(username="idle")  # staff, but may not view pairs in the admin
    assert token_client(idle).get(URL).status_code == 403
    idle.user_permissions.add(Permission.objects.get(codename="view_possibledoublecount"))
    assert token_client(idle).get(URL).status_code == 200
    pair.refresh_from_db()
    assert pair.decided_at is None


def test_a_decision_that_lapsed_or_aged_is_made_again_as_in_the_admin(pair, reviewer_client, reviewer, analyst):
    from tracker.models import DisplacementFigure

    reviewer_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")
    first = DisplacementFigure.objects.get(pk=pair.first_id)
    # notes are not substance: the decision stands, but names an older version of the record
    services.claim_update(first, changed_by=analyst, data={"notes": "Checked with the camp."})
    aged = reviewer_client.get(f"{URL}{pair.pk}/").json()
    assert aged["decided"] is True and aged["changed_since_decided"] is True
    assert aged["first"]["version"] == aged["first_version"] + 1
    again = reviewer_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON + " Rechecked."},
                                 format="json").json()
    assert again["changed_since_decided"] is False and again["first_version"] == again["first"]["version"]

    # a change in substance lapses it: the report counts the pair as undecided again, until it is decided anew
    first.refresh_from_db()
    services.claim_update(first, changed_by=analyst, data={"reported_value": 1200, "reported_phrase": "1,200"})
    lapsed = reviewer_client.get(f"{URL}{pair.pk}/").json()
    assert (lapsed["decided"], lapsed["decision_reason"], lapsed["first_version"]) == (False, "", None)
    decided = reviewer_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")
    assert decided.status_code == 200 and decided.json()["decided"] is True


def test_the_list_filters_and_pages(pair, reviewer_client, places, source):
    other = DisplacementFigureFactory(source=source, location=places.deir_ez_zor,
                                      review_status=ReviewStatus.APPROVED)
    services.double_count_refresh(other, lapse=False)
    assert PossibleDoubleCount.objects.count() == 3
    reviewer_client.post(f"{URL}{pair.pk}/decide/", {"decision_reason": REASON}, format="json")
    listed = reviewer_client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == sorted(
        PossibleDoubleCount.objects.values_list("pk", flat=True), reverse=True)
    assert [row["id"] for row in reviewer_client.get(URL, {"decided": "true"}).json()["results"]] == [pair.pk]
    assert len(reviewer_client.get(URL, {"decided": "false"}).json()["results"]) == 2
    assert len(reviewer_client.get(URL, {"record": pair.first_id}).json()["results"]) == 2
    first_page = reviewer_client.get(URL, {"page_size": 2}).json()
    second_page = reviewer_client.get(first_page["next"]).json()
    assert len(first_page["results"]) == 2 and len(second_page["results"]) == 1 and second_page["next"] is None
    for params, name in (({"decided": "maybe"}, "decided"), ({"kind": "aidcapacityreport"}, "kind"),
                         ({"record": "x"}, "record"), ({"status": "open"}, "status")):
        refused = reviewer_client.get(URL, params)
        assert refused.status_code == 400 and name in refused.json(), params
    assert reviewer_client.get(f"{URL}999999/").status_code == 404
    assert reviewer_client.get(f"{URL}abc/").status_code == 404
