"""Which database a request reads (docs/decisions.md, "A read replica"): the one rule, for every door.

NGO and public reads (API lists and details, downloads, reports, pages) read the replica. The primary serves
writes (any method but GET, HEAD, OPTIONS), the admin, a staff account's API reads (a logged-in session or an
analyst's token; a staff member's public pages read the replica, as anyone's), incremental sync
(``updated_since`` on a list, and ``/api/v1/deletions/``: a lagging replica must not make a client's sync skip a
change), and, for ``REPLICA_STICKY_SECONDS`` after a caller's own write succeeded, every read of that caller,
so that it sees what it just wrote. A caller is its API key, token or session cookie; the mark is kept in the
shared cache, so every app server honours it.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from tracker.db.routers import PRIMARY, REPLICA, has_replica, pinned, reading
from tracker.errors import API_PREFIX, is_database_unavailable

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SYNC_PATHS = ("/api/v1/deletions/",)
SYNC_PARAMETERS = ("updated_since",)
STICKY_PREFIX = "tracker-sticky:"

logger = logging.getLogger(__name__)


def callers(request: HttpRequest) -> list[str]:
    """The credentials a request names (not checked: a mark only ever sends reads to the primary)."""
    found = [request.META.get("HTTP_AUTHORIZATION", ""), request.META.get("HTTP_X_API_KEY", ""),
             request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")]
    return [value.strip() for value in found if value.strip()]


def _sticky_key(caller: str) -> str:
    return STICKY_PREFIX + hashlib.sha256(caller.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def is_sync(request: HttpRequest) -> bool:
    return request.path_info in SYNC_PATHS or any(name in request.GET for name in SYNC_PARAMETERS)


def reads_primary(request: HttpRequest) -> bool:
    """Whether this request reads the primary (the rules above), else the replica."""
    if request.method not in SAFE_METHODS or request.path_info.startswith("/admin/") or is_sync(request):
        return True
    if request.META.get("HTTP_AUTHORIZATION", "").lstrip().lower().startswith("token "):
        return True  # analysts' write tokens: staff
    marks = [_sticky_key(caller) for caller in callers(request)]
    if marks and cache.get_many(marks):
        return True
    if request.path_info.startswith(API_PREFIX) and settings.SESSION_COOKIE_NAME in request.COOKIES:
        # The session and its user are read from the replica: a login is a write, which made its new session
        # sticky, so a session the replica does not have yet is read from the primary above.
        with reading(REPLICA):
            user = getattr(request, "user", None)
            return bool(user is not None and user.is_authenticated and user.is_staff)
    return False


def read_from(alias: str) -> str:
    """What the ``X-Read-From`` header says of an alias."""
    return "primary" if alias == PRIMARY else "replica"


class ReplicaMiddleware:
    """Sets the request's read alias (:func:`tracker.db.routers.reading`), a streaming body's included, and marks
    a caller whose write succeeded as reading the primary for ``REPLICA_STICKY_SECONDS``. Without a replica it
    does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not has_replica():
            return self.get_response(request)
        alias = PRIMARY if reads_primary(request) else REPLICA
        with reading(alias):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = pinned(response.streaming_content, alias)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            self.mark(request)
        response.headers.setdefault("X-Read-From", read_from(alias))
        return response

    @staticmethod
    def mark(request: HttpRequest) -> None:
        found = callers(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            found.append(session.session_key)  # a login's new session, which the next request sends
        if found and settings.REPLICA_STICKY_SECONDS > 0:
            try:
                cache.set_many({_sticky_key(caller): 1 for caller in found}, timeout=settings.REPLICA_STICKY_SECONDS)
            except Exception as error:
                if not is_database_unavailable(error):
                    raise
                # The write is done: answer it. Without the mark the caller may read the replica's older copy.
                logger.warning("Could not mark a caller as reading the primary: %s", error)
