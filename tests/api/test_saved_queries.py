"""``/api/v1/saved-queries/``: staff save queries and manage their feeds; keys are refused; bad filters are 400s."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, make_key, token_client
from tests.api.feeds import administrator, read_feed, record_ids
from tracker.models import SavedQuery

URL = f"{API}/saved-queries/"


@pytest.fixture
def admin_client(groups):
    return token_client(administrator())


def test_staff_save_a_query_and_get_its_feed_url_once(world, staff_client):
    response = staff_client.post(URL, {"name": "Hasakeh", "resource": "displacement-figures",
                                       "query": "?location=SY08"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["query"] == "location=SY08" and data["owner"] == "reviewer" and data["feed_active"] is True
    assert data["feed_url"].startswith("http://testserver/feeds/")
    assert record_ids(read_feed(data["feed_url"].removeprefix("http://testserver"))) == [
        world.visible["displacement-figures"][1].pk]
    assert "feed_url" not in staff_client.get(f"{URL}{data['id']}/").json()
    assert all("feed_url" not in row for row in staff_client.get(URL).json()["results"])


@pytest.mark.parametrize(("query", "message"), [
    ("location=NOWHERE", "location: No place with id or P-code 'NOWHERE'"),
    ("date_from=yesterday", "date_from: "),
    ("colour=red", "colour: Unknown parameter 'colour'"),
    ("format=csv", "format: a saved query cannot hold it"),
])
def test_a_filter_the_list_refuses_is_a_400_on_the_query_and_nothing_is_saved(staff_client, places, query, message):
    response = staff_client.post(URL, {"name": "Bad", "resource": "displacement-figures", "query": query},
                                 format="json")
    assert response.status_code == 400, response.content
    assert any(text.startswith(message) for text in response.json()["query"]), response.json()
    assert not SavedQuery.objects.exists()


def test_keys_are_refused_even_to_read(world, key_client):
    assert key_client.get(URL).status_code == 403
    response = key_client.post(URL, {"name": "Mine", "resource": "sources"}, format="json")
    assert response.status_code == 403 and not SavedQuery.objects.exists()


def test_on_a_keys_behalf_only_key_managers_save_and_with_the_keys_filters(world, staff_client, admin_client):
    key, _ = make_key(client="Relief NGO")
    body = {"name": "For Relief NGO", "resource": "displacement-figures", "api_key": key.prefix}
    assert staff_client.post(URL, body, format="json").status_code == 403
    refused = admin_client.post(URL, {**body, "query": "review_status=draft"}, format="json")
    assert refused.status_code == 400 and "staff accounts" in refused.json()["query"][0]
    response = admin_client.post(URL, {**body, "digest": "weekly", "email": "data@relief.example"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["api_key"] == key.prefix and response.json()["digest"] == "weekly"
    assert "reviewer" not in [row["owner"] for row in staff_client.get(URL).json()["results"]]  # not theirs


def test_rotate_and_revoke_the_feed(world, staff_client):
    created = staff_client.post(URL, {"name": "All", "resource": "surrenders"}, format="json").json()
    old = created["feed_url"].removeprefix("http://testserver")
    rotated = staff_client.post(f"{URL}{created['id']}/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["feed_url"].removeprefix("http://testserver")
    assert new != old
    read_feed(old, status=404)
    assert read_feed(new)
    revoked = staff_client.post(f"{URL}{created['id']}/revoke-feed/")
    assert revoked.status_code == 200 and revoked.json()["feed_active"] is False
    read_feed(new, status=404)


def test_change_and_delete_go_through_the_rules(world, staff_client, analyst_client):
    created = staff_client.post(URL, {"name": "All", "resource": "displacement-figures"}, format="json").json()
    detail = f"{URL}{created['id']}/"
    assert analyst_client.get(detail).status_code == 404  # another analyst's query
    bad = staff_client.patch(detail, {"query": "location=NOWHERE"}, format="json")
    assert bad.status_code == 400 and SavedQuery.objects.get().query == ""
    no_email = staff_client.patch(detail, {"digest": "daily"}, format="json")
    assert no_email.status_code == 200 and no_email.json()["email"] == "reviewer@example.org"  # the owner's
    assert staff_client.delete(detail).status_code == 204
    assert not SavedQuery.objects.exists()
    read_feed(created["feed_url"].removeprefix("http://testserver"), status=404)


def test_every_list_a_query_may_follow_is_the_apis_with_its_own_filters():
    from tracker.api.resources import RESOURCE_VIEWSETS
    from tracker.models import SavedQueryResource
    from tracker.services.saved_queries import FILTERSETS

    lists = {viewset.resource: viewset.filterset_class for viewset in RESOURCE_VIEWSETS}
    assert set(SavedQueryResource.values) == set(lists)
    assert FILTERSETS == lists
