"""The reference entities' endpoints: sources, organizations, places, events."""

from __future__ import annotations

from tracker import filtersets
from tracker.api import serializers as s
from tracker.api.base import ResourceViewSet
from tracker.exports import columns as export_columns
from tracker.models import (
    Event,
    Location,
    Organization,
    Source,
)

# --- reference entities -------------------------------------------------------------------------


class SourceViewSet(ResourceViewSet):
    """Articles, reports and statements the records quote. Keys see non-confidential sources."""

    model = Source
    resource = "sources"
    serializer_class = s.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    columns = export_columns.SOURCE_COLUMNS

    def base_queryset(self):
        return Source.objects.select_related(
            "publisher", "dateline__country", "dateline__adm1", "created_by", "updated_by"
        ).prefetch_related("co_credited")

    def export_point(self, item):
        dateline = item.get("dateline") or {}
        return dateline.get("latitude"), dateline.get("longitude")


class OrganizationViewSet(ResourceViewSet):
    """Parties, agencies and outlets, with their aliases ("Daesh" finds ISIL)."""

    model = Organization
    resource = "organizations"
    serializer_class = s.OrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet
    columns = export_columns.ORGANIZATION_COLUMNS

    def base_queryset(self):
        return Organization.objects.select_related("country", "created_by", "updated_by").prefetch_related("aliases")

    def export_point(self, item):
        return None


class LocationViewSet(ResourceViewSet):
    """The place tree: countries, admin areas, localities, sites, features."""

    model = Location
    resource = "locations"
    serializer_class = s.LocationSerializer
    filterset_class = filtersets.LocationFilterSet
    columns = export_columns.LOCATION_COLUMNS

    def base_queryset(self):
        return Location.objects.select_related(
            "country", "adm1", "adm2", "created_by", "updated_by"
        ).prefetch_related("alternate_names")

    def export_point(self, item):
        return item.get("latitude"), item.get("longitude")


class EventViewSet(ResourceViewSet):
    """Bounded episodes ("Battle of Baghouz") with their crisis, countries and parties."""

    model = Event
    resource = "events"
    serializer_class = s.EventSerializer
    filterset_class = filtersets.EventFilterSet
    columns = export_columns.EVENT_COLUMNS

    def base_queryset(self):
        return Event.objects.select_related("crisis", "created_by", "updated_by").prefetch_related(
            "countries", "parties"
        )

    def export_point(self, item):
        return None
