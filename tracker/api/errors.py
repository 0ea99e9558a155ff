"""How the API answers errors: one JSON shape, field-level 400s, 412/428 for stale or missing ETags, 503 when
the database is down (``REST_FRAMEWORK['EXCEPTION_HANDLER']`` names :func:`exception_handler`)."""

from __future__ import annotations

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from tracker.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_DETAIL, is_database_unavailable
from tracker.services import ConcurrentEditError, WorkflowError
from tracker.services.common import PublishingDenied

logger = logging.getLogger(__name__)


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


def field_errors(error: DjangoValidationError, names: dict[str, str] | None = None) -> dict[str, list[str]]:
    names = names or {}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else names.get(field, field)): list(messages)
        for field, messages in error.message_dict.items()
    }


def existing_sources(error: DjangoValidationError, request, names: dict[str, str] | None = None) -> dict[str, dict]:
    """Where a refusal names a source already stored (the same URL or text: ``Source.clean``), that source by
    field, for a client to follow: its id, title, API URL and, for staff, its admin page."""
    from rest_framework.reverse import reverse

    from tracker.api.authentication import is_staff_request
    from tracker.models.reference import DUPLICATE_SOURCE

    found = {}
    for field, errors in getattr(error, "error_dict", {}).items():
        for refusal in errors:
            if refusal.code != DUPLICATE_SOURCE:
                continue
            pk = refusal.params["id"]
            link = {"id": pk, "title": refusal.params["title"],
                    "url": reverse("api:sources-detail", args=[pk], request=request)}
            if request is not None and is_staff_request(request):
                link["admin_url"] = request.build_absolute_uri(reverse("admin:tracker_source_change", args=[pk]))
            found[(names or {}).get(field, field)] = link
    return found


def refusal_of(error: DjangoValidationError, request,
               names: dict[str, str] | None = None) -> exceptions.ValidationError:
    """A model's field-level refusal as the API's 400: field -> messages, and ``existing_source`` (field -> the
    source it names) where the refusal is a duplicate of a stored source."""
    refusal = exceptions.ValidationError(field_errors(error, names))
    links = existing_sources(error, request, names)
    if links:
        refusal.detail["existing_source"] = links  # set after construction: ids stay numbers, not strings
    return refusal


def etag_of(instance) -> str:
    """A row's ETag: its version, which a write's If-Match must name."""
    return f'"{instance.version}"'


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
            return Response(refusal_of(exc, context.get("request")).detail, status=status.HTTP_400_BAD_REQUEST)
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
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        explain_credentials(exc, response, context.get("request"))
    return response


def explain_credentials(exc: exceptions.APIException, response: Response, request=None) -> None:
    """Every 401 of an endpoint that takes API keys says how to send one, missing and wrong credentials alike
    (DRF's "Authentication credentials were not provided." left a client pasting the bare key in Authorization
    to guess); its WWW-Authenticate header (DRF's, from the first authentication class) names the scheme."""
    from tracker.api.authentication import HOW_TO_AUTHENTICATE, KEYWORD

    if not response.get("WWW-Authenticate", "").startswith(KEYWORD) or not isinstance(response.data, dict):
        return
    said = str(exc.detail)
    if isinstance(exc, exceptions.NotAuthenticated):
        sent = request is not None and request.META.get("HTTP_AUTHORIZATION", "").strip()
        said = ("The Authorization header names no scheme this API takes." if sent else "No credentials were sent.")
    response.data["detail"] = f"{said} {HOW_TO_AUTHENTICATE}"


def not_found(request, *args, **kwargs):
    """Anything else under /api/v1/: a JSON 404, like every other API error."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "Not found. The API's resources are listed at /api/v1/ and in /api/v1/docs/."},
                        status=404)
