"""The saved queries' admin: made through the services, the feed URL shown once, filters checked on the field."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.api.conftest import make_key
from tests.api.feeds import read_feed
from tracker.models import SavedQuery

ADD = reverse("admin:tracker_savedquery_add")
CHANGELIST = reverse("admin:tracker_savedquery_changelist")
FEED = re.compile(r"http://testserver(/feeds/[A-Za-z0-9_-]+/)")


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def form(**fields) -> dict:
    return {"name": "Baghouz", "resource": "displacement-figures", "query": "", "digest": "none", "email": "",
            **fields}


def test_an_analyst_saves_a_query_and_sees_its_feed_url_once(client, analyst, places):
    client.force_login(analyst)
    response = client.post(ADD, form(query="location=SY09"), follow=True)
    assert response.status_code == 200
    feed = FEED.search(messages_of(response)).group(1)
    saved_query = SavedQuery.objects.get()
    assert (saved_query.owner, saved_query.query) == (analyst, "location=SY09")
    read_feed(feed)
    page = client.get(reverse("admin:tracker_savedquery_change", args=[saved_query.pk]))
    assert "/feeds/" not in page.content.decode()
    assert saved_query.history.get().history_user == analyst


def test_a_filter_the_list_refuses_is_a_form_error(client, analyst, places):
    client.force_login(analyst)
    response = client.post(ADD, form(query="location=NOWHERE&colour=red"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["query"]
    assert any("No place with id or P-code 'NOWHERE'" in error for error in errors)
    assert any("Unknown parameter 'colour'" in error for error in errors)
    assert not SavedQuery.objects.exists()


def test_on_a_keys_behalf_the_keys_filters_apply_and_analysts_may_not(client, analyst, places):
    from tests.api.feeds import administrator

    key, _ = make_key(client="Relief NGO")
    client.force_login(analyst)
    response = client.post(ADD, form(api_key=key.pk), follow=True)
    assert "Nothing was saved" in messages_of(response) and not SavedQuery.objects.exists()
    client.force_login(administrator())
    refused = client.post(ADD, form(api_key=key.pk, query="review_status=draft"))
    assert "staff accounts" in " ".join(refused.context["adminform"].form.errors["query"])
    client.post(ADD, form(api_key=key.pk), follow=True)
    assert SavedQuery.objects.get().api_key == key


def test_rotate_shows_a_new_url_and_revoke_ends_the_feed(client, analyst, places):
    client.force_login(analyst)
    first = FEED.search(messages_of(client.post(ADD, form(), follow=True))).group(1)
    pk = SavedQuery.objects.get().pk
    rotated = client.post(CHANGELIST, {"action": "rotate_feeds", "_selected_action": [pk]}, follow=True)
    second = FEED.search(messages_of(rotated)).group(1)
    assert second != first
    read_feed(first, status=404)
    read_feed(second)
    client.post(CHANGELIST, {"action": "revoke_feeds", "_selected_action": [pk]}, follow=True)
    read_feed(second, status=404)
