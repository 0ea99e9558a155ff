"""What each caller may see and do. One place decides it for every endpoint and every format.

- An API key reads approved records only (duplicates included) and, without the
  confidential scope, never an effectively confidential one (the record or its
  source confidential). Confidential sources are hidden likewise. Keys never write.
- A staff account (session or personal token) sees what the admin shows it (its
  ``view`` permissions) and writes through the services, which check the rest.
- Anybody else is refused: 401 without credentials, 403 for a non-staff account.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from rest_framework import exceptions, permissions

from tracker.api.authentication import api_key_of, is_staff_request
from tracker.choices import ReviewStatus
from tracker.models import CLAIM_MODELS, ApiKey, Source


def claim_visibility(key: ApiKey) -> Q:
    """The claims an API key sees."""
    query = Q(review_status=ReviewStatus.APPROVED)
    if not key.confidential_scope:
        query &= Q(is_confidential=False, source__is_confidential=False)
    return query


def source_visibility(key: ApiKey) -> Q:
    return Q() if key.confidential_scope else Q(is_confidential=False)


def visibility(model: type, key: ApiKey) -> Q | None:
    """Rows of ``model`` a key sees, or None when it sees them all."""
    if model in CLAIM_MODELS:
        return claim_visibility(key)
    if model is Source:
        return None if key.confidential_scope else source_visibility(key)
    return None


def visible(queryset: QuerySet, request) -> QuerySet:
    """``queryset`` cut down to what the request's caller may read."""
    key = api_key_of(request)
    if key is not None:
        query = visibility(queryset.model, key)
        return queryset if query is None else queryset.filter(query)
    if is_staff_request(request):
        return queryset
    return queryset.none()


def sees_confidential(request) -> bool:
    key = api_key_of(request)
    return key.confidential_scope if key is not None else is_staff_request(request)


class TrackerAccess(permissions.BasePermission):
    """Keys read; active staff read what they may view and write through the services; nobody else."""

    message = "Staff accounts only: NGO clients use an API key."

    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is not None:
            if request.method in permissions.SAFE_METHODS:
                return True
            raise exceptions.PermissionDenied(
                "API keys only read: analysts write with a personal token or a logged-in session."
            )
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not (user.is_active and user.is_staff):
            return False
        model = getattr(view, "model", None)
        if model is not None and not user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            raise exceptions.PermissionDenied(f"You may not view {model._meta.verbose_name_plural}.")
        return True
