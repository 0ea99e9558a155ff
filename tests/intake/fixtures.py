"""Fixtures shared by the intake's admin and API tests: the wire story and the outlets that reprint it.

Registered for the whole suite by ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

import datetime

import pytest

from tests.factories import OrganizationFactory
from tests.intake.helpers import demo_article
from tracker.choices import OrganizationKind
from tracker.services.intake import source_intake

PUBLISHED = datetime.date(2019, 3, 14)


@pytest.fixture
def wire(db):
    return OrganizationFactory(name="Reuters", kind=OrganizationKind.MEDIA)


@pytest.fixture
def outlet(db):
    return OrganizationFactory(name="Levant Daily", kind=OrganizationKind.MEDIA)


@pytest.fixture
def stored(analyst, wire):
    """The wire story, stored from pasted text (its licence does not allow keeping the text)."""
    return source_intake(created_by=analyst, text=demo_article(), fields={
        "title": "Thousands more leave Baghouz", "publisher": wire, "publication_date": PUBLISHED,
        "url": "https://wire.example.org/a"}).source
