"""A saved query's private Atom feed: what each audience's feed shows, withdrawals and deletions, and its token."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings

from tests.api.conftest import API, client_with, make_key
from tests.api.feeds import administrator, read_feed, record_ids, save_query
from tests.factories import SourceFactory
from tracker import services
from tracker.models import ApiKey, SavedQuery

FIGURES = "displacement-figures"


@pytest.fixture
def key(db):
    return make_key(client="Relief NGO")[0]


def test_a_key_query_shows_what_the_key_sees_and_nothing_else(world, key):
    _, feed = save_query(administrator(), api_key=key)
    entries = read_feed(feed)
    assert sorted(record_ids(entries)) == sorted(record.pk for record in world.visible[FIGURES])
    assert {entry["state"] for entry in entries} == {"current"}
    hidden = world.hidden[FIGURES]
    for record in hidden.values():  # drafts, records in review, rejected, confidential, from a confidential source
        assert not any(f"/{FIGURES}/{record.pk}/" in entry["link"] for entry in entries)
    shown = world.visible[FIGURES][1]
    entry = next(entry for entry in entries if f"/{FIGURES}/{shown.pk}/" in entry["link"])
    assert entry["title"] == f"Displacement figure: 1,000 fled, Al-Hasakeh, {shown.start_date:%Y-%m-%d}"
    assert entry["summary"].startswith("Changed ") and "Source: Public article" in entry["summary"]
    assert entry["link"] == f"http://testserver{API}/{FIGURES}/{shown.pk}/"
    assert entry["related"] == f"http://testserver/places/{world.places.hasakeh.pk}/"  # its public page
    # Newest change first.
    assert [entry["updated"] for entry in entries] == sorted((entry["updated"] for entry in entries), reverse=True)


def test_the_filters_of_the_list_apply(world, key):
    _, feed = save_query(administrator(), query="location=SY08", api_key=key)
    assert record_ids(read_feed(feed)) == [world.visible[FIGURES][1].pk]


def test_a_record_made_confidential_after_appearing_is_withdrawn_without_its_content(world, key, reviewer):
    _, feed = save_query(administrator(), api_key=key)
    record = world.visible[FIGURES][0]
    assert record.pk in record_ids(read_feed(feed), "current")
    services.claim_update(record, changed_by=reviewer, data={"is_confidential": True})
    entries = read_feed(feed)
    assert record.pk not in record_ids(entries, "current")
    withdrawn = [entry for entry in entries if entry["state"] == "withdrawn"]
    assert record_ids(withdrawn) == [record.pk]
    assert withdrawn[0]["title"] == f"Displacement figure #{record.pk} withdrawn"
    assert record.excerpt not in withdrawn[0]["summary"] and "Public article" not in withdrawn[0]["summary"]
    assert entries[0] == withdrawn[0]  # the newest change


def test_a_record_rejected_after_approval_is_withdrawn_and_a_draft_never_shows(world, key, reviewer):
    _, feed = save_query(administrator(), api_key=key)
    record = world.visible[FIGURES][1]
    services.claim_reject(record, rejected_by=reviewer, reason="Misread the source")
    draft = world.hidden[FIGURES]["draft"]
    services.claim_delete(draft, deleted_by=world.analyst)  # a draft's deletion: never the key's business
    entries = read_feed(feed)
    assert record_ids(entries, "withdrawn") == [record.pk]
    assert draft.pk not in record_ids(entries)


def test_a_revoked_or_deleted_key_ends_the_feed(world, key):
    _, feed = save_query(administrator(), api_key=key)
    assert read_feed(feed)
    services.api_key_revoke(key=key, user=None)
    response = client_with().get(feed)
    assert response.status_code == 410 and b"revoked or expired" in response.content
    assert b"Displacement" not in response.content
    ApiKey.objects.filter(pk=key.pk).delete()
    assert SavedQuery.objects.count() == 0  # the key takes its queries with it
    read_feed(feed, status=404)


def test_the_feed_follows_the_keys_current_scope(world, key):
    _, feed = save_query(administrator(), api_key=key)
    confidential = [world.hidden[FIGURES]["confidential"], world.hidden[FIGURES]["confidential_source"]]
    assert not set(record_ids(read_feed(feed))) & {record.pk for record in confidential}
    services.api_key_update(key=key, user=None, data={"confidential_scope": True})
    entries = read_feed(feed)
    assert {record.pk for record in confidential} <= set(record_ids(entries, "current"))
    marked = [entry for entry in entries if record_ids([entry])[0] in {record.pk for record in confidential}]
    assert all("Confidential: not for publication." in entry["summary"] for entry in marked)
    assert all(entry["related"] is None for entry in marked)  # no public page shows them
    assert world.hidden[FIGURES]["draft"].pk not in record_ids(entries)
    services.api_key_update(key=key, user=None, data={"confidential_scope": False})
    assert not set(record_ids(read_feed(feed))) & {record.pk for record in confidential}


def test_a_staff_query_sees_what_staff_see(world, reviewer):
    _, feed = save_query(reviewer)
    entries = read_feed(feed)
    everything = [*world.visible[FIGURES], *world.hidden[FIGURES].values()]
    assert sorted(record_ids(entries)) == sorted(record.pk for record in everything)
    draft = world.hidden[FIGURES]["draft"]
    entry = next(entry for entry in entries if record_ids([entry]) == [draft.pk])
    assert "Review: draft." in entry["summary"]
    services.claim_delete(draft, deleted_by=world.analyst)
    entries = read_feed(feed)
    assert record_ids(entries, "deleted") == [draft.pk]
    assert entries[0]["title"] == f"Displacement figure #{draft.pk} deleted"


def test_a_deleted_source_the_key_saw_is_an_entry(world, key):
    _, feed = save_query(administrator(), resource="sources", api_key=key)
    gone = SourceFactory(title="A retracted article")
    assert gone.pk in record_ids(read_feed(feed), "current")
    services.reference_delete(gone, deleted_by=administrator())
    entries = read_feed(feed)
    assert record_ids(entries, "deleted") == [gone.pk]
    assert world.secret_source.pk not in record_ids(entries)


def test_entry_ids_stay_the_same_until_the_record_changes(world, key, reviewer):
    _, feed = save_query(administrator(), api_key=key)
    record = world.visible[FIGURES][0]
    first = {entry["id"] for entry in read_feed(feed)}
    assert first == {entry["id"] for entry in read_feed(feed)}
    services.claim_update(record, changed_by=reviewer, data={"notes": "Checked against the UN figure."})
    second = {entry["id"] for entry in read_feed(feed)}
    assert len(first - second) == 1 and len(second - first) == 1
    assert (second - first).pop().endswith(f"/{FIGURES}/{record.pk}/#version-{record.version}")


def test_the_token_reads_its_own_feed_and_is_no_credential_elsewhere(world, key):
    saved_query, feed = save_query(administrator(), api_key=key)
    token = feed.rstrip("/").rsplit("/", 1)[1]
    assert saved_query.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(SavedQuery.objects.values().get()) and token not in str(saved_query.history.values())
    for header in (f"Api-Key {token}", f"Token {token}", f"Bearer {token}"):
        assert client_with(header).get(f"{API}/{FIGURES}/").status_code == 401, header
        assert client_with(header).get(f"{API}/saved-queries/").status_code == 401, header
    assert client_with().get(f"{API}/{FIGURES}/", HTTP_X_API_KEY=token).status_code == 401
    body = client_with().get(feed).content.decode()
    assert token not in body  # no self link: the document can be shared without the credential
    read_feed(feed.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B")), status=404)


def test_rotating_or_revoking_the_token_moves_or_ends_the_feed(world, key):
    user = administrator()
    saved_query, feed = save_query(user, api_key=key)
    _, token = services.saved_query_rotate_token(saved_query=saved_query, user=user)
    read_feed(feed, status=404)
    fresh = services.feed_path(token)
    assert record_ids(read_feed(fresh))
    services.saved_query_revoke_token(saved_query=saved_query, user=user)
    read_feed(fresh, status=404)


def test_a_query_whose_filters_stopped_passing_says_so(world, key, places):
    saved_query, feed = save_query(administrator(), query="location=SY08", api_key=key)
    SavedQuery.objects.filter(pk=saved_query.pk).update(query="location=XX99")  # as if the place had gone
    response = client_with().get(feed)
    assert response.status_code == 409 and b"location: No place" in response.content


@override_settings(API_AUTH_FAILURE_LIMIT=2)
def test_guessing_feed_urls_is_throttled_like_guessing_keys(world, key):
    _, feed = save_query(administrator(), api_key=key)
    wrong = "/feeds/" + "A" * 43 + "/"
    read_feed(wrong, status=404)
    read_feed(wrong, status=404)
    response = client_with().get(feed)  # even the right one, from this address, until the window passes
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_a_staff_query_ends_when_its_owner_loses_access(world, analyst):
    _, feed = save_query(analyst)
    assert read_feed(feed)
    analyst.is_active = False
    analyst.save()
    response = client_with().get(feed)
    assert response.status_code == 410 and b"no longer has access" in response.content
