"""The API's refusal of a source already stored (the same page or the same text) links to that source: the
field-level message, and ``existing_source`` naming it by id with its API URL (and admin URL for staff)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import API
from tests.factories import SourceFactory
from tracker.models import Source

pytestmark = pytest.mark.django_db

ARTICLE = "Thousands of people have fled the enclave over the weekend, the SDF said on Sunday. " * 3


def new_source(publisher, **fields) -> dict:
    return {"title": "A copy", "publisher_id": publisher.pk, "publication_date": "2019-03-10", **fields}


def test_a_known_url_is_refused_with_a_link_to_the_stored_source(analyst_client, source):
    Source.objects.filter(pk=source.pk).update(title="50% of the enclave left")  # a "%" stays as it is
    source.refresh_from_db()
    response = analyst_client.post(f"{API}/sources/", new_source(
        source.publisher, url=source.url.replace("https://", "http://www.") + "/?utm_source=x"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["url"] == [f"This URL is already recorded as source #{source.pk}: 50% of the enclave left."]
    assert body["existing_source"] == {"url": {
        "id": source.pk, "title": "50% of the enclave left",
        "url": f"http://testserver{API}/sources/{source.pk}/",
        "admin_url": "http://testserver" + reverse("admin:tracker_source_change", args=[source.pk]),
    }}
    assert analyst_client.get(body["existing_source"]["url"]["url"]).json()["id"] == source.pk
    assert Source.objects.count() == 1


def test_a_known_text_is_refused_with_a_link_to_the_stored_source(analyst_client, source):
    first = analyst_client.post(f"{API}/sources/", new_source(source.publisher, title="First", text=ARTICLE),
                                format="json")
    assert first.status_code == 201, first.content
    copy = analyst_client.post(f"{API}/sources/", new_source(source.publisher, text=ARTICLE.replace(" ", "  ")),
                               format="json")
    assert copy.status_code == 400
    body = copy.json()
    stored = first.json()["id"]
    assert body["text"] == [f"This text is already stored as source #{stored}: First."]
    assert body["existing_source"]["text"]["id"] == stored
    assert body["existing_source"]["text"]["url"].endswith(f"{API}/sources/{stored}/")


def test_an_edit_onto_a_stored_url_is_a_field_level_400_not_a_500(analyst_client, source):
    other = SourceFactory(url="https://example.org/report")
    response = analyst_client.patch(f"{API}/sources/{other.pk}/", {"url": source.url + "/"}, format="json",
                                    HTTP_IF_MATCH=f'"{other.version}"')
    assert response.status_code == 400
    assert response.json()["existing_source"]["url"]["id"] == source.pk
    assert Source.objects.get(pk=other.pk).url == "https://example.org/report"
