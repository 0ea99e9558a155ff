"""The intake's admin door end to end, with the real database: the add page (a file or pasted text) and the
source page (near duplicates, the text's drop). The API's door: tests/api/test_source_intake.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests.intake.helpers import UNRELATED, article_page, demo_article, encrypted, make_pdf, reprint
from tracker.choices import IntakeFormat
from tracker.models import Source, SourceSignatureBand

pytestmark = pytest.mark.django_db
NO_INLINES = {f"{prefix}-{key}": value for prefix in ("displacementfigures", "surrenderfigures", "aidcapacityreports")
              for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))}


def add_form(**fields) -> dict:
    return {"title": "", "url": "", "publisher": "", "publication_date": "", "kind": "news_article",
            "language": "en", "text": "", **NO_INLINES, **fields}


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_adds_a_source_from_an_uploaded_page_and_warns_of_a_near_duplicate(client, analyst, wire, outlet,
                                                                                     stored):
    client.force_login(analyst)
    page = article_page(reprint(demo_article()), site="Levant Daily", url="https://levant.example.org/b")
    response = client.post(reverse("admin:tracker_source_add"),
                           add_form(file=SimpleUploadedFile("saved.html", page, "text/html")), follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    source = Source.objects.exclude(pk=stored.pk).get()
    assert (source.publisher, source.title, source.intake_format, source.author) == (
        outlet, "Exodus from last ISIL enclave swells Syria's largest camp", IntakeFormat.HTML, "Jane Roe")
    messages = [str(message) for message in response.context["messages"]]
    link = reverse("admin:tracker_source_change", args=[stored.pk])
    assert any("nearly the same" in text and link in text for text in messages), messages
    # The source page lists the near duplicate with its link, and says when the text will be dropped.
    page = client.get(reverse("admin:tracker_source_change", args=[source.pk])).content.decode()
    assert 'id="near-duplicates"' in page and link in page
    assert "will be dropped on" in page and 'id="drop-text"' in page


def test_the_admin_adds_a_source_from_pasted_text(client, analyst, wire):
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), add_form(
        title="Pasted", publisher=wire.pk, publication_date="2019-03-14", text=UNRELATED.replace("\n", "\r\n"),
        text_may_be_kept="on"))
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.text, source.intake_format, source.text_drop_after) == (UNRELATED, IntakeFormat.PASTED, None)
    assert source.signature_bands.count() == 16
    page = client.get(reverse("admin:tracker_source_change", args=[source.pk])).content.decode()
    assert "The licence allows keeping this text." in page and 'id="drop-text"' not in page


@pytest.mark.parametrize(("upload", "field", "message"), [
    (SimpleUploadedFile("empty.txt", b"", "text/plain"), "file", "empty"),
    (SimpleUploadedFile("junk.bin", bytes(range(256)) * 8, "application/octet-stream"), "file", "not a text file"),
    (SimpleUploadedFile("locked.pdf", encrypted(make_pdf([["Some 3,500 people arrived."]])), "application/pdf"),
     "file", "password"),
    (SimpleUploadedFile("unknown.html", article_page(demo_article(), site="Unknown Gazette"), "text/html"),
     "publisher", "Unknown Gazette"),
])
def test_the_admin_refuses_a_file_without_an_article_on_its_field_and_saves_nothing(client, analyst, wire, upload,
                                                                                     field, message):
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), add_form(file=upload))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in str(errors[field]), errors
    assert not Source.objects.exists() and not SourceSignatureBand.objects.exists()


@override_settings(SOURCE_UPLOAD_MAX_BYTES=2000)
def test_the_admin_refuses_an_oversized_file(client, analyst, wire):
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), add_form(
        file=SimpleUploadedFile("long.txt", b"word " * 1000, "text/plain"), title="T", publisher=wire.pk,
        publication_date="2019-03-14"))
    assert "too large" in str(response.context["adminform"].form.errors["file"])
    assert not Source.objects.exists()


def test_the_admin_refuses_the_same_text_again_with_a_link(client, analyst, outlet, stored):
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), add_form(
        title="Copy", publisher=outlet.pk, publication_date="2019-03-14", text=demo_article()))
    errors = str(response.context["adminform"].form.errors["text"])
    assert f"source #{stored.pk}" in errors and reverse("admin:tracker_source_change", args=[stored.pk]) in errors
    assert Source.objects.count() == 1


def test_the_admin_drop_button_drops_the_text(client, analyst, stored):
    client.force_login(analyst)
    url = reverse("admin:tracker_source_drop_text", args=[stored.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "The text was dropped" in " ".join(str(m) for m in response.context["messages"])
    stored.refresh_from_db()
    assert stored.text == "" and stored.text_dropped_at and stored.content_hash
    page = client.get(reverse("admin:tracker_source_change", args=[stored.pk])).content.decode()
    assert "The text was dropped on" in page and 'id="drop-text"' not in page


def test_the_drop_button_needs_the_change_permission(client, groups, stored):
    from tests.factories import UserFactory

    viewer = UserFactory(username="viewer", is_staff=True)
    client.force_login(viewer)
    client.post(reverse("admin:tracker_source_drop_text", args=[stored.pk]))
    stored.refresh_from_db()
    assert stored.text == demo_article()
