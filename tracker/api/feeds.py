"""``/feeds/<token>/``: a saved query's private Atom feed (docs/api.md, "Feeds and saved queries").

Feed readers cannot send headers, so the URL carries the credential: a token that reads this one saved query and
nothing else (``tracker.services.saved_queries``). An unknown or revoked token is a 404; a query whose key was
revoked or expired (or whose owner lost access) is a 410, never data. Entries: the latest 50 changes under the
query, newest first, as ``saved_query_changes`` finds them for the audience the query reads as now. Wrong tokens
count against the address like wrong API keys (``AuthFailureThrottle``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from tracker import services
from tracker.api.throttling import AuthFailureThrottle
from tracker.audience import Audience
from tracker.models import SavedQuery
from tracker.services.digests import entry_of, list_path
from tracker.services.saved_queries import FEED_ENTRIES


class ChangesAtomFeed(Atom1Feed):
    """Atom, with a ``related`` link to the public page that shows an entry's record, when there is one."""

    def add_root_elements(self, handler):
        self.feed["feed_url"] = None  # no rel="self" link: the token stays out of the document, which may be shared
        super().add_root_elements(handler)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("public_link"):
            handler.addQuickElement("link", "", {"rel": "related", "href": item["public_link"], "type": "text/html"})


@dataclass(frozen=True)
class FeedContext:
    saved_query: SavedQuery
    audience: Audience
    entries: list[dict]
    base_url: str


class SavedQueryFeed(Feed):
    feed_type = ChangesAtomFeed

    def get_object(self, request, context: FeedContext):
        return context

    def title(self, context: FeedContext) -> str:
        return f"{context.saved_query.name}: Displacement Tracker"

    def subtitle(self, context: FeedContext) -> str:
        query = context.saved_query
        filters = f", filtered by {query.query}" if query.query else ""
        return (f"What became visible, changed or was withdrawn in {query.get_resource_display().lower()}{filters}: "
                f"the latest {FEED_ENTRIES} changes, newest first.")

    def link(self, context: FeedContext) -> str:
        return context.base_url + list_path(context.saved_query)

    def feed_guid(self, context: FeedContext) -> str:
        # Stable across token rotations: the query, not the URL that reads it.
        return f"{context.base_url}/api/v1/saved-queries/{context.saved_query.pk}/"

    def items(self, context: FeedContext) -> list[dict]:
        return context.entries

    def item_title(self, entry: dict) -> str:
        return entry["title"]

    def item_description(self, entry: dict) -> str:
        return entry["summary"]

    def item_link(self, entry: dict) -> str:
        return entry["link"]

    def item_guid(self, entry: dict) -> str:
        return entry["id"]

    item_guid_is_permalink = False

    def item_updateddate(self, entry: dict):
        return entry["at"]

    def item_pubdate(self, entry: dict):
        return entry["at"]

    def item_categories(self, entry: dict) -> tuple[str, ...]:
        return (entry["state"],)

    def item_extra_kwargs(self, entry: dict) -> dict:
        return {"public_link": entry["public_link"]}


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def saved_query_feed(request, token: str) -> HttpResponse:
    failures = AuthFailureThrottle(request)
    wait = failures.wait()
    if wait is not None:
        response = _plain(429, "Too many wrong feed addresses from your address: try again later.")
        response["Retry-After"] = str(wait)
        return response
    saved_query = services.saved_query_for_token(token)
    if saved_query is None:
        failures.record_failure()
        return _plain(404, "No feed at this address: the link is wrong, or its token was revoked or rotated.")
    audience = services.saved_query_audience(saved_query)
    if not audience.sees_anything:
        return _plain(410, "This feed has ended: the API key it was made for is revoked or expired, "
                           "or the account it belongs to no longer has access.")
    try:
        changes = services.saved_query_changes(saved_query, audience=audience)
    except ValidationError as error:
        return _plain(409, "This saved query's filters no longer pass: " + "; ".join(error.messages)
                      + " Ask the tracker's staff to change it.")
    base_url = request.build_absolute_uri("/").rstrip("/")
    entries = [entry_of(change, audience, base_url) for change in changes]
    response = SavedQueryFeed()(request, context=FeedContext(saved_query, audience, entries, base_url))
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
