"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from tracker.api.feeds import saved_query_feed
from tracker.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),
    path("health/", health, name="health"),
    # A saved query's private Atom feed: the token in the path reads that query and nothing else (docs/api.md).
    path("feeds/<str:token>/", saved_query_feed, name="saved-query-feed"),
    path("", include("tracker.urls")),
]

# JSON under /api/, a short page elsewhere (tracker/errors.py).
handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"
