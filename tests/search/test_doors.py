"""Every door stores the search document (the services, a batch, an import, the admin), and a change of a name a
record shows (a rename, an alias, a merge) reaches the records that show it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.admin.test_claim_forms import add_form, change_form, form_errors
from tests.api.conftest import list_ids
from tests.factories import DisplacementFigureFactory, OrganizationFactory, UserFactory, build_claim
from tests.imports.conftest import HEADER, csv_bytes, row, run
from tracker.choices import OrganizationKind
from tracker.models import CLAIM_MODELS, DisplacementFigure
from tracker.permissions import ADMINISTRATORS
from tracker.search.documents import search_document, search_refresh
from tracker.search.schema import SEARCH_TABLES, ensure_search_tables, fts_table
from tracker.services import claim_update, claims_create_batch, organization_merge, reference_update

pytestmark = pytest.mark.django_db


def found(client, q) -> set[int]:
    return set(list_ids(client, "displacement-figures", q=q))


# --- the doors that write records ---------------------------------------------------------------------------


def test_the_update_service_restates_the_document(world, staff_client):
    fled = world.records.fled
    claim_update(fled, changed_by=world.analyst, data={"excerpt": "Thousands were sheltering in schools."},
                 cited_sources=[world.unhcr])
    assert found(staff_client, "shelter") == {fled.pk}
    assert found(staff_client, "fled") == set()
    assert found(staff_client, "UNHCR") == {fled.pk, world.records.cited.pk}


def test_a_batch_stores_documents_with_the_organizations_it_cites(world, staff_client):
    figures = [build_claim(DisplacementFigureFactory, source=world.source, location=world.places.hasakeh,
                           excerpt=f"Convoy {n} reached the checkpoint.") for n in range(3)]
    claims_create_batch(figures, created_by=world.analyst, cited_sources=[[world.isil], None, []])
    assert found(staff_client, "checkpoints") == {figure.pk for figure in figures}
    assert found(staff_client, "daesh checkpoint") == {figures[0].pk}
    stored = DisplacementFigure.objects.get(pk=figures[1].pk)
    assert (stored.search_text, stored.search_names) == search_document(stored)


def test_an_imported_csv_is_found(places, analyst, reviewer, text_source, staff_client):
    result = run("displacement", csv_bytes([HEADER, row(text_source)]), analyst)
    assert result.written, result.rows
    assert found(staff_client, "people left Baghouz") == {DisplacementFigure.objects.get().pk}


def test_an_import_that_adds_an_alias_refreshes_the_records_of_the_organization(world, staff_client):
    data = csv_bytes([["id", "name", "aliases"], [world.isil.pk, world.isil.name, "Tanzim"]])
    result = run("organization", data, world.analyst, name="organizations.csv")
    assert result.written, [report.errors for report in result.rows]
    assert found(staff_client, "tanzim") == {world.records.claimed.pk}


def test_the_admins_add_and_change_forms_store_the_document(client, world, staff_client):
    client.force_login(world.analyst)
    response = client.post(reverse("admin:tracker_displacementfigure_add"), add_form(
        DisplacementFigure, source=world.source.pk, excerpt="Shelling forced 300 people out.",
        location=world.shaddadi.pk, quantifier="exact", reported_value=300, unit="persons", term="fled",
        start_date="2019-03-01", end_date="2019-03-02", attributed_to=world.isil.pk))
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get(excerpt__startswith="Shelling")
    assert found(staff_client, "shelled SY02 daesh") == {figure.pk}
    response = client.post(reverse("admin:tracker_displacementfigure_change", args=[figure.pk]),
                           change_form(figure, excerpt="Airstrikes forced 300 people out.", attributed_to=""))
    assert response.status_code == 302, form_errors(response)
    assert found(staff_client, "airstrike") == {figure.pk}
    assert found(staff_client, "shelling") == found(staff_client, "shelling daesh") == set()


# --- names that change ---------------------------------------------------------------------------------------


def test_a_renamed_place_is_found_by_its_new_name_only(world, staff_client):
    reference_update(world.places.baghouz, changed_by=world.reviewer, data={"name": "Al-Baghuz"})
    assert found(staff_client, "baghuz") == {world.records.died.pk}
    assert found(staff_client, "baghouz") == set()


def test_a_renamed_organization_and_a_retitled_source(world, staff_client):
    reference_update(world.unhcr, changed_by=world.reviewer, data={"acronym": "UNHCR-Syria"})
    assert found(staff_client, "unhcr syria") == {world.records.cited.pk}
    reference_update(world.source, changed_by=world.reviewer, data={"title": "Flash update"})
    assert len(found(staff_client, "flash")) == len(vars(world.records))
    assert found(staff_client, "weekly") == set()


def test_an_alias_added_in_the_admin_reaches_the_records(client, world, staff_client):
    client.force_login(world.analyst)
    isil = world.isil
    response = client.post(reverse("admin:tracker_organization_change", args=[isil.pk]), {
        "name": isil.name, "acronym": isil.acronym, "kind": isil.kind, "reliability": isil.reliability,
        "country": "", "notes": "", "expected_version": isil.version, "_save": "Save",
        "aliases-TOTAL_FORMS": 2, "aliases-INITIAL_FORMS": 1, "aliases-MIN_NUM_FORMS": 0,
        "aliases-MAX_NUM_FORMS": 1000, "aliases-0-id": isil.aliases.get().pk, "aliases-0-organization": isil.pk,
        "aliases-0-name": "Daesh", "aliases-1-organization": isil.pk, "aliases-1-name": "Tanzim al-Dawla",
    })
    assert response.status_code == 302, form_errors(response)
    assert found(staff_client, "dawla") == {world.records.claimed.pk}


def test_a_merged_organization_is_found_by_both_names(world, staff_client):
    other = OrganizationFactory(name="Displaced Aid", kind=OrganizationKind.NGO)
    claim_update(world.records.fled, changed_by=world.analyst, cited_sources=[other])
    organization_merge(keep=world.unhcr, merge=other, merged_by=UserFactory(groups=[ADMINISTRATORS]))
    assert found(staff_client, "unhcr") == found(staff_client, "displaced aid") == {
        world.records.cited.pk, world.records.fled.pk}


# --- what is stored equals what the code derives ------------------------------------------------------------


def test_the_demo_fixtures_carry_their_documents(db):
    call_command("loaddata", "reference", "demo_baghouz", "demo_workbench", verbosity=0)
    for model in CLAIM_MODELS:
        ids = list(model.objects.values_list("pk", flat=True))
        assert ids and search_refresh(model, ids, prose=True) == 0, model


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_triggers_a_table_rebuild_dropped_are_made_again_after_migrate(world, staff_client):
    table = DisplacementFigure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER "{fts_table(table)}_insert"')
    late = claims_create_batch([build_claim(DisplacementFigureFactory, source=world.source,
                                            location=world.places.anbar, excerpt="Late arrivals.")],
                               created_by=world.analyst)[0]
    assert found(staff_client, "late") == set()  # written while the trigger was missing
    ensure_search_tables(using="default")
    assert found(staff_client, "late") == {late.pk}
    assert set(SEARCH_TABLES) == {model._meta.db_table for model in CLAIM_MODELS}
