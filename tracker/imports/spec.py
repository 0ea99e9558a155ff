"""What each column of the export registry means on the way back in: one entry per export column.

Import reads ``tracker.exports.columns``: a column's name and HXL hashtag are the export's, so a renamed column or
a changed hashtag changes both doors at once. Here each column only says how it is written back:

- ``FIELD``: a model field of the same name (or ``target``), parsed by the admin form's field for it;
- ``REF``: a name, code or id resolved to a row (``tracker.imports.resolve``); several columns may name one
  target (``location_id``, ``location_pcode``, ``location_name``), the most exact one present wins;
- ``MANY``: names joined with "; " (cited sources, aliases, alternate names);
- ``KEY``: ``id`` (update that row) and ``version`` (the version read, checked against the stored one);
- ``COMPUTED``: derived or shown for context (``best``, ``review_status``, ``adm1_name``...): accepted so that a
  downloaded list re-imports, and ignored.

tests/imports/test_spec.py fails when an export column has no entry here, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist

from tracker.exports import columns as registry
from tracker.exports.columns import Column
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    ImportKind,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)

FIELD, REF, MANY, KEY, COMPUTED = "field", "ref", "many", "key", "computed"

# How exact a reference column is: the most exact one a row fills decides the target.
BY_ID, BY_CODE, BY_URL, BY_NAME, SCOPE = "id", "code", "url", "name", "scope"


@dataclass(frozen=True)
class Role:
    role: str
    #: the model field written (FIELD, REF, MANY); for REF the foreign key's name
    target: str = ""
    #: for REF and MANY: what the cell holds (id, code, url, name) or ``scope`` (a country narrowing a name)
    by: str = ""
    #: the model a REF or MANY cell names
    model: type | None = None


@dataclass(frozen=True)
class ImportColumn:
    column: Column
    role: Role

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def hxl(self) -> str:
        return self.column.hxl


def _field(target: str = "") -> Role:
    return Role(FIELD, target)


def _ref(target: str, by: str, model: type) -> Role:
    return Role(REF, target, by, model)


COMPUTED_ROLE = Role(COMPUTED)
KEY_ROLE = Role(KEY)

_PLACE = {
    "country_iso3": _ref("location", SCOPE, Location),
    "location_id": _ref("location", BY_ID, Location),
    "location_pcode": _ref("location", BY_CODE, Location),
    "location_name": _ref("location", BY_NAME, Location),
    "location_precision": _field(),
    **dict.fromkeys(("adm1_pcode", "adm1_name", "location_level", "latitude", "longitude"), COMPUTED_ROLE),
}
_PERIOD = {name: _field() for name in ("start_date", "start_precision", "end_date", "end_precision")}
_CONTEXT = {
    "event_id": _ref("event", BY_ID, Event),
    "event": _ref("event", BY_NAME, Event),
    "crisis": COMPUTED_ROLE,
}
_PROVENANCE = {
    "attributed_to": _ref("attributed_to", BY_NAME, Organization),
    "attribution_text": _field(),
    "is_party_claim": COMPUTED_ROLE,
    "cited_sources": Role(MANY, "cited_sources", BY_NAME, Organization),
    "excerpt": _field(),
    "excerpt_translation": _field(),
    "notes": _field(),
    "source_id": _ref("source", BY_ID, Source),
    "source_url": _ref("source", BY_URL, Source),
    **dict.fromkeys(("source_title", "source_publisher", "source_publication_date"), COMPUTED_ROLE),
}
_AUDIT = {
    "id": KEY_ROLE,
    "version": KEY_ROLE,
    "is_confidential": _field(),
    **dict.fromkeys(("review_status", "created_at", "updated_at"), COMPUTED_ROLE),
}
_QUANTITY = {
    **{name: _field() for name in (
        "quantifier", "reported_value", "reported_value_max", "magnitude_word", "reported_phrase", "unit",
        "household_size", "household_size_source", "best_override_reason", "role")},
    "supports": _field("supports_id"),
    "duplicate_of": _field("duplicate_of_id"),
    **dict.fromkeys(("best", "low", "high", "high_open", "counted", "term_group"), COMPUTED_ROLE),
}
_CLAIM = {**_PLACE, **_PERIOD, **_CONTEXT, **_PROVENANCE, **_AUDIT}

ROLES: dict[str, dict[str, Role]] = {
    ImportKind.DISPLACEMENT: {
        **_CLAIM, **_QUANTITY,
        **{name: _field() for name in ("term", "category", "women", "men", "children", "elderly",
                                        "composition_note")},
        "origin_name": _ref("origin", BY_NAME, Location),
        "origin_pcode": _ref("origin", BY_CODE, Location),
        "destination_name": _ref("destination", BY_NAME, Location),
        "destination_pcode": _ref("destination", BY_CODE, Location),
    },
    ImportKind.SURRENDER: {
        **_CLAIM, **_QUANTITY,
        "term": _field(),
        "combatant_status": _field(),
        "surrendering_group": _ref("surrendering_group", BY_NAME, Organization),
        "surrendering_group_id": _ref("surrendering_group", BY_ID, Organization),
        "received_by": _ref("received_by", BY_NAME, Organization),
        "received_by_id": _ref("received_by", BY_ID, Organization),
    },
    ImportKind.AID_CAPACITY: {
        **_CLAIM,
        "provider": _ref("provider", BY_NAME, Organization),
        "provider_id": _ref("provider", BY_ID, Organization),
        **{name: _field() for name in ("provider_description", "sector", "strain", "capacity", "demand",
                                        "capacity_unit")},
    },
    ImportKind.SOURCE: {
        "id": KEY_ROLE, "version": KEY_ROLE,
        **{name: _field() for name in ("title", "url", "publication_date", "kind", "language", "archive_url",
                                        "accessed_on", "notes", "is_confidential")},
        "publisher": _ref("publisher", BY_NAME, Organization),
        "publisher_id": _ref("publisher", BY_ID, Organization),
        "co_credited": Role(MANY, "co_credited", BY_NAME, Organization),
        "dateline": _ref("dateline", BY_NAME, Location),
        "dateline_country_iso3": _ref("dateline", SCOPE, Location),
        **dict.fromkeys(("latitude", "longitude", "updated_at"), COMPUTED_ROLE),
    },
    ImportKind.ORGANIZATION: {
        "id": KEY_ROLE, "version": KEY_ROLE,
        **{name: _field() for name in ("name", "acronym", "kind", "reliability", "notes")},
        "aliases": Role(MANY, "aliases", BY_NAME, None),
        "country_iso3": _ref("country", BY_CODE, Location),
        "updated_at": COMPUTED_ROLE,
    },
    ImportKind.LOCATION: {
        "id": KEY_ROLE, "version": KEY_ROLE,
        **{name: _field() for name in ("name", "level", "pcode", "latitude", "longitude", "default_household_size",
                                        "default_household_size_citation", "notes")},
        "parent_id": _ref("parent", BY_ID, Location),
        "adm2_pcode": _ref("parent", BY_CODE, Location),
        "adm1_pcode": _ref("parent", BY_CODE, Location),
        "country_iso3": _ref("parent", SCOPE, Location),
        **dict.fromkeys(("adm1_name", "adm2_name", "updated_at"), COMPUTED_ROLE),
        "alternate_names": Role(MANY, "alternate_names", BY_NAME, None),
    },
}

EXPORT_COLUMNS: dict[str, list[Column]] = {
    ImportKind.DISPLACEMENT: registry.DISPLACEMENT_COLUMNS,
    ImportKind.SURRENDER: registry.SURRENDER_COLUMNS,
    ImportKind.AID_CAPACITY: registry.AID_CAPACITY_COLUMNS,
    ImportKind.SOURCE: registry.SOURCE_COLUMNS,
    ImportKind.ORGANIZATION: registry.ORGANIZATION_COLUMNS,
    ImportKind.LOCATION: registry.LOCATION_COLUMNS,
}

MODELS: dict[str, type] = {
    ImportKind.DISPLACEMENT: DisplacementFigure,
    ImportKind.SURRENDER: SurrenderFigure,
    ImportKind.AID_CAPACITY: AidCapacityReport,
    ImportKind.SOURCE: Source,
    ImportKind.ORGANIZATION: Organization,
    ImportKind.LOCATION: Location,
}

CLAIM_KINDS = (ImportKind.DISPLACEMENT, ImportKind.SURRENDER, ImportKind.AID_CAPACITY)

#: a location's parent, from the most specific code a row gives
PARENT_ORDER = ("parent_id", "adm2_pcode", "adm1_pcode")


def import_columns(kind: str) -> list[ImportColumn]:
    """The kind's columns in the export's order, each with its role on import."""
    roles = ROLES[kind]
    return [ImportColumn(column, roles[column.name]) for column in EXPORT_COLUMNS[kind]]


def writable_columns(kind: str) -> list[ImportColumn]:
    """The columns a template offers: the ones an import writes (keys and computed columns left out)."""
    return [c for c in import_columns(kind) if c.role.role in (FIELD, REF, MANY)]


def required_columns(kind: str) -> list[set[str]]:
    """Column sets of which a file must hold at least one per set (for new rows; an update may leave them out)."""
    claim = [{"location_id", "location_pcode", "location_name"}]
    return {
        ImportKind.DISPLACEMENT: [*claim, {"term"}],
        ImportKind.SURRENDER: [*claim, {"surrendering_group", "surrendering_group_id"}],
        ImportKind.AID_CAPACITY: [*claim, {"sector"}],
        ImportKind.SOURCE: [{"title"}, {"publication_date"}, {"publisher", "publisher_id"}],
        ImportKind.ORGANIZATION: [{"name"}],
        ImportKind.LOCATION: [{"name"}, {"level"}],
    }[kind]


def column_help(kind: str, column: ImportColumn) -> str:
    """What a header's comment in the template says: the export column's description, else the model field's."""
    if column.column.description:
        return column.column.description
    model = MODELS[kind]
    target = column.role.target or column.name
    try:
        field = model._meta.get_field(target.removesuffix("_id") if target.endswith("_id") else target)
    except FieldDoesNotExist:  # a column with no model field of its name
        return ""
    text = str(getattr(field, "help_text", "") or "")
    if column.role.role == REF:
        how = {BY_ID: "its id", BY_CODE: "its code", BY_URL: "its URL", BY_NAME: "its name or alias",
               SCOPE: "the country (ISO3) a name is looked up in"}[column.role.by]
        text = f"{field.verbose_name.capitalize()}, by {how}. {text}".strip()
    return text
