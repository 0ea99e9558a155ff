"""A source from a text or a file through the intake service: exact and near duplicates, and the text's drop."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.factories import DisplacementFigureFactory, UserFactory, build_claim
from tests.intake.fixtures import PUBLISHED
from tests.intake.helpers import UNREADABLE_NOTE, UNRELATED, article_page, demo_article, make_pdf, reprint
from tracker.choices import IntakeFormat
from tracker.intake import Upload, near_duplicates
from tracker.models import DisplacementFigure, OrganizationAlias, Source, SourceSignatureBand
from tracker.rules.normalise import content_hash
from tracker.services import claim_create, claim_update, reference_update
from tracker.services.intake import source_intake, source_text_drop, source_texts_drop_due

pytestmark = pytest.mark.django_db


def paste(analyst, text, publisher, **fields):
    return source_intake(created_by=analyst, text=text, fields={
        "title": text.split("\n")[0], "publisher": publisher, "publication_date": PUBLISHED, **fields})


def test_a_page_makes_a_source_with_its_metadata_its_normalised_text_and_its_signature(analyst, wire):
    result = source_intake(created_by=analyst, upload=Upload(article_page(demo_article()), "page.html", "text/html"),
                           fields={"notes": "From the wire."})
    source = Source.objects.get(pk=result.source.pk)
    assert (source.title, source.author, source.publisher, source.publication_date, source.url) == (
        "Thousands more leave Baghouz as Al-Hol camp strains under new arrivals", "Jane Roe", wire, PUBLISHED,
        "https://wire.example.org/2019/03/14/baghouz")
    assert (source.text, source.intake_format, source.notes) == (demo_article(), IntakeFormat.HTML, "From the wire.")
    assert source.content_hash == content_hash(demo_article())
    assert len(bytes(source.text_signature)) == 512 and source.signature_bands.count() == 16
    assert source.history.get().history_change_reason == "Created"
    assert result.near_duplicates == []


def test_the_site_is_matched_to_the_publisher_by_alias_and_the_form_wins_over_the_file(analyst, outlet, wire):
    OrganizationAlias.objects.create(organization=outlet, name="The Levant Daily")
    page = article_page(demo_article(), site="The Levant Daily")
    source = source_intake(created_by=analyst, upload=Upload(page, "a.html"), fields={"title": "Own title"}).source
    assert (source.publisher, source.title) == (outlet, "Own title")


def test_a_site_matching_no_organization_asks_for_the_publisher_and_saves_nothing(analyst, wire):
    page = article_page(demo_article(), site="Unknown Gazette")
    with pytest.raises(ValidationError) as refused:
        source_intake(created_by=analyst, upload=Upload(page, "a.html"), fields={})
    assert "Unknown Gazette" in refused.value.message_dict["publisher"][0]
    assert not Source.objects.exists() and not SourceSignatureBand.objects.exists()


def test_a_pdf_without_a_date_asks_for_one(analyst, wire):
    pdf = make_pdf([["More than 2,000 civilians fled Baghouz on Wednesday, the SDF said."]])
    with pytest.raises(ValidationError) as refused:
        source_intake(created_by=analyst, upload=Upload(pdf, "a.pdf"), fields={"publisher": wire})
    assert set(refused.value.message_dict) == {"title", "publication_date"}
    source = source_intake(created_by=analyst, upload=Upload(pdf, "a.pdf"), fields={
        "publisher": wire, "title": "Report", "publication_date": PUBLISHED}).source
    assert source.intake_format == IntakeFormat.PDF and source.text.startswith("More than 2,000 civilians")


@pytest.mark.parametrize(("upload", "text", "field"), [
    (None, None, "text"), (None, "   ", "text"), (Upload(b"x y z", "a.txt"), "text too", "file"),
    (Upload(b"", "a.txt"), None, "file"), (Upload(UNREADABLE_NOTE, "a.bin"), None, "file"),
])
def test_nothing_to_read_is_refused_on_its_field_and_nothing_is_saved(analyst, wire, upload, text, field):
    with pytest.raises(ValidationError) as refused:
        source_intake(created_by=analyst, upload=upload, text=text, fields={
            "title": "T", "publisher": wire, "publication_date": PUBLISHED})
    assert list(refused.value.message_dict) == [field]
    assert not Source.objects.exists()


def test_someone_without_the_permission_cannot_add_a_source(groups, wire):
    with pytest.raises(PermissionDenied):
        paste(UserFactory(username="outsider"), demo_article(), wire)
    assert not Source.objects.exists()


def test_the_same_text_again_is_refused_as_an_exact_duplicate(analyst, wire, outlet):
    first = paste(analyst, demo_article(), wire).source
    again = demo_article().replace("\n\n", "\r\n\r\n\r\n").replace(" the ", "  the ")
    with pytest.raises(ValidationError) as refused:
        paste(analyst, again, outlet, title="Another title")
    assert f"already stored as source #{first.pk}" in refused.value.message_dict["text"][0]
    assert Source.objects.count() == 1


def test_a_reprint_under_another_url_is_found_near_and_an_unrelated_text_is_not(analyst, wire, outlet):
    original = paste(analyst, demo_article(), wire, url="https://wire.example.org/a").source
    result = paste(analyst, reprint(demo_article()), outlet, url="https://levant.example.org/b")
    assert [(found.pk, score >= 0.8) for found, score in result.near_duplicates] == [(original.pk, True)]
    assert [found.pk for found, _ in near_duplicates(original.text_signature, exclude=original)] == [
        result.source.pk]
    unrelated = paste(analyst, UNRELATED, outlet, url="https://levant.example.org/c")
    assert unrelated.near_duplicates == []
    assert near_duplicates(UNRELATED, exclude=unrelated.source) == []


def test_editing_the_text_signs_it_again(analyst, wire, outlet):
    first = paste(analyst, demo_article(), wire).source
    other = paste(analyst, UNRELATED, outlet).source
    assert near_duplicates(demo_article(), exclude=first) == []
    other.text = reprint(demo_article())
    reference_update(other, changed_by=analyst)
    assert [found.pk for found, _ in near_duplicates(demo_article(), exclude=first)] == [other.pk]
    assert set(other.signature_bands.values_list("band", flat=True)) == set(range(16))


@pytest.fixture
def worked_on(analyst, wire, places):
    """A source whose licence does not allow keeping its text, with a record quoting it at its offsets."""
    source = paste(analyst, demo_article(), wire).source
    excerpt = "Some 3,500 people arrived at Al-Hol camp in Al-Hasakeh province in the past 48 hours"
    start = source.text.index(excerpt)
    record = claim_create(build_claim(
        DisplacementFigureFactory, source=source, location=places.camp, excerpt=excerpt, excerpt_start=start,
        excerpt_end=start + len(excerpt), reported_value=3500, start_date=PUBLISHED - datetime.timedelta(days=2),
        end_date=PUBLISHED), created_by=analyst)
    return source, record


@override_settings(SOURCE_TEXT_WORKING_HOURS=24)
def test_a_text_that_may_not_be_kept_is_scheduled_for_dropping(analyst, wire, outlet):
    before = timezone.now()
    held = paste(analyst, demo_article(), wire).source
    assert before + datetime.timedelta(hours=24) <= held.text_drop_after <= timezone.now() + datetime.timedelta(
        hours=24)
    kept = paste(analyst, UNRELATED, outlet, text_may_be_kept=True).source
    assert kept.text_drop_after is None


def test_dropping_the_text_keeps_hash_signature_excerpts_and_offsets(worked_on, analyst, outlet):
    source, record = worked_on
    signature, content = bytes(source.text_signature), source.content_hash
    source_text_drop(source, dropped_by=analyst)
    source = Source.objects.get(pk=source.pk)
    assert (source.text, source.content_hash, bytes(source.text_signature)) == ("", content, signature)
    assert source.text_dropped_at is not None and source.text_drop_after is None
    assert source.signature_bands.count() == 16
    assert source.history.first().history_change_reason.startswith("Text dropped")
    stored = DisplacementFigure.objects.get(pk=record.pk)
    assert (stored.excerpt, stored.excerpt_start, stored.excerpt_end) == (
        record.excerpt, record.excerpt_start, record.excerpt_end)
    assert stored.excerpt_start is not None
    stored.notes = "Checked again after the drop."  # offsets without the text still save once it was dropped
    claim_update(stored, changed_by=analyst)
    assert DisplacementFigure.objects.get(pk=record.pk).excerpt_start == record.excerpt_start
    # The same text uploaded again is refused as a duplicate; a reprint is found near.
    with pytest.raises(ValidationError) as refused:
        paste(analyst, demo_article(), outlet, title="Again")
    assert f"source #{source.pk}" in refused.value.message_dict["text"][0]
    assert [found.pk for found, _ in paste(analyst, reprint(demo_article()), outlet).near_duplicates] == [source.pk]


def test_offsets_into_a_source_that_never_had_text_are_still_refused(analyst, source, places):
    with pytest.raises(ValidationError) as refused:
        claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                 excerpt_start=0, excerpt_end=10), created_by=analyst)
    assert "excerpt_start" in refused.value.message_dict


def test_the_scheduled_drop_takes_only_texts_past_their_time(worked_on, analyst, outlet):
    source, _ = worked_on
    kept = paste(analyst, UNRELATED, outlet, text_may_be_kept=True).source
    assert source_texts_drop_due() == []
    Source.objects.filter(pk=source.pk).update(text_drop_after=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("drop_source_texts", stdout=out)
    assert f"source #{source.pk}" in out.getvalue() and "1 text(s) dropped" in out.getvalue()
    assert Source.objects.get(pk=source.pk).text == "" and Source.objects.get(pk=kept.pk).text == UNRELATED
    call_command("drop_source_texts", stdout=out)
    assert "0 text(s) dropped" in out.getvalue()


def test_sign_sources_writes_the_bands_loaddata_skipped(analyst, wire):
    source = paste(analyst, demo_article(), wire).source
    SourceSignatureBand.objects.all().delete()
    Source.objects.filter(pk=source.pk).update(text_signature=None)
    assert near_duplicates(demo_article()) == []
    call_command("sign_sources", stdout=io.StringIO())
    assert [(found.pk, score) for found, score in near_duplicates(demo_article())] == [(source.pk, 1.0)]


def test_a_text_added_by_an_edit_is_normalised_signed_and_scheduled(analyst, source):
    source.text = "Some  3,500 people arrived at Al-Hol camp.\r\n\r\n\r\nOfficials said so."
    reference_update(source, changed_by=analyst)
    source = Source.objects.get(pk=source.pk)
    assert source.text == "Some 3,500 people arrived at Al-Hol camp.\n\nOfficials said so."
    assert (source.intake_format, source.signature_bands.count()) == (IntakeFormat.PASTED, 16)
    assert source.text_drop_after is not None


def test_an_edit_that_sends_the_same_text_back_leaves_it_as_stored(analyst, source):
    Source.objects.filter(pk=source.pk).update(text="Stored  before the normal form.")  # an older row
    source.refresh_from_db()
    source.text, source.title = "Stored before the normal form.\r\n", "New title"
    reference_update(source, changed_by=analyst)
    assert Source.objects.get(pk=source.pk).text == "Stored  before the normal form."
