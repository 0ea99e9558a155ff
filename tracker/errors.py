"""How every error is answered: JSON under ``/api/``, a short page elsewhere, never a stack trace.

DRF's views answer their own errors (``tracker.api.errors.exception_handler``). What
escapes them, and what Django answers before or around a view (a bad ``Host``,
a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a path no URL matches, a bug), goes
through :class:`ApiErrorMiddleware` and the ``handler400``/``403``/``404``/``500``
of ``config/urls.py``, which call :func:`error_response`. A database that does not
answer (restarting, unreachable) is a 503 with ``Retry-After`` everywhere: the next
request connects again (``CONN_HEALTH_CHECKS``), so clients should retry. So is Redis
(caches, rate limits, sessions) when ``REDIS_URL`` is set and it does not answer.
"""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.log import log_response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 5
NUL_MESSAGE = "Null characters are not allowed."
UNAVAILABLE_DETAIL = "The database is not answering (restarting or unreachable): retry after the Retry-After seconds."
DETAILS = {
    400: "Bad request: the request could not be read (headers, host or body).",
    403: "Not allowed.",
    404: "Not found. The API's resources are listed at /api/v1/ and in /api/v1/docs/.",
    413: "The request body is too large.",
    500: "Server error: it has been logged. Retry later, or tell the tracker's administrators if it persists.",
    503: UNAVAILABLE_DETAIL,
}


def nul_parameters(request: HttpRequest) -> list[str]:
    """The query parameters whose name or value holds a NUL character."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query and "\x00" not in query:
        return []
    return [name.replace("\x00", "\\x00") for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)]


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The database, or Redis, refused or dropped the connection, or could not serve the query now: worth a retry."""
    return isinstance(exc, OperationalError | InterfaceError | RedisConnectionError | RedisTimeoutError)


def error_response(request: HttpRequest, status: int, detail: str | None = None) -> HttpResponse:
    """The error ``status``: ``{"detail": ...}`` JSON under /api/, the ``<status>.html`` page elsewhere.

    Rendered without the request's context processors: the page must not need the database (or the user).
    """
    if is_api(request):
        response = JsonResponse({"detail": detail or DETAILS[status]}, status=status)
    else:
        response = HttpResponse(render_to_string(f"{status if status != 413 else 400}.html"), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ApiErrorMiddleware:
    """Answers what a view raised and nothing else caught: 503 when the database is down, and under /api/
    JSON for every other error (413, 400, 403, 404, 500) instead of Django's HTML."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = nul_parameters(request)
        if refused:
            # No door stores or searches text holding NUL (PostgreSQL cannot even compare it): refuse it first.
            if is_api(request):
                return JsonResponse({name: [NUL_MESSAGE] for name in refused}, status=400)
            return error_response(request, 400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            response = error_response(request, 503)
            log_response("Service Unavailable (database): %s", request.path, response=response, request=request,
                         exception=exception)
            return response
        if not is_api(request):
            return None  # Django's handlers below answer the pages and the admin.
        if isinstance(exception, RequestDataTooBig):
            return error_response(request, 413, _too_large())
        if isinstance(exception, SuspiciousOperation):
            return error_response(request, 400)
        if isinstance(exception, PermissionDenied):
            return error_response(request, 403)
        if isinstance(exception, Http404):
            return error_response(request, 404)
        response = error_response(request, 500)
        log_response("Internal Server Error: %s", request.path, response=response, request=request,
                     exception=exception)
        return response


def _too_large() -> str:
    from tracker.api.parsers import too_large_detail

    return too_large_detail()


# --- config/urls.py's handlers: errors raised outside a view, or when DEBUG is off -------------------------


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig) and is_api(request):
        return error_response(request, 413, _too_large())
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    # Django calls this while handling the exception, so it is still the current one.
    return error_response(request, 503 if is_database_unavailable(sys.exception()) else 500)
