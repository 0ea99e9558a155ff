"""The batch services store exactly what ``claim_create`` stores one record at a time (rows, history rows, cited
organizations, possible double counts), refuse the same faults with the same messages, and do it in a bounded
number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    EventFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
    build_claim,
)
from tracker.choices import (
    CapacityUnit,
    DisplacementCategory,
    DisplacementTerm,
    OrganizationKind,
    Quantifier,
    Role,
    Sector,
    Unit,
)
from tracker.models import AidCapacityReport, DisplacementFigure, Location, PossibleDoubleCount, SurrenderFigure
from tracker.services import (
    BatchValidationError,
    claim_create,
    claims_create_batch,
    claims_create_valid,
    claims_validate_batch,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Fighting around the enclave went on all week. More than 4,000 people fled Baghouz in the past week, "
    "residents said.\n\nSome 200 families reached Al-Hol camp, where aid agencies are struggling to cope.\n\n"
    "In Al-Anbar, 1,500 people returned to their homes. About 300 fighters surrendered to the SDF near Baghouz, "
    "and 120 more surrendered at the camp. No one was displaced from Hajin."
)
FLED = "More than 4,000 people fled Baghouz in the past week"
FAMILIES = "Some 200 families reached Al-Hol camp"
RETURNED = "In Al-Anbar, 1,500 people returned to their homes."
SURRENDERED = "About 300 fighters surrendered to the SDF near Baghouz"
SURRENDERED_CAMP = "120 more surrendered at the camp"
NOBODY = "No one was displaced from Hajin."
STRUGGLING = "aid agencies are struggling to cope"

UNCOMPARED = {"id", "created_at", "updated_at", "history_id", "history_date", "m2m_history_id"}


@pytest.fixture
def world(analyst, places):
    """A source with stored text, a country default household size, organizations, an event, and figures already
    stored that the new ones overlap (above, at and below their places) or do not (another country)."""
    places.syria.default_household_size = Decimal("5.50")
    places.syria.default_household_size_citation = "Survey 2018"
    places.syria.save()
    for name, place in vars(places).items():  # the places as stored, each with the country's default in it
        setattr(places, name, Location.objects.select_related("country").get(pk=place.pk))
    source = SourceFactory(text=TEXT, publication_date=date(2019, 3, 10))
    unhcr, sdf, isil = (OrganizationFactory(name=name) for name in ("UNHCR", "SDF", "ISIL"))
    isil.kind = OrganizationKind.ARMED_GROUP
    isil.save()
    event = EventFactory()
    existing = [
        claim_create(build_claim(DisplacementFigureFactory, source=source, location=location, excerpt=FLED,
                                 start_date=date(2019, 3, 1), end_date=date(2019, 3, 5), event=event_of),
                     created_by=analyst)
        for location, event_of in ((places.deir_ez_zor, None), (places.camp, event), (places.anbar, None))
    ]
    claim_create(build_claim(SurrenderFigureFactory, source=source, location=places.syria, excerpt=SURRENDERED,
                             surrendering_group=isil), created_by=analyst)
    return {"source": source, "places": places, "unhcr": unhcr, "sdf": sdf, "isil": isil, "event": event,
            "existing": existing}


def displacement_inputs(world) -> list[tuple[DisplacementFigure, list | None]]:
    """Fresh unsaved figures: overlapping each other and the stored ones, with offsets given or found in the text,
    households on the country's default size, a quantity read from its phrase, a zero, a duplicate."""
    source, places, event = world["source"], world["places"], world["event"]
    start = TEXT.index(FLED)

    def figure(**fields) -> DisplacementFigure:
        fields.setdefault("source", source)
        fields.setdefault("location", places.baghouz)
        fields.setdefault("excerpt", FLED)
        return build_claim(DisplacementFigureFactory, **fields)

    return [
        (figure(excerpt_start=start, excerpt_end=start + len(FLED), reported_value=4000,
                quantifier=Quantifier.MORE_THAN), [world["unhcr"]]),
        (figure(location=places.abu_kamal, excerpt=FLED.replace(" ", "  "), reported_value=3500), None),
        (figure(location=places.camp, excerpt=FAMILIES, unit=Unit.HOUSEHOLDS, reported_value=200,
                term=DisplacementTerm.ARRIVED, category=DisplacementCategory.FLOW), [world["unhcr"], world["sdf"]]),
        (figure(location=places.anbar, excerpt=RETURNED, term=DisplacementTerm.RETURNED, quantifier="", unit="",
                reported_value=None, reported_phrase="1,500 people", category=""), []),
        (figure(location=places.baghouz, event=event, reported_value=4100, start_date=date(2019, 3, 4)), None),
        (figure(location=places.hasakeh, excerpt=NOBODY, reported_value=0, term=DisplacementTerm.DISPLACED,
                category=DisplacementCategory.FLOW), None),
        (figure(location=places.camp, duplicate_of=world["existing"][1], reported_value=4000), [world["sdf"]]),
        (figure(location=places.syria, reported_value=9000, start_date=date(2019, 2, 1), end_date=None,
                notes="Whole country"), None),
    ]


def surrender_inputs(world) -> list[tuple[SurrenderFigure, list | None]]:
    source, places = world["source"], world["places"]
    return [
        (build_claim(SurrenderFigureFactory, source=source, location=places.baghouz, excerpt=SURRENDERED,
                     surrendering_group=world["isil"], received_by=world["sdf"], reported_value=300,
                     quantifier=Quantifier.APPROXIMATELY), [world["sdf"]]),
        (build_claim(SurrenderFigureFactory, source=source, location=places.camp, excerpt=SURRENDERED_CAMP,
                     surrendering_group=world["isil"], reported_value=120), None),
    ]


def aid_inputs(world) -> list[tuple[AidCapacityReport, list | None]]:
    source, places = world["source"], world["places"]
    return [
        (build_claim(AidCapacityReportFactory, source=source, location=places.camp, excerpt=STRUGGLING,
                     sector=Sector.SHELTER, capacity=500, capacity_unit=CapacityUnit.PEOPLE), [world["unhcr"]]),
        (build_claim(AidCapacityReportFactory, source=source, location=places.baghouz, excerpt=STRUGGLING,
                     provider=world["unhcr"], provider_description=""), None),
    ]


def stored() -> tuple[int, int, int]:
    return DisplacementFigure.objects.count(), DisplacementFigure.history.count(), PossibleDoubleCount.objects.count()


def values(row, skip=()) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields
            if field.attname not in UNCOMPARED | set(skip)}


def snapshot(claims) -> dict:
    """What a user would see of the new records: their fields, their history rows (with the cited organizations
    each holds) and the stored pairs, new records named by their place in the batch."""
    model = type(claims[0])
    position = {claim.pk: f"new {index}" for index, claim in enumerate(claims)}
    stored = model.objects.filter(pk__in=position).order_by("pk")
    history = []
    for claim in stored:
        for row in claim.history.order_by("history_id"):
            links = sorted(row.cited_sources.values_list("organization_id", flat=True))
            history.append((position[claim.pk], row.history_type, row.history_change_reason, row.history_user_id,
                            values(row, skip=("id",)), links))
    pairs = []
    for pair in PossibleDoubleCount.objects.filter(kind=model._meta.model_name).order_by("pk"):
        if pair.first_id in position or pair.second_id in position:
            pair_history = [(row.history_type, row.history_user_id, row.history_change_reason, row.decided_at,
                             row.decision_reason) for row in pair.history.all()]
            pairs.append((position.get(pair.first_id, pair.first_id), position.get(pair.second_id, pair.second_id),
                          pair.decided_at, pair.decision_reason, pair_history))
    return {"rows": [values(claim) for claim in stored], "history": history, "pairs": sorted(pairs, key=str)}


def one_by_one_then_batch(make_inputs, world, analyst) -> tuple[dict, dict]:
    """The snapshot of ``claim_create`` on every input (rolled back), then of one batch on fresh inputs."""
    with transaction.atomic():
        created = [claim_create(claim, created_by=analyst, cited_sources=cited) for claim, cited in make_inputs(world)]
        expected = snapshot(created)
        transaction.set_rollback(True)
    inputs = make_inputs(world)
    saved = claims_create_batch([claim for claim, _ in inputs], created_by=analyst,
                                cited_sources=[cited for _, cited in inputs])
    assert [claim.pk for claim in saved] == sorted(claim.pk for claim in saved)
    return expected, snapshot(saved)


@pytest.mark.parametrize("make_inputs", [displacement_inputs, surrender_inputs, aid_inputs])
def test_a_batch_stores_what_one_by_one_creation_stores(make_inputs, world, analyst):
    expected, got = one_by_one_then_batch(make_inputs, world, analyst)
    assert got["rows"] == expected["rows"]
    assert got["history"] == expected["history"]
    assert got["pairs"] == expected["pairs"]


def test_the_displacement_batch_fills_and_pairs_as_the_analyst_expects(world, analyst):
    """The comparison above is not vacuous: offsets found, households sized, pairs with old and new figures."""
    _, got = one_by_one_then_batch(displacement_inputs, world, analyst)
    rows, existing = got["rows"], [figure.pk for figure in world["existing"]]
    assert rows[1]["excerpt_start"] == TEXT.index(FLED)
    assert rows[2]["household_size"] == Decimal("5.50") and rows[2]["best"] == 1100
    assert rows[3]["quantifier"] == Quantifier.EXACT and rows[3]["best"] == 1500
    assert all(row["country_id"] for row in rows) and all(row["version"] == 1 for row in rows)
    pairs = {(first, second) for first, second, *_ in got["pairs"]}
    assert (existing[0], "new 0") in pairs  # Deir-ez-Zor holds Baghouz
    assert (existing[1], "new 0") in pairs  # the camp lies in Baghouz
    assert ("new 0", "new 1") in pairs and ("new 0", "new 4") in pairs
    assert (existing[2], "new 3") not in pairs  # a return is not a flight
    assert not any("new 5" in pair or "new 6" in pair for pair in pairs)  # a zero, a duplicate
    assert ("new 0", "new 7") in pairs and (existing[2], "new 7") not in pairs
    cited = [entry for entry in got["history"] if entry[0] == "new 2"]
    assert [(kind, reason, len(links)) for _, kind, reason, _, _, links in cited] == [("+", "Created", 0),
                                                                                   ("~", "Created", 2)]


def test_a_failing_row_gets_claim_create_s_message_and_nothing_is_written(world, analyst):
    source, places = world["source"], world["places"]

    def inputs():
        return [
            build_claim(DisplacementFigureFactory, source=source, location=places.baghouz, excerpt=FLED),
            build_claim(DisplacementFigureFactory, source=source, location=places.baghouz, excerpt=FLED,
                        end_date=date(2019, 3, 20)),
            build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                        excerpt="Nobody said this."),
            build_claim(DisplacementFigureFactory, source=source, location=places.baghouz, excerpt=FLED,
                        role=Role.TRIANGULATION, reported_value=None),
        ]

    one_by_one = {}
    for index, claim in enumerate(inputs()):
        try:
            with transaction.atomic():
                claim_create(claim, created_by=analyst)
                transaction.set_rollback(True)
        except ValidationError as error:
            one_by_one[index] = error.message_dict
    assert set(one_by_one) == {1, 2, 3}

    batch = inputs()
    assert {i: e.message_dict for i, e in claims_validate_batch(batch).items()} == one_by_one
    assert all(claim.pk is None and claim._state.adding for claim in batch)
    before = stored()
    with pytest.raises(BatchValidationError) as info:
        claims_create_batch(inputs(), created_by=analyst)
    assert {i: e.message_dict for i, e in info.value.errors.items()} == one_by_one
    assert "end_date: The period cannot end after the source was published (10 March 2019)." in info.value.messages
    assert stored() == before

    # An import's path: the rows that pass are stored, the others come back with the same messages.
    valid_only = inputs()
    failures = claims_create_valid(valid_only, created_by=analyst)
    assert {i: e.message_dict for i, e in failures.items()} == one_by_one
    assert valid_only[0].pk is not None and DisplacementFigure.objects.filter(pk=valid_only[0].pk).exists()
    assert all(claim.pk is None for claim in valid_only[1:])
    assert stored()[0] == before[0] + 1


def test_a_missing_related_row_gets_django_s_message(world, analyst):
    claim = build_claim(DisplacementFigureFactory, source=world["source"], location=world["places"].baghouz,
                        excerpt=FLED)
    claim.location_id = 987654
    claim.attributed_to_id = 987655
    field_names = [field.name for field in DisplacementFigure._meta.fields]
    with pytest.raises(ValidationError) as django_says:
        claim.clean_fields(exclude=[name for name in field_names if name not in ("location", "attributed_to")])
    assert "987654" in django_says.value.message_dict["location"][0]

    errors = claims_validate_batch([claim])
    assert errors[0].message_dict == django_says.value.message_dict
    with pytest.raises(BatchValidationError):
        claims_create_batch([claim], created_by=analyst)
    assert not DisplacementFigure.objects.filter(location_id=987654).exists()


def test_two_hundred_records_take_a_bounded_number_of_queries(world, analyst):
    source, places = world["source"], world["places"]
    start = TEXT.index(FLED)
    claims = [
        DisplacementFigureFactory.build(
            source=source, location=[places.baghouz, places.camp][n % 2], excerpt=FLED, excerpt_start=start,
            excerpt_end=start + len(FLED), reported_value=100 + n, start_date=date(2018, 1, 1) + timedelta(days=n),
            end_date=date(2018, 1, 1) + timedelta(days=n))
        for n in range(200)
    ]
    cited = [[world["unhcr"]] if n % 10 == 0 else None for n in range(200)]
    with CaptureQueriesContext(connection) as queries:
        saved = claims_create_batch(claims, created_by=analyst, cited_sources=cited)
    # One by one, each record costs about 15 statements (3,000 here).
    assert len(queries) <= 80, len(queries)
    assert len(saved) == 200 and DisplacementFigure.history.filter(id__in=[c.pk for c in saved]).count() == 220
    # each figure has a day of its own, outside the stored figures' periods: no pairs
    assert PossibleDoubleCount.objects.filter(second_id__in=[claim.pk for claim in saved]).count() == 0
