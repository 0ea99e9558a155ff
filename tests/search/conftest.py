"""A small world of records made through the services, each written so that one search case finds it: prose whose
stems meet or part, places with P-codes and names in Arabic, organizations known by an alias."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.api.conftest import api_key, key_client, token_client  # noqa: F401 (fixtures)
from tests.factories import (
    Adm2Factory,
    DisplacementFigureFactory,
    OrganizationFactory,
    SourceFactory,
    build_claim,
)
from tests.imports.conftest import text_source  # noqa: F401 (a fixture)
from tracker.choices import OrganizationKind
from tracker.models import LocationName, OrganizationAlias
from tracker.services import claim_create


@pytest.fixture
def world(places, analyst, reviewer):
    isil = OrganizationFactory(name="Islamic State of Iraq and the Levant", acronym="ISIL",
                               kind=OrganizationKind.ARMED_GROUP)
    OrganizationAlias.objects.create(organization=isil, name="Daesh")
    unhcr = OrganizationFactory(name="UN Refugee Agency", acronym="UNHCR",
                                kind=OrganizationKind.UN_AGENCY)
    publisher = OrganizationFactory(name="Al Jazeera", kind=OrganizationKind.MEDIA)
    LocationName.objects.create(location=places.baghouz, name="الباغوز فوقاني")
    shaddadi = Adm2Factory(name="Ash-Shaddadi", parent=places.hasakeh, pcode="SY0203")
    source = SourceFactory(title="Weekly situation report", publisher=publisher)

    def record(excerpt: str, location, **fields):
        cited = fields.pop("cited_sources", None)
        claim = build_claim(DisplacementFigureFactory, source=source, location=location, excerpt=excerpt, **fields)
        return claim_create(claim, created_by=analyst, cited_sources=cited)

    records = SimpleNamespace(
        dying=record("Children were dying in the camp.", places.camp),
        died=record("Two elderly people died on the road.", places.baghouz),
        generously=record("Aid convoys arrived.", places.abu_kamal, notes="Donors gave generously."),
        generous=record("A generous host community took them in.", places.anbar),
        fleeing=record("Families fleeing the fighting reached the river.", places.deir_ez_zor),
        fled=record("Thousands fled the town overnight.", places.deir_ez_zor),
        claimed=record("The group said 500 left.", places.anbar, attributed_to=isil),
        cited=record("About 2,000 arrived, according to agencies.", places.iraq, cited_sources=[unhcr]),
        accented=record("Les réfugiés sont arrivés à Hassaké.", shaddadi),
    )
    return SimpleNamespace(places=places, isil=isil, unhcr=unhcr, publisher=publisher, shaddadi=shaddadi,
                           source=source, records=records, analyst=analyst, reviewer=reviewer)


@pytest.fixture
def staff_client(reviewer):
    return token_client(reviewer)
