"""``/api/v1/saved-queries/``: staff make, list, change and delete saved queries and rotate or revoke their feeds.

API keys get 403 here, reading included: a key reads the feed URL its saved query was made with, and nothing
manages queries on a key's behalf but staff. Every write goes through ``tracker.services.saved_queries``, the
admin's path too. The feed URL, holding the token, is in the answer to a create or a rotate only.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tracker import services
from tracker.api.access import TrackerAccess
from tracker.api.authentication import api_key_of
from tracker.api.base import TrackerAPIMixin
from tracker.api.errors import field_errors
from tracker.api.pagination import KeysetPagination
from tracker.api.parsers import JSONParser
from tracker.api.schema import errors
from tracker.models import ApiKey, SavedQuery
from tracker.services.common import has_permission
from tracker.services.saved_queries import MANAGE_KEYS, UPDATABLE


class KeyPrefixField(serializers.SlugRelatedField):
    """An API key by its prefix; an empty string is refused, not read as null (DRF's habit for relations)."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            raise serializers.ValidationError("Give the key's prefix, or null for your own query.")
        return super().run_validation(data)


class SavedQuerySerializer(serializers.ModelSerializer):
    api_key = KeyPrefixField(
        slug_field="prefix", queryset=ApiKey.objects.all(), allow_null=True, required=False,
        help_text="The prefix of the NGO key whose behalf the query reads on (what it sees); null: yours.",
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    feed_active = serializers.BooleanField(read_only=True, help_text="False once the feed token was revoked.")

    class Meta:
        model = SavedQuery
        fields = ["id", "name", "resource", "query", "api_key", "owner", "digest", "email", "feed_active",
                  "token_prefix", "token_created_at", "digest_through", "digest_sent_at", "created_at", "updated_at"]
        read_only_fields = ["id", "owner", "feed_active", "token_prefix", "token_created_at", "digest_through",
                            "digest_sent_at", "created_at", "updated_at"]
        extra_kwargs = {"query": {"required": False, "allow_blank": True}, "email": {"required": False}}


class SavedQueryWithFeedSerializer(SavedQuerySerializer):
    feed_url = serializers.URLField(read_only=True, help_text="The private feed's URL, with its token: shown once.")

    class Meta(SavedQuerySerializer.Meta):
        fields = [*SavedQuerySerializer.Meta.fields, "feed_url"]
        read_only_fields = [*SavedQuerySerializer.Meta.read_only_fields, "feed_url"]


class SavedQueryAccess(TrackerAccess):
    """Staff only: a key is refused (403) even to read."""

    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is not None:
            raise exceptions.PermissionDenied(
                "API keys do not manage saved queries: read your feed at the URL the tracker's staff gave you."
            )
        return super().has_permission(request, view)


WITH_FEED = OpenApiResponse(SavedQueryWithFeedSerializer, description="The saved query and its feed URL (shown once).")
SAVED_QUERY = OpenApiResponse(SavedQuerySerializer, description="The saved query (no feed URL).")
WRITE_ERRORS = errors(400, 401, 403, 404, 415, 429)


@extend_schema_view(
    list=extend_schema(summary="List saved queries (staff)", responses={200: SavedQuerySerializer(many=True),
                                                                         **errors(400, 401, 403, 429)}),
    retrieve=extend_schema(summary="One saved query (staff)", responses={200: SAVED_QUERY,
                                                                         **errors(401, 403, 404, 429)}),
    create=extend_schema(
        summary="Save a query and make its private feed (staff)",
        description="The filters are checked by the list's own filters, for the audience the query reads as (the "
                    "key's, when `api_key` is given: that needs the permission to manage NGO keys). The answer "
                    "holds `feed_url`, with the feed's token: it is not shown again.",
        responses={201: WITH_FEED, **errors(400, 401, 403, 415, 429)}),
    update=extend_schema(summary="Replace a saved query (staff)", responses={200: SAVED_QUERY, **WRITE_ERRORS}),
    partial_update=extend_schema(summary="Change a saved query (staff)",
                                 responses={200: SAVED_QUERY, **WRITE_ERRORS}),
    destroy=extend_schema(summary="Delete a saved query and its feed (staff)",
                          responses={204: None, **errors(401, 403, 404, 429)}),
    rotate=extend_schema(summary="A new feed URL; the old one stops working", request=None,
                         responses={200: WITH_FEED, **errors(401, 403, 404, 429)}),
    revoke_feed=extend_schema(summary="Stop the feed (404 until rotated)", request=None,
                              responses={200: SAVED_QUERY, **errors(401, 403, 404, 429)}),
)
class SavedQueryViewSet(TrackerAPIMixin, viewsets.ModelViewSet):
    """Saved queries: yours, or every one if you manage NGO keys."""

    model = SavedQuery
    serializer_class = SavedQuerySerializer
    permission_classes = [SavedQueryAccess]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        queryset = SavedQuery.objects.select_related("owner", "api_key").order_by("id")
        if not has_permission(self.request.user, MANAGE_KEYS):
            queryset = queryset.filter(Q(owner=self.request.user))
        return queryset

    @contextmanager
    def service_errors(self):
        try:
            yield
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise exceptions.ValidationError(field_errors(error)) from error
            raise exceptions.ValidationError({"non_field_errors": error.messages}) from error

    def with_feed(self, saved_query: SavedQuery, token: str, status_code: int) -> Response:
        data = dict(self.get_serializer(saved_query).data)
        data["feed_url"] = self.request.build_absolute_uri(services.feed_path(token))
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with self.service_errors():
            saved_query, token = services.saved_query_create(
                user=request.user, name=data["name"], resource=data["resource"], query=data.get("query", ""),
                api_key=data.get("api_key"), digest=data.get("digest", ""), email=data.get("email", ""),
            )
        return self.with_feed(saved_query, token, status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "api_key" in data and data["api_key"] != instance.api_key:
            raise exceptions.ValidationError({"api_key": ["Not changed here: make another saved query."]})
        data.pop("api_key", None)
        with self.service_errors():
            saved_query = services.saved_query_update(
                saved_query=instance, user=request.user, data={k: v for k, v in data.items() if k in UPDATABLE})
        return Response(self.get_serializer(saved_query).data)

    def destroy(self, request, *args, **kwargs):
        with self.service_errors():
            services.saved_query_delete(saved_query=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def rotate(self, request, *args, **kwargs):
        """A new feed URL (shown in this answer only); the old one answers 404 from now on."""
        with self.service_errors():
            saved_query, token = services.saved_query_rotate_token(saved_query=self.get_object(), user=request.user)
        return self.with_feed(saved_query, token, status.HTTP_200_OK)

    @action(detail=True, methods=["post"], url_path="revoke-feed")
    def revoke_feed(self, request, *args, **kwargs):
        """The feed answers 404 from now on, until a rotate makes a new URL."""
        with self.service_errors():
            saved_query = services.saved_query_revoke_token(saved_query=self.get_object(), user=request.user)
        return Response(self.get_serializer(saved_query).data)
