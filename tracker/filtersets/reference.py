"""The FilterSets of the reference entities: organizations, places, events, sources."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from tracker.choices import (
    EventKind,
    LocationLevel,
    OrganizationKind,
    Reliability,
    SourceKind,
)
from tracker.filtersets.base import StrictFilterSet
from tracker.filtersets.fields import (
    BooleanFilter,
    CountryFilter,
    OrganizationIdsFilter,
    PlaceFilter,
    date_filter,
    multiple_choice,
    multiple_model,
    organizations_matching,
    places_matching,
)
from tracker.models import (
    Crisis,
    Event,
    Location,
    Organization,
    Source,
)


class OrganizationFilterSet(StrictFilterSet):
    kind = multiple_choice(OrganizationKind.choices, help_text="Organization kinds.")
    reliability = multiple_choice(Reliability.choices)
    country = CountryFilter(field_name="country", help_text="ISO3 codes of the organization's country.")
    ordering = django_filters.OrderingFilter(fields=("name", "updated_at", "id"))

    class Meta:
        model = Organization
        fields: list[str] = []

    def search_q(self, term: str) -> Q:
        return Q(pk__in=organizations_matching(term))


class LocationFilterSet(StrictFilterSet):
    location = PlaceFilter(field_name="", help_text="Places by id or P-code, each with everything inside it.")
    country = CountryFilter(field_name="country", help_text="ISO3 codes: every place inside these countries.")
    level = multiple_choice(LocationLevel.choices)
    parent = multiple_model(Location.objects.all(), "parent", help_text="Direct children of these place ids.")
    pcode = django_filters.CharFilter(field_name="pcode", help_text="Exact P-code.")
    iso3 = django_filters.CharFilter(field_name="iso3", lookup_expr="iexact", help_text="Exact ISO3 code.")
    has_coordinates = BooleanFilter(
        field_name="latitude", lookup_expr="isnull", exclude=True, help_text="Only places with (or without) a point."
    )
    ordering = django_filters.OrderingFilter(fields=("name", "path", "updated_at", "id"))
    default_ordering = ("updated_at", "id")

    class Meta:
        model = Location
        fields: list[str] = []

    def search_q(self, term: str) -> Q:
        return Q(pk__in=places_matching(term)) | Q(iso3__iexact=term)


class EventFilterSet(StrictFilterSet):
    kind = multiple_choice(EventKind.choices)
    crisis = multiple_model(Crisis.objects.all(), "crisis")
    country = CountryFilter(method="filter_country", help_text="ISO3 codes of countries the event took place in.")
    party = OrganizationIdsFilter(method="filter_party", help_text="Organization ids among the event's parties.")
    date_from = date_filter("end_date", "gte", "Events still going on at or after this date (YYYY-MM-DD).")
    date_to = date_filter("start_date", "lte", "Events that began on or before this date (YYYY-MM-DD).")
    ordering = django_filters.OrderingFilter(fields=("start_date", "name", "updated_at", "id"))

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        date_from = self.form.cleaned_data.get("date_from")
        if date_from:
            # An ongoing event (no end date) overlaps every later date.
            self.form.cleaned_data.pop("date_from")
            queryset = queryset.filter(Q(end_date__gte=date_from) | Q(end_date__isnull=True))
        return super().filter_queryset(queryset)

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Event.countries.through.objects.filter(location__in=value).values("event_id"))

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Event.parties.through.objects.filter(organization__in=value).values("event_id"))

    def search_q(self, term: str) -> Q:
        return Q(name__icontains=term) | Q(description__icontains=term) | Q(crisis__name__icontains=term)


class SourceFilterSet(StrictFilterSet):
    kind = multiple_choice(SourceKind.choices)
    publisher = multiple_model(Organization.objects.all(), "publisher", help_text="Publisher organization ids.")
    language = django_filters.CharFilter(field_name="language", lookup_expr="iexact", help_text="BCP 47 code.")
    published_from = date_filter("publication_date", "gte", "Published on or after (YYYY-MM-DD).")
    published_to = date_filter("publication_date", "lte", "Published on or before (YYYY-MM-DD).")
    url = django_filters.CharFilter(method="filter_url", help_text="A URL, matched after normalisation.")
    confidential = BooleanFilter(field_name="is_confidential",
                                                help_text="Staff and keys with the confidential scope only.")
    ordering = django_filters.OrderingFilter(fields=("publication_date", "title", "updated_at", "id"))
    confidential_only = ("confidential",)

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_url(self, queryset, name, value):
        try:
            return queryset.with_url(value)
        except Exception:  # noqa: BLE001 - any URL the normaliser cannot read matches nothing
            return queryset.none()

    def search_q(self, term: str) -> Q:
        return (
            Q(title__icontains=term) | Q(url__icontains=term) | Q(notes__icontains=term)
            | Q(publisher__in=organizations_matching(term))
        )
