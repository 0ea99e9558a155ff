"""A public page asked again while the data is unchanged is answered with the bytes kept the first time.

The event, place and home pages (views with ``whole_response = True``) are the same for every visitor: they show
approved, public records and nothing of the visitor. Each part of a page is already kept (``PageParts``), but
assembling and rendering them still cost tens of milliseconds; the whole page, kept under the data version and the
day (:mod:`tracker.reporting.responses`), costs one statement and a cache read.

This middleware sits early (after the security headers and the CSP, which every answer gets): a kept page is
answered before sessions, CSRF, authentication and the rest are set up, which cost more than the answer itself.
It reads the data version where the view would read (the same rule, :func:`tracker.db.middleware.reads_primary`).
While ``PAGES_REQUIRE_LOGIN`` is set nothing is answered here: the view checks the login first. When the database
or the cache cannot answer, the request goes on its usual way (which answers 503). ``PAGE_CACHE_SECONDS``
(tracker.pages.views) bounds how long an unused page stays, as it does for the parts; 0 keeps nothing.

Asking the database for the data version is most of the cost of a kept page (a statement of nineteen index
lookups, planned afresh each time). A visitor without credentials gets the version this process read at most
``PAGE_VERSION_SECONDS`` ago (1 by default; 0 reads it at every request): a public page is then at most that
much later than the data, as a replica may be anyway. A caller with a key, a token or a session (an analyst who
just edited a record) always gets the version read now.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from tracker.db.middleware import callers, read_from, reads_primary
from tracker.db.routers import PRIMARY, REPLICA, has_replica, reading
from tracker.errors import API_PREFIX, is_database_unavailable
from tracker.pages import views
from tracker.reporting.cache import recent_data_version
from tracker.reporting.responses import keep, kept, response_key

logger = logging.getLogger(__name__)
NOT_PAGES = (API_PREFIX, "/admin/")


def is_whole_page(request: HttpRequest) -> bool:
    if (request.method != "GET" or settings.PAGES_REQUIRE_LOGIN or not views.PAGE_CACHE_SECONDS
            or request.path_info.startswith(NOT_PAGES)):
        return False  # the API and the admin are not resolved twice
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(getattr(match.func, "view_class", None), "whole_response", False)


class WholePageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_whole_page(request):
            return self.get_response(request)
        alias = PRIMARY if not has_replica() or reads_primary(request) else REPLICA
        try:
            with reading(alias):
                asked = (request.path_info, sorted(request.GET.lists()), request.get_host(), request.is_secure(),
                         timezone.localdate().isoformat())
                # A visitor without credentials may get a page a second late; a caller with any gets it exact.
                seconds = 0 if callers(request) else settings.PAGE_VERSION_SECONDS
                key = response_key("page", asked, recent_data_version(alias, seconds))
                response = kept(request, key)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            logger.warning("A kept page could not be looked up: %s", error)
            return self.get_response(request)
        if response is not None:
            if has_replica():
                response.headers.setdefault("X-Read-From", read_from(alias))
            return response
        return keep(key, self.get_response(request), views.PAGE_CACHE_SECONDS)
