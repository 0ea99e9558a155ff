"""``/api/v1/deletions/``: what was deleted or left a caller's view since a time, for sync."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from tracker.api import serializers as s
from tracker.api.access import audience_of
from tracker.api.base import TrackerAPIMixin
from tracker.api.pagination import CURSOR_PARAM, PAGE_SIZE_PARAM, KeysetPagination
from tracker.api.resources import RESOURCE_OF, RESOURCE_VIEWSETS
from tracker.audience import Audience
from tracker.models import (
    Tombstone,
)
from tracker.parsing import iso_datetime

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
