"""The API's endpoints: thin doors into the FilterSets, the access rules and the services.

Reads: every list takes its FilterSet's filters and serves JSON (keyset pages) or
a full streamed download (CSV, HXL, XLSX, GeoJSON). Writes (staff only) go
through ``tracker.services`` so the admin's validation, permissions, history and
workflow apply; a write to an existing record needs ``If-Match`` with the ETag
(the version) it read.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.db.models import Prefetch, ProtectedError, Q
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from tracker import filters, services
from tracker.api import listing
from tracker.api import serializers as s
from tracker.api.access import TrackerAccess, audience_of, sees_confidential, visible
from tracker.api.authentication import is_staff_request
from tracker.api.pagination import CURSOR_PARAM, PAGE_SIZE_PARAM, KeysetPagination, ordering_of
from tracker.api.parsers import JSONParser
from tracker.api.renderers import RESOURCE_RENDERERS, CSVRenderer, ExportRenderer, XLSXRenderer, write_workbook
from tracker.api.throttling import THROTTLE_CLASSES
from tracker.audience import Audience
from tracker.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL, is_database_unavailable
from tracker.exports import columns as export_columns
from tracker.exports.copy import can_copy, copy_stream
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    QuantifiedClaim,
    Source,
    SurrenderFigure,
    Tombstone,
)
from tracker.parsing import iso_datetime
from tracker.services import ConcurrentEditError, WorkflowError
from tracker.services.common import PublishingDenied

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000


# --- errors -------------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the ETag of the version you read (GET the record first)."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it: GET it again and reapply your change."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record's state does not allow this."
    default_code = "conflict"


def _field_errors(error: DjangoValidationError, names: dict[str, str] | None = None) -> dict[str, list[str]]:
    names = names or {}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else names.get(field, field)): list(messages)
        for field, messages in error.message_dict.items()
    }


def exception_handler(exc, context):
    """DRF's handler, plus the services' errors: field-level 400, 409 for workflow refusals, 412 when stale."""
    if isinstance(exc, PublishingDenied):
        set_rollback()
        return Response({exc.field: [str(exc)], "detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if is_database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc)
        return Response({"detail": UNAVAILABLE_DETAIL}, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, ConcurrentEditError):
        set_rollback()
        return Response({"detail": str(exc), "current_version": exc.current.version},
                        status=status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": etag_of(exc.current)})
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        if hasattr(exc, "error_dict"):
            return Response(_field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_409_CONFLICT if isinstance(exc, WorkflowError) else status.HTTP_400_BAD_REQUEST
        return Response({"detail": " ".join(exc.messages), "errors": exc.messages}, status=code)
    if isinstance(exc, ProtectedError):
        set_rollback()
        return Response({"detail": "Other rows still refer to this one: change them first."},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        set_rollback()
        logger.warning("Integrity error reached the API: %s", exc)
        return Response({"detail": "This change conflicts with the stored data and was not saved."},
                        status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


def etag_of(instance) -> str:
    return f'"{instance.version}"'


IF_MATCH = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$', re.ASCII)


# --- the base of every resource -----------------------------------------------------------------


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's DRF backend, reporting the FilterSet's errors as they are.

    (django-filter's own translation %-formats every message, so a value holding
    a "%" would turn a 400 into a 500.)
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise exceptions.ValidationError({name: list(messages) for name, messages in filterset.errors.items()})
        return filterset.qs


class TrackerAPIMixin:
    """What every endpoint shares: who may call it, rate limits, licence and server-time headers."""

    permission_classes = [TrackerAccess]
    throttle_classes = THROTTLE_CLASSES
    model: type | None = None

    def initial(self, request, *args, **kwargs):
        request.server_time = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_renderers(self):
        # Writes, workflow actions and OPTIONS answer in JSON only; the formats are for reading.
        request = getattr(self, "request", None)
        if request is not None and request.method not in ("GET", "HEAD"):
            return [JSONRenderer()]
        return super().get_renderers()

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(response, "status_code", 200) >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), ExportRenderer
        ):
            # Errors are JSON whatever format was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        response["X-Data-License"] = settings.DATA_LICENSE
        server_time = getattr(request, "server_time", None) or timezone.now()
        response["X-Server-Time"] = server_time.isoformat()
        return response


class ResourceViewSet(TrackerAPIMixin, viewsets.ModelViewSet):
    """List, detail and (staff) create, update, delete of one resource."""

    resource = ""
    columns: list = []
    #: the places a row shows (location, origin...): lists load them in a query of their own (attach_places)
    place_fields: tuple[str, ...] = ()
    pagination_class = KeysetPagination
    filter_backends = [StrictFilterBackend]
    renderer_classes = RESOURCE_RENDERERS
    parser_classes = [JSONParser]
    lookup_value_regex = "[^/]+"  # "1.5" or "abc" reach the view and get a JSON 404
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    # --- reading ---
    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        return visible(self.base_queryset(), self.request)

    def filter_queryset(self, queryset):
        if self.action == "list":
            return super().filter_queryset(queryset)
        return queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action not in ("list", None):  # None: a method the view lacks, answered 405 below
            unknown = sorted(set(request.query_params) - {"format"})
            if unknown:
                raise exceptions.ValidationError(
                    {name: ["Unknown parameter: a single record takes only 'format'."] for name in unknown}
                )

    def export_columns(self) -> list:
        confidential = sees_confidential(self.request)
        return [column for column in self.columns if confidential or not column.confidential_only]

    def export_point(self, item: dict):
        location = item.get("location") or {}
        return location.get("latitude"), location.get("longitude")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        renderer = request.accepted_renderer
        if isinstance(renderer, ExportRenderer):
            return self.export_response(queryset, renderer)
        plan = self.list_plan()
        if plan is None:
            page = self.paginate_queryset(queryset)
            self.complete(page)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        rows = self.paginate_queryset(plan.values(queryset))
        return self.get_paginated_response(plan.represent(rows))

    def list_plan(self) -> listing.Plan | None:
        """How lists represent rows without model instances (tracker/api/listing.py); None: by the serializer."""
        return listing.plan_for(self.get_serializer_class(), self.request, self.place_fields)

    def complete(self, rows: list) -> None:
        """Load what the representation of ``rows`` needs beyond the queryset's own prefetches (a hook)."""

    def rows_of(self, queryset) -> Iterator:
        """Every row of ``queryset`` from a server-side cursor, completed chunk by chunk."""
        rows = queryset.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
            self.complete(chunk)
            yield from chunk

    def export_response(self, queryset, renderer: ExportRenderer):
        """Every matching row, streamed from a server-side cursor in constant memory."""
        queryset = queryset.order_by(*ordering_of(queryset))
        plan = self.list_plan()
        if plan is None:
            serializer = self.get_serializer_class()(context=self.get_serializer_context())
            items = (serializer.to_representation(row) for row in self.rows_of(queryset))
        else:
            items = plan.stream(queryset, CHUNK_SIZE)
        filename = f"{self.resource}-{timezone.localdate():%Y-%m-%d}.{renderer.extension}"
        if isinstance(renderer, XLSXRenderer):
            limit = settings.API_XLSX_MAX_ROWS
            if queryset.count() > limit:
                raise exceptions.ValidationError({"format": [
                    f"More than {limit:,} rows match: too many for one Excel sheet. "
                    "Download ?format=csv (no limit) or narrow the filters."
                ]})
            output = tempfile.TemporaryFile()
            write_workbook(output, items, self)
            output.seek(0)
            return FileResponse(output, as_attachment=True, filename=filename, content_type=renderer.media_type)
        columns = self.export_columns()
        if isinstance(renderer, CSVRenderer) and can_copy(queryset, columns):
            # PostgreSQL writes the cells itself (tracker/exports/copy.py): the same bytes, many times faster.
            body = copy_stream(queryset, columns, renderer.head(columns).encode("utf-8"))
        else:
            body = renderer.stream(items, self)
        response = StreamingHttpResponse(body, content_type=f"{renderer.media_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.detail_response(self.get_object())

    def detail_payload(self, instance) -> dict:
        return self.get_serializer(instance).data

    def detail_response(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.detail_payload(instance), status=status_code)
        response["ETag"] = etag_of(instance)
        return response

    # --- writing (staff) ---
    def expected_version(self, request, instance) -> int | None:
        """The version ``If-Match`` names: 428 when missing, 412 when not the current one."""
        header = request.headers.get("If-Match")
        if header is None:
            raise PreconditionRequired()
        if header.strip() == "*":
            # "*" would overwrite whatever changed since the caller read the record: name the version.
            raise PreconditionRequired(
                f"If-Match: * is not accepted: send the ETag of the version you read (GET the record first; "
                f"{self.model._meta.verbose_name} #{instance.pk} is at ETag \"{instance.version}\")."
            )
        match = IF_MATCH.match(header)
        if not match or int(match.group(1)) != instance.version:
            raise PreconditionFailed(
                f"{self.model._meta.verbose_name.capitalize()} #{instance.pk} is at version {instance.version} "
                f"(ETag \"{instance.version}\"), not {header.strip()}: GET it again and reapply your change."
            )
        return instance.version

    @contextmanager
    def service_errors(self, serializer=None):
        """Name fields as the API does (``source_id``, not ``source``) in the services' refusals."""
        try:
            yield
        except WorkflowError as error:
            if hasattr(error, "error_dict"):
                raise exceptions.ValidationError(_field_errors(error, self.api_names(serializer))) from error
            raise Conflict({"detail": " ".join(error.messages), "errors": error.messages}) from error
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise exceptions.ValidationError(_field_errors(error, self.api_names(serializer))) from error
            raise exceptions.ValidationError({"non_field_errors": error.messages}) from error

    @staticmethod
    def api_names(serializer) -> dict[str, str]:
        if serializer is None:
            return {}
        return {field.source: name for name, field in serializer.fields.items()
                if field.write_only and field.source and field.source != name}

    def refetch(self, instance):
        return self.base_queryset().get(pk=instance.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, m2m = serializer.split_validated()
        instance = self.model(**data)
        with self.service_errors(serializer):
            instance = self.service_create(instance, m2m)
        response = self.detail_response(self.refetch(instance), status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{instance.pk}/")
        return response

    def update(self, request, *args, partial: bool = False, **kwargs):
        instance = self.get_object()
        expected = self.expected_version(request, instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data, m2m = serializer.split_validated()
        with self.service_errors(serializer):
            instance = self.service_update(instance, data, m2m, expected)
        return self.detail_response(self.refetch(instance))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.expected_version(request, instance)
        with self.service_errors():
            self.service_delete(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def service_create(self, instance, m2m: dict):
        return services.reference_create(instance, created_by=self.request.user, m2m=m2m)

    def service_update(self, instance, data: dict, m2m: dict, expected: int | None):
        return services.reference_update(instance, changed_by=self.request.user, data=data, m2m=m2m,
                                         expected_version=expected)

    def service_delete(self, instance) -> None:
        services.reference_delete(instance, deleted_by=self.request.user)


# --- reference entities -------------------------------------------------------------------------


class SourceViewSet(ResourceViewSet):
    """Articles, reports and statements the records quote. Keys see non-confidential sources."""

    model = Source
    resource = "sources"
    serializer_class = s.SourceSerializer
    filterset_class = filters.SourceFilterSet
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
    filterset_class = filters.OrganizationFilterSet
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
    filterset_class = filters.LocationFilterSet
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
    filterset_class = filters.EventFilterSet
    columns = export_columns.EVENT_COLUMNS

    def base_queryset(self):
        return Event.objects.select_related("crisis", "created_by", "updated_by").prefetch_related(
            "countries", "parties"
        )

    def export_point(self, item):
        return None


# --- the three kinds of fact --------------------------------------------------------------------


# What a record shows of its related rows is brief (serializers.*BriefSerializer): their audit columns and
# long texts stay in the database, which spares loading and building them for every row of a page.
BRIEF_SKIPPED = ("created_at", "updated_at", "created_by", "updated_by", "version", "text", "notes",
                 "description", "content_hash", "archive_url")


@functools.cache
def brief_deferred(model, paths: tuple[str, ...]) -> tuple[str, ...]:
    """``path__column`` for every skipped column of the rows ``paths`` select with the record (worked out
    once per model, not on every request)."""
    prefixes = {"__".join(path.split("__")[: n + 1]) for path in paths for n in range(path.count("__") + 1)}
    deferred = []
    for prefix in sorted(prefixes):
        related = model
        for part in prefix.split("__"):
            related = related._meta.get_field(part).related_model
        names = {field.name for field in related._meta.concrete_fields}
        deferred += [f"{prefix}__{name}" for name in BRIEF_SKIPPED if name in names]
    return tuple(deferred)


def brief_places():
    """Places as records show them (id, name, P-code, level, point, country and adm1 codes)."""
    return Location.objects.select_related("country", "adm1").only(
        "id", "name", "pcode", "level", "latitude", "longitude", "country__iso3", "adm1__pcode", "adm1__name")


def attach_places(rows: list, fields: tuple[str, ...]) -> None:
    """The places ``rows`` show at ``fields`` (location, origin, destination), from one query, cached on each row
    as ``select_related`` would. Joined to the records, each place column costs planning time on every page
    (PostgreSQL planned a page with them joined for ~24 ms and ran it in ~3 ms); a prefetch per field costs a
    query each."""
    if not rows:
        return
    links = [type(rows[0])._meta.get_field(name) for name in fields]
    wanted = {getattr(row, link.attname) for row in rows for link in links} - {None}
    places = brief_places().in_bulk(wanted) if wanted else {}
    for row in rows:
        for link in links:
            pk = getattr(row, link.attname)
            link.set_cached_value(row, None if pk is None else places[pk])


class ClaimViewSet(ResourceViewSet):
    """Records: keys read approved ones; analysts create drafts and move them through review."""

    related = ("source__publisher", "attributed_to", "event__crisis")
    staff_related = ("created_by", "updated_by", "submitted_by", "reviewed_by")
    place_fields = ("location",)

    def base_queryset(self):
        # The source's stored text can be a whole article, and no record representation shows it.
        # Places come in a query of their own: every join costs planning time on each page (with places,
        # origins and destinations joined, PostgreSQL planned a page for ~24 ms and ran it in ~3 ms).
        queryset = self.model.objects.select_related(*self.related).defer(*brief_deferred(self.model, self.related))
        queryset = queryset.prefetch_related(
            Prefetch("cited_sources", to_attr="prefetched_cited_sources"),
            Prefetch("event__parties", to_attr="prefetched_parties"))
        if is_staff_request(self.request):
            queryset = queryset.select_related(*self.staff_related)
        return queryset

    def complete(self, rows: list) -> None:
        attach_places(rows, self.place_fields)

    def detail_payload(self, instance) -> dict:
        data = super().detail_payload(instance)
        if is_staff_request(self.request) and isinstance(instance, QuantifiedClaim):
            data["possible_double_counts"] = [
                {"other_id": pair.other_id(instance.pk), "resolved": pair.is_resolved,
                 "decision_reason": pair.decision_reason}
                for pair in services.double_counts_for(instance)
            ]
        return data

    def service_create(self, instance, m2m):
        return services.claim_create(instance, created_by=self.request.user, cited_sources=m2m.get("cited_sources"))

    def service_update(self, instance, data, m2m, expected):
        return services.claim_update(instance, changed_by=self.request.user, data=data,
                                     cited_sources=m2m.get("cited_sources"), expected_version=expected)

    def service_delete(self, instance) -> None:
        services.claim_delete(instance, deleted_by=self.request.user)

    # --- review workflow ---
    def transition(self, request, run, *, comment: bool = False) -> Response:
        instance = self.get_object()
        expected = self.expected_version(request, instance)
        text = ""
        if comment:
            body = s.CommentSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            text = body.validated_data["comment"]
        with self.service_errors():
            try:
                run(instance, expected, text)
            except WorkflowError as error:
                if hasattr(error, "error_dict"):
                    raise exceptions.ValidationError(
                        _field_errors(error, {"review_comment": "comment", "decision_reason": "comment"})
                    ) from error
                raise
        return self.detail_response(self.refetch(instance))

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft or changes requested -> in review, once the record validates."""
        return self.transition(request, lambda claim, version, _: services.claim_submit(
            claim, submitted_by=request.user, expected_version=version))

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """In review -> approved, by a reviewer who neither created, submitted nor edited it."""
        return self.transition(request, lambda claim, version, _: services.claim_approve(
            claim, approved_by=request.user, expected_version=version))

    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        """In review -> changes requested, with a comment the analyst sees."""
        return self.transition(request, lambda claim, version, text: services.claim_request_changes(
            claim, reviewer=request.user, comment=text, expected_version=version), comment=True)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """In review or approved (withdrawal) -> rejected, with the reason as comment."""
        return self.transition(request, lambda claim, version, text: services.claim_reject(
            claim, rejected_by=request.user, reason=text, expected_version=version), comment=True)

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Rejected -> draft, by a reviewer."""
        return self.transition(request, lambda claim, version, _: services.claim_reopen(
            claim, reopened_by=request.user, expected_version=version))


class DisplacementFigureViewSet(ClaimViewSet):
    """People who fled, were evacuated, displaced, relocated, returned, arrived, stay in camps or are trapped.

    Best, low and high are in persons; an open upper bound is `high: null` with `high_open: true`.
    """

    model = DisplacementFigure
    resource = "displacement-figures"
    serializer_class = s.DisplacementFigureSerializer
    filterset_class = filters.DisplacementFigureFilterSet
    columns = export_columns.DISPLACEMENT_COLUMNS

    place_fields = ("location", "origin", "destination")


class SurrenderFigureViewSet(ClaimViewSet):
    """Fighters who surrendered to or were captured by another party.

    Best, low and high are in persons; an open upper bound ("more than 4,000") is `high: null`, `high_open: true`.
    """

    model = SurrenderFigure
    resource = "surrenders"
    serializer_class = s.SurrenderFigureSerializer
    filterset_class = filters.SurrenderFigureFilterSet
    columns = export_columns.SURRENDER_COLUMNS
    related = (*ClaimViewSet.related, "surrendering_group", "received_by")


class AidCapacityReportViewSet(ClaimViewSet):
    """How an aid provider's capacity stands at a place: sector, strain, optional capacity and demand."""

    model = AidCapacityReport
    resource = "aid-capacity"
    serializer_class = s.AidCapacityReportSerializer
    filterset_class = filters.AidCapacityReportFilterSet
    columns = export_columns.AID_CAPACITY_COLUMNS
    related = (*ClaimViewSet.related, "provider")


RESOURCE_VIEWSETS = [
    SourceViewSet, OrganizationViewSet, LocationViewSet, EventViewSet,
    DisplacementFigureViewSet, SurrenderFigureViewSet, AidCapacityReportViewSet,
]
RESOURCE_OF = {viewset.model._meta.model_name: viewset.resource for viewset in RESOURCE_VIEWSETS}


# --- sync: deletions ----------------------------------------------------------------------------


class DeletionsView(TrackerAPIMixin, APIView):
    """What was deleted, or left your view (no longer approved, made confidential), since a time.

    Rows come oldest first by (time, kind, id) with keyset pagination. A row may
    name a record you never received (a draft deleted, say): drop it if you have
    it, ignore it if not. Use the ``X-Server-Time`` of your previous sync's first
    request as ``since`` (less a minute, for transactions in flight).
    """

    renderer_classes = [JSONRenderer]
    pagination_class = KeysetPagination
    allowed = frozenset({"since", "resource", CURSOR_PARAM, PAGE_SIZE_PARAM, "format"})

    def parameters(self, request) -> tuple:
        params = request.query_params
        errors = {name: [f"Unknown parameter '{name}'. This list takes: {', '.join(sorted(self.allowed))}."]
                  for name in params if name not in self.allowed}
        for name in params:
            if name != "resource" and len(params.getlist(name)) > 1:
                errors[name] = ["Give this parameter once."]
        since = None
        raw = params.get("since")
        if not raw:
            errors["since"] = ["Required: an ISO 8601 time, e.g. 2019-03-10T00:00:00Z."]
        else:
            since = iso_datetime(raw)
            if since is None:
                errors["since"] = [f"Not an ISO 8601 time with a UTC offset within ±15:59: {raw!r} "
                                   "(e.g. 2019-03-10T00:00:00Z)."]
            elif timezone.is_naive(since):
                since = timezone.make_aware(since)
        wanted = [part.strip() for value in params.getlist("resource") for part in value.split(",") if part.strip()]
        unknown = sorted(set(wanted) - set(RESOURCE_OF.values()))
        if unknown:
            errors["resource"] = [f"Unknown resource {', '.join(unknown)}; choose from "
                                  f"{', '.join(sorted(RESOURCE_OF.values()))}."]
        if errors:
            raise exceptions.ValidationError(errors)
        kinds = [kind for kind, resource in RESOURCE_OF.items() if not wanted or resource in wanted]
        return since, sorted(kinds)

    def streams(self, request, since, kinds: list[str]):
        """(kind or None, queryset, time field, id field): every source of deletions for this caller."""
        streams = [(None, Tombstone.objects.filter(deleted_at__gte=since, kind__in=kinds), "deleted_at",
                    "record_id")]
        audience = audience_of(request)
        if audience is Audience.STAFF:
            return streams
        for viewset in RESOURCE_VIEWSETS:
            kind = viewset.model._meta.model_name
            if kind not in kinds or viewset.model.objects.visibility(audience) is None:
                continue
            streams.append((kind, viewset.model.objects.filter(updated_at__gte=since).hidden_from(audience),
                            "updated_at", "id"))
        return streams

    @staticmethod
    def after_q(kind: str | None, time_field: str, id_field: str, cursor: tuple) -> Q:
        at, cursor_kind, cursor_id = cursor
        if kind is None:
            return KeysetPagination.after([time_field, "kind", id_field], [at, cursor_kind, cursor_id])
        if kind > cursor_kind:
            return Q(**{f"{time_field}__gte": at})
        if kind < cursor_kind:
            return Q(**{f"{time_field}__gt": at})
        return Q(**{f"{time_field}__gt": at}) | Q(**{time_field: at, f"{id_field}__gt": cursor_id})

    def get(self, request, *args, **kwargs):
        since, kinds = self.parameters(request)
        paginator = KeysetPagination()
        size = paginator.page_size(request)
        ordering = ["at", "kind", "id"]
        cursor = None
        if request.query_params.get(CURSOR_PARAM):
            cursor = self.decode_cursor(request.query_params[CURSOR_PARAM])
        rows = []
        for kind, queryset, time_field, id_field in self.streams(request, since, kinds):
            if cursor is not None:
                queryset = queryset.filter(self.after_q(kind, time_field, id_field, cursor))
            order = [time_field, id_field] if kind else [time_field, "kind", id_field]
            fields = [time_field, id_field] + ([] if kind else ["kind"])
            for values in queryset.order_by(*order).values(*fields)[: size + 1]:
                rows.append({
                    "at": values[time_field], "kind": kind or values["kind"], "id": values[id_field],
                    "reason": "hidden" if kind else "deleted",
                })
        rows.sort(key=lambda row: (row["at"], row["kind"], row["id"]))
        has_next = len(rows) > size
        rows = rows[:size]
        next_link = None
        if has_next:
            last = rows[-1]
            token = KeysetPagination.encode_cursor([last["at"], last["kind"], last["id"]], ordering)
            next_link = replace_query_param(request.build_absolute_uri(), CURSOR_PARAM, token)
        results = [{"resource": RESOURCE_OF[row["kind"]], "kind": row["kind"], "id": row["id"],
                    "at": row["at"], "reason": row["reason"]} for row in rows]
        return Response({
            "license": settings.DATA_LICENSE,
            "server_time": request.server_time,
            "next": next_link,
            "results": s.DeletionSerializer(results, many=True).data,
        })

    @staticmethod
    def decode_cursor(raw: str) -> tuple:
        fields = [models.DateTimeField(), models.CharField(), models.BigIntegerField()]
        at, kind, record_id = KeysetPagination.decode_cursor(raw, ["at", "kind", "id"], fields)
        return at, kind, record_id


def not_found(request, *args, **kwargs):
    """Anything else under /api/v1/: a JSON 404, like every other API error."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "Not found. The API's resources are listed at /api/v1/ and in /api/v1/docs/."},
                        status=404)


# --- vocabularies -------------------------------------------------------------------------------


class VocabulariesView(TrackerAPIMixin, APIView):
    """Every choice list: values, labels, HXL hashtag, and ACLED/UCDP equivalents where they exist."""

    renderer_classes = [JSONRenderer]

    def get(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown parameter."] for name in unknown})
        from tracker.api.vocabularies import vocabularies

        return Response(vocabularies())
