"""The reference data and the Baghouz demo (DOMAIN.md, "The seed article, encoded")."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from tracker.choices import (
    CombatantStatus,
    DatePrecision,
    LocationPrecision,
    MagnitudeWord,
    Quantifier,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    TermGroup,
)
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
)
from tracker.rules.quantities import derive_quantity
from tracker.services import double_count_refresh

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
REFERENCE_MODELS = [
    "tracker.location", "tracker.locationname", "tracker.organization", "tracker.organizationalias",
    "tracker.crisis", "tracker.event",
]
DEMO_MODELS = ["auth.user", "tracker.source", "tracker.displacementfigure", "tracker.surrenderfigure",
               "tracker.aidcapacityreport"]


@pytest.fixture
def loaded(groups):
    call_command("loaddata", "reference", "demo_baghouz", "demo_workbench", verbosity=0)


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in REFERENCE_MODELS + DEMO_MODELS}


def test_loading_twice_duplicates_nothing(loaded):
    first = row_counts()
    assert first["tracker.location"] > 0 and first["auth.user"] == 2
    call_command("loaddata", "reference", "demo_baghouz", "demo_workbench", verbosity=0)
    assert row_counts() == first
    assert (DisplacementFigure.objects.count(), SurrenderFigure.objects.count(),
            AidCapacityReport.objects.count()) == (3, 1, 1)


def test_the_demo_users_are_the_creator_and_the_reviewer(loaded):
    users = get_user_model().objects
    analyst, reviewer = users.get(username="demo_analyst"), users.get(username="demo_reviewer")
    assert list(analyst.groups.values_list("name", flat=True)) == ["Analysts"]
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Reviewers"]
    assert not analyst.has_usable_password()
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        for record in model.objects.all():
            assert (record.created_by, record.submitted_by, record.reviewed_by) == (analyst, analyst, reviewer)


def test_the_surrender(loaded):
    surrender = SurrenderFigure.objects.get()
    assert (surrender.low, surrender.best, surrender.high, surrender.high_open) == (4000, 4000, None, True)
    assert (surrender.quantifier, surrender.reported_value) == (Quantifier.MORE_THAN, 4000)
    assert surrender.excerpt == "Bali said more than 4,000 fighters had surrendered to the SDF in the past month."
    assert surrender.surrendering_group.acronym == "ISIL"
    assert surrender.received_by.acronym == "SDF"
    assert surrender.attributed_to.acronym == "SDF"
    assert surrender.attribution_text == "Mustafa Bali, head of the SDF media office"
    assert surrender.combatant_status == CombatantStatus.FIGHTERS
    assert (surrender.start_date, surrender.start_precision) == (date(2019, 2, 10), DatePrecision.MONTH)
    assert (surrender.end_date, surrender.end_precision) == (date(2019, 3, 10), DatePrecision.DAY)
    assert (surrender.location.name, surrender.location_precision) == ("Baghouz", LocationPrecision.NEAR)
    assert surrender.role == Role.HEADLINE
    assert surrender.is_party_claim


def test_the_displacement_figures(loaded):
    tens = DisplacementFigure.objects.get(magnitude_word=MagnitudeWord.TENS_OF_THOUSANDS)
    assert (tens.low, tens.best, tens.high, tens.high_open) == (20000, 20000, 99999, False)
    assert (tens.role, tens.term_group) == (Role.HEADLINE, TermGroup.LEAVING)
    assert (tens.start_date, tens.start_precision) == (date(2018, 12, 10), DatePrecision.MONTH)
    assert tens.location.name == "Abu Kamal" and tens.location_precision == LocationPrecision.ADM2
    assert tens.attributed_to is None

    thousands = DisplacementFigure.objects.get(magnitude_word=MagnitudeWord.THOUSANDS)
    assert (thousands.low, thousands.best, thousands.high, thousands.high_open) == (2000, 2000, 9999, False)
    assert (thousands.role, thousands.supports) == (Role.TRIANGULATION, tens)
    assert thousands.attributed_to is None
    assert thousands.attribution_text == "Hoda Abdel-Hamid, Al Jazeera correspondent"
    assert thousands.composition_note == "women and children"

    zero = DisplacementFigure.objects.get(quantifier=Quantifier.EXACT)
    assert (zero.low, zero.best, zero.high, zero.high_open) == (0, 0, 0, False)
    assert zero.is_zero
    assert (zero.start_date, zero.end_date) == (date(2019, 3, 9), date(2019, 3, 10))
    assert zero.is_party_claim


def test_the_aid_capacity_report(loaded):
    report = AidCapacityReport.objects.get()
    assert (report.sector, report.strain) == (Sector.MULTI_SECTOR, Strain.STRAINED)
    assert (report.provider, report.provider_description) == (None, "aid agencies in the area")
    assert (report.capacity, report.demand, report.capacity_unit) == (None, None, "")
    assert (report.start_date, report.end_date) == (date(2019, 3, 10), date(2019, 3, 10))
    assert report.location.pcode == "SY09" and report.location_precision == LocationPrecision.ADM1
    assert report.attributed_to.name == "Save the Children"


def test_every_demo_record_is_approved_open_and_about_the_battle(loaded):
    battle = Event.objects.get(name="Battle of Baghouz")
    assert (battle.start_date, battle.end_date, battle.crisis.name) == (
        date(2019, 2, 9), date(2019, 3, 23), "Syrian civil war"
    )
    assert sorted(battle.parties.values_list("acronym", flat=True)) == ["ISIL", "SDF"]
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        for record in model.objects.all():
            assert (record.review_status, record.is_confidential, record.event) == (
                ReviewStatus.APPROVED, False, battle
            )
            assert record.notes
    source = Source.objects.get(pk=1)  # the Baghouz article: excerpts only (its licence does not allow the text)
    assert (source.publication_date, source.url, source.text) == (date(2019, 3, 10), "", "")


def test_the_march_2019_leaving_total_counts_the_headline_and_the_zero_only(loaded):
    counted = DisplacementFigure.objects.approved().filter(
        role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=False, term_group=TermGroup.LEAVING,
        end_date__year=2019, end_date__month=3,
    )
    assert counted.count() == 2
    assert not counted.filter(high_open=True).exists()
    assert counted.aggregate(low=Sum("low"), best=Sum("best"), high=Sum("high")) == {
        "low": 20000, "best": 20000, "high": 99999
    }


def test_the_demo_raises_no_possible_double_count(loaded):
    for figure in [*DisplacementFigure.objects.all(), *SurrenderFigure.objects.all()]:
        double_count_refresh(figure, lapse=False)
    assert not PossibleDoubleCount.objects.exists()


def test_the_reference_places(loaded):
    assert set(Location.objects.filter(level="country").values_list("iso3", flat=True)) == {"SYR", "IRQ", "TUR"}
    assert Location.objects.get(pcode="SY09").name.startswith("Deir")
    assert Location.objects.get(pcode="SY08").parent.iso3 == "SYR"
    baghouz = Location.objects.get(name="Baghouz")
    assert (baghouz.adm2.name, baghouz.adm1.pcode, baghouz.country.iso3) == ("Abu Kamal", "SY09", "SYR")
    assert (round(baghouz.latitude, 2), round(baghouz.longitude, 2)) == (Decimal("34.46"), Decimal("40.95"))
    isil = Organization.objects.get(acronym="ISIL")
    assert {"ISIS", "Islamic State", "Daesh"} <= set(isil.aliases.values_list("name", flat=True))


# --- stored derived columns equal what the code derives ----------------------------------


def test_stored_quantities_are_what_the_rule_derives(loaded):
    for figure in [*DisplacementFigure.objects.all(), *SurrenderFigure.objects.all()]:
        quantity = derive_quantity(
            quantifier=figure.quantifier, reported_value=figure.reported_value,
            reported_value_max=figure.reported_value_max, magnitude_word=figure.magnitude_word or None,
            unit=figure.unit, household_size=figure.household_size, best_override=figure.best_override,
        )
        assert (figure.low, figure.best, figure.high, figure.high_open) == (
            quantity.low, quantity.best, quantity.high, quantity.high_open
        ), figure
        assert figure.term_group == figure.derive_term_group(), figure


def test_stored_tree_columns_are_what_the_tree_derives(loaded):
    for place in Location.objects.all():
        derived = copy.copy(place)
        derived._derive_tree()
        assert [getattr(derived, f"{name}_id" if name in ("country", "adm1", "adm2") else name)
                for name in Location.TREE_FIELDS] == [
            getattr(place, f"{name}_id" if name in ("country", "adm1", "adm2") else name)
            for name in Location.TREE_FIELDS
        ], place


def test_every_fixture_row_passes_the_model_rules(loaded):
    for label in REFERENCE_MODELS + DEMO_MODELS[1:]:
        for row in apps.get_model(label).objects.all():
            row.full_clean()


# --- the files are what dumpdata writes -------------------------------------------------


def dump(*labels: str, natural_primary: bool = False) -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=natural_primary, stdout=out)
    return json.loads(out.getvalue())


def key(obj: dict) -> tuple:
    return obj["model"], obj.get("pk") or obj["fields"].get("username")


def test_dumpdata_gives_back_the_reference_file(loaded):
    expected = json.loads((FIXTURES / "reference.json").read_text())
    assert sorted(dump(*REFERENCE_MODELS), key=key) == sorted(expected, key=key)


def test_dumpdata_gives_back_the_demo_file(loaded):
    expected = [*json.loads((FIXTURES / "demo_baghouz.json").read_text()),
                *json.loads((FIXTURES / "demo_workbench.json").read_text())]
    assert sorted(dump(*DEMO_MODELS, natural_primary=True), key=key) == sorted(expected, key=key)


def test_the_workbench_article_is_stored_as_the_services_store_it(loaded):
    """The demo's second source: written for the demo, licensed to keep, its text normalised, hashed and signed
    as the intake service does; ``sign_sources`` (run by ``make demo-data``) writes its bands."""
    from tracker.intake import near_duplicates, signature
    from tracker.rules.normalise import content_hash, normalise_stored_text

    article = Source.objects.get(pk=2)
    assert article.text_may_be_kept and article.text_drop_after is None
    assert "written for the demo" in article.notes.lower() and "licensed for the demo" in article.notes.lower()
    assert 400 <= len(article.text.split()) <= 600
    assert article.text == normalise_stored_text(article.text)
    assert article.content_hash == content_hash(article.text)
    assert bytes(article.text_signature) == signature(article.text)
    assert article.publisher.name in {row.name for row in Organization.objects.all()}
    assert near_duplicates(article.text) == []  # no bands before sign_sources
    call_command("sign_sources", stdout=io.StringIO())
    assert article.signature_bands.count() == 16
    assert [(found.pk, score) for found, score in near_duplicates(article.text)] == [(2, 1.0)]
