"""The FilterSets of the three kinds of fact: displacement, surrender, aid capacity."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from tracker.choices import (
    CapacityUnit,
    CombatantStatus,
    DisplacementCategory,
    DisplacementTerm,
    LocationPrecision,
    MagnitudeWord,
    Quantifier,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    SurrenderTerm,
    TermGroup,
    Unit,
)
from tracker.filtersets.base import StrictFilterSet
from tracker.filtersets.fields import (
    MAX_INT,
    BooleanFilter,
    CountryFilter,
    IdsFilter,
    OrganizationIdsFilter,
    PlaceFilter,
    WholeNumberFilter,
    date_filter,
    multiple_choice,
    multiple_model,
)
from tracker.models import (
    AidCapacityReport,
    Crisis,
    DisplacementFigure,
    Event,
    Organization,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
)
from tracker.search.query import search_q

# --- the three kinds of fact --------------------------------------------------------------------


class ClaimFilterSet(StrictFilterSet):
    """Filters every kind of claim takes."""

    event = multiple_model(Event.objects.all(), "event", help_text="Event ids.")
    crisis = multiple_model(Crisis.objects.all(), "event__crisis", help_text="Crisis ids.")
    country = CountryFilter(field_name="country", help_text="ISO3 codes: every record placed inside them.")
    location = PlaceFilter(field_name="location", stored_areas=True,
                           help_text="Place ids or P-codes: records placed there or anywhere inside.")
    location_precision = multiple_choice(LocationPrecision.choices)
    date_from = date_filter("end_date", "gte", "Records whose period ends on or after this date (overlap).")
    date_to = date_filter("start_date", "lte", "Records whose period starts on or before this date (overlap).")
    published_from = date_filter("source__publication_date", "gte", "Source published on or after (YYYY-MM-DD).")
    published_to = date_filter("source__publication_date", "lte", "Source published on or before (YYYY-MM-DD).")
    source = multiple_model(Source.objects.all(), "source", help_text="Source ids.")
    organization = OrganizationIdsFilter(
        method="filter_organization",
        help_text="Organization ids in any role: claimant, cited, surrendering, receiving, provider, publisher.",
    )
    attributed_to = multiple_model(Organization.objects.all(), "attributed_to",
                                   help_text="Ids of the organizations that made the claim.")
    review_status = multiple_choice(ReviewStatus.choices, help_text="Staff only: API keys see approved records.")
    confidential = BooleanFilter(
        method="filter_confidential",
        help_text="Effectively confidential (the record or its source). Staff and keys with the scope only.",
    )
    ordering = django_filters.OrderingFilter(
        fields=("updated_at", "created_at", "start_date", "end_date", "id"),
        help_text="Sort fields, comma-separated; '-' for descending. Default: updated_at,id (sync order); "
        "-end_date,-id (newest first) when date_from or date_to is given without updated_since.",
    )
    staff_only = ("review_status",)
    confidential_only = ("confidential",)
    organization_fields: tuple[str, ...] = ("attributed_to", "source__publisher")

    def implicit_ordering(self) -> tuple[str, ...]:
        # A period asks for records by their dates: newest first, which the date indexes serve directly.
        # (Walking the sync order instead meets a year's records only after every older change: the
        # planner cannot know that change times follow the periods, and one page took 160 ms of SQL.)
        data = self.form.cleaned_data
        if (data.get("date_from") or data.get("date_to")) and not data.get("updated_since"):
            return ("-end_date", "-id")
        return self.default_ordering

    def filter_organization(self, queryset, name, value):
        if not value:
            return queryset
        query = Q(pk__in=queryset.model.objects.filter(cited_sources__in=value).values("pk"))
        for field in self.organization_fields:
            query |= Q(**{f"{field}__in": value})
        return queryset.filter(query)

    def filter_confidential(self, queryset, name, value):
        if value is None:
            return queryset
        hidden = Q(is_confidential=True) | Q(source__is_confidential=True)
        return queryset.filter(hidden) if value else queryset.exclude(hidden)

    def search_q(self, term: str) -> Q:
        """The records ``term`` finds, every word of it (``tracker.search``: stems of the prose, beginnings of the
        names); every record when it holds no word. One condition, served by the search index."""
        return search_q(self.queryset.model, term)

    def filter_q(self, queryset, name, value):
        return queryset.filter(self.search_q(value))


class QuantifiedClaimFilterSet(ClaimFilterSet):
    quantifier = multiple_choice(Quantifier.choices)
    magnitude_word = multiple_choice(MagnitudeWord.choices)
    unit = multiple_choice(Unit.choices)
    role = multiple_choice(Role.choices, help_text="headline (counted) or triangulation (supports another).")
    is_duplicate = BooleanFilter(field_name="duplicate_of", lookup_expr="isnull", exclude=True,
                                                help_text="true: only duplicates; false: no duplicates.")
    duplicate_of = IdsFilter(field_name="duplicate_of", help_text="Ids of the figure duplicated.")
    supports = IdsFilter(field_name="supports", help_text="Ids of the headline figure supported.")
    quantified = BooleanFilter(field_name="low", lookup_expr="isnull", exclude=True,
                                              help_text="false: only unquantified claims.")
    high_open = BooleanFilter(field_name="high_open", help_text="Open upper bound ('more than').")
    best_min = WholeNumberFilter(field_name="best", lookup_expr="gte", min_value=0, max_value=MAX_INT,
                                           help_text="Best estimate at least this many persons.")
    best_max = WholeNumberFilter(field_name="best", lookup_expr="lte", min_value=0, max_value=MAX_INT,
                                           help_text="Best estimate at most this many persons.")
    term_group = multiple_choice(TermGroup.choices, help_text="Double-counting group of the term.")


class DisplacementFigureFilterSet(QuantifiedClaimFilterSet):
    term = multiple_choice(DisplacementTerm.choices)
    category = multiple_choice(DisplacementCategory.choices, help_text="flow or stock.")
    origin = PlaceFilter(field_name="origin", help_text="Origin place ids or P-codes, with everything inside.")
    destination = PlaceFilter(field_name="destination",
                              help_text="Destination place ids or P-codes, with everything inside.")

    class Meta:
        model = DisplacementFigure
        fields: list[str] = []


class SurrenderFigureFilterSet(QuantifiedClaimFilterSet):
    term = multiple_choice(SurrenderTerm.choices)
    combatant_status = multiple_choice(CombatantStatus.choices)
    surrendering_group = multiple_model(Organization.objects.all(), "surrendering_group",
                                        help_text="Ids of the surrendering group.")
    received_by = multiple_model(Organization.objects.all(), "received_by",
                                 help_text="Ids of the party the fighters surrendered to.")
    organization_fields = (*ClaimFilterSet.organization_fields, "surrendering_group", "received_by")

    class Meta:
        model = SurrenderFigure
        fields: list[str] = []


class AidCapacityReportFilterSet(ClaimFilterSet):
    sector = multiple_choice(Sector.choices)
    strain = multiple_choice(Strain.choices)
    capacity_unit = multiple_choice(CapacityUnit.choices)
    provider = multiple_model(Organization.objects.all(), "provider", help_text="Provider organization ids.")
    organization_fields = (*ClaimFilterSet.organization_fields, "provider")

    class Meta:
        model = AidCapacityReport
        fields: list[str] = []


class PossibleDoubleCountFilterSet(StrictFilterSet):
    """The review queue of possible double counts (staff only, ``/api/v1/double-counts/``), newest pair first."""

    updated_since = None  # pairs are found and decided, not edited: no sync
    q = None
    default_ordering = ("-id",)

    decided = BooleanFilter(field_name="decided_at", lookup_expr="isnull", exclude=True,
                            help_text="true: decided pairs only; false: pairs awaiting a decision.")
    kind = django_filters.ChoiceFilter(choices=PossibleDoubleCount.KINDS,
                                       help_text="Pairs of this kind of record only.")
    record = WholeNumberFilter(method="filter_record", help_text="Pairs this record (of either kind) takes part in.")

    class Meta:
        model = PossibleDoubleCount
        fields: list[str] = []

    def filter_record(self, queryset, name, value):
        return queryset.filter(Q(first_id=value) | Q(second_id=value))
