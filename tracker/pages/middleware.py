"""A public page asked again while the data is unchanged is answered with the bytes kept the first time.

The event, place and home pages (views with ``whole_response = True``) are the same for every visitor: they show
approved, public records and nothing of the visitor. Each part of a page is already kept (``PageParts``), but
assembling and rendering them still cost tens of milliseconds; the whole page, kept under the data version and the
day (:mod:`tracker.reporting.responses`), costs one statement and a cache read. While ``PAGES_REQUIRE_LOGIN`` is
set, nothing is answered here: the view checks the login first. ``PAGE_CACHE_SECONDS`` (tracker.pages.views)
bounds how long an unused page stays, as it does for the parts; 0 keeps nothing.

``process_view`` runs after the other middleware has chosen the database this request reads (so the data version
is the one the page would be computed from) and before the view.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from tracker.pages import views
from tracker.reporting.responses import keep, kept, response_key


class WholePageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        key = getattr(request, "_whole_page_key", None)
        if key is not None:
            keep(key, response, views.PAGE_CACHE_SECONDS)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        view = getattr(view_func, "view_class", None)
        if (request.method != "GET" or not getattr(view, "whole_response", False) or settings.PAGES_REQUIRE_LOGIN
                or not views.PAGE_CACHE_SECONDS):
            return None
        asked = (request.path_info, sorted(request.GET.lists()), request.get_host(), request.is_secure(),
                 timezone.localdate().isoformat())
        key = response_key("page", asked)
        response = kept(request, key)
        if response is None:
            request._whole_page_key = key
        return response
