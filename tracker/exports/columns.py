"""The one registry of export columns (CSV, HXL, XLSX, GeoJSON properties): a column is one entry.

Each entry has its name, its HXL hashtag, a getter reading the record's JSON representation (so an export
never says anything the JSON does not) and, for the three kinds of record, its SQL cell: the text
PostgreSQL's COPY writes for it (``tracker.exports.cells``, ``tracker.exports.copy``). A column of a record
without its SQL cell fails tests/api/test_exports.py; the COPY and Python paths are held to the same bytes
there. The full mapping, with reasons, is in docs/hxl.md: keep the two in step (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, Model

from tracker.exports.cells import (
    DATE,
    DATETIME,
    INTEGER,
    NUMBER,
    TEXT,
    Boolean,
    SqlCell,
    boolean,
    cited_sources,
    integer,
    iso_date,
    iso_time,
    number,
    party_claim,
    text,
)
from tracker.models.claim_indexes import counted_expression


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    get: Callable[[dict], Any]
    #: the cell as COPY writes it, a function of the model; None where only the Python renderer writes it
    sql: SqlCell | None = None
    description: str = ""
    #: shown only to staff and to keys with the confidential scope
    confidential_only: bool = False
    #: what the cell holds for typed formats (XLSX): cells.TEXT, INTEGER, NUMBER, DATE, DATETIME or BOOLEAN;
    #: by default its SQL cell's kind, else text
    type: str = ""

    def value(self, item: dict) -> Any:
        return self.get(item)

    @property
    def kind(self) -> str:
        return self.type or getattr(self.sql, "kind", TEXT)


def _path(path: str) -> Callable[[dict], Any]:
    parts = path.split(".")

    def get(item: dict) -> Any:
        value: Any = item
        for part in parts:
            if value is None:
                return None
            value = value.get(part)
        return value

    return get


def _joined(path: str, key: str) -> Callable[[dict], Any]:
    inner = _path(path)

    def get(item: dict) -> str:
        values = inner(item) or []
        return "; ".join(str(v.get(key) if isinstance(v, dict) else v) for v in values if v is not None)

    return get


def col(name: str, hxl: str, path: str | None = None, **kwargs) -> Column:
    """A column reading ``path`` (dotted, of the JSON representation; the name by default)."""
    return Column(name, hxl, _path(path or name), **kwargs)


def joined(name: str, hxl: str, path: str, key: str = "name", **kwargs) -> Column:
    """A column joining a list's ``key`` with "; "."""
    return Column(name, hxl, _joined(path, key), **kwargs)


# --- the three kinds of fact --------------------------------------------------------------------

CLAIM_PLACE = [
    col("country_iso3", "#country+code", "location.country_iso3", sql=text("location__country__iso3")),
    col("adm1_pcode", "#adm1+code", "location.adm1_pcode", sql=text("location__adm1__pcode")),
    col("adm1_name", "#adm1+name", "location.adm1_name", sql=text("location__adm1__name")),
    col("location_id", "#loc+id", "location.id", sql=integer("location_id")),
    col("location_name", "#loc+name", "location.name", sql=text("location__name")),
    col("location_pcode", "#loc+code", "location.pcode", sql=text("location__pcode")),
    col("location_level", "#loc+type", "location.level", sql=text("location__level")),
    col("location_precision", "#loc+precision", sql=text("location_precision")),
    col("latitude", "#geo+lat", "location.latitude", sql=number("location__latitude")),
    col("longitude", "#geo+lon", "location.longitude", sql=number("location__longitude")),
]
CLAIM_PERIOD = [
    col("start_date", "#date+start", sql=iso_date("start_date")),
    col("start_precision", "#meta+start_precision", sql=text("start_precision")),
    col("end_date", "#date+end", sql=iso_date("end_date")),
    col("end_precision", "#meta+end_precision", sql=text("end_precision")),
]
CLAIM_CONTEXT = [
    col("event_id", "#event+id", "event.id", sql=integer("event_id")),
    col("event", "#event+name", "event.name", sql=text("event__name")),
    col("crisis", "#crisis+name", "event.crisis.name", sql=text("event__crisis__name")),
]
CLAIM_PROVENANCE = [
    col("attributed_to", "#meta+claimant", "attributed_to.name", sql=text("attributed_to__name")),
    col("attribution_text", "#meta+attribution", sql=text("attribution_text")),
    col("is_party_claim", "#meta+party_claim", sql=party_claim),
    joined("cited_sources", "#meta+cited", "cited_sources", sql=cited_sources),
    col("excerpt", "#description+excerpt", sql=text("excerpt")),
    col("excerpt_translation", "#description+translation", sql=text("excerpt_translation")),
    col("notes", "#description+notes", sql=text("notes")),
    col("source_title", "#meta+source", "source.title", sql=text("source__title")),
    col("source_url", "#meta+url", "source.url", sql=text("source__url")),
    col("source_publisher", "#meta+publisher", "source.publisher", sql=text("source__publisher__name")),
    col("source_publication_date", "#date+reported", "source.publication_date",
        sql=iso_date("source__publication_date")),
    col("source_id", "#meta+source_id", "source.id", sql=integer("source_id")),
]
CLAIM_AUDIT = [
    col("review_status", "#status+review", sql=text("review_status")),
    col("is_confidential", "#meta+confidential", confidential_only=True, sql=boolean("is_confidential")),
    col("version", "#meta+version", sql=integer("version")),
    col("created_at", "#date+created", sql=iso_time("created_at")),
    col("updated_at", "#date+updated", sql=iso_time("updated_at")),
]
CLAIM_ID = col("id", "#meta+id", sql=integer("id"))


def counted(model: type[Model]) -> Expression:
    """``QuantifiedClaim.is_counted`` as a cell: ``COUNTED``, true or false for each row."""
    return Boolean(counted_expression())


counted.kind = Boolean.kind


def quantity_columns(hashtag: str) -> list[Column]:
    """Best in the plain hashtag, first: HXL tools (libhxl, the HXL Proxy) read and sum the first column that
    matches a hashtag, and ``#affected+displaced+ind`` matches ``+low`` and ``+high`` too. Low and high marked,
    openness explicit, and whether the row counts in totals (filter on it before summing: docs/hxl.md)."""
    return [
        col("best", hashtag, sql=integer("best")),
        col("low", f"{hashtag}+low", sql=integer("low")),
        col("high", f"{hashtag}+high", description="Empty when open or unquantified.", sql=integer("high")),
        col("high_open", "#meta+high_open", sql=boolean("high_open")),
        col("counted", "#meta+counted", sql=counted,
            description="true when the figure enters totals (approved, headline, not a duplicate, quantified)."),
        col("quantifier", "#meta+quantifier", sql=text("quantifier")),
        col("reported_value", "#meta+reported_value", sql=integer("reported_value")),
        col("reported_value_max", "#meta+reported_value_max", sql=integer("reported_value_max")),
        col("magnitude_word", "#meta+magnitude_word", sql=text("magnitude_word")),
        col("reported_phrase", "#meta+phrase", sql=text("reported_phrase")),
        col("unit", "#meta+unit", sql=text("unit")),
        col("household_size", "#meta+household_size", sql=number("household_size")),
        col("household_size_source", "#meta+household_size_source", sql=text("household_size_source")),
        col("best_override_reason", "#meta+best_override_reason", sql=text("best_override_reason")),
        col("role", "#meta+role", sql=text("role")),
        col("supports", "#meta+supports", sql=integer("supports_id")),
        col("duplicate_of", "#meta+duplicate_of", sql=integer("duplicate_of_id")),
        col("term_group", "#meta+term_group", sql=text("term_group")),
    ]


DISPLACEMENT_COLUMNS = [
    CLAIM_ID,
    col("term", "#meta+term", sql=text("term")),
    col("category", "#meta+category", sql=text("category")),
    *quantity_columns("#affected+displaced+ind"),
    col("women", "#affected+displaced+f", sql=integer("women")),
    col("men", "#affected+displaced+m", sql=integer("men")),
    col("children", "#affected+displaced+children", sql=integer("children")),
    col("elderly", "#affected+displaced+elderly", sql=integer("elderly")),
    col("composition_note", "#description+composition", sql=text("composition_note")),
    *CLAIM_PLACE,
    col("origin_name", "#loc+origin+name", "origin.name", sql=text("origin__name")),
    col("origin_pcode", "#loc+origin+code", "origin.pcode", sql=text("origin__pcode")),
    col("destination_name", "#loc+dest+name", "destination.name", sql=text("destination__name")),
    col("destination_pcode", "#loc+dest+code", "destination.pcode", sql=text("destination__pcode")),
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

SURRENDER_COLUMNS = [
    CLAIM_ID,
    col("term", "#meta+term", sql=text("term")),
    col("combatant_status", "#meta+combatant_status", sql=text("combatant_status")),
    *quantity_columns("#x_surrendered+ind"),
    col("surrendering_group", "#group+name", "surrendering_group.name", sql=text("surrendering_group__name")),
    col("surrendering_group_id", "#group+id", "surrendering_group.id", sql=integer("surrendering_group_id")),
    col("received_by", "#group+receiver+name", "received_by.name", sql=text("received_by__name")),
    col("received_by_id", "#group+receiver+id", "received_by.id", sql=integer("received_by_id")),
    *CLAIM_PLACE,
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

AID_CAPACITY_COLUMNS = [
    CLAIM_ID,
    col("provider", "#org+name", "provider.name", sql=text("provider__name")),
    col("provider_id", "#org+id", "provider.id", sql=integer("provider_id")),
    col("provider_description", "#description+provider", sql=text("provider_description")),
    col("sector", "#sector", sql=text("sector")),
    col("strain", "#status+strain", sql=text("strain")),
    col("capacity", "#capacity", sql=integer("capacity")),
    col("demand", "#capacity+demand", sql=integer("demand")),
    col("capacity_unit", "#meta+capacity_unit", sql=text("capacity_unit")),
    *CLAIM_PLACE,
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

#: the record lists, which PostgreSQL may write with COPY: every column has its SQL cell
RECORD_LISTS = {
    "displacement-figures": DISPLACEMENT_COLUMNS,
    "surrenders": SURRENDER_COLUMNS,
    "aid-capacity": AID_CAPACITY_COLUMNS,
}

# --- reference entities (the Python renderer only) -----------------------------------------------

REFERENCE_AUDIT = [col("version", "#meta+version", type=INTEGER), col("updated_at", "#date+updated", type=DATETIME)]

SOURCE_COLUMNS = [
    col("id", "#meta+id", type=INTEGER),
    col("title", "#meta+source"),
    col("url", "#meta+url"),
    col("publisher", "#meta+publisher", "publisher.name"),
    col("publisher_id", "#meta+publisher_id", "publisher.id", type=INTEGER),
    joined("co_credited", "#meta+co_credited", "co_credited"),
    col("publication_date", "#date+reported", type=DATE),
    col("kind", "#meta+type"),
    col("language", "#meta+language"),
    col("dateline", "#loc+name", "dateline.name"),
    col("dateline_country_iso3", "#country+code", "dateline.country_iso3"),
    col("latitude", "#geo+lat", "dateline.latitude", type=NUMBER),
    col("longitude", "#geo+lon", "dateline.longitude", type=NUMBER),
    col("archive_url", "#meta+archive_url"),
    col("accessed_on", "#date+accessed", type=DATE),
    col("notes", "#description+notes"),
    col("is_confidential", "#meta+confidential", confidential_only=True),
    *REFERENCE_AUDIT,
]

ORGANIZATION_COLUMNS = [
    col("id", "#org+id", type=INTEGER),
    col("name", "#org+name"),
    col("acronym", "#org+acronym"),
    joined("aliases", "#org+alias", "aliases"),
    col("kind", "#org+type"),
    col("reliability", "#meta+reliability"),
    col("country_iso3", "#country+code", "country.iso3"),
    col("notes", "#description+notes"),
    *REFERENCE_AUDIT,
]

LOCATION_COLUMNS = [
    col("id", "#loc+id", type=INTEGER),
    col("name", "#loc+name"),
    col("level", "#loc+type"),
    col("pcode", "#loc+code"),
    col("country_iso3", "#country+code", "country.iso3"),
    col("adm1_pcode", "#adm1+code", "adm1.pcode"),
    col("adm1_name", "#adm1+name", "adm1.name"),
    col("adm2_pcode", "#adm2+code", "adm2.pcode"),
    col("adm2_name", "#adm2+name", "adm2.name"),
    col("parent_id", "#meta+parent_id", "parent", type=INTEGER),
    col("latitude", "#geo+lat", type=NUMBER),
    col("longitude", "#geo+lon", type=NUMBER),
    joined("alternate_names", "#loc+name+alt", "alternate_names"),
    col("default_household_size", "#meta+household_size", type=NUMBER),
    col("default_household_size_citation", "#meta+household_size_citation"),
    col("notes", "#description+notes"),
    *REFERENCE_AUDIT,
]

EVENT_COLUMNS = [
    col("id", "#event+id", type=INTEGER),
    col("name", "#event+name"),
    col("kind", "#event+type"),
    col("crisis", "#crisis+name", "crisis.name"),
    joined("countries", "#country+code", "countries", key="iso3"),
    joined("parties", "#group+party+name", "parties"),
    col("start_date", "#date+start", type=DATE),
    col("end_date", "#date+end", type=DATE),
    col("description", "#description"),
    *REFERENCE_AUDIT,
]
