"""A page or report asked again while the data is unchanged is answered with the bytes kept the first time: one
statement (the data version), no rendering; a change makes the next answer new; a client holding the bytes gets
304; emptying the shared cache empties every process's copy; a login requirement is never skipped."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.response import SimpleTemplateResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.conftest import client_with, make_key
from tests.factories import SourceFactory
from tests.reports.conftest import d, flow
from tracker.reporting import cache as cache_module
from tracker.reporting import responses

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/reports/displacement/?group_by=event,month"


def pages(world) -> list[str]:
    return [reverse("pages:event", args=[world.event.pk]), reverse("pages:place", args=[world.places.syria.pk]),
            "/", "/?page=1"]


def test_a_repeated_page_costs_one_statement_and_no_rendering(world, client, monkeypatch):
    rendered = []
    real = SimpleTemplateResponse.render

    def render(self):
        rendered.append(self)
        return real(self)

    monkeypatch.setattr(SimpleTemplateResponse, "render", render)
    for url in pages(world):
        first = client.get(url)
        rendered.clear()
        with CaptureQueriesContext(connection) as repeat:
            second = client.get(url)
        assert first.status_code == second.status_code == 200
        assert second.content == first.content and second["Content-Type"] == first["Content-Type"], url
        for header in ("X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
            assert second[header] == first[header], (url, header)
        assert second["X-Frame-Options"] == "DENY" and int(second["Content-Length"]) == len(second.content)
        assert len(repeat.captured_queries) == 1 and "max(" in repeat.captured_queries[0]["sql"].lower(), url
        assert rendered == [], url


def test_a_change_shows_on_the_next_view(world, client):
    url = reverse("pages:event", args=[world.event.pk])
    assert "Article Y" not in client.get(url).content.decode()
    flow(event=world.event, source=SourceFactory(title="Article Y"), location=world.places.baghouz,
         reported_value=900, start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    assert "Article Y" in client.get(url).content.decode()


def test_a_client_holding_the_bytes_gets_304_until_the_data_changes(world, client):
    url = reverse("pages:place", args=[world.places.syria.pk])
    first = client.get(url)
    second = client.get(url)
    assert second["ETag"] and second["ETag"] == client.get(url)["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=second["ETag"])
    assert again.status_code == 304 and again.content == b""
    flow(event=world.event, source=SourceFactory(), location=world.places.baghouz, reported_value=5,
         start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    changed = client.get(url, HTTP_IF_NONE_MATCH=second["ETag"])
    assert changed.status_code == 200 and changed.content != first.content


def test_a_repeated_report_is_the_same_bytes_and_honours_if_none_match(world):
    _, raw = make_key()
    caller = client_with(f"Api-Key {raw}")
    first = caller.get(REPORT)
    with CaptureQueriesContext(connection) as repeat:
        second = caller.get(REPORT)
    assert first.status_code == second.status_code == 200 and second.content == first.content
    assert not any("tracker_displacementfigure\".\"" in q["sql"] for q in repeat.captured_queries)
    assert caller.get(REPORT, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
    # another audience is another key: a confidential-scope key's report is kept apart
    _, trusted = make_key(client="Trusted NGO", confidential_scope=True)
    assert client_with(f"Api-Key {trusted}").get(REPORT, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 200


def test_emptying_the_shared_cache_empties_this_process_copy(world, client, monkeypatch):
    """The bench measures pages computed afresh by emptying the shared cache: no process may keep serving them."""
    url = reverse("pages:event", args=[world.event.pk])
    client.get(url)
    assert responses.memory.entries
    cache.clear()
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) > 1  # computed again


def test_a_login_requirement_is_never_skipped_for_a_kept_page(world, client, analyst, settings):
    url = reverse("pages:event", args=[world.event.pk])
    assert client.get(url).status_code == 200  # kept for the public
    settings.PAGES_REQUIRE_LOGIN = True
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(analyst)
    assert client.get(url).status_code == 200


def test_memory_holds_at_most_its_limit(settings):
    settings.RESPONSE_MEMORY_MB = 1
    memory = responses.Memory()
    for n in range(5):
        memory.put(f"k{n}", ([], b"x" * 400_000))
    assert memory.size <= 1024 * 1024 and list(memory.entries) == ["k3", "k4"]
    memory.put("too big", ([], b"x" * 2_000_000))
    assert "too big" not in memory.entries


def test_a_visitor_may_get_a_page_a_second_late_a_caller_with_credentials_never(world, client, analyst, settings):
    """PAGE_VERSION_SECONDS: within it, a visitor's repeat asks the database nothing; a change shows to a caller
    with a session at once, and to visitors once the version is read again."""
    settings.PAGE_VERSION_SECONDS = 60
    url = reverse("pages:event", args=[world.event.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as repeat:
        assert client.get(url).status_code == 200
    assert repeat.captured_queries == []
    flow(event=world.event, source=SourceFactory(title="Article W"), location=world.places.baghouz,
         reported_value=900, start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    assert "Article W" not in client.get(url).content.decode()  # within the minute: the page as kept
    staff = Client()
    staff.force_login(analyst)
    assert "Article W" in staff.get(url).content.decode()  # a session: the version read now
    cache_module._recent.clear()  # the minute has passed
    assert "Article W" in client.get(url).content.decode()
