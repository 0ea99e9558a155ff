"""The reference entities' endpoints: sources, organizations, places, events."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.reverse import reverse

from tracker import filtersets
from tracker.api import serializers as s
from tracker.api.access import visible
from tracker.api.base import ResourceViewSet
from tracker.api.errors import etag_of
from tracker.api.parsers import BodyTooLarge, JSONParser, UploadParser
from tracker.exports import columns as export_columns
from tracker.intake import Upload
from tracker.intake.reading import too_large_message
from tracker.models import (
    Event,
    Location,
    Organization,
    Source,
)
from tracker.services.intake import IntakeResult, source_intake

# --- reference entities -------------------------------------------------------------------------


class SourceViewSet(ResourceViewSet):
    """Articles, reports and statements the records quote. Keys see non-confidential sources."""

    model = Source
    resource = "sources"
    serializer_class = s.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    columns = export_columns.SOURCE_COLUMNS
    #: what the schema says of create beside the other resources' (tracker/api/schema.py, document_resource)
    create_schema = {
        "description": (
            "Staff only. JSON as every resource (the article's text in `text`, optional), or multipart/form-data "
            "with the article as `file` (an HTML page, a PDF or a UTF-8 text file, at most "
            f"{settings.SOURCE_UPLOAD_MAX_BYTES / 1_048_576:g} MB) and the same fields as form fields; fields "
            "left out are taken from the file where it states them (title, publication date, author; the page's "
            "site name matched to the publisher). The text is stored normalised; a text or URL already stored is "
            "refused (400); `near_duplicates` lists stored sources whose text is at least 0.8 similar. Where "
            "`text_may_be_kept` is false the text is dropped after the working time (docs/intake.md)."
        ),
        "request": {"application/json": s.SourceSerializer, "multipart/form-data": s.SourceUploadSerializer},
        "responses": {201: OpenApiResponse(s.SourceCreatedSerializer, description="The new source; its ETag header "
                                           "carries the version.")},
        "extra_errors": (413,),
    }

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [JSONParser(), UploadParser()]
        return super().get_parsers()

    def initialize_request(self, request, *args, **kwargs):
        request = super().initialize_request(request, *args, **kwargs)
        if self.action == "create":
            request.parsers = self.get_parsers()  # the action is known only now: multipart for create alone
        return request

    def create(self, request, *args, **kwargs):
        if request.content_type.startswith("multipart/form-data"):
            serializer = s.SourceUploadSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            upload, co_credited = data.pop("file"), data.pop("co_credited", [])
            if upload.size > settings.SOURCE_UPLOAD_MAX_BYTES:
                raise BodyTooLarge(too_large_message(upload.size))
            with self.service_errors(serializer):
                result = source_intake(
                    created_by=request.user, upload=Upload(upload.read(), upload.name or "", upload.content_type),
                    fields=data, co_credited=co_credited,
                )
        else:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data, m2m = serializer.split_validated()
            text = data.pop("text", "")
            with self.service_errors(serializer):
                if text.strip():
                    result = source_intake(created_by=request.user, text=text, fields=data,
                                           co_credited=m2m.get("co_credited", []))
                else:
                    result = IntakeResult(self.service_create(Source(**data), m2m))
        instance = self.refetch(result.source)
        payload = self.detail_payload(instance)
        shown = {pk for pk in visible(Source.objects.all(), request).filter(
            pk__in=[duplicate.pk for duplicate, _ in result.near_duplicates]).values_list("pk", flat=True)}
        payload["near_duplicates"] = [
            {"id": duplicate.pk, "title": duplicate.title, "similarity": round(score, 3),
             "url": reverse("api:sources-detail", args=[duplicate.pk], request=request)}
            for duplicate, score in result.near_duplicates if duplicate.pk in shown
        ]
        response = Response(payload, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_of(instance)
        response["Location"] = request.build_absolute_uri(f"{instance.pk}/")
        return response

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
