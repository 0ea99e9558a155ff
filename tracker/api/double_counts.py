"""``/api/v1/double-counts/``: the stored possible double counts, and the reviewer's decision that both stand.

The admin's door is ``tracker.admin.double_counts``; both call ``services.double_count_decide``, which checks the
reviewer's permission (``tracker.review_claim``) and the reason, and records the records' current versions. Staff
who may view pairs in the admin read them here; API keys are refused: pairs are review work, not published data.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from tracker import services
from tracker.api.access import TrackerAccess
from tracker.api.authentication import api_key_of
from tracker.api.base import SingleRecordParameters, StrictFilterBackend, TrackerAPIMixin
from tracker.api.errors import field_errors
from tracker.api.pagination import KeysetPagination
from tracker.api.resources import RESOURCE_OF
from tracker.api.schema import errors
from tracker.filtersets import PossibleDoubleCountFilterSet
from tracker.models import QUANTIFIED_MODELS, PossibleDoubleCount
from tracker.parsing import whole_number

KINDS = {model._meta.model_name: model for model in QUANTIFIED_MODELS}


class StaffWhoViewPairs(TrackerAccess):
    """Active staff with the admin's view permission on pairs; keys are refused even to read."""

    message = "Staff accounts only: possible double counts are reviewers' work."

    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is not None:
            raise exceptions.PermissionDenied("API keys cannot read possible double counts: they are reviewers' "
                                              "work. The reports say which counted figures overlap.")
        return super().has_permission(request, view)


class PairRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The record in this API.")
    version = serializers.IntegerField(allow_null=True, help_text="Its current version (null: no longer stored).")


class PossibleDoubleCountSerializer(serializers.Serializer):
    """Two counted figures of one kind that may describe the same people, and the decision if any."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=PossibleDoubleCount.KINDS, read_only=True)
    first = PairRecordSerializer(read_only=True)
    second = PairRecordSerializer(read_only=True)
    found_at = serializers.DateTimeField(read_only=True)
    decided = serializers.BooleanField(read_only=True, help_text="A reviewer recorded why both stand.")
    decided_by = serializers.CharField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_reason = serializers.CharField(read_only=True)
    first_version = serializers.IntegerField(read_only=True, allow_null=True,
                                             help_text="The first record's version when decided.")
    second_version = serializers.IntegerField(read_only=True, allow_null=True,
                                              help_text="The second record's version when decided.")
    changed_since_decided = serializers.BooleanField(
        read_only=True, help_text="Decided, but a record has a newer version than the decision names (a change "
                                  "that is not substance, such as review; a change in substance lapses the "
                                  "decision). Deciding again records the current versions, as in the admin.")


class DecisionSerializer(serializers.Serializer):
    decision_reason = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=5000,
        help_text="Why both figures stand (different people, places or times).")


def represent(pair: PossibleDoubleCount, versions: dict[tuple[str, int], int], request) -> dict:
    resource = RESOURCE_OF[pair.kind]

    def record(pk: int) -> dict:
        return {"id": pk, "url": reverse(f"api:{resource}-detail", args=[pk], request=request),
                "version": versions.get((pair.kind, pk))}

    first, second = record(pair.first_id), record(pair.second_id)
    decided = pair.decided_at is not None
    return {
        "id": pair.pk, "kind": pair.kind, "first": first, "second": second, "found_at": pair.found_at,
        "decided": decided, "decided_by": pair.decided_by.get_username() if pair.decided_by else None,
        "decided_at": pair.decided_at, "decision_reason": pair.decision_reason,
        "first_version": pair.first_version, "second_version": pair.second_version,
        "changed_since_decided": decided and (first["version"], second["version"]) != (pair.first_version,
                                                                                        pair.second_version),
    }


def current_versions(pairs: list[PossibleDoubleCount]) -> dict[tuple[str, int], int]:
    """The records' versions, one query per kind."""
    wanted: dict[str, set[int]] = {}
    for pair in pairs:
        wanted.setdefault(pair.kind, set()).update((pair.first_id, pair.second_id))
    return {(kind, pk): version for kind, ids in wanted.items()
            for pk, version in KINDS[kind].objects.filter(pk__in=ids).values_list("pk", "version")}


@extend_schema_view(
    list=extend_schema(summary="List possible double counts (staff)",
                       responses={200: PossibleDoubleCountSerializer(many=True), **errors(400, 401, 403, 429)}),
    retrieve=extend_schema(summary="One possible double count (staff)",
                           responses={200: PossibleDoubleCountSerializer, **errors(400, 401, 403, 404, 429)}),
    decide=extend_schema(
        summary="Record that both figures stand (reviewers)", request=DecisionSerializer,
        description="As the admin's action: a reason is required; the decision names the records' current "
                    "versions and lapses when either changes in substance (the reports then count the pair as "
                    "undecided again). Deciding a decided pair records the new reason and versions.",
        responses={200: OpenApiResponse(PossibleDoubleCountSerializer, description="The pair, decided."),
                   **errors(400, 401, 403, 404, 415, 429)}),
)
class PossibleDoubleCountViewSet(SingleRecordParameters, TrackerAPIMixin, mixins.ListModelMixin,
                                 mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pairs of counted figures that may describe the same people (same term group, nesting places,
    overlapping periods), newest id first, with the decision a reviewer recorded."""

    model = PossibleDoubleCount
    permission_classes = [StaffWhoViewPairs]
    renderer_classes = [JSONRenderer]
    pagination_class = KeysetPagination
    serializer_class = PossibleDoubleCountSerializer
    lookup_value_regex = "[^/]+"
    filter_backends = [StrictFilterBackend]
    filterset_class = PossibleDoubleCountFilterSet

    def get_queryset(self):
        return PossibleDoubleCount.objects.select_related("decided_by").order_by("-id")

    def get_object(self):
        pk = whole_number(self.kwargs["pk"])
        pair = self.get_queryset().filter(pk=pk).first() if pk is not None else None
        if pair is None:
            raise exceptions.NotFound("No such possible double count: it may have lapsed (a record changed so "
                                      "that the two no longer overlap).")
        return pair

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        versions = current_versions(page)
        return self.get_paginated_response([represent(pair, versions, request) for pair in page])

    def retrieve(self, request, *args, **kwargs):
        pair = self.get_object()
        return Response(represent(pair, current_versions([pair]), request))

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Record why both figures of the pair stand, through the admin's service."""
        pair = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.double_count_decide(pair, decided_by=request.user, reason=body.validated_data["decision_reason"])
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise exceptions.ValidationError(field_errors(error)) from error
            raise exceptions.ValidationError({"non_field_errors": error.messages}) from error
        pair = self.get_object()
        return Response(represent(pair, current_versions([pair]), request))
