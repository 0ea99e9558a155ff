"""Every choice list of the domain with its labels, HXL hashtag and ACLED/UCDP equivalents.

Served at ``/api/v1/vocabularies/`` so that client tools never hard-code a label.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker import choices
from tracker.api.base import TrackerAPIMixin
from tracker.rules.quantities import MAGNITUDE_RANGES
from tracker.rules.terms import TERM_CATEGORIES, displacement_term_group
from tracker.rules.tree import LOCATION_LEVEL_RANK

# field -> (choices class, the column's HXL hashtag in exports, what it describes)
VOCABULARIES = {
    "review_status": (choices.ReviewStatus, "#status+review", "Where a record stands in review."),
    "location_precision": (choices.LocationPrecision, "#loc+precision", "How exactly a record's place is known."),
    "location_level": (choices.LocationLevel, "#loc+type", "Levels of the place tree, coarse to fine."),
    "date_precision": (choices.DatePrecision, "#meta+start_precision", "How exactly a date was given."),
    "quantifier": (choices.Quantifier, "#meta+quantifier", "How the source qualified its number."),
    "magnitude_word": (choices.MagnitudeWord, "#meta+magnitude_word", "Vague quantities and their ranges."),
    "unit": (choices.Unit, "#meta+unit", "What the reported number counts (converted to persons)."),
    "household_size_source": (choices.HouseholdSizeSource, "#meta+household_size_source",
                              "Where a household size comes from."),
    "role": (choices.Role, "#meta+role", "Whether a figure counts in totals."),
    "term_group": (choices.TermGroup, "#meta+term_group", "Figures in one group may count the same people."),
    "displacement_term": (choices.DisplacementTerm, "#meta+term", "What happened to the people."),
    "displacement_category": (choices.DisplacementCategory, "#meta+category", "Flow or stock."),
    "surrender_term": (choices.SurrenderTerm, "#meta+term", "Surrendered or captured."),
    "combatant_status": (choices.CombatantStatus, "#meta+combatant_status", "Who the surrender figure counts."),
    "sector": (choices.Sector, "#sector", "IASC clusters, plus multi-sector."),
    "strain": (choices.Strain, "#status+strain", "How an aid provider's capacity stands."),
    "capacity_unit": (choices.CapacityUnit, "#meta+capacity_unit", "What capacity and demand count."),
    "source_kind": (choices.SourceKind, "#meta+type", "Kinds of source."),
    "organization_kind": (choices.OrganizationKind, "#org+type", "Kinds of organization."),
    "reliability": (choices.Reliability, "#meta+reliability", "An organization's reliability as a source."),
    "event_kind": (choices.EventKind, "#event+type", "Kinds of event."),
}

MAGNITUDE_NOTE = (
    "A magnitude word is stored as its whole credible range in persons, and best is the low end (ACLED's "
    "'lowest credible figure' rule): 'tens of thousands' is 20,000-99,999 with best 20,000. ACLED instead codes "
    "vague words with single fixed values (12 for 'several', 100 for 'hundreds'); our ranges keep the "
    "uncertainty visible and our best estimates are never above the source's meaning."
)
PRECISION_NOTE = (
    "ACLED geo_precision: 1 exact town, 2 near a town or part of a region, 3 provincial/regional. UCDP where_prec: "
    "1 exact, 2 within about 25 km, 3 adm2, 4 adm1, 6 country."
)


def _values(field: str, choice_class) -> list[dict]:
    values = []
    for value, label in choice_class.choices:
        entry = {"value": value, "label": str(label)}
        if field == "location_precision":
            entry.update(choices.LOCATION_PRECISION_EQUIVALENTS[value])
        elif field == "magnitude_word":
            low, high = MAGNITUDE_RANGES[value]
            entry.update({"low": low, "best": low, "high": high})
        elif field == "displacement_term":
            entry["categories"] = sorted(TERM_CATEGORIES[value])
            entry["term_groups"] = sorted(
                {displacement_term_group(value, category) for category in TERM_CATEGORIES[value]}
            )
        elif field == "location_level":
            entry["rank"] = LOCATION_LEVEL_RANK[value]
        values.append(entry)
    return values


def vocabularies() -> dict:
    result = {}
    for field, (choice_class, hxl, description) in VOCABULARIES.items():
        result[field] = {"description": description, "hxl": hxl, "values": _values(field, choice_class)}
    result["location_precision"]["note"] = PRECISION_NOTE
    result["magnitude_word"]["note"] = MAGNITUDE_NOTE
    return {"license": settings.DATA_LICENSE, "vocabularies": result}


class VocabulariesView(TrackerAPIMixin, APIView):
    """Every choice list: values, labels, HXL hashtag, and ACLED/UCDP equivalents where they exist."""

    renderer_classes = [JSONRenderer]

    def get(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown parameter."] for name in unknown})
        return Response(vocabularies())
