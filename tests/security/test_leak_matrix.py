"""Who sees what, proven from the outside: callers x surfaces x records, over HTTP only.

The world is built once per module through the services (create, submit, approve, request changes,
reject, withdraw), so every record's state is a real one. Each record carries a word of its own
(``LEAKDISDRAFTQX``) in its excerpt and notes and a number of its own (``reported_value``, or an aid
report's capacity) that is recognisable in bodies and totals. Every caller then reads every surface
(each list in every format, details, text search, reports with their ids and totals, the public
pages and their CSVs, the deletions feed, sources and the reference lists), and every record is
checked on every surface (a key's header means nothing to a page: there, the anonymous reader
stands for the refused keys):

- a record the caller may not see must not show there: not its id (where the surface lists that
  kind), not its word, not its number;
- a record the caller may see must show where the surface lists its kind, so that the matrix can
  never pass by showing nothing at all (the approved, public control is such a record for everyone
  who may read).

The rule (``DOMAIN.md``, ``docs/api.md``, ``docs/security.md``): without a valid key the API answers
401 and nothing else; an NGO key reads approved records that are not effectively confidential
(duplicates included); a key with the confidential scope reads approved records, confidential ones
included; staff (analysts and reviewers, logged in) read everything through the API; the public
pages show approved, non-confidential records only, to everyone, staff included. Totals count only
approved, headline, non-duplicate records the caller may see.

The test talks only HTTP: it holds whatever the visibility code looks like inside.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    AidCapacityReportFactory,
    AnalystFactory,
    DisplacementFigureFactory,
    ReviewerFactory,
    SurrenderFigureFactory,
)
from tracker.choices import (
    CapacityUnit,
    LocationLevel,
    OrganizationKind,
    Quantifier,
    Role,
    Sector,
    SourceKind,
    Strain,
    Unit,
)
from tracker.models import Crisis, Event, Location, Organization, Source
from tracker.services import (
    claim_approve,
    claim_create,
    claim_reject,
    claim_request_changes,
    claim_submit,
    reference_create,
    source_create,
)
from tracker.services.access import api_key_create, api_key_revoke

# The database is set up for this module; each test runs in a savepoint of the module's world.
pytestmark = pytest.mark.django_db

API = "/api/v1"
PUBLISHED = date(2019, 3, 10)

# --- callers ----------------------------------------------------------------------------------

CALLERS = ["anonymous", "revoked_key", "expired_key", "ngo_key", "scoped_key", "analyst", "reviewer"]
REFUSED = ("anonymous", "revoked_key", "expired_key")
READERS = ("ngo_key", "scoped_key", "analyst", "reviewer")
STAFF = ("analyst", "reviewer")

# --- records ----------------------------------------------------------------------------------

KINDS = {  # kind: (list resource, factory, code in the marker)
    "displacement": ("displacement-figures", DisplacementFigureFactory, "DIS"),
    "surrender": ("surrenders", SurrenderFigureFactory, "SUR"),
    "aid": ("aid-capacity", AidCapacityReportFactory, "AID"),
}
STATES = {  # state: (code in the marker, approved, effectively confidential, counted in totals when visible)
    "control": ("CONTROL", True, False, True),
    "duplicate": ("DUPLICATE", True, False, False),
    "draft": ("DRAFT", False, False, False),
    "in_review": ("INREVIEW", False, False, False),
    "changes_requested": ("CHANGES", False, False, False),
    "rejected": ("REJECTED", False, False, False),
    "withdrawn": ("WITHDRAWN", False, False, False),
    "confidential": ("CONFIDENTIAL", True, True, True),
    "confidential_source": ("CONFSOURCE", True, True, True),
}
QUANTIFIED = ("displacement", "surrender")


@dataclass(frozen=True)
class Spec:
    """One row of the matrix: a record (or a source) with its marker word and number."""

    name: str
    kind: str  # displacement, surrender, aid, or source
    state: str
    marker: str
    number: int | None

    @property
    def approved(self) -> bool:
        return self.kind != "source" and STATES[self.state][1]

    @property
    def confidential(self) -> bool:
        if self.kind == "source":
            return self.state == "confidential"
        return STATES[self.state][2]

    def api_sees(self, caller: str) -> bool:
        """Whether ``caller`` may read this record (or source) through the API."""
        if caller in REFUSED:
            return False
        if caller in STAFF:
            return True
        if self.kind == "source":
            return caller == "scoped_key" or not self.confidential
        return self.approved and (caller == "scoped_key" or not self.confidential)

    def counted_for(self, caller: str) -> bool:
        """Whether the record counts in ``caller``'s API totals: approved, headline, not a duplicate, visible."""
        if self.kind == "source" or not STATES[self.state][3]:
            return False
        return caller in STAFF or (caller in READERS and self.api_sees(caller))

    @property
    def public(self) -> bool:
        """Whether the public pages may show it: approved and not effectively confidential."""
        return self.approved and not self.confidential


def _specs() -> list[Spec]:
    specs = []
    for k, (kind, (_, _, code)) in enumerate(KINDS.items(), start=1):
        for s, (state, (word, *_)) in enumerate(STATES.items(), start=1):
            if state == "duplicate" and kind not in QUANTIFIED:
                continue
            # 9 1kk ss 731: eight digits that no other number of the world, nor any total, contains.
            specs.append(Spec(f"{kind}.{state}", kind, state, f"LEAK{code}{word}QX", 90_000_731 + k * 1_000_000
                              + s * 10_000))
    specs.append(Spec("source.confidential", "source", "confidential", "LEAKSRCSECRETQX", None))
    specs.append(Spec("source.unpublished", "source", "unpublished", "LEAKSRCUNSEENQX", None))
    return specs


SPECS = _specs()
SPEC = {spec.name: spec for spec in SPECS}

# --- surfaces ---------------------------------------------------------------------------------

LIST_FORMATS = ["json", "csv", "hxl", "xlsx", "geojson"]
REFERENCE = ["organizations", "locations", "events"]


@dataclass(frozen=True)
class Surface:
    """Something a caller reads. ``lists`` is the kind whose ids it carries (``ids``: where to find them)."""

    name: str
    url: str  # may hold {event}, {country}, {town}, {source}: filled from the world
    params: tuple = ()
    audience: str = "api"  # api, report or page
    lists: str | None = None
    fmt: str = "json"
    ids: str = "list"  # list (a list's rows), report (rows' contributing ids), aid (status rows), none
    shows: tuple = ()  # kinds whose visible records must show here (by id where it carries ids, else by number)


def _surfaces() -> list[Surface]:
    surfaces = []
    for kind, (resource, _, _) in KINDS.items():
        for fmt in LIST_FORMATS:
            surfaces.append(Surface(f"{resource}.{fmt}", f"{API}/{resource}/", (("format", fmt),), lists=kind,
                                    fmt=fmt, shows=(kind,)))
        for fmt in ("json", "csv"):  # the sync path: keyset pages and the exports with updated_since
            surfaces.append(Surface(f"{resource}.updated_since.{fmt}", f"{API}/{resource}/",
                                    (("format", fmt), ("updated_since", "2000-01-01T00:00:00Z")), lists=kind,
                                    fmt=fmt, shows=(kind,)))
    for fmt in LIST_FORMATS:
        surfaces.append(Surface(f"sources.{fmt}", f"{API}/sources/", (("format", fmt),), lists="source", fmt=fmt,
                                shows=("source",)))
    for resource in REFERENCE:
        for fmt in LIST_FORMATS:
            surfaces.append(Surface(f"{resource}.{fmt}", f"{API}/{resource}/", (("format", fmt),), fmt=fmt,
                                    ids="none"))
    surfaces.append(Surface("events.detail", f"{API}/events/{{event}}/", ids="none"))
    surfaces.append(Surface("locations.detail", f"{API}/locations/{{town}}/", ids="none"))
    surfaces.append(Surface("vocabularies", f"{API}/vocabularies/", ids="none"))
    surfaces.append(Surface("deletions", f"{API}/deletions/", (("since", "2000-01-01T00:00:00Z"),
                                                                ("page_size", "1000")), ids="none"))
    for kind, report in (("displacement", "displacement"), ("surrender", "surrenders")):
        for fmt, extra in (("json", ()), ("csv", ()), ("hxl", ()), ("json", (("group_by", "month,event"),)),
                           ("csv", (("group_by", "adm1,term"),))):
            label = f"reports/{report}.{fmt}" + ("".join(f".{value}" for _, value in extra))
            surfaces.append(Surface(label, f"{API}/reports/{report}/", (("format", fmt), *extra),
                                    audience="report", lists=kind, fmt=fmt, ids="report", shows=(kind,)))
    for fmt in ("json", "csv", "hxl"):
        surfaces.append(Surface(f"reports/aid-capacity.{fmt}", f"{API}/reports/aid-capacity/",
                                (("format", fmt), ("page_size", "1000")), audience="report", lists="aid", fmt=fmt,
                                ids="aid", shows=("aid",)))
    # The public pages and their CSVs.
    surfaces.append(Surface("page:home", "/", audience="page", fmt="html", ids="none",
                            shows=("displacement", "surrender")))
    for table, kind in (("events-displacement", "displacement"), ("events-surrenders", "surrender")):
        surfaces.append(Surface(f"page:home/{table}.csv", f"/csv/{table}.csv", audience="page", lists=kind,
                                fmt="csv", ids="report", shows=(kind,)))
    page_tables = {
        "displacement-weekly": ("displacement", "report"), "displacement-monthly": ("displacement", "report"),
        "surrenders-monthly": ("surrender", "report"), "aid-capacity": ("aid", "aid"),
        "displacement-figures": ("displacement", "list"), "surrender-figures": ("surrender", "list"),
        "sources": ("source", "list"),
    }
    for scope, url in (("event", "/events/{event}/"), ("country", "/places/{country}/"),
                       ("town", "/places/{town}/")):
        surfaces.append(Surface(f"page:{scope}", url, audience="page", fmt="html", ids="none",
                                shows=("displacement", "surrender", "aid", "source")))
        for table, (kind, ids) in page_tables.items():
            surfaces.append(Surface(f"page:{scope}/{table}.csv", f"{url}csv/{table}.csv", audience="page",
                                    lists=kind, fmt="csv", ids=ids, shows=(kind,)))
    return surfaces


SURFACES = _surfaces()
SURFACE = {surface.name: surface for surface in SURFACES}
API_SURFACES = [surface.name for surface in SURFACES if surface.audience != "page"]


def expectation(caller: str, surface: Surface, spec: Spec) -> bool | None:
    """True: must show there; False: must not show there (no id, word or number); None: either is fine."""
    if surface.audience == "page":
        if not spec.public or spec.kind == "source":
            return False
        if spec.kind in surface.shows and spec.state == "control":
            return True
        return None
    if not spec.api_sees(caller):
        return False
    if spec.kind not in surface.shows:
        return None
    if surface.audience == "report":
        return True if spec.counted_for(caller) else None  # an uncounted one may be named in warnings
    return True


PAGE_CALLERS = ("anonymous", *READERS)  # a key's header means nothing to a page: the anonymous reader stands for all


def _callers(surface: Surface) -> tuple[str, ...]:
    return PAGE_CALLERS if surface.audience == "page" else READERS


# Each record on each surface that lists its kind: shown or hidden, as the rule says.
MATRIX = [
    pytest.param(caller, surface.name, spec.name, id=f"{caller}-{surface.name}-{spec.name}")
    for surface in SURFACES
    for caller in _callers(surface)
    for spec in SPECS
    if spec.kind in surface.shows and expectation(caller, surface, spec) is not None
]
# Records of the kinds a surface does not list must not show there either (their word, their number).
CROSS_MATRIX = [
    pytest.param(caller, surface.name, id=f"{caller}-{surface.name}")
    for surface in SURFACES
    for caller in _callers(surface)
    if any(spec.kind not in surface.shows and expectation(caller, surface, spec) is False for spec in SPECS)
]

# Leaks found and left for the owner of the visibility code, marked xfail(strict) until fixed:
# {(caller, surface, record): reason} in MATRIX, {(caller, surface): reason} in CROSS_MATRIX,
# {(caller, record, surface): reason} in RECORD_MATRIX.
KNOWN_LEAKS: dict[tuple[str, ...], str] = {}


def _marked(params: list) -> list:
    marked = []
    for param in params:
        reason = KNOWN_LEAKS.get(tuple(param.values))
        if reason:
            param = pytest.param(*param.values, id=param.id, marks=pytest.mark.xfail(strict=True, reason=reason))
        marked.append(param)
    return marked


# --- the world --------------------------------------------------------------------------------


def _claim(kind: str, spec: Spec, when: date, world: SimpleNamespace, **fields):
    """An unsaved record of ``kind`` carrying ``spec``'s word and number."""
    _, factory, _ = KINDS[kind]
    fields.setdefault("source", world.public_source)
    fields.update(
        excerpt=f"Witnesses counted the people ({spec.marker}).",
        notes=f"Leak matrix record {spec.name}: {spec.marker}.",
        location=world.town,
        event=world.event,
        start_date=when,
        end_date=when,
    )
    if kind in QUANTIFIED:
        fields.update(quantifier=Quantifier.EXACT, reported_value=spec.number, unit=Unit.PERSONS,
                      role=Role.HEADLINE, reported_phrase=f"exactly {spec.number}")
    if kind == "surrender":
        fields.update(surrendering_group=world.armed_group, received_by=world.receiver)
    if kind == "aid":
        # Its own provider description: each report is the latest of its own provider, place and sector.
        fields.update(provider_description=f"aid agencies {spec.marker}", sector=Sector.MULTI_SECTOR,
                      strain=Strain.STRAINED, capacity=spec.number, demand=spec.number,
                      capacity_unit=CapacityUnit.PEOPLE)
    return factory.build(**fields)


def _records_of(kind: str, world: SimpleNamespace, days) -> None:
    """Every state of ``kind``, each reached through the review services as analysts and reviewers do."""
    analyst, reviewer = world.analyst, world.reviewer

    def make(state: str, when: date | None = None, **fields):
        spec = SPEC[f"{kind}.{state}"]
        record = claim_create(_claim(kind, spec, when or next(days), world, **fields), created_by=analyst)
        world.records[spec.name] = record
        world.ids[spec.name] = record.pk
        return record

    def submit(record):
        return claim_submit(record, submitted_by=analyst)

    def approve(record):
        return claim_approve(submit(record), approved_by=reviewer)

    control = approve(make("control"))
    if kind in QUANTIFIED:
        approve(make("duplicate", duplicate_of=control))
    # The draft overlaps the approved control (same place and day): a stored possible double count that
    # reports and pages must not name to those who may not see the draft.
    make("draft", when=control.end_date, source=world.unseen_source)
    submit(make("in_review", source=world.unseen_source))
    claim_request_changes(submit(make("changes_requested", source=world.unseen_source)), reviewer=reviewer,
                          comment="Check the number.")
    claim_reject(submit(make("rejected", source=world.unseen_source)), rejected_by=reviewer,
                 reason="Not in the article.")
    claim_reject(approve(make("withdrawn")), rejected_by=reviewer, reason="The source was retracted.")
    approve(make("confidential", is_confidential=True))
    approve(make("confidential_source", source=world.secret_source))


def _build_world() -> SimpleNamespace:
    suffix = "leaks"
    analyst = AnalystFactory(username=f"{suffix}_analyst")
    reviewer = ReviewerFactory(username=f"{suffix}_reviewer")
    world = SimpleNamespace(analyst=analyst, reviewer=reviewer, records={}, ids={})
    country = reference_create(Location(name="Leakland", level=LocationLevel.COUNTRY, iso3="LKQ"), created_by=analyst)
    province = reference_create(Location(name="Leak Province", level=LocationLevel.ADM1, parent=country),
                                created_by=analyst)
    world.country = country
    world.town = reference_create(Location(name="Leak Town", level=LocationLevel.LOCALITY, parent=province,
                                           latitude="34.460000", longitude="40.954000"), created_by=analyst)
    publisher = reference_create(Organization(name="Leak Gazette", kind=OrganizationKind.MEDIA), created_by=analyst)
    world.armed_group = reference_create(Organization(name="Leak Brigade", kind=OrganizationKind.ARMED_GROUP),
                                         created_by=analyst)
    world.receiver = reference_create(Organization(name="Leak Guard", kind=OrganizationKind.STATE_FORCE),
                                      created_by=analyst)
    crisis = reference_create(Crisis(name="Leak crisis"), created_by=analyst)
    world.event = reference_create(Event(name="Leak battle", crisis=crisis, start_date=date(2019, 1, 1),
                                         end_date=PUBLISHED), created_by=analyst, m2m={"countries": [country]})

    def source(spec_name: str | None, title: str, **fields) -> Source:
        marker = SPEC[spec_name].marker if spec_name else ""
        return source_create(Source(title=f"{title} {marker}".strip(), publisher=publisher,
                                    url=f"https://leaks.example.org/{title.lower().replace(' ', '-')}",
                                    publication_date=PUBLISHED, kind=SourceKind.NEWS_ARTICLE,
                                    notes=f"Leak matrix source {marker}", **fields), created_by=analyst)

    world.public_source = source(None, "Public leak article")
    world.secret_source = source("source.confidential", "Confidential leak briefing", is_confidential=True)
    world.unseen_source = source("source.unpublished", "Unpublished leak article")
    world.ids["source.confidential"] = world.secret_source.pk
    world.ids["source.unpublished"] = world.unseen_source.pk

    days = (date(2019, 1, 1) + timedelta(days=2 * n) for n in itertools.count())  # no two records overlap
    for kind in KINDS:
        _records_of(kind, world, days)

    world.keys = {}
    for caller, fields in (
        ("ngo_key", {}),
        ("scoped_key", {"confidential_scope": True}),
        ("revoked_key", {}),
        ("expired_key", {"expiry_date": timezone.now() - timedelta(minutes=1)}),
    ):
        key, world.keys[caller] = api_key_create(user=None, client="Leak NGO", name=f"leak {caller}", **fields)
        if caller == "revoked_key":
            api_key_revoke(key=key, user=None)
    world.seen = {}
    return world


@pytest.fixture(scope="module")
def leak_world(django_db_setup, django_db_blocker):
    """The world, built once per module (per worker) in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            world = _build_world()
        world.blocker = django_db_blocker
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- reading what a caller sees ----------------------------------------------------------------


@dataclass
class Seen:
    status: int
    text: str  # the body as text, thousands separators removed from numbers
    ids: set[int] = field(default_factory=set)
    totals: tuple | None = None  # (low, best, high) summed over a figure report's totals
    data: Any = None


def client_for(world, caller: str) -> APIClient:
    client = APIClient()
    if caller in world.keys:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world.keys[caller]}")
    elif caller in STAFF:
        client.force_login(getattr(world, caller))
    return client


SEPARATOR = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009](?=\d{3}(?!\d))")


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _table(text: str) -> list[dict]:
    """CSV rows (an HXL file's hashtag row dropped)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and all(str(value).startswith("#") for value in rows[0].values() if value):
        rows = rows[1:]
    return rows


def _xlsx(raw: bytes) -> tuple[str, list[dict]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(raw), read_only=True)
    cells, rows = [], []
    for sheet in workbook.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        cells += [str(cell) for row in values for cell in row if cell is not None]
        if sheet is workbook.worksheets[0] and values:
            rows = [dict(zip(values[0], row, strict=False)) for row in values[1:]]
    return "\n".join(cells), rows


def _report_ids(rows: list[dict]) -> set[int]:
    ids = set()
    for row in rows:
        value = row.get("ids")
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        ids |= {int(item) for item in value or ()}
    return ids


def _warning_ids(warnings: Any) -> set[int]:
    """Every id a report's warnings name (under keys named like ``id`` or ``ids``)."""
    ids = set()
    if isinstance(warnings, dict):
        for key, value in warnings.items():
            if key.endswith("ids") and isinstance(value, list):
                ids |= {item for item in value if isinstance(item, int)}
            elif key.endswith("id") and isinstance(value, int):
                ids.add(value)
            else:
                ids |= _warning_ids(value)
    elif isinstance(warnings, list):
        for item in warnings:
            ids |= _warning_ids(item)
    return ids


def fetch(world, caller: str, url: str, params: dict) -> tuple[Any, bytes]:
    """One GET by ``caller``, in a savepoint rolled back after it: nothing a read does stays."""
    throttle = caches["throttle"]
    if isinstance(throttle, LocMemCache):
        throttle.clear()
    # The refused keys fail hundreds of times here: the guard against guessing (its own tests) must not
    # turn their 401s into 429s, on local memory or Redis.
    with world.blocker.unblock(), transaction.atomic(), override_settings(API_AUTH_FAILURE_LIMIT=10**9):
        response = client_for(world, caller).get(url, params)
        raw = _body(response)
        transaction.set_rollback(True)
    return response, raw


def see(world, caller: str, surface: Surface) -> Seen:
    """What ``caller`` reads at ``surface``: fetched once per module, kept for every record's check."""
    key = (caller, surface.name)
    if key not in world.seen:
        world.seen[key] = read(world, caller, surface)
    return world.seen[key]


def read(world, caller: str, surface: Surface) -> Seen:
    """What ``caller`` reads at ``surface`` now: its status, its text, and the ids and totals it carries."""
    url = surface.url.format(event=world.event.pk, country=world.country.pk, town=world.town.pk)
    response, raw = fetch(world, caller, url, dict(surface.params))
    seen = Seen(response.status_code, "")
    if surface.fmt == "xlsx" and response.status_code == 200:
        text, rows = _xlsx(raw)
    else:
        text, rows = raw.decode("utf-8"), []
    seen.text = SEPARATOR.sub("", text)
    if response.status_code != 200:
        return seen
    if surface.fmt in ("json", "geojson") and surface.audience != "page":
        seen.data = json.loads(text)
    if surface.ids == "list":
        if surface.fmt == "json":
            seen.ids = {item["id"] for item in seen.data["results"]}
        elif surface.fmt == "geojson":
            seen.ids = {feature["id"] for feature in seen.data["features"]}
        elif surface.fmt == "xlsx":
            seen.ids = {int(row["id"]) for row in rows}
        else:
            seen.ids = {int(row["id"]) for row in _table(text)}
    elif surface.ids == "report":
        if surface.fmt == "json":
            seen.ids = _report_ids(seen.data["rows"]) | _warning_ids(seen.data.get("warnings"))
            seen.totals = tuple(sum(row[bound] or 0 for row in seen.data["totals"]) for bound in
                                ("low", "best", "high"))
        else:
            seen.ids = _report_ids(_table(text))
    elif surface.ids == "aid":
        table = seen.data["rows"] if surface.fmt == "json" else _table(text)
        seen.ids = {int(row["record_id"]) for row in table}
    return seen


def _shows(seen: Seen, spec: Spec, pk: int, surface: Surface) -> list[str]:
    """How the record shows at the surface: by id, by its word, by its number."""
    found = []
    if surface.lists == spec.kind and pk in seen.ids:
        found.append(f"id {pk}")
    if spec.marker in seen.text:
        found.append(f"word {spec.marker}")
    if spec.number is not None and str(spec.number) in seen.text:
        found.append(f"number {spec.number}")
    return found


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "surface_name", "record"), _marked(MATRIX))
def test_who_sees_what(leak_world, caller, surface_name, record):
    surface, spec = SURFACE[surface_name], SPEC[record]
    seen = see(leak_world, caller, surface)
    assert seen.status == 200, f"{caller} reading {surface_name}: {seen.status} {seen.text[:300]}"
    pk = leak_world.ids[record]
    found = _shows(seen, spec, pk, surface)
    if expectation(caller, surface, spec):
        if surface.lists == spec.kind and surface.ids != "none":
            assert pk in seen.ids, f"{record} (#{pk}) is missing from {surface_name} for {caller}"
        else:
            assert spec.number is not None and str(spec.number) in seen.text, (
                f"{record} ({spec.number}) is missing from {surface_name} for {caller}")
    else:
        assert not found, f"LEAK: {caller} sees {record} at {surface_name} ({', '.join(found)})"


@pytest.mark.parametrize(("caller", "surface_name"), _marked(CROSS_MATRIX))
def test_no_record_of_another_kind_shows(leak_world, caller, surface_name):
    surface = SURFACE[surface_name]
    seen = see(leak_world, caller, surface)
    assert seen.status == 200, f"{caller} reading {surface_name}: {seen.status} {seen.text[:300]}"
    leaked = {spec.name: found for spec in SPECS
              if spec.kind not in surface.shows and expectation(caller, surface, spec) is False
              and (found := _shows(seen, spec, leak_world.ids[spec.name], surface))}
    assert not leaked, f"LEAK: {caller} sees at {surface_name}: {leaked}"


@pytest.mark.parametrize("caller", REFUSED)
@pytest.mark.parametrize("surface_name", API_SURFACES)
def test_refused_callers_get_401_and_nothing_else(leak_world, caller, surface_name):
    surface = SURFACE[surface_name]
    seen = see(leak_world, caller, surface)
    assert seen.status == 401, f"{caller} reading {surface_name}: {seen.status}"
    leaked = [spec.name for spec in SPECS if _shows(seen, spec, -1, surface)]
    assert not leaked, f"LEAK: {caller} sees {leaked} at {surface_name}"


# --- totals -----------------------------------------------------------------------------------

TOTAL_SURFACES = [surface.name for surface in SURFACES if surface.audience == "report" and surface.ids == "report"
                  and surface.fmt == "json"]


@pytest.mark.parametrize("caller", READERS)
@pytest.mark.parametrize("surface_name", TOTAL_SURFACES)
def test_totals_count_exactly_what_the_caller_may_see(leak_world, caller, surface_name):
    """A hidden record's number inside a total is a leak, even where its own number never shows."""
    surface = SURFACE[surface_name]
    seen = see(leak_world, caller, surface)
    assert seen.status == 200, seen.text[:300]
    kinds = [spec for spec in SPECS if spec.kind == surface.lists]
    counted = [spec for spec in kinds if spec.counted_for(caller)]
    expected = sum(spec.number for spec in counted)
    assert counted and expected, "the control must count: the test cannot pass by counting nothing"
    if seen.totals != (expected, expected, expected):
        difference = seen.totals[1] - expected
        others = [spec for spec in kinds if spec not in counted]
        culprits = next((names for n in range(1, len(others) + 1) for names in itertools.combinations(others, n)
                         if sum(spec.number for spec in names) == difference), ())
        pytest.fail(f"{caller} at {surface_name}: totals {seen.totals}, expected {expected} each "
                    f"({[spec.name for spec in counted]}); the difference is "
                    f"{[spec.name for spec in culprits] or difference}")


@pytest.mark.parametrize("surface_name", [surface.name for surface in SURFACES if surface.audience == "report"])
def test_a_cached_report_is_never_served_to_another_audience(leak_world, surface_name):
    """Staff ask first, then the scoped key, then the NGO key, with the report cache kept between them."""
    surface = SURFACE[surface_name]
    for caller in ("reviewer", "scoped_key", "ngo_key"):
        seen = read(leak_world, caller, surface)
        hidden = [spec.name for spec in SPECS if spec.kind == surface.lists and not spec.api_sees(caller)
                  and _shows(seen, spec, leak_world.ids[spec.name], surface)]
        assert not hidden, f"LEAK: {caller} at {surface_name} after staff asked: {hidden}"
        counted = {leak_world.ids[spec.name] for spec in SPECS if spec.kind == surface.lists
                   and spec.counted_for(caller)}
        assert counted <= seen.ids, f"{caller} at {surface_name} misses {counted - seen.ids}"


def test_page_totals_are_the_public_records_only(leak_world):
    """The event page's monthly CSV adds the public control alone: no hidden number inside its totals."""
    for kind, table in (("displacement", "displacement-monthly"), ("surrender", "surrenders-monthly")):
        seen = see(leak_world, "anonymous", SURFACE[f"page:event/{table}.csv"])
        rows = _table(seen.text)
        assert sum(int(row["best"] or 0) for row in rows) == SPEC[f"{kind}.control"].number, rows


# --- details and text search, record by record ---------------------------------------------------


def _record_surfaces(spec: Spec) -> list[tuple[str, str, dict, str | None]]:
    """(name, url template, params, kind of the ids): the record's detail, and a search for its word on lists."""
    if spec.kind == "source":
        own = ("sources", "source")
    else:
        own = (KINDS[spec.kind][0], spec.kind)
    surfaces = [(f"{own[0]}.detail", f"{API}/{own[0]}/{{pk}}/", {}, own[1]),
                (f"{own[0]}.detail.csv", f"{API}/{own[0]}/{{pk}}/", {"format": "csv"}, own[1])]
    for fmt in ("json", "csv"):
        surfaces.append((f"{own[0]}.q.{fmt}", f"{API}/{own[0]}/", {"q": spec.marker, "format": fmt}, own[1]))
    for resource in ["sources", *(resource for resource, _, _ in KINDS.values())]:
        if resource != own[0]:
            surfaces.append((f"{resource}.q", f"{API}/{resource}/", {"q": spec.marker}, None))
    return surfaces


RECORD_MATRIX = [
    pytest.param(caller, spec.name, name, id=f"{caller}-{name}-{spec.name}")
    for caller in READERS + REFUSED
    for spec in SPECS
    for name, *_ in _record_surfaces(spec)
    if caller in READERS or name.endswith((".detail", ".q.json"))
]


@pytest.mark.parametrize(("caller", "record", "surface_name"), _marked(RECORD_MATRIX))
def test_details_and_search_show_only_what_the_caller_may_see(leak_world, caller, record, surface_name):
    spec = SPEC[record]
    pk = leak_world.ids[record]
    name, url, params, kind = next(entry for entry in _record_surfaces(spec) if entry[0] == surface_name)
    response, raw = fetch(leak_world, caller, url.format(pk=pk), params)
    text = raw.decode("utf-8")
    traces = [trace for trace in (spec.marker, spec.number and str(spec.number)) if trace and trace in text]
    visible = spec.api_sees(caller)
    if caller in REFUSED:
        assert response.status_code == 401, f"{caller} reading {record} at {name}: {response.status_code}"
        assert not traces, f"LEAK: {caller} reading {record} at {name}: {traces} in {text[:300]}"
        return
    if ".detail" in name:
        if not visible:
            assert response.status_code == 404, f"LEAK: {caller} reads {record} at {name}: {response.status_code}"
            assert not traces, f"LEAK: {caller} reading {record} at {name}: {traces} in {text[:300]}"
            return
        assert response.status_code == 200, f"{caller} reading {record} at {name}: {response.status_code}"
        shown = json.loads(text)["id"] if "format" not in params else int(_table(text)[0]["id"])
        assert shown == pk and spec.marker in text
        return
    assert response.status_code == 200, text[:300]
    ids = {item["id"] for item in json.loads(text)["results"]} if params.get("format", "json") == "json" \
        else {int(row["id"]) for row in _table(text)}
    if kind is not None:  # the search of its own list finds it exactly when the caller may see it
        assert (pk in ids) == visible, f"{'LEAK: ' if not visible else ''}{caller} searching {spec.marker} at " \
                                       f"{name}: ids {sorted(ids)}, record #{pk}"
    elif not visible:  # nothing else carries its word
        assert not ids, f"LEAK: {caller} searching {spec.marker} at {name} finds {sorted(ids)}"
