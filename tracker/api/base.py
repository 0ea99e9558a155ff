"""The base of every API endpoint: thin doors into the FilterSets, the access rules and the services.

Reads: every list takes its FilterSet's filters and serves JSON (keyset pages) or
a full streamed download (CSV, HXL, XLSX, GeoJSON). Writes (staff only) go
through ``tracker.services`` so the admin's validation, permissions, history and
workflow apply; a write to an existing record needs ``If-Match`` with the ETag
(the version) it read.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tracker import services
from tracker.api import listing
from tracker.api.access import TrackerAccess, audience_of, sees_confidential, visible
from tracker.api.errors import Conflict, PreconditionFailed, PreconditionRequired, etag_of, refusal_of
from tracker.api.pagination import KeysetPagination, ordering_of
from tracker.api.parsers import JSONParser
from tracker.api.renderers import (
    RESOURCE_RENDERERS,
    CSVRenderer,
    ExportRenderer,
    GeoJSONRenderer,
    XLSXRenderer,
    workbook_stream,
)
from tracker.api.throttling import THROTTLE_CLASSES
from tracker.exports import geojson
from tracker.exports.copy import can_copy, copy_stream
from tracker.services import WorkflowError

CHUNK_SIZE = 2000


IF_MATCH = re.compile(r'^\s*(?:W/)?"?([0-9]{1,9})"?\s*$', re.ASCII)


# --- the base of every resource -----------------------------------------------------------------


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's DRF backend, reporting the FilterSet's errors as they are.

    (django-filter's own translation %-formats every message, so a value holding
    a "%" would turn a 400 into a 500.)
    """

    def get_filterset_kwargs(self, request, queryset, view):
        # The FilterSet filters for the caller (staff-only filters, ids of hidden rows): the door says who.
        return {**super().get_filterset_kwargs(request, queryset, view), "audience": audience_of(request)}

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


class SingleRecordParameters:
    """A viewset's single-record actions (detail, writes, actions) take no parameter but ``format``: a filter
    sent to one would be silently ignored."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action not in ("list", None):  # None: a method the view lacks, answered 405 below
            unknown = sorted(set(request.query_params) - {"format"})
            if unknown:
                raise exceptions.ValidationError(
                    {name: ["Unknown parameter: a single record takes only 'format'."] for name in unknown}
                )


class ResourceViewSet(SingleRecordParameters, TrackerAPIMixin, viewsets.ModelViewSet):
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


    def export_columns(self) -> list:
        confidential = sees_confidential(self.request)
        return [column for column in self.columns if confidential or not column.confidential_only]

    #: the place whose point is a record's GeoJSON geometry
    export_place = "location"

    def export_point(self, item: dict):
        location = item.get(self.export_place) or {}
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
            count = queryset.count()
            if count > limit:
                raise exceptions.ValidationError({"format": [
                    f"More than {limit:,} rows match: too many for one Excel sheet. "
                    "Download ?format=csv (no limit) or narrow the filters."
                ]})
            # Written as it is sent (tracker/exports/xlsx.py): the first bytes leave before the first row is read.
            response = StreamingHttpResponse(workbook_stream(items, self, rows=count), content_type=renderer.media_type)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        columns = self.export_columns()
        if isinstance(renderer, CSVRenderer | GeoJSONRenderer) and can_copy(queryset, columns):
            # PostgreSQL writes the cells (and features) itself (tracker/exports/copy.py, geojson.py): the same
            # bytes, many times faster.
            if isinstance(renderer, CSVRenderer):
                body = copy_stream(queryset, columns, renderer.head(columns).encode("utf-8"))
            else:
                body = geojson.copy_stream(queryset, columns, self.export_place)
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
                raise refusal_of(error, self.request, self.api_names(serializer)) from error
            raise Conflict({"detail": " ".join(error.messages), "errors": error.messages}) from error
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise refusal_of(error, self.request, self.api_names(serializer)) from error
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
