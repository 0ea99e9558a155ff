"""Shared fixtures: the people of the workflow, a small place tree, and records made through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from tests.factories import (
    Adm1Factory,
    Adm2Factory,
    AnalystFactory,
    CountryFactory,
    DisplacementFigureFactory,
    LocalityFactory,
    ReviewerFactory,
    SourceFactory,
    build_claim,
)
from tracker.choices import LocationLevel
from tracker.permissions import ADMINISTRATORS, ANALYSTS, REVIEWERS, ensure_groups
from tracker.services import claim_create

# Fixtures of one concern used by tests in several folders.
pytest_plugins = ["tests.intake.fixtures"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty default cache: reports and pages cached by another test's data stay there.
    Rate-limit counters in local memory start empty too: every test client comes from 127.0.0.1, so wrong keys
    counted in one test (tracker.api.throttling.AuthFailureThrottle) would refuse the next test's keys."""
    caches["default"].clear()
    if isinstance(caches["throttle"], LocMemCache):
        caches["throttle"].clear()


@pytest.fixture
def groups(db):
    """The three groups with their permissions: migrate creates them, a flushed database may not have them."""
    if Group.objects.filter(name__in=[ANALYSTS, REVIEWERS, ADMINISTRATORS]).count() < 3:
        ensure_groups()


@pytest.fixture
def analyst(groups):
    return AnalystFactory(username="analyst")


@pytest.fixture
def second_analyst(groups):
    return AnalystFactory(username="second_analyst")


@pytest.fixture
def reviewer(groups):
    return ReviewerFactory(username="reviewer")


@pytest.fixture
def second_reviewer(groups):
    return ReviewerFactory(username="second_reviewer")


@pytest.fixture
def places(db):
    """Syria > Deir-ez-Zor > Abu Kamal > Baghouz, Syria > Al-Hasakeh, and Iraq > Al-Anbar."""
    syria = CountryFactory(name="Syria", iso3="SYR", pcode="SY")
    deir_ez_zor = Adm1Factory(name="Deir-ez-Zor", parent=syria, pcode="SY09")
    hasakeh = Adm1Factory(name="Al-Hasakeh", parent=syria, pcode="SY08")
    abu_kamal = Adm2Factory(name="Abu Kamal", parent=deir_ez_zor)
    baghouz = LocalityFactory(name="Baghouz", parent=abu_kamal)
    camp = LocalityFactory(name="Al-Hol camp", level=LocationLevel.SITE, parent=baghouz)
    iraq = CountryFactory(name="Iraq", iso3="IRQ", pcode="IQ")
    anbar = Adm1Factory(name="Al-Anbar", parent=iraq)
    return SimpleNamespace(
        syria=syria, deir_ez_zor=deir_ez_zor, hasakeh=hasakeh, abu_kamal=abu_kamal, baghouz=baghouz, camp=camp,
        iraq=iraq, anbar=anbar,
    )


@pytest.fixture
def source(db):
    """An article published on Sunday 10 March 2019, without stored text."""
    return SourceFactory(title="US-backed Syrian forces resume attacks on final ISIL enclave")


@pytest.fixture
def draft(analyst, places, source):
    """A displacement draft by the analyst: exactly 1,000 fled Baghouz, 3 to 10 March 2019."""
    return claim_create(
        build_claim(DisplacementFigureFactory, source=source, location=places.baghouz), created_by=analyst
    )
