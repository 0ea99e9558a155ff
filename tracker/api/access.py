"""What each caller may see and do. Who sees what is one rule, ``visible_to`` on the querysets
(``tracker.audience``); this module only works out a request's audience, and what it may do.

- An API key reads approved records only (duplicates included) and, without the
  confidential scope, never an effectively confidential one (the record or its
  source confidential). Confidential sources are hidden likewise. Keys never write.
- A staff account (session or personal token) sees what the admin shows it (its
  ``view`` permissions) and writes through the services, which check the rest.
- Anybody else is refused: 401 without credentials, 403 for a non-staff account.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import exceptions, permissions

from tracker.api.authentication import api_key_of, is_staff_request
from tracker.audience import Audience, key_audience


def audience_of(request) -> Audience:
    """Who is asking: a key (with or without the confidential scope), an active staff account, or nobody."""
    if request is None:
        return Audience.NOBODY
    key = api_key_of(request)
    if key is not None:
        return key_audience(key)
    if is_staff_request(request):
        return Audience.STAFF
    return Audience.NOBODY


def visible(queryset: QuerySet, request) -> QuerySet:
    """``queryset`` cut down to what the request's caller may read (``visible_to``, the one rule)."""
    return queryset.visible_to(audience_of(request))


def sees_confidential(request) -> bool:
    return audience_of(request).sees_confidential


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
