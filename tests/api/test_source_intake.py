"""The sources endpoint's intake, end to end with the real database: multipart upload and JSON text, with
near duplicates; unreadable, duplicate and oversized uploads refused with nothing saved."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.api.conftest import API
from tests.intake.helpers import UNRELATED, article_page, demo_article, encrypted, make_pdf, reprint
from tracker.models import Source

pytestmark = pytest.mark.django_db


def test_the_api_creates_a_source_from_a_multipart_upload_with_its_near_duplicates(analyst_client, outlet, stored):
    page = article_page(reprint(demo_article()), site="Levant Daily", url="https://levant.example.org/b")
    response = analyst_client.post(f"{API}/sources/", {
        "file": SimpleUploadedFile("saved.html", page, "text/html"), "text_may_be_kept": "true",
        "notes": "Reprint of the wire story."}, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    source = Source.objects.get(pk=data["id"])
    assert (data["title"], data["publisher"]["id"], data["publication_date"], data["author"]) == (
        "Exodus from last ISIL enclave swells Syria's largest camp", outlet.pk, "2019-03-14", "Jane Roe")
    assert (data["text_may_be_kept"], data["intake_format"], data["notes"]) == (
        True, "html", "Reprint of the wire story.")
    assert data["text"] == source.text and source.text_drop_after is None
    [near] = data["near_duplicates"]
    assert (near["id"], near["title"], near["url"]) == (
        stored.pk, stored.title, f"http://testserver{API}/sources/{stored.pk}/")
    assert 0.8 <= near["similarity"] <= 1
    assert response["ETag"] == f'"{source.version}"'
    assert source.history.get().history_user.username == "analyst"


def test_the_api_creates_a_source_from_json_text_with_its_near_duplicates(analyst_client, outlet, stored):
    response = analyst_client.post(f"{API}/sources/", {
        "title": "Reprint", "publisher_id": outlet.pk, "publication_date": "2019-03-14",
        "text": reprint(demo_article())}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert [duplicate["id"] for duplicate in data["near_duplicates"]] == [stored.pk]
    assert (data["text_may_be_kept"], data["intake_format"]) == (False, "pasted")
    assert Source.objects.get(pk=data["id"]).text_drop_after is not None


@pytest.mark.parametrize(("name", "data", "field", "message"), [
    ("empty.txt", b"", "file", "empty"),
    ("junk.bin", bytes(range(256)) * 8, "file", "not a text file"),
    ("broken.pdf", b"%PDF-1.7 broken", "file", "cannot be read"),
    ("locked.pdf", None, "file", "password"),
    ("report.pdf", make_pdf([["Some 3,500 people arrived at Al-Hol camp in the past 48 hours."]]), "title", "title"),
])
def test_the_api_refuses_an_unreadable_upload_with_a_field_level_400(analyst_client, wire, name, data, field,
                                                                     message):
    data = encrypted(make_pdf([["Some 3,500 people arrived."]])) if data is None else data
    response = analyst_client.post(f"{API}/sources/", {
        "file": SimpleUploadedFile(name, data), "publisher_id": wire.pk}, format="multipart")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not Source.objects.exists()


def test_the_api_refuses_the_same_text_again(analyst_client, outlet, stored):
    response = analyst_client.post(f"{API}/sources/", {
        "file": SimpleUploadedFile("copy.txt", demo_article().encode()), "title": "Copy",
        "publisher_id": str(outlet.pk), "publication_date": "2019-03-14"}, format="multipart")
    assert response.status_code == 400
    assert f"source #{stored.pk}" in response.json()["text"][0]
    assert Source.objects.count() == 1


@override_settings(SOURCE_UPLOAD_MAX_BYTES=2000)
def test_the_api_refuses_an_oversized_upload_with_413(analyst_client, wire):
    for size in (3000, 400_000):  # over the limit; over the limit and the form's allowance (refused unread)
        response = analyst_client.post(f"{API}/sources/", {
            "file": SimpleUploadedFile("long.txt", b"w " * (size // 2)), "title": "T", "publisher_id": wire.pk,
            "publication_date": "2019-03-14"}, format="multipart")
        assert response.status_code == 413, response.content
        assert "MB" in response.json()["detail"]
    assert not Source.objects.exists()


def test_the_api_refuses_unknown_multipart_fields_and_multipart_elsewhere(analyst_client, wire, stored):
    response = analyst_client.post(f"{API}/sources/", {
        "file": SimpleUploadedFile("a.txt", UNRELATED.encode()), "publisher_id": wire.pk, "title": "T",
        "publication_date": "2019-03-14", "colour": "red"}, format="multipart")
    assert response.status_code == 400 and response.json()["colour"] == ["Unknown field."]
    response = analyst_client.patch(f"{API}/sources/{stored.pk}/", {"title": "New"}, format="multipart",
                                    HTTP_IF_MATCH=f'"{stored.version}"')
    assert response.status_code == 415
    response = analyst_client.post(f"{API}/organizations/", {"name": "X"}, format="multipart")
    assert response.status_code == 415


def test_a_key_cannot_upload(key_client, wire):
    response = key_client.post(f"{API}/sources/", {
        "file": SimpleUploadedFile("a.txt", UNRELATED.encode()), "publisher_id": wire.pk, "title": "T",
        "publication_date": "2019-03-14"}, format="multipart")
    assert response.status_code == 403
    assert not Source.objects.exists()
