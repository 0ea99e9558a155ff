"""A list downloaded from the API as CSV or XLSX imports back: unchanged rows stay as they are, an edited cell
updates its record (checked against the version read), rows without an id are new records."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.api.conftest import API, body, token_client
from tests.factories import AidCapacityReportFactory, DisplacementFigureFactory, SurrenderFigureFactory, build_claim
from tests.imports.conftest import EXCERPTS, counts, csv_bytes, errors_of, run, xlsx_bytes
from tracker.models import DisplacementFigure, LocationName, OrganizationAlias
from tracker.services import claim_create, claim_update


@pytest.fixture
def records(world):
    """Two drafts quoting the stored article; the second's notes begin like a formula."""
    made = []
    for excerpt, place, day, notes in ((EXCERPTS[0], world.places.baghouz, 1, "Counted at the checkpoint."),
                                       (EXCERPTS[1], world.places.hasakeh, 5, "=1+2 families, per the camp")):
        made.append(claim_create(build_claim(
            DisplacementFigureFactory, source=world.source, location=place, excerpt=excerpt, notes=notes,
            start_date=date(2019, 3, day), end_date=date(2019, 3, day + 1)), created_by=world.analyst))
    return made


def export(world, fmt: str) -> bytes:
    response = token_client(world.reviewer).get(f"{API}/displacement-figures/", {"format": fmt})
    assert response.status_code == 200
    return body(response)


def as_table(data: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(values) for values in sheet.iter_rows(values_only=True)]


def rebuild(table: list[list], fmt: str) -> bytes:
    return csv_bytes(table) if fmt == "csv" else xlsx_bytes(table)


def edit(table: list[list], record_id: int, column: str, value) -> list[list]:
    header = table[0]
    for values in table[1:]:
        if str(values[header.index("id")]) == str(record_id):
            values[header.index(column)] = value
    return table


FORMATS = ["csv", "xlsx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unchanged_export_imports_as_unchanged(world, records, fmt):
    data = export(world, fmt)
    before = counts()
    versions = {f.pk: f.version for f in DisplacementFigure.objects.all()}
    result = run("displacement", data, world.analyst, name=f"figures.{fmt}")
    assert result.ok, result.error_lines()
    assert result.counts["unchanged"] == 2 and result.counts["updated"] == result.counts["created"] == 0
    assert counts() == before
    assert {f.pk: f.version for f in DisplacementFigure.objects.all()} == versions
    assert all(match.column is not None for match in result.headers)  # every export column is one of ours


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_edited_cell_updates_its_record_with_the_batch_in_history(world, records, fmt):
    first = records[0]
    table = edit(as_table(export(world, fmt), fmt), first.pk, "reported_phrase", "more than 4,000 people")
    result = run("displacement", rebuild(table, fmt), world.analyst, name=f"figures.{fmt}")
    assert result.written, result.error_lines()
    assert result.counts["updated"] == 1 and result.counts["unchanged"] == 1
    first.refresh_from_db()
    assert first.reported_phrase == "more than 4,000 people" and first.version == 2
    latest = first.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Imported (batch #{result.batch.pk}, figures.{fmt})"
    assert latest.history_user == world.analyst
    assert [(item.object_id, item.action, item.prior_version, item.version) for item in result.batch.items.all()] \
        == [(first.pk, "updated", 1, 2)]


def test_a_stale_version_is_an_error_naming_the_other_editor(world, records, second_analyst):
    first = records[0]
    table = as_table(export(world, "csv"), "csv")
    claim_update(first, changed_by=second_analyst, data={"notes": "Checked against the camp list."})
    before = counts()
    result = run("displacement", csv_bytes(edit(table, first.pk, "reported_phrase", "about 4,000")), world.analyst)
    assert not result.written
    row = next(report for report in result.rows if report.object_id is None or report.errors)
    assert row.errors == {"version": [
        f"Displacement figure #{first.pk} was changed by second_analyst (version 2) after you opened version 1."]}
    assert counts() == before
    first.refresh_from_db()
    assert first.reported_phrase != "about 4,000"


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_like_text_comes_back_without_the_exports_apostrophe(world, records, fmt):
    second = records[1]
    table = as_table(export(world, fmt), fmt)
    notes = {str(values[table[0].index("id")]): values[table[0].index("notes")] for values in table[1:]}
    assert notes[str(second.pk)] == "'=1+2 families, per the camp"
    result = run("displacement", rebuild(table, fmt), world.analyst, name=f"figures.{fmt}")
    assert result.ok and result.counts["unchanged"] == 2, result.error_lines()
    second.refresh_from_db()
    assert second.notes == "=1+2 families, per the camp" and second.version == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_without_an_id_are_new_records(world, records, fmt):
    table = as_table(export(world, fmt), fmt)
    header = table[0]
    for values in table[1:]:
        values[header.index("id")] = values[header.index("version")] = None
    result = run("displacement", rebuild(table, fmt), world.analyst, name=f"figures.{fmt}")
    assert result.written, result.error_lines()
    assert result.counts["created"] == 2
    assert DisplacementFigure.objects.count() == 4
    copies = DisplacementFigure.objects.exclude(pk__in=[r.pk for r in records])
    assert sorted(c.excerpt for c in copies) == sorted(r.excerpt for r in records)
    assert {c.notes for c in copies} == {r.notes for r in records}
    # the copies overlap the originals: each is a possible double count of its original
    assert sorted(sorted(report.double_counts) for report in result.rows) == sorted([r.pk] for r in records)


def test_an_unknown_id_is_an_error_on_the_id_column(world, records):
    table = as_table(export(world, "csv"), "csv")
    table[1][table[0].index("id")] = "999999"
    result = run("displacement", csv_bytes(table), world.analyst)
    assert errors_of(result) == {2: {"id": [
        "No displacement figure has id 999999: leave the id empty to add a new one."]}}


@pytest.fixture
def every_kind(world):
    """A record of each kind quoting the article, with cited sources, an origin, a range and a household size,
    and reference rows with aliases and alternate names: what an export carries back."""
    OrganizationAlias.objects.create(organization=world.sdf, name="Qasad")
    LocationName.objects.create(location=world.places.baghouz, name="Al-Baghuz")
    claim_create(build_claim(SurrenderFigureFactory, source=world.source, location=world.places.baghouz,
                             excerpt=EXCERPTS[2], surrendering_group=world.sdf, received_by=world.unhcr),
                 created_by=world.analyst, cited_sources=[world.unhcr])
    claim_create(build_claim(AidCapacityReportFactory, source=world.source, location=world.places.baghouz,
                             excerpt=EXCERPTS[1], provider=world.unhcr), created_by=world.analyst)
    claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.camp,
                             excerpt=EXCERPTS[1], origin=world.places.baghouz, attributed_to=world.sdf,
                             quantifier="range", reported_value=100, reported_value_max=200,
                             reported_phrase="100 to 200 families", unit="families", household_size=5,
                             household_size_source="analyst_estimate"),
                 created_by=world.analyst, cited_sources=[world.unhcr, world.sdf])


@pytest.mark.parametrize("resource, kind", [
    ("displacement-figures", "displacement"), ("surrenders", "surrender"), ("aid-capacity", "aid_capacity"),
    ("sources", "source"), ("organizations", "organization"), ("locations", "location"),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "hxl"])
def test_every_kind_re_imports_unchanged_from_every_format(world, every_kind, resource, kind, fmt):
    response = token_client(world.reviewer).get(f"{API}/{resource}/", {"format": fmt})
    assert response.status_code == 200
    before = counts()
    result = run(kind, body(response), world.analyst, name=f"export.{'xlsx' if fmt == 'xlsx' else 'csv'}")
    assert result.ok, result.error_lines()
    assert result.counts["unchanged"] == result.counts["rows"] > 0
    assert counts() == before


def test_an_edited_organization_is_updated_and_its_new_aliases_added(world):
    header = ["id", "version", "name", "acronym", "aliases", "kind"]
    data = csv_bytes([header, [world.sdf.pk, 1, "Syrian Democratic Forces", "QSD", "Qasad", "armed_group"]])
    result = run("organization", data, world.analyst)
    assert result.counts["updated"] == 1, result.error_lines()
    world.sdf.refresh_from_db()
    assert (world.sdf.acronym, world.sdf.version) == ("QSD", 2)
    assert list(world.sdf.aliases.values_list("name", flat=True)) == ["Qasad"]
    assert run("organization", csv_bytes([header, [world.sdf.pk, 2, "Syrian Democratic Forces", "QSD", "Qasad",
                                                   "armed_group"]]), world.analyst).counts["unchanged"] == 1
    stale = run("organization", csv_bytes([header, [world.sdf.pk, 1, "SDF coalition", "QSD", "", "armed_group"]]),
                world.analyst)
    assert errors_of(stale) == {2: {"version": [
        f"Organization #{world.sdf.pk} was changed by analyst (version 2) after you opened version 1."]}}
