"""The records' endpoints: displacement and surrender figures, aid capacity reports."""

from __future__ import annotations

import functools

from django.db.models import Prefetch
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from tracker import filtersets, services
from tracker.api import serializers as s
from tracker.api.authentication import is_staff_request
from tracker.api.base import ResourceViewSet
from tracker.api.errors import field_errors
from tracker.exports import columns as export_columns
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Location,
    QuantifiedClaim,
    SurrenderFigure,
)
from tracker.services import WorkflowError

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
                        field_errors(error, {"review_comment": "comment", "decision_reason": "comment"})
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
    filterset_class = filtersets.DisplacementFigureFilterSet
    columns = export_columns.DISPLACEMENT_COLUMNS

    place_fields = ("location", "origin", "destination")


class SurrenderFigureViewSet(ClaimViewSet):
    """Fighters who surrendered to or were captured by another party.

    Best, low and high are in persons; an open upper bound ("more than 4,000") is `high: null`, `high_open: true`.
    """

    model = SurrenderFigure
    resource = "surrenders"
    serializer_class = s.SurrenderFigureSerializer
    filterset_class = filtersets.SurrenderFigureFilterSet
    columns = export_columns.SURRENDER_COLUMNS
    related = (*ClaimViewSet.related, "surrendering_group", "received_by")


class AidCapacityReportViewSet(ClaimViewSet):
    """How an aid provider's capacity stands at a place: sector, strain, optional capacity and demand."""

    model = AidCapacityReport
    resource = "aid-capacity"
    serializer_class = s.AidCapacityReportSerializer
    filterset_class = filtersets.AidCapacityReportFilterSet
    columns = export_columns.AID_CAPACITY_COLUMNS
    related = (*ClaimViewSet.related, "provider")
