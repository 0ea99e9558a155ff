"""Analysts write through the API as through the admin: the same services, validation, history and workflow."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import API, token_client
from tests.factories import OrganizationFactory, UserFactory
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, Organization, SurrenderFigure, Tombstone

URL = f"{API}/displacement-figures/"


def figure_payload(source, location, **changes):
    payload = {
        "source_id": source.pk,
        "excerpt": "More than 4,000 people left the town in the past week.",
        "location_id": location.pk,
        "location_precision": "exact",
        "start_date": "2019-03-03",
        "end_date": "2019-03-10",
        "quantifier": "more_than",
        "reported_value": 4000,
        "reported_phrase": "more than 4,000",
        "unit": "persons",
        "term": "fled",
        "category": "flow",
    }
    payload.update(changes)
    return payload


@pytest.fixture
def created(analyst_client, places, source):
    response = analyst_client.post(URL, figure_payload(source, places.baghouz), format="json")
    assert response.status_code == 201, response.content
    return response


def etag(response) -> str:
    return response["ETag"]


def test_an_analyst_creates_a_draft_with_derived_numbers_and_history(created, analyst):
    data = created.json()
    assert data["review_status"] == ReviewStatus.DRAFT
    assert (data["low"], data["best"], data["high"], data["high_open"]) == (4000, 4000, None, True)
    assert created["ETag"] == '"1"'
    assert created["Location"].endswith(f"/displacement-figures/{data['id']}/")
    figure = DisplacementFigure.objects.get(pk=data["id"])
    assert figure.created_by == analyst
    assert figure.history.first().history_user == analyst


@pytest.mark.parametrize("changes, field", [
    ({"end_date": "2019-03-11"}, "end_date"),  # after the source's publication
    ({"start_date": "2019-03-12", "end_date": "2019-03-10"}, "end_date"),
    ({"excerpt": "   "}, "excerpt"),
    ({"reported_value": None}, "reported_value"),
    ({"quantifier": "range", "reported_value_max": 10}, "reported_value_max"),
    ({"term": "in_camp", "category": "flow"}, "category"),
    ({"unit": "households"}, "household_size"),
    ({"women": 5000}, "women"),
    ({"source_id": 999999}, "source_id"),
    ({"location_id": "Baghouz"}, "location_id"),
    ({"reported_value": -5}, "reported_value"),
    ({"reported_value": 10**20}, "reported_value"),
    ({"term": "teleported"}, "term"),
    ({"reported_valu": 4000}, "reported_valu"),
    ({"excerpt": "nul\x00byte"}, "excerpt"),
    ({"role": "triangulation"}, "supports"),
    ({"supports": 999999}, "supports"),
])
def test_invalid_input_is_a_field_level_400_and_stores_nothing(analyst_client, places, source, changes, field):
    response = analyst_client.post(URL, figure_payload(source, places.baghouz, **changes), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not DisplacementFigure.objects.exists()


def test_bodies_must_be_json(analyst_client, places, source):
    assert analyst_client.post(URL, "source_id=1", content_type="application/x-www-form-urlencoded"
                               ).status_code == 415
    assert analyst_client.post(URL, "{not json", content_type="application/json").status_code == 400
    assert analyst_client.post(URL, "[1, 2]", content_type="application/json").status_code == 400


def test_updates_need_the_current_version(created, analyst_client):
    url = created["Location"]
    assert analyst_client.patch(url, {"notes": "checked"}, format="json").status_code == 428
    stale = analyst_client.patch(url, {"notes": "checked"}, format="json", HTTP_IF_MATCH='"7"')
    assert stale.status_code == 412
    assert analyst_client.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="garbage").status_code == 412
    response = analyst_client.patch(url, {"reported_value": 5000}, format="json", HTTP_IF_MATCH=etag(created))
    assert response.status_code == 200, response.content
    assert response.json()["best"] == 5000 and response["ETag"] == '"2"'
    again = analyst_client.patch(url, {"notes": "late"}, format="json", HTTP_IF_MATCH=etag(created))
    assert again.status_code == 412
    assert DisplacementFigure.objects.get().notes == ""
    put = analyst_client.put(url, {**response.json(), "source_id": response.json()["source"]["id"],
                                   "location_id": response.json()["location"]["id"], "notes": "full"},
                             format="json", HTTP_IF_MATCH=response["ETag"])
    assert put.status_code == 200, put.content
    assert put.json()["notes"] == "full"


def test_the_review_workflow(created, analyst_client, reviewer_client, second_analyst):
    url = created["Location"]
    figure_id = created.json()["id"]
    assert analyst_client.post(url + "submit/").status_code == 428
    submitted = analyst_client.post(url + "submit/", HTTP_IF_MATCH=etag(created))
    assert submitted.status_code == 200 and submitted.json()["review_status"] == "in_review"
    # analysts may not approve
    assert analyst_client.post(url + "approve/", HTTP_IF_MATCH=submitted["ETag"]).status_code == 403
    # request changes needs a comment, named as the API names it
    missing = reviewer_client.post(url + "request-changes/", {}, format="json", HTTP_IF_MATCH=submitted["ETag"])
    assert missing.status_code == 400 and "comment" in missing.json()
    blank = reviewer_client.post(url + "request-changes/", {"comment": " "}, format="json",
                                 HTTP_IF_MATCH=submitted["ETag"])
    assert blank.status_code == 400 and "comment" in blank.json()
    sent_back = reviewer_client.post(url + "request-changes/", {"comment": "Cite the district."}, format="json",
                                     HTTP_IF_MATCH=submitted["ETag"])
    assert sent_back.json()["review_status"] == "changes_requested"
    assert sent_back.json()["review_comment"] == "Cite the district."
    resubmitted = analyst_client.post(url + "submit/", HTTP_IF_MATCH=sent_back["ETag"])
    approved = reviewer_client.post(url + "approve/", HTTP_IF_MATCH=resubmitted["ETag"])
    assert approved.status_code == 200 and approved.json()["review_status"] == "approved"
    # approving again is a workflow conflict
    again = reviewer_client.post(url + "approve/", HTTP_IF_MATCH=approved["ETag"])
    assert again.status_code == 409 and "not in review" in again.json()["detail"]
    # approved records are withdrawn, not deleted
    assert analyst_client.delete(url, HTTP_IF_MATCH=approved["ETag"]).status_code == 409
    rejected = reviewer_client.post(url + "reject/", {"comment": "Retracted."}, format="json",
                                    HTTP_IF_MATCH=approved["ETag"])
    assert rejected.json()["review_status"] == "rejected"
    reopened = reviewer_client.post(url + "reopen/", HTTP_IF_MATCH=rejected["ETag"])
    assert reopened.json()["review_status"] == "draft"
    # another analyst without delete rights on others' work still goes through the service
    deleted = token_client(second_analyst).delete(url, HTTP_IF_MATCH=reopened["ETag"])
    assert deleted.status_code == 204
    assert Tombstone.objects.filter(kind="displacementfigure", record_id=figure_id).exists()


def test_nobody_approves_their_own_record(reviewer_client, places, source):
    response = reviewer_client.post(URL, figure_payload(source, places.baghouz), format="json")
    url = response["Location"]
    submitted = reviewer_client.post(url + "submit/", HTTP_IF_MATCH=response["ETag"])
    refused = reviewer_client.post(url + "approve/", HTTP_IF_MATCH=submitted["ETag"])
    assert refused.status_code == 409
    assert "created or submitted" in refused.json()["detail"]


def test_a_possible_double_count_is_named_at_save_and_blocks_approval(analyst_client, reviewer_client, places,
                                                                      source):
    first = analyst_client.post(URL, figure_payload(source, places.baghouz), format="json").json()
    second = analyst_client.post(URL, figure_payload(source, places.abu_kamal), format="json")
    assert second.status_code == 201
    assert second.json()["possible_double_counts"] == [
        {"other_id": first["id"], "resolved": False, "decision_reason": ""}]
    url = second["Location"]
    submitted = analyst_client.post(url + "submit/", HTTP_IF_MATCH=second["ETag"])
    refused = reviewer_client.post(url + "approve/", HTTP_IF_MATCH=submitted["ETag"])
    assert refused.status_code == 409
    assert f"#{first['id']}" in refused.json()["detail"]


def test_staff_need_permissions_and_non_staff_are_refused(places, source, groups):
    idle = UserFactory(username="idle")  # staff, in no group
    client = token_client(idle)
    assert client.get(URL).status_code == 403
    assert client.post(URL, figure_payload(source, places.baghouz), format="json").status_code == 403


def test_a_session_works_and_needs_csrf_for_writes(analyst, places, source):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.get(URL).status_code == 200
    response = client.post(URL, figure_payload(source, places.baghouz), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_reference_writes_go_through_the_services(analyst_client, reviewer, places, source):
    created = analyst_client.post(f"{API}/organizations/", {"name": "Kurdish Red Crescent", "kind": "red_cross",
                                                            "country_id": places.syria.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["country"]["iso3"] == "SYR"
    url = created["Location"]
    duplicate = analyst_client.post(f"{API}/organizations/", {"name": "Kurdish Red Crescent"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    not_a_country = analyst_client.patch(url, {"country_id": places.baghouz.pk}, format="json",
                                         HTTP_IF_MATCH=created["ETag"])
    assert not_a_country.status_code == 400 and "country_id" in not_a_country.json()
    renamed = analyst_client.patch(url, {"acronym": "KRC"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert renamed.status_code == 200 and renamed.json()["acronym"] == "KRC"
    assert Organization.objects.get(name="Kurdish Red Crescent").history.first().history_user.username == "analyst"
    # analysts may not delete reference rows; admins may, unless something refers to them
    assert analyst_client.delete(url, HTTP_IF_MATCH=renamed["ETag"]).status_code == 403
    reviewer.is_superuser = True
    reviewer.save()
    admin = token_client(reviewer)
    in_use = admin.delete(f"{API}/organizations/{source.publisher_id}/",
                          HTTP_IF_MATCH=f'"{source.publisher.version}"')
    assert in_use.status_code == 409 and "still used" in in_use.json()["detail"]
    assert admin.delete(url, HTTP_IF_MATCH=renamed["ETag"]).status_code == 204
    assert Tombstone.objects.filter(kind="organization").count() == 1


def test_an_event_and_a_source_with_their_links(analyst_client, places, source):
    party = OrganizationFactory()
    event = analyst_client.post(f"{API}/events/", {
        "name": "Siege of Somewhere", "kind": "conflict", "start_date": "2019-01-01", "end_date": "2019-02-01",
        "country_ids": [places.syria.pk], "party_ids": [party.pk]}, format="json")
    assert event.status_code == 201, event.content
    assert [c["iso3"] for c in event.json()["countries"]] == ["SYR"]
    backwards = analyst_client.post(f"{API}/events/", {"name": "Backwards", "start_date": "2019-02-01",
                                                       "end_date": "2019-01-01"}, format="json")
    assert backwards.status_code == 400 and "end_date" in backwards.json()
    same_url = analyst_client.post(f"{API}/sources/", {
        "title": "Copy", "url": source.url.replace("https://", "http://"), "publisher_id": source.publisher_id,
        "publication_date": "2019-03-10"}, format="json")
    assert same_url.status_code == 400 and "url" in same_url.json()


def test_a_surrender_round_trip(analyst_client, places, source):
    group = OrganizationFactory(kind="armed_group")
    response = analyst_client.post(f"{API}/surrenders/", {
        **{k: v for k, v in figure_payload(source, places.baghouz).items() if k not in ("term", "category")},
        "surrendering_group_id": group.pk, "received_by_id": group.pk}, format="json")
    assert response.status_code == 400 and "received_by_id" in response.json()
    assert not SurrenderFigure.objects.exists()
