"""The flat columns of every export (CSV, HXL, XLSX, GeoJSON properties), with their HXL hashtags.

Columns read the record's JSON representation, so an export never says anything
the JSON does not. The full mapping, with reasons, is in docs/hxl.md: keep the
two in step (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str
    get: Callable[[dict], Any]
    description: str = ""
    #: shown only to staff and to keys with the confidential scope
    confidential_only: bool = False

    def value(self, item: dict) -> Any:
        return self.get(item)


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
    return Column(name, hxl, _path(path or name), **kwargs)


def joined(name: str, hxl: str, path: str, key: str = "name", **kwargs) -> Column:
    return Column(name, hxl, _joined(path, key), **kwargs)


# --- the three kinds of fact --------------------------------------------------------------------

CLAIM_PLACE = [
    col("country_iso3", "#country+code", "location.country_iso3"),
    col("adm1_pcode", "#adm1+code", "location.adm1_pcode"),
    col("adm1_name", "#adm1+name", "location.adm1_name"),
    col("location_id", "#loc+id", "location.id"),
    col("location_name", "#loc+name", "location.name"),
    col("location_pcode", "#loc+code", "location.pcode"),
    col("location_level", "#loc+type", "location.level"),
    col("location_precision", "#loc+precision"),
    col("latitude", "#geo+lat", "location.latitude"),
    col("longitude", "#geo+lon", "location.longitude"),
]
CLAIM_PERIOD = [
    col("start_date", "#date+start"),
    col("start_precision", "#meta+start_precision"),
    col("end_date", "#date+end"),
    col("end_precision", "#meta+end_precision"),
]
CLAIM_CONTEXT = [
    col("event_id", "#event+id", "event.id"),
    col("event", "#event+name", "event.name"),
    col("crisis", "#crisis+name", "event.crisis.name"),
]
CLAIM_PROVENANCE = [
    col("attributed_to", "#meta+claimant", "attributed_to.name"),
    col("attribution_text", "#meta+attribution"),
    col("is_party_claim", "#meta+party_claim"),
    joined("cited_sources", "#meta+cited", "cited_sources"),
    col("excerpt", "#description+excerpt"),
    col("excerpt_translation", "#description+translation"),
    col("notes", "#description+notes"),
    col("source_title", "#meta+source", "source.title"),
    col("source_url", "#meta+url", "source.url"),
    col("source_publisher", "#meta+publisher", "source.publisher"),
    col("source_publication_date", "#date+reported", "source.publication_date"),
    col("source_id", "#meta+source_id", "source.id"),
]
CLAIM_AUDIT = [
    col("review_status", "#status+review"),
    col("is_confidential", "#meta+confidential", confidential_only=True),
    col("version", "#meta+version"),
    col("created_at", "#date+created"),
    col("updated_at", "#date+updated"),
]


def quantity_columns(hashtag: str) -> list[Column]:
    """Best in the plain hashtag (what an HXL tool sums by default), low and high marked, openness explicit."""
    return [
        col("best", hashtag),
        col("low", f"{hashtag}+low"),
        col("high", f"{hashtag}+high", description="Empty when open or unquantified."),
        col("high_open", "#meta+high_open"),
        col("quantifier", "#meta+quantifier"),
        col("reported_value", "#meta+reported_value"),
        col("reported_value_max", "#meta+reported_value_max"),
        col("magnitude_word", "#meta+magnitude_word"),
        col("reported_phrase", "#meta+phrase"),
        col("unit", "#meta+unit"),
        col("household_size", "#meta+household_size"),
        col("household_size_source", "#meta+household_size_source"),
        col("best_override_reason", "#meta+best_override_reason"),
        col("role", "#meta+role"),
        col("supports", "#meta+supports"),
        col("duplicate_of", "#meta+duplicate_of"),
        col("term_group", "#meta+term_group"),
    ]


DISPLACEMENT_COLUMNS = [
    col("id", "#meta+id"),
    col("term", "#meta+term"),
    col("category", "#meta+category"),
    *quantity_columns("#affected+displaced+ind"),
    col("women", "#affected+displaced+f"),
    col("men", "#affected+displaced+m"),
    col("children", "#affected+displaced+children"),
    col("elderly", "#affected+displaced+elderly"),
    col("composition_note", "#description+composition"),
    *CLAIM_PLACE,
    col("origin_name", "#loc+origin+name", "origin.name"),
    col("origin_pcode", "#loc+origin+code", "origin.pcode"),
    col("destination_name", "#loc+destination+name", "destination.name"),
    col("destination_pcode", "#loc+destination+code", "destination.pcode"),
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

SURRENDER_COLUMNS = [
    col("id", "#meta+id"),
    col("term", "#meta+term"),
    col("combatant_status", "#meta+combatant_status"),
    *quantity_columns("#x_surrendered+ind"),
    col("surrendering_group", "#group+name", "surrendering_group.name"),
    col("surrendering_group_id", "#group+id", "surrendering_group.id"),
    col("received_by", "#group+receiver+name", "received_by.name"),
    col("received_by_id", "#group+receiver+id", "received_by.id"),
    *CLAIM_PLACE,
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

AID_CAPACITY_COLUMNS = [
    col("id", "#meta+id"),
    col("provider", "#org+name", "provider.name"),
    col("provider_id", "#org+id", "provider.id"),
    col("provider_description", "#description+provider"),
    col("sector", "#sector"),
    col("strain", "#status+strain"),
    col("capacity", "#capacity"),
    col("demand", "#capacity+demand"),
    col("capacity_unit", "#meta+capacity_unit"),
    *CLAIM_PLACE,
    *CLAIM_PERIOD,
    *CLAIM_CONTEXT,
    *CLAIM_PROVENANCE,
    *CLAIM_AUDIT,
]

# --- reference entities -------------------------------------------------------------------------

REFERENCE_AUDIT = [col("version", "#meta+version"), col("updated_at", "#date+updated")]

SOURCE_COLUMNS = [
    col("id", "#meta+id"),
    col("title", "#meta+source"),
    col("url", "#meta+url"),
    col("publisher", "#meta+publisher", "publisher.name"),
    col("publisher_id", "#meta+publisher_id", "publisher.id"),
    joined("co_credited", "#meta+co_credited", "co_credited"),
    col("publication_date", "#date+reported"),
    col("kind", "#meta+kind"),
    col("language", "#meta+language"),
    col("dateline", "#loc+name", "dateline.name"),
    col("dateline_country_iso3", "#country+code", "dateline.country_iso3"),
    col("latitude", "#geo+lat", "dateline.latitude"),
    col("longitude", "#geo+lon", "dateline.longitude"),
    col("archive_url", "#meta+archive_url"),
    col("accessed_on", "#date+accessed"),
    col("notes", "#description+notes"),
    col("is_confidential", "#meta+confidential", confidential_only=True),
    *REFERENCE_AUDIT,
]

ORGANIZATION_COLUMNS = [
    col("id", "#org+id"),
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
    col("id", "#loc+id"),
    col("name", "#loc+name"),
    col("level", "#loc+type"),
    col("pcode", "#loc+code"),
    col("country_iso3", "#country+code", "country.iso3"),
    col("adm1_pcode", "#adm1+code", "adm1.pcode"),
    col("adm1_name", "#adm1+name", "adm1.name"),
    col("adm2_pcode", "#adm2+code", "adm2.pcode"),
    col("adm2_name", "#adm2+name", "adm2.name"),
    col("parent_id", "#meta+parent_id", "parent"),
    col("latitude", "#geo+lat"),
    col("longitude", "#geo+lon"),
    joined("alternate_names", "#loc+name+alt", "alternate_names"),
    col("default_household_size", "#meta+household_size"),
    col("default_household_size_citation", "#meta+household_size_citation"),
    col("notes", "#description+notes"),
    *REFERENCE_AUDIT,
]

EVENT_COLUMNS = [
    col("id", "#event+id"),
    col("name", "#event+name"),
    col("kind", "#event+type"),
    col("crisis", "#crisis+name", "crisis.name"),
    joined("countries", "#country+code", "countries", key="iso3"),
    joined("parties", "#group+party+name", "parties"),
    col("start_date", "#date+start"),
    col("end_date", "#date+end"),
    col("description", "#description"),
    *REFERENCE_AUDIT,
]
