"""The admin's import pages: upload and preview (nothing written), mapping an unknown header, confirming, the valid
rows only with the rows left out as CSV, and withdrawing a batch (or being told why not)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from tests.factories import SourceFactory, UserFactory
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, ImportBatch, ImportMapping, ImportStatus
from tracker.services import claim_submit

pytestmark = pytest.mark.django_db

HEADER = "location_name,country_iso3,term,quantifier,reported_value,start_date,end_date,source_id,excerpt"
UPLOAD = reverse("admin:tracker_importbatch_upload")


def rows(source, *lines: tuple[str, int]) -> str:
    """A displacement file: one row per (place, value), all from ``source``."""
    out = [HEADER]
    for place, value in lines:
        out.append(f"{place},SYR,fled,approximately,{value},2019-03-03,2019-03-10,{source.pk},"
                   f"About {value} people fled {place}")
    return "\n".join(out) + "\n"


def upload(client, text: str, *, name: str = "figures.csv", **fields):
    data = {"kind": "displacement", "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"),
            **fields}
    return client.post(UPLOAD, data)


def confirm(client, batch: ImportBatch, **fields):
    return client.post(reverse("admin:tracker_importbatch_confirm", args=[batch.pk]), fields, follow=True)


@pytest.fixture
def client_in(client, analyst):
    client.force_login(analyst)
    return client


def test_upload_previews_the_row_error_and_writes_nothing(client_in, places, source):
    response = upload(client_in, rows(source, ("Baghouz", 1000), ("Atlantis", 500)))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="row-errors"' in page
    error = next(line for line in response.context["errors"] if line["row"] == 3)
    assert error["messages"][0][0] == "location_name"
    assert "Atlantis" in error["messages"][0][1]
    assert escape(error["messages"][0][1]) in page
    assert response.context["counts"]["created"] == 1 and response.context["counts"]["failed"] == 1
    assert DisplacementFigure.objects.count() == 0
    assert ImportBatch.objects.get().status == ImportStatus.PREVIEWED


def test_the_record_lists_link_to_the_import_page_for_their_kind(client_in):
    page = client_in.get(reverse("admin:tracker_displacementfigure_changelist")).content.decode()
    assert f'href="{UPLOAD}?kind=displacement"' in page

    form = client_in.get(UPLOAD, {"kind": "displacement"}).context["form"]
    assert form["kind"].value() == "displacement"
    assert 'id="import-link"' in client_in.get(reverse("admin:tracker_importbatch_changelist")).content.decode()


def test_a_refused_file_is_shown_on_the_form(client_in, places):
    response = upload(client_in, "%PDF-1.4 not a sheet", name="report.pdf")

    assert response.status_code == 200
    assert 'id="file-errors"' in response.content.decode()
    assert "not a spreadsheet" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_user_who_may_not_add_figures_cannot_import(client, groups):
    client.force_login(UserFactory(username="visitor"))

    assert client.get(UPLOAD).status_code == 403
    assert client.get(reverse("admin:tracker_importbatch_changelist")).status_code == 403


def test_mapping_an_unknown_header_is_saved_and_used_by_the_next_upload(client_in, places, source):
    text = rows(source, ("Baghouz", 1000)).replace("location_name", "Village", 1)
    response = upload(client_in, text)
    assert 'id="mapping-form"' in response.content.decode()
    assert "Unknown column" in response.content.decode()
    batch = ImportBatch.objects.get()
    field = next(iter(response.context["mapping_form"].fields))

    response = client_in.post(reverse("admin:tracker_importbatch_preview", args=[batch.pk]),
                              {field: "location_name"})

    assert ImportMapping.objects.get(kind="displacement").column == "location_name"
    assert response.context["counts"]["created"] == 1
    assert response.context["mapping_form"] is None
    again = upload(client_in, text, name="next-week.csv")
    assert again.context["mapping_form"] is None
    assert again.context["counts"]["created"] == 1
    assert [c["how"] for c in again.context["columns"]][0] == "mapping"


def test_confirm_writes_and_history_names_the_batch(client_in, places, source):
    upload(client_in, rows(source, ("Baghouz", 1000), ("Abu Kamal", 600)))
    batch = ImportBatch.objects.get()

    response = confirm(client_in, batch)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert response.redirect_chain[-1][0] == reverse("admin:tracker_importbatch_change", args=[batch.pk])
    assert "2 created" in response.content.decode()
    figures = DisplacementFigure.objects.order_by("reported_value")
    assert [f.reported_value for f in figures] == [600, 1000]
    assert all(f.review_status == ReviewStatus.DRAFT for f in figures)
    assert f"batch #{batch.pk}" in figures[0].history.earliest().history_change_reason
    page = response.content.decode()
    assert reverse("admin:tracker_displacementfigure_change", args=[figures[0].pk]) in page


def test_failed_rows_write_nothing_until_the_valid_rows_only_are_asked(client_in, places, source):
    upload(client_in, rows(source, ("Baghouz", 1000), ("Atlantis", 500)))
    batch = ImportBatch.objects.get()

    refused = confirm(client_in, batch)
    assert "Nothing was written" in refused.content.decode()
    assert 'id="valid-only-button"' in refused.content.decode()
    assert DisplacementFigure.objects.count() == 0

    response = confirm(client_in, batch, valid_rows_only="1")

    assert DisplacementFigure.objects.get().reported_value == 1000
    assert "1 row(s) left out" in response.content.decode()
    download = client_in.get(reverse("admin:tracker_importbatch_skipped", args=[batch.pk]))
    assert download["Content-Type"].startswith("text/csv")
    skipped = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [row["location_name"] for row in skipped] == ["Atlantis"]
    assert "Atlantis" in skipped[0]["errors"]


def test_withdraw_deletes_the_drafts_it_created(client_in, places, source):
    upload(client_in, rows(source, ("Baghouz", 1000), ("Abu Kamal", 600)))
    batch = ImportBatch.objects.get()
    confirm(client_in, batch)
    url = reverse("admin:tracker_importbatch_withdraw", args=[batch.pk])
    assert 'id="withdraw-confirm"' in client_in.get(url).content.decode()

    response = client_in.post(url, follow=True)

    assert DisplacementFigure.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportStatus.WITHDRAWN
    assert "withdrawn" in response.content.decode()
    assert "Deleted: " in response.content.decode()


def test_withdraw_is_refused_once_a_record_was_submitted(client_in, analyst, places, source):
    upload(client_in, rows(source, ("Baghouz", 1000), ("Abu Kamal", 600)))
    batch = ImportBatch.objects.get()
    confirm(client_in, batch)
    submitted = DisplacementFigure.objects.get(reported_value=600)
    claim_submit(submitted, submitted_by=analyst)
    url = reverse("admin:tracker_importbatch_withdraw", args=[batch.pk])
    assert 'id="withdraw-blockers"' in client_in.get(url).content.decode()

    response = client_in.post(url, follow=True)

    page = response.content.decode()
    assert "was not withdrawn" in page
    assert f"displacement figure #{submitted.pk} (row 3) is in review since the import" in page
    assert DisplacementFigure.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED


def test_a_possible_double_count_links_to_the_other_record(client_in, draft, places):
    other = SourceFactory(title="Another report of the same flight")
    response = upload(client_in, rows(other, ("Baghouz", 1000)))

    assert response.context["doubles"], response.context["errors"]
    link = reverse("admin:tracker_displacementfigure_change", args=[draft.pk])
    assert f'<a href="{link}">#{draft.pk}</a>' in response.content.decode()


def test_the_template_of_a_kind_downloads(client_in):
    response = client_in.get(reverse("admin:tracker_importbatch_template", args=["displacement"]))

    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    assert "template-displacement.xlsx" in response["Content-Disposition"]


def test_a_header_mapped_to_nothing_is_ignored_from_then_on(client_in, places, source):
    header, row = rows(source, ("Baghouz", 1000)).splitlines()
    text = f"{header},Checked by\n{row},Maya\n"
    upload(client_in, text)
    batch = ImportBatch.objects.get()
    preview = reverse("admin:tracker_importbatch_preview", args=[batch.pk])
    field = next(iter(client_in.get(preview).context["mapping_form"].fields))
    assert client_in.post(preview, {field: ""}).context["mapping_form"].errors  # a choice is needed

    response = client_in.post(preview, {field: "-"})

    assert ImportMapping.objects.get(kind="displacement").column == ""
    assert response.context["columns"][-1]["how"] == "ignored"
    assert response.context["counts"]["created"] == 1
