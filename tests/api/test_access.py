"""Who sees what: the confidential scope, staff, and the admin where keys are managed."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from tests.api.base import FORMATS, ids_in
from tests.api.conftest import API, client_with
from tracker.models import ApiKey

CLAIMS = ["displacement-figures", "surrenders", "aid-capacity"]


@pytest.mark.parametrize("resource", CLAIMS)
def test_the_confidential_scope_adds_confidential_records_but_never_unapproved_ones(
    world, scoped_key_client, resource
):
    hidden = world.hidden[resource]
    expected = {r.pk for r in world.visible[resource]} | {hidden["confidential"].pk,
                                                           hidden["confidential_source"].pk}
    for fmt in FORMATS:
        assert set(ids_in(scoped_key_client.get(f"{API}/{resource}/", {"format": fmt}), fmt)) == expected, fmt
    for state in ("draft", "in_review", "changes_requested", "rejected"):
        assert scoped_key_client.get(f"{API}/{resource}/{hidden[state].pk}/").status_code == 404
    sources = ids_in(scoped_key_client.get(f"{API}/sources/"), "json")
    assert world.secret_source.pk in sources


def test_a_visible_record_never_shows_a_confidential_source_or_staff_fields(world, key_client):
    for resource in CLAIMS:
        for item in key_client.get(f"{API}/{resource}/").json()["results"]:
            assert item["source"]["id"] != world.secret_source.pk
            assert item["review_status"] == "approved" and item["is_confidential"] is False
            assert not {"created_by", "reviewed_by", "review_comment", "submitted_by"} & set(item)


def test_staff_see_audit_fields(world, staff_client):
    item = staff_client.get(f"{API}/surrenders/{world.visible['surrenders'][0].pk}/").json()
    assert item["created_by"] == "analyst" and "review_comment" in item


def test_the_other_endpoints_refuse_strangers(db, anonymous_client, other_user):
    from tests.api.conftest import token_client

    for url in (f"{API}/vocabularies/", f"{API}/deletions/?since=2019-01-01T00:00:00Z", f"{API}/"):
        assert anonymous_client.get(url).status_code == 401, url
        assert token_client(other_user).get(url).status_code == 403, url


def test_unknown_api_paths_are_json_404s(key_client, db):
    response = key_client.get(f"{API}/figures/")
    assert response.status_code == 404 and response.json()["detail"].startswith("Not found")
    assert key_client.get(f"{API}/surrenders/1.5/").json()["detail"]


def test_keys_are_made_in_the_admin_and_shown_once(admin_client):
    response = admin_client.post("/admin/tracker/apikey/add/", {"client": "Field NGO", "name": "field"},
                                 follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(client="Field NGO")
    shown = " ".join(str(message) for message in get_messages(response.wsgi_request))
    raw = re.search(rf"{key.prefix}\.\S+", shown).group(0).rstrip(".")
    assert client_with(f"Api-Key {raw}").get(f"{API}/sources/").status_code == 200
    assert key.hashed_key not in shown and raw.split(".")[1] not in key.hashed_key
    key.revoked = True
    key.save()
    assert client_with(f"Api-Key {raw}").get(f"{API}/sources/").status_code == 401
