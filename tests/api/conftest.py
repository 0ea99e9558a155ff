"""Fixtures of the API tests: clients for each kind of caller, and a world of records in every state."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    EventFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
    UserFactory,
)
from tracker.choices import OrganizationKind, ReviewStatus
from tracker.models import ApiKey, OrganizationAlias

API = "/api/v1"
CLAIM_FACTORIES = {
    "displacement-figures": DisplacementFigureFactory,
    "surrenders": SurrenderFigureFactory,
    "aid-capacity": AidCapacityReportFactory,
}


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Rate-limit counters in local memory start empty in every test (Redis tests use their own cache)."""
    cache = caches["throttle"]
    if isinstance(cache, LocMemCache):
        cache.clear()
    yield


def make_key(**fields) -> tuple[ApiKey, str]:
    fields.setdefault("name", "test key")
    fields.setdefault("client", "Test NGO")
    return ApiKey.objects.create_key(**fields)


def client_with(header: str | None = None) -> APIClient:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.fixture
def api_key(db):
    return make_key()


@pytest.fixture
def key_client(api_key):
    """An NGO client with an ordinary key: approved, non-confidential records only."""
    return client_with(f"Api-Key {api_key[1]}")


@pytest.fixture
def scoped_key_client(db):
    _, raw = make_key(client="Trusted NGO", confidential_scope=True)
    return client_with(f"Api-Key {raw}")


@pytest.fixture
def anonymous_client():
    return APIClient()


def token_client(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user)
    return client_with(f"Token {token}")


@pytest.fixture
def analyst_client(analyst):
    return token_client(analyst)


@pytest.fixture
def reviewer_client(reviewer):
    return token_client(reviewer)


@pytest.fixture
def staff_client(reviewer):
    """A reviewer with a personal token: sees everything the admin shows."""
    return token_client(reviewer)


# --- reading responses ------------------------------------------------------------------------


def body(response) -> bytes:
    """The whole body, streamed or not (a streamed body is read once and kept)."""
    if not getattr(response, "streaming", False):
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8"))))


def geojson(response) -> dict:
    return json.loads(body(response))


def xlsx_rows(response) -> list[dict]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body(response)), read_only=True)
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def hxl_rows(response):
    """The body read back by libhxl, as a list of hxl rows (with ``.get('#tag')``)."""
    import hxl
    import hxl.input

    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as handle:
        handle.write(body(response))
        path = handle.name
    try:
        source = hxl.data(path, hxl.input.InputOptions(allow_local=True))
        columns = [column.display_tag for column in source.columns]
        rows = list(source)
    finally:
        os.unlink(path)
    return columns, rows


def list_ids(client, resource: str, **params) -> list[int]:
    """Every id of a JSON list, following ``next`` links."""
    ids, url = [], f"{API}/{resource}/"
    params.setdefault("page_size", 1000)
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        ids.extend(item["id"] for item in data["results"])
        if not data["next"]:
            return ids
        response = client.get(data["next"])


# --- the world ------------------------------------------------------------------------------


@pytest.fixture
def world(places, analyst, reviewer):
    """Records of the three kinds in every review state and access level, plus reference rows.

    Built with factories (the world a test starts from); workflow tests go through the services.
    Each record has its own day so that none overlaps another (no possible double counts).
    """
    places.baghouz.latitude, places.baghouz.longitude = Decimal("34.460000"), Decimal("40.954000")
    places.baghouz.save()
    isil = OrganizationFactory(name="Islamic State of Iraq and the Levant", acronym="ISIL",
                               kind=OrganizationKind.ARMED_GROUP)
    OrganizationAlias.objects.create(organization=isil, name="Daesh")
    sdf = OrganizationFactory(name="Syrian Democratic Forces", acronym="SDF", kind=OrganizationKind.ARMED_GROUP)
    publisher = OrganizationFactory(name="Al Jazeera", kind=OrganizationKind.MEDIA)
    event = EventFactory(name="Battle of Baghouz")
    event.parties.set([isil, sdf])
    event.countries.set([places.syria])
    public = SourceFactory(title="Public article", publisher=publisher)
    secret = SourceFactory(title="Confidential briefing", publisher=publisher, is_confidential=True)

    day = iter(date(2019, 1, 1) + timedelta(days=n) for n in range(200))
    visible, hidden = {}, {}
    for resource, factory in CLAIM_FACTORIES.items():
        def make(status=ReviewStatus.APPROVED, factory=factory, **fields):
            when = next(day)
            fields.setdefault("source", public)
            fields.setdefault("location", places.baghouz)
            fields.setdefault("event", event)
            if factory is SurrenderFigureFactory:
                fields.setdefault("surrendering_group", isil)
                fields.setdefault("received_by", sdf)
            return factory(start_date=when, end_date=when, review_status=status, created_by=analyst,
                           updated_by=analyst, **fields)

        shown = [
            make(attributed_to=sdf, attribution_text="=HYPERLINK(\"http://evil.example\")"),
            make(location=places.hasakeh, notes="+ more than reported; @see annex; -10 revised"),
        ]
        concealed = {
            "draft": make(ReviewStatus.DRAFT),
            "in_review": make(ReviewStatus.IN_REVIEW),
            "changes_requested": make(ReviewStatus.CHANGES_REQUESTED),
            "rejected": make(ReviewStatus.REJECTED),
            "confidential": make(is_confidential=True),
            "confidential_source": make(source=secret),
        }
        visible[resource] = shown
        hidden[resource] = concealed
    return SimpleNamespace(
        places=places, isil=isil, sdf=sdf, publisher=publisher, event=event, public_source=public,
        secret_source=secret, visible=visible, hidden=hidden, analyst=analyst, reviewer=reviewer,
    )


@pytest.fixture
def other_user(groups):
    """An active account that is not staff: refused like a stranger."""
    return UserFactory(username="outsider", is_staff=False)
