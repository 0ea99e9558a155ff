"""List pages and downloads built from value rows (tracker/api/listing.py) say exactly what the serializers say.

Every list endpoint, for an API key, a key with the confidential scope and a staff session, over records
that fill every field one way or another: nulls and blanks, open and missing highs, household units,
origins and destinations, cited organizations, party claims, events with and without a crisis,
confidential records and sources, review and audit columns.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import API, body, client_with, make_key, xlsx_rows
from tests.factories import (
    AidCapacityReportFactory,
    CountryFactory,
    CrisisFactory,
    DisplacementFigureFactory,
    EventFactory,
    LocalityFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
)
from tracker.api import listing
from tracker.api.pagination import ordering_of
from tracker.api.renderers import GeoJSONRenderer, write_workbook
from tracker.api.resources import RESOURCE_VIEWSETS
from tracker.choices import (
    CapacityUnit,
    CombatantStatus,
    DisplacementCategory,
    DisplacementTerm,
    HouseholdSizeSource,
    MagnitudeWord,
    OrganizationKind,
    Quantifier,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    SurrenderTerm,
    Unit,
)
from tracker.models import LocationName, OrganizationAlias

RESOURCES = [viewset.resource for viewset in RESOURCE_VIEWSETS]
CALLERS = ["key", "scoped_key", "staff"]


# --- the records ------------------------------------------------------------------------------------


@pytest.fixture
def every_field(world, analyst, reviewer):
    """The API tests' world plus records, sources, places, organizations and events that fill every field."""
    places = world.places
    syria = places.syria
    syria.default_household_size, syria.default_household_size_citation = Decimal("5.50"), "UNFPA 2018"
    syria.latitude, syria.longitude = Decimal("35.000000"), Decimal("38.500000")
    syria.save()
    LocationName.objects.create(location=places.baghouz, name="الباغوز", language="ar")
    LocationName.objects.create(location=places.baghouz, name="Al-Baghuz", language="ar-Latn")
    no_code = LocalityFactory(name="Unnamed camp", parent=places.anbar, pcode=None,
                              latitude=Decimal("-0.000001"), longitude=Decimal("179.999999"))
    bare_country = CountryFactory(name="Nowhere", iso3=None, pcode=None)  # a country without codes or point

    unhcr = OrganizationFactory(name="UNHCR", acronym="", kind=OrganizationKind.UN_AGENCY, country=syria,
                                notes="Refugee agency.")
    OrganizationAlias.objects.create(organization=unhcr, name="UN Refugee Agency")
    OrganizationAlias.objects.create(organization=unhcr, name="Agence des Nations unies pour les réfugiés")
    sohr = OrganizationFactory(name="Syrian Observatory for Human Rights", acronym="SOHR",
                               kind=OrganizationKind.NGO)

    uncrisised = EventFactory(name="Evacuation of Raqqa", crisis=None, start_date=date(2017, 6, 1),
                              end_date=None, description="")
    uncrisised.parties.set([world.sdf])
    uncrisised.countries.set([syria, places.iraq])
    CrisisFactory(name="A crisis without events")
    EventFactory(name="Siege of Hajin", crisis=world.event.crisis, description="No parties or countries yet.",
                 created_by=analyst)

    report = SourceFactory(
        title="Flash update", url="", publisher=unhcr, dateline=places.baghouz, text="Full text, staff only.",
        archive_url="https://archive.example.org/1", accessed_on=date(2019, 3, 12), notes="Checked.",
        created_by=analyst, updated_by=reviewer, language="ar",
    )
    report.co_credited.set([sohr, world.publisher])
    undated = SourceFactory(title="Statement", publisher=sohr, dateline=no_code)

    when = iter(date(2018, 1, 1) + timedelta(days=n) for n in range(100))
    review = {"submitted_by": analyst, "submitted_at": timezone.now() - timedelta(days=2, microseconds=1),
              "reviewed_by": reviewer, "reviewed_at": timezone.now(), "review_comment": "Matches the source."}

    def claim(factory, status=ReviewStatus.APPROVED, cited=(), **fields):
        day = next(when)
        fields.setdefault("source", report)
        fields.setdefault("location", places.baghouz)
        record = factory(start_date=day, end_date=day, review_status=status, **fields)
        record.cited_sources.set(cited)
        return record

    households = claim(
        DisplacementFigureFactory, cited=[sohr, world.sdf], quantifier=Quantifier.RANGE, reported_value=100,
        reported_value_max=200, unit=Unit.HOUSEHOLDS, household_size=Decimal("5.25"),
        household_size_source=HouseholdSizeSource.REPORTED, best_override=900, best_override_reason="Camp count.",
        origin=places.deir_ez_zor, destination=places.camp, women=300, men=200, children=350, elderly=None,
        composition_note="Mostly women and children.", excerpt_start=0, excerpt_end=10,
        excerpt_translation="Plus de 4 000 personnes.", attributed_to=world.isil, attribution_text="ISIL statement",
        event=world.event, term=DisplacementTerm.DISPLACED, category=DisplacementCategory.STOCK,
        created_by=analyst, updated_by=reviewer, **review,
    )
    claim(DisplacementFigureFactory, quantifier=Quantifier.MORE_THAN, reported_value=4000, event=uncrisised,
          attributed_to=world.sdf, role=Role.TRIANGULATION, supports=households, duplicate_of=households,
          origin=no_code, destination=None, location=syria, source=undated)
    claim(DisplacementFigureFactory, quantifier=Quantifier.MAGNITUDE, reported_value=None,
          magnitude_word=MagnitudeWord.THOUSANDS, event=None, attributed_to=unhcr, location=bare_country)
    claim(DisplacementFigureFactory, quantifier=Quantifier.UNQUANTIFIED, reported_value=None, event=world.event,
          attributed_to=None, is_confidential=True, location=no_code, destination=bare_country, **review)
    claim(DisplacementFigureFactory, ReviewStatus.IN_REVIEW, source=world.secret_source, cited=[unhcr])

    claim(SurrenderFigureFactory, cited=[sohr], quantifier=Quantifier.APPROXIMATELY, reported_value=350,
          surrendering_group=world.isil, received_by=None, attributed_to=world.sdf, event=world.event,
          term=SurrenderTerm.CAPTURED, combatant_status=CombatantStatus.MIXED, **review)
    claim(SurrenderFigureFactory, quantifier=Quantifier.AT_LEAST, reported_value=12, unit=Unit.FAMILIES,
          household_size=Decimal("6.00"), household_size_source=HouseholdSizeSource.COUNTRY_DEFAULT,
          surrendering_group=world.isil, received_by=world.sdf, event=uncrisised, attributed_to=world.sdf,
          location=no_code, is_confidential=True)
    claim(SurrenderFigureFactory, quantifier=Quantifier.UNQUANTIFIED, reported_value=None,
          surrendering_group=world.sdf, received_by=world.isil, event=None, source=undated)

    claim(AidCapacityReportFactory, cited=[world.sdf, sohr, unhcr], provider=unhcr, provider_description="",
          sector=Sector.SHELTER, strain=Strain.OVERWHELMED, capacity=5000, demand=12000,
          capacity_unit=CapacityUnit.BEDS, attributed_to=unhcr, event=uncrisised, **review)
    claim(AidCapacityReportFactory, provider=None, provider_description="aid agencies in the area",
          strain=Strain.UNKNOWN, capacity=None, demand=None, capacity_unit="", event=None, location=bare_country)
    claim(AidCapacityReportFactory, ReviewStatus.DRAFT, provider=sohr, event=world.event, source=undated,
          is_confidential=True)
    return world


def client_for(caller: str, reviewer) -> APIClient:
    if caller == "staff":
        client = APIClient()
        client.force_login(reviewer)  # a staff session, as the admin's pages have
        return client
    _, raw = make_key(name=caller, confidential_scope=caller == "scoped_key")
    return client_with(f"Api-Key {raw}")


# --- comparing -------------------------------------------------------------------------------------


def assert_same(actual, expected, where: str = "") -> None:
    """Equal, with the same types (1 is not 1.0 nor True) and keys in the same order, at every depth."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert list(actual) == list(expected), where
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for n, (item, expected_item) in enumerate(zip(actual, expected, strict=True)):
            assert_same(item, expected_item, f"{where}[{n}]")
    else:
        assert type(actual) is type(expected) and actual == expected, (where, actual, expected)


def serialized_page(view) -> dict:
    """The page as ``Serializer(many=True).data`` gives it, on the same request (the list before plans)."""
    queryset = view.filter_queryset(view.get_queryset())
    page = view.paginate_queryset(queryset)
    view.complete(page)
    return view.get_paginated_response(view.get_serializer(page, many=True).data).data


def list_view(client, resource: str, params: dict):
    """The view that served a JSON list page, with its request (caller, filters, page)."""
    response = client.get(f"{API}/{resource}/", params)
    assert response.status_code == 200, response.content[:500]
    return response, response.renderer_context["view"]


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_every_list_compiles_a_plan(every_field, resource, caller, reviewer):
    _, view = list_view(client_for(caller, reviewer), resource, {"page_size": 1})
    assert view.list_plan() is not None, "this list fell back to the serializer: see the warning it logged"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_a_list_page_is_exactly_what_the_serializer_gives(every_field, resource, caller, reviewer):
    client = client_for(caller, reviewer)
    response, view = list_view(client, resource, {"page_size": 1000})
    expected = serialized_page(view)
    assert len(expected["results"]) >= 3
    assert_same(response.data, expected)
    if caller == "staff" and resource in ("displacement-figures", "sources"):
        assert "created_by" in expected["results"][0]
    if resource in ("displacement-figures", "surrenders", "aid-capacity"):  # filtered, newest first, a next page
        response, view = list_view(client, resource, {"date_from": "2018-01-01", "page_size": 2})
        assert response.data["next"] and len(response.data["results"]) == 2
        assert_same(response.data, serialized_page(view))


@pytest.mark.parametrize("resource", ["displacement-figures", "surrenders", "aid-capacity", "sources", "events"])
def test_pages_and_cursors_are_those_of_the_serializer(every_field, resource, reviewer):
    """Small pages in another ordering: the same rows and the same ``next`` cursor at every step."""
    client = client_for("staff", reviewer)
    ordering = {"sources": "-publication_date,id", "events": "-start_date,id"}.get(resource, "-start_date,id")
    url, pages = f"{API}/{resource}/?page_size=2&ordering={ordering}", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        assert_same(response.data, serialized_page(response.renderer_context["view"]))
        url, pages = response.data["next"], pages + 1
    assert pages >= 2


@pytest.mark.parametrize("caller", ["key", "staff"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_a_list_page_runs_no_more_queries_than_the_serializer(every_field, resource, caller, reviewer):
    _, view = list_view(client_for(caller, reviewer), resource, {"page_size": 1000})
    with CaptureQueriesContext(connection) as planned:
        view.list(view.request)
    with CaptureQueriesContext(connection) as serialized:
        serialized_page(view)
    assert len(planned) <= len(serialized), [query["sql"][:120] for query in planned]


@pytest.mark.parametrize("caller", ["key", "staff"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_downloads_are_those_the_serializer_gives(every_field, resource, caller, reviewer):
    """Every row of a download, chunk by chunk, as the serializer represents it; GeoJSON and XLSX end to end.

    (CSV and HXL come from PostgreSQL's COPY there, whose own test compares it with the Python renderer.)"""
    client = client_for(caller, reviewer)
    _, view = list_view(client, resource, {"page_size": 1})
    queryset = view.filter_queryset(view.get_queryset())
    queryset = queryset.order_by(*ordering_of(queryset))
    serializer = view.get_serializer_class()(context=view.get_serializer_context())
    expected = [serializer.to_representation(row) for row in view.rows_of(queryset)]
    assert len(expected) >= 3
    assert_same(list(view.list_plan().stream(queryset, chunk_size=2)), expected)

    response = client.get(f"{API}/{resource}/", {"format": "geojson"})
    assert body(response) == b"".join(GeoJSONRenderer().stream(iter(expected), view))
    workbook = io.BytesIO()
    write_workbook(workbook, iter(expected), view)
    assert xlsx_rows(client.get(f"{API}/{resource}/", {"format": "xlsx"})) == xlsx_rows(_Body(workbook.getvalue()))


def test_plans_are_compiled_once_per_serializer_and_audience(every_field, reviewer):
    key, staff = client_for("key", reviewer), client_for("staff", reviewer)
    _, key_view = list_view(key, "displacement-figures", {"page_size": 1})
    _, staff_view = list_view(staff, "displacement-figures", {"page_size": 1})
    assert key_view.list_plan() is list_view(key, "displacement-figures", {"page_size": 2})[1].list_plan()
    assert key_view.list_plan() is not staff_view.list_plan()
    assert "submitted_by" not in key_view.list(key_view.request).data["results"][0]
    assert "submitted_by" in staff_view.list(staff_view.request).data["results"][0]


def test_a_field_a_plan_cannot_read_falls_back_to_the_serializer(every_field, reviewer):
    from rest_framework import serializers

    from tracker.api.serializers import DisplacementFigureSerializer

    class Computed(DisplacementFigureSerializer):
        label = serializers.SerializerMethodField()

        class Meta(DisplacementFigureSerializer.Meta):
            fields = [*DisplacementFigureSerializer.Meta.fields, "label"]

        def get_label(self, record) -> str:
            return str(record)

    _, view = list_view(client_for("key", reviewer), "displacement-figures", {"page_size": 1})
    with pytest.raises(listing.Unsupported, match="label"):
        listing.compile_plan(Computed(context={"request": view.request}))
    assert listing.plan_for(Computed, view.request) is None


# --- helpers ---------------------------------------------------------------------------------------


class _Body:
    """A bytes body that ``xlsx_rows`` can read as a response."""

    streaming = False

    def __init__(self, content: bytes):
        self.content = content

