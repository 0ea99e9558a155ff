"""A preview reports what confirming writes and writes nothing; a commit writes the whole file or nothing, unless
the analyst asks for the valid rows only; errors are the admin form's, by row and column."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import RequestFactory

from tests.factories import DisplacementFigureFactory, UserFactory, build_claim
from tests.imports.conftest import EXCERPTS, HEADER, counts, csv_bytes, errors_of, row, run
from tracker.imports import Options, run_import
from tracker.models import DisplacementFigure, ImportBatch, ImportItem, ImportStatus, PossibleDoubleCount
from tracker.services import claim_create


@pytest.fixture
def overlapping(world):
    """A stored draft: 1,000 fled Baghouz, 3 to 10 March 2019 (the rows below overlap it)."""
    return claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.baghouz,
                                    excerpt=EXCERPTS[0]), created_by=world.analyst)


def good_file(world) -> bytes:
    return csv_bytes([HEADER, row(world.source),
                      row(world.source, excerpt=EXCERPTS[1], place="Al-Hasakeh", value="1200", start="2019-02-01",
                          end="2019-02-05")])


def test_a_preview_writes_nothing_and_reports_what_confirming_writes(world, overlapping):
    before = counts()
    result = run("displacement", good_file(world), world.analyst, commit=False)
    assert result.ok and not result.written
    assert counts() == before
    assert result.counts == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "failed": 0, "empty": 0}
    assert [report.action for report in result.rows] == ["create", "create"]
    assert result.rows[0].double_counts == [overlapping.pk]  # Baghouz, the same days
    assert result.rows[1].double_counts == []
    assert result.batch.status == ImportStatus.PREVIEWED and bytes(result.batch.file) == good_file(world)
    assert result.batch.summary["created"] == 2


def test_a_preview_confirmed_writes_what_it_reported(world, overlapping):
    preview = run("displacement", good_file(world), world.analyst, commit=False, day_first=True)
    batch = ImportBatch.objects.get(pk=preview.batch.pk)
    assert Options.from_json(batch.options).day_first is True
    result = run_import("displacement", batch.file_name, bytes(batch.file), user=world.analyst, commit=True,
                        options=Options.from_json(batch.options), batch=batch)
    assert result.written and result.batch == batch
    assert result.counts == preview.counts
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and batch.committed_at is not None
    assert ImportBatch.objects.count() == 1
    new = DisplacementFigure.objects.exclude(pk=overlapping.pk).order_by("pk")
    assert [f.history.earliest().history_change_reason for f in new] == [
        f"Imported (batch #{batch.pk}, figures.csv)"] * 2


def test_a_commit_writes_every_row_and_remembers_them(world, overlapping):
    result = run("displacement", good_file(world), world.analyst)
    assert result.written
    created = list(DisplacementFigure.objects.exclude(pk=overlapping.pk).order_by("pk"))
    assert [(f.reported_value, f.location, f.review_status, f.created_by) for f in created] == [
        (4000, world.places.baghouz, "draft", world.analyst), (1200, world.places.hasakeh, "draft", world.analyst)]
    assert [(i.model, i.object_id, i.action, i.version, i.row) for i in result.batch.items.all()] == [
        ("displacementfigure", created[0].pk, "created", 1, 2), ("displacementfigure", created[1].pk, "created", 1, 3)]
    assert result.batch.status == ImportStatus.COMMITTED and result.batch.summary["created"] == 2
    assert result.rows[0].double_counts == [overlapping.pk]
    pair = sorted((overlapping.pk, created[0].pk))
    assert PossibleDoubleCount.objects.filter(first_id=pair[0], second_id=pair[1]).exists()


def bad_file(world) -> bytes:
    return csv_bytes([HEADER, row(world.source),
                      row(world.source, excerpt=EXCERPTS[1], place="Nowhere", quantifier="lots"),
                      row(world.source, excerpt=EXCERPTS[1], place="Al-Hasakeh", value="1200", start="2019-02-01",
                          end="2019-02-05")])


def test_any_failing_row_writes_nothing(world):
    before = counts()
    result = run("displacement", bad_file(world), world.analyst)
    assert not result.written and not result.ok
    assert result.counts == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "failed": 1, "empty": 0}
    assert counts() == before
    assert result.error_lines() == [
        "row 3, column quantifier: Select a valid choice. lots is not one of the available choices.",
        "row 3, column location_name: No place is named 'Nowhere' in Syria.",
    ]
    assert ImportBatch.objects.get().status == ImportStatus.PREVIEWED


def test_valid_rows_only_writes_the_others_and_gives_back_the_skipped_rows(world):
    result = run("displacement", bad_file(world), world.analyst, valid_rows_only=True)
    assert result.written and not result.ok
    assert DisplacementFigure.objects.count() == 2 and ImportItem.objects.count() == 2
    skipped = list(csv.reader(io.StringIO(result.skipped_csv())))
    assert skipped[0] == ["row", *HEADER, "errors"]
    assert skipped[1:] == [["3", *row(world.source, excerpt=EXCERPTS[1], place="Nowhere", quantifier="lots"),
                            "quantifier: Select a valid choice. lots is not one of the available choices.; "
                            "location_name: No place is named 'Nowhere' in Syria."]]
    assert result.batch.skipped_csv == result.skipped_csv() and result.batch.valid_rows_only


def admin_form_errors(user, data: dict) -> dict:
    """The errors the admin's add form for displacement figures shows for ``data``."""
    request = RequestFactory().get("/")
    request.user = user
    form_class = admin.site._registry[DisplacementFigure].get_form(request)
    form = form_class(data=data)
    form.is_valid()
    return form.errors


@pytest.mark.parametrize("column, value, field", [
    ("quantifier", "lots", "quantifier"),
    ("reported_value", "four thousand", "reported_value"),
    ("unit", "people-ish", "unit"),
])
def test_a_bad_cell_gets_the_admin_forms_message(world, column, value, field):
    result = run("displacement", csv_bytes([HEADER, row(world.source, **{column: value})]), world.analyst)
    given = errors_of(result)[2][column]
    assert given and set(given) <= set(admin_form_errors(world.analyst, {field: value})[field])


def test_a_rule_of_the_record_gets_the_models_message_on_its_column(world):
    bad = row(world.source, end="2019-03-20")  # after the article was published (10 March 2019)
    result = run("displacement", csv_bytes([HEADER, bad]), world.analyst)
    with pytest.raises(ValidationError) as refused:
        claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.baghouz,
                                 excerpt=EXCERPTS[0], end_date=date(2019, 3, 20)), created_by=world.analyst)
    assert errors_of(result)[2]["end_date"] == refused.value.message_dict["end_date"]
    assert errors_of(result)[2]["end_date"] == ["The period cannot end after the source was published (10 March 2019)."]


def test_a_range_whose_maximum_is_below_its_minimum(world):
    header = [*HEADER, "reported_value_max"]
    data = csv_bytes([header, [*row(world.source, quantifier="range"), "3000"]])
    result = run("displacement", data, world.analyst)
    figure = build_claim(DisplacementFigureFactory, source=world.source, location=world.places.baghouz,
                         excerpt=EXCERPTS[0], quantifier="range", reported_value=4000, reported_value_max=3000)
    with pytest.raises(ValidationError) as refused:
        claim_create(figure, created_by=world.analyst)
    expected = {key: messages for key, messages in refused.value.message_dict.items()}
    got = errors_of(result)[2]
    assert got, result.error_lines()
    for key, messages in expected.items():
        assert got["row" if key == "__all__" else key] == messages


def test_someone_who_may_not_add_records_is_refused(world):
    with pytest.raises(PermissionDenied):
        run("displacement", good_file(world), UserFactory(username="visitor"))


def test_the_summary_as_json(world, overlapping):
    result = run("displacement", bad_file(world), world.analyst, commit=False)
    data = result.as_json()
    assert data["counts"]["failed"] == 1 and data["written"] is False and data["batch"] == result.batch.pk
    assert data["rows"][0]["row"] == 2 and data["rows"][0]["action"] == "create"
    assert data["rows"][0]["possible_double_counts"] == [overlapping.pk]
    assert data["rows"][1]["errors"]["location_name"] == ["No place is named 'Nowhere' in Syria."]
    assert {column["column"] for column in data["columns"]} == set(HEADER)


def confirm(batch, user):
    return run_import(batch.kind, batch.file_name, bytes(batch.file), user=user, commit=True,
                      options=Options.from_json(batch.options), batch=batch)


def test_a_preview_confirmed_twice_is_written_once(world):
    preview = run("displacement", good_file(world), world.analyst, commit=False)
    assert confirm(preview.batch, world.analyst).written
    after = counts()
    again = confirm(ImportBatch.objects.get(pk=preview.batch.pk), world.analyst)
    assert not again.written
    assert again.file_errors == [f"Import #{preview.batch.pk} is no longer a preview (written, withdrawn or dropped): "
                                 "nothing was written again."]
    assert counts() == after
    assert ImportBatch.objects.get(pk=preview.batch.pk).summary["created"] == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirmations_write_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the two writing transactions; the race needs PostgreSQL's row locks")
    preview = run("displacement", good_file(world), world.analyst, commit=False)
    start, results = threading.Barrier(2), [None, None]

    def confirm_in_thread(n: int) -> None:
        try:
            start.wait()
            results[n] = confirm(ImportBatch.objects.get(pk=preview.batch.pk), world.analyst)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm_in_thread, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(result.written for result in results) == [False, True]
    assert DisplacementFigure.objects.count() == 2 and ImportItem.objects.count() == 2


def test_rows_of_one_file_that_may_double_count_each_other_name_their_rows(world):
    data = csv_bytes([HEADER, row(world.source), row(world.source, excerpt=EXCERPTS[1], place="Al-Hol camp")])
    result = run("displacement", data, world.analyst, commit=False)  # the camp lies in Baghouz, the same days
    assert [(report.row, report.double_count_rows) for report in result.rows] == [(2, [3]), (3, [2])]
    assert result.as_json()["rows"][0]["possible_double_counts_rows"] == [3]


def test_an_empty_required_cell_gets_the_admin_forms_message_under_its_own_column(world):
    result = run("displacement", csv_bytes([HEADER, row(world.source, place="", source_id="")]), world.analyst)
    form = admin_form_errors(world.analyst, {})
    assert errors_of(result)[2]["location_name"] == list(form["location"]) == ["This field is required."]
    assert errors_of(result)[2]["source_id"] == list(form["source"])
    assert "country_iso3" not in errors_of(result)[2]  # the country narrows a name: the place is not its fault
