"""Reading a saved query's Atom feed as a feed reader would, for the feed, saved-query and digest tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.test import Client

from tests.factories import UserFactory
from tracker import services
from tracker.permissions import ADMINISTRATORS

ATOM = "{http://www.w3.org/2005/Atom}"


def administrator():
    """Manages NGO keys: may save queries on a key's behalf."""
    return UserFactory(username="administrator", groups=[ADMINISTRATORS])


def save_query(user, resource: str = "displacement-figures", query: str = "", **fields):
    """A saved query made through the service; returns (row, feed path)."""
    saved_query, token = services.saved_query_create(user=user, name=fields.pop("name", "Baghouz follow-up"),
                                                     resource=resource, query=query, **fields)
    return saved_query, services.feed_path(token)


def read_feed(path: str, status: int = 200) -> list[dict]:
    """The entries of the feed at ``path``, as a feed reader gets them (no headers, no cookies)."""
    response = Client().get(path)
    assert response.status_code == status, response.content
    if status != 200:
        return []
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = []
    for entry in root.findall(f"{ATOM}entry"):
        links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
        entries.append({
            "id": entry.findtext(f"{ATOM}id"), "title": entry.findtext(f"{ATOM}title"),
            "summary": entry.findtext(f"{ATOM}summary"), "link": links.get("alternate"),
            "related": links.get("related"), "state": entry.find(f"{ATOM}category").get("term"),
            "updated": entry.findtext(f"{ATOM}updated"),
        })
    return entries


def record_ids(entries: list[dict], state: str | None = None) -> list[int]:
    """The record ids the entries link to (``/api/v1/<resource>/<id>/``), of one state if given."""
    return [int(entry["link"].rstrip("/").rsplit("/", 1)[1]) for entry in entries
            if state is None or entry["state"] == state]
