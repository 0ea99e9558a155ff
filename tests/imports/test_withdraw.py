"""An import withdrawn as a whole: its new drafts deleted, its updates put back through the update service, the
places, organizations and sources it created deleted unless something uses them; or refused, naming why."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import DisplacementFigureFactory, build_claim
from tests.imports.conftest import EXCERPTS, HEADER, counts, csv_bytes, row, run
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, ImportStatus, Location, Organization, Source
from tracker.services import claim_create, claim_submit, claim_update
from tracker.services.common import WorkflowError
from tracker.services.imports import import_withdraw, withdraw_blockers


def two_new(world) -> bytes:
    return csv_bytes([HEADER, row(world.source),
                      row(world.source, excerpt=EXCERPTS[1], place="Al-Hasakeh", start="2019-02-01",
                          end="2019-02-05")])


def test_withdrawing_deletes_the_drafts_it_created(world):
    before = counts()
    result = run("displacement", two_new(world), world.analyst)
    created = [report.object_id for report in result.rows]
    done = import_withdraw(result.batch, withdrawn_by=world.analyst)
    assert sorted(done.deleted) == sorted(f"displacement figure #{pk} (row {n})" for pk, n in zip(
        created, (2, 3), strict=True))
    assert not DisplacementFigure.objects.filter(pk__in=created).exists()
    assert {key: value for key, value in counts().items() if key != "ImportItem"} == {
        key: value for key, value in before.items() if key != "ImportItem"}
    history = DisplacementFigure.history.filter(id=created[0]).order_by("-history_id").first()
    assert history.history_type == "-" and history.history_user == world.analyst
    result.batch.refresh_from_db()
    assert result.batch.status == ImportStatus.WITHDRAWN and result.batch.withdrawn_by == world.analyst
    assert result.batch.withdrawn_at is not None


def test_withdrawing_puts_updated_records_back_through_the_update_service(world):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.baghouz,
                                      excerpt=EXCERPTS[0], notes="As first entered.",
                                      start_date=date(2019, 3, 1), end_date=date(2019, 3, 2)),
                          created_by=world.analyst)
    header = ["id", "version", "notes", "reported_value"]
    result = run("displacement", csv_bytes([header, [figure.pk, 1, "Corrected from the camp list.", "1500"]]),
                 world.analyst)
    assert result.counts["updated"] == 1, result.error_lines()
    figure.refresh_from_db()
    assert (figure.notes, figure.reported_value, figure.version) == ("Corrected from the camp list.", 1500, 2)

    done = import_withdraw(result.batch, withdrawn_by=world.reviewer)
    assert done.reverted == [f"displacement figure #{figure.pk} (row 2)"]
    figure.refresh_from_db()
    assert (figure.notes, figure.reported_value, figure.version) == ("As first entered.", 1000, 3)
    latest = figure.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Import #{result.batch.pk} withdrawn"
    assert latest.history_user == world.reviewer


def import_places(world, level: str, parent: str):
    header = ["name", "level", "pcode", "country_iso3", "adm1_pcode", "parent_id"]
    result = run("location", csv_bytes([header, ["Hajin", level, "SY0905", "SYR", "SY09", parent],
                                        ["Al-Shafah", level, "SY0906", "SYR", "SY09", parent]]), world.reviewer)
    assert result.counts["created"] == 2, result.error_lines()
    return result


def test_withdrawing_deletes_created_places_and_organizations_unless_used(world):
    places = import_places(world, "locality", str(world.places.abu_kamal.pk))
    hajin, shafah = Location.objects.get(pcode="SY0905"), Location.objects.get(pcode="SY0906")
    assert hajin.parent == world.places.abu_kamal and hajin.country == world.places.syria
    organizations = run("organization", csv_bytes([["name", "acronym", "kind", "aliases"],
                                                   ["Syrian Arab Red Crescent", "SARC", "red_cross", "الهلال"]]),
                        world.reviewer)
    assert organizations.counts["created"] == 1, organizations.error_lines()
    sarc = Organization.objects.get(acronym="SARC")
    assert list(sarc.aliases.values_list("name", flat=True)) == ["الهلال"]
    used = claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=hajin,
                                    excerpt=EXCERPTS[0]), created_by=world.analyst)

    admin = _administrator()
    done = import_withdraw(places.batch, withdrawn_by=admin)
    assert done.kept == [f"location #{hajin.pk} (row 2): still used"]
    assert done.deleted == [f"location #{shafah.pk} (row 3)"]
    assert Location.objects.filter(pk=hajin.pk).exists() and not Location.objects.filter(pk=shafah.pk).exists()
    assert Location.history.filter(id=shafah.pk, history_type="-").get().history_user == admin
    assert DisplacementFigure.objects.filter(pk=used.pk).exists()

    import_withdraw(organizations.batch, withdrawn_by=admin)
    assert not Organization.objects.filter(acronym="SARC").exists()


def test_withdrawing_deletes_created_districts(world):
    places = import_places(world, "adm2", "")
    done = import_withdraw(places.batch, withdrawn_by=_administrator())
    assert done.kept == []
    assert not Location.objects.filter(pcode__in=["SY0905", "SY0906"]).exists()


def test_withdrawing_a_sheet_imported_as_its_own_source_deletes_that_source(world):
    sheet = [["term", "quantifier", "reported_value", "country_iso3", "location_name", "start_date", "end_date"],
             ["fled", "exact", "4000", "SYR", "Baghouz", "2019-03-03", "2019-03-10"]]
    result = run("displacement", csv_bytes(sheet), world.analyst, publisher="UNHCR")
    assert result.written, result.error_lines()
    done = import_withdraw(result.batch, withdrawn_by=_administrator())
    assert len(done.deleted) == 2 and done.deleted[-1] == f"source #{result.source.pk}"
    assert not Source.objects.filter(pk=result.source.pk).exists()


def test_an_analyst_withdrawing_keeps_what_only_an_administrator_may_delete(world):
    sheet = [["term", "quantifier", "reported_value", "country_iso3", "location_name", "start_date", "end_date"],
             ["fled", "exact", "4000", "SYR", "Baghouz", "2019-03-03", "2019-03-10"]]
    result = run("displacement", csv_bytes(sheet), world.analyst, publisher="UNHCR")
    done = import_withdraw(result.batch, withdrawn_by=world.analyst)
    assert len(done.deleted) == 1 and not DisplacementFigure.objects.exists()
    assert done.kept == [f"source #{result.source.pk}: You do not have permission to delete sources."]
    assert Source.objects.filter(pk=result.source.pk).exists()


def test_a_record_submitted_since_stops_the_withdrawal_and_nothing_is_undone(world, second_analyst):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.hasakeh,
                                      excerpt=EXCERPTS[1], start_date=date(2019, 1, 1), end_date=date(2019, 1, 2)),
                          created_by=world.analyst)
    data = two_new(world)
    result = run("displacement", data, world.analyst)
    run_update = run("displacement", csv_bytes([["id", "version", "notes"], [figure.pk, 1, "Imported note."]]),
                     world.analyst)
    first, second = (report.object_id for report in result.rows)
    claim_submit(DisplacementFigure.objects.get(pk=first), submitted_by=world.analyst)
    claim_update(DisplacementFigure.objects.get(pk=second), changed_by=second_analyst, data={"notes": "Mine."})
    before = counts()
    with pytest.raises(WorkflowError) as refused:
        import_withdraw(result.batch, withdrawn_by=world.analyst)
    assert refused.value.messages == [
        f"displacement figure #{first} (row 2) is in review since the import.",
        f"displacement figure #{second} (row 3) was changed since the import (version 2, the import left 1).",
    ]
    assert withdraw_blockers(result.batch) == refused.value.messages
    assert counts() == before
    result.batch.refresh_from_db()
    assert result.batch.status == ImportStatus.COMMITTED

    claim_update(figure, changed_by=second_analyst, expected_version=2, data={"notes": "Theirs."})
    with pytest.raises(WorkflowError) as refused:
        import_withdraw(run_update.batch, withdrawn_by=world.analyst)
    assert refused.value.messages == [f"displacement figure #{figure.pk} (row 2) was changed since the import "
                                      "(version 3, the import left 2)."]
    figure.refresh_from_db()
    assert figure.notes == "Theirs." and figure.review_status == ReviewStatus.DRAFT


def test_a_preview_or_a_withdrawn_import_is_not_withdrawn(world):
    preview = run("displacement", two_new(world), world.analyst, commit=False)
    with pytest.raises(WorkflowError, match="is previewed, not written: only a written import is withdrawn"):
        import_withdraw(preview.batch, withdrawn_by=world.analyst)
    written = run("displacement", two_new(world), world.analyst)
    import_withdraw(written.batch, withdrawn_by=world.analyst)
    with pytest.raises(WorkflowError, match="is withdrawn: only a written import is withdrawn"):
        import_withdraw(written.batch, withdrawn_by=world.analyst)


def _administrator():
    from tests.factories import UserFactory
    from tracker.permissions import ADMINISTRATORS

    return UserFactory(username="administrator", groups=[ADMINISTRATORS])


def test_withdrawing_puts_back_the_organizations_a_record_cited(world):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=world.source, location=world.places.baghouz,
                                      excerpt=EXCERPTS[0]), created_by=world.analyst, cited_sources=[world.unhcr])
    result = run("displacement", csv_bytes([["id", "version", "cited_sources"], [figure.pk, 1, "SDF"]]),
                 world.analyst)
    assert result.counts["updated"] == 1, result.error_lines()
    assert list(figure.cited_sources.all()) == [world.sdf]
    import_withdraw(result.batch, withdrawn_by=world.analyst)
    figure.refresh_from_db()
    assert list(figure.cited_sources.all()) == [world.unhcr] and figure.version == 3


def test_withdrawing_puts_back_a_sources_co_credited_organizations(world):
    source = world.source
    source.co_credited.set([world.unhcr])
    header = ["id", "version", "title", "co_credited", "notes"]
    result = run("source", csv_bytes([header, [source.pk, source.version, source.title, "SDF", "Checked."]]),
                 world.analyst)
    assert result.counts["updated"] == 1, result.error_lines()
    source.refresh_from_db()
    assert list(source.co_credited.all()) == [world.sdf] and source.notes == "Checked."
    done = import_withdraw(result.batch, withdrawn_by=world.analyst)
    assert done.reverted == [f"source #{source.pk} (row 2)"]
    source.refresh_from_db()
    assert list(source.co_credited.all()) == [world.unhcr] and source.notes == ""
