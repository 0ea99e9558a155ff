"""``?format=`` wins over the Accept header on every endpoint that serves formats.

GDAL asks for ``?format=geojson`` with ``Accept: text/plain, application/json``; curl users add
``Accept: application/json`` to everything. Whatever the client accepts, a named format is served; an unknown one
is a 400 naming the endpoint's formats. The endpoints are read from the API's URL conf, so a new one is checked
without being listed here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from tests.api.conftest import API, body, token_client

#: what clients send beside ?format=: GDAL's, curl habits, and types no endpoint serves
ACCEPTS = ["text/plain, application/json", "application/json", "text/csv", "image/png", "*/*"]
#: query parameters an endpoint requires
REQUIRED = {"deletions": {"since": "2000-01-01T00:00:00Z"}}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _route(text: str) -> str:
    """A URL conf route as a path template with ``{name}`` placeholders (regex and converter routes alike)."""
    text = text.removeprefix("^").removesuffix("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text).replace("\\.", ".")


def get_endpoints() -> list[tuple[str, str, type, list]]:
    """(name, path template, view class, renderers) of every GET endpoint of the API that negotiates its format.

    Format-suffix twins (``sources.csv``) are left out here: ``test_a_format_suffix_wins_too`` covers them. So are
    endpoints that answer one media type without negotiating (the imports: JSON, or their own files).
    """
    found = []
    for route, pattern in _walk(get_resolver("tracker.api.urls").url_patterns):
        view = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if view is None or "(?P<format>" in route or "<drf_format_suffix" in route:
            continue
        if (actions is not None and "get" not in actions) or (actions is None and not hasattr(view, "get")):
            continue
        if view.perform_content_negotiation is not APIView.perform_content_negotiation:
            continue
        renderers = [renderer() for renderer in view.renderer_classes]
        found.append((pattern.name or route, _route(route), view, renderers))
    return found


ENDPOINTS = get_endpoints()


def test_the_endpoints_are_read_from_the_url_conf():
    """The lists, details, reports, sync and vocabularies are all there (a broken walk would check nothing)."""
    names = {name for name, *_ in ENDPOINTS}
    for resource in ("sources", "organizations", "locations", "events", "displacement-figures", "surrenders",
                     "aid-capacity"):
        assert f"{resource}-list" in names and f"{resource}-detail" in names
    assert {"report-displacement", "report-surrenders", "report-aid-capacity", "deletions", "vocabularies",
            "schema"} <= names


def concrete(template: str, view) -> tuple[str, int]:
    """The endpoint's URL and the status a read of it answers: a detail's at the first record of its kind, or at
    an id no record has (404) when the world holds none of that kind (negotiation comes first: a 406 would show)."""
    status = 200
    if "{pk}" in template:
        first = view.model.objects.order_by("pk").first()
        status = 200 if first else 404
        template = template.replace("{pk}", str(first.pk if first else 999_999))
    return f"{API}/{template}", status


@pytest.mark.parametrize(("name", "template", "view", "renderers"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_the_named_format_wins_over_accept(name, template, view, renderers, world):
    client = token_client(world.reviewer)
    url, status = concrete(template, view)
    for fmt in dict.fromkeys(renderer.format for renderer in renderers):
        types = [renderer.media_type for renderer in renderers if renderer.format == fmt]
        for accept in ACCEPTS:
            response = client.get(url, {**REQUIRED.get(name, {}), "format": fmt}, HTTP_ACCEPT=accept)
            assert response.status_code == status, (url, fmt, accept, body(response)[:300])
            if status == 200:
                assert response["Content-Type"].split(";")[0] in types, (url, fmt, accept, response["Content-Type"])


@pytest.mark.parametrize(("name", "template", "view", "renderers"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_an_unknown_format_is_a_400_naming_the_formats(name, template, view, renderers, world):
    """The error names them (in JSON, or the schema's YAML); the documentation page (HTML only) shows its error
    page."""
    client = token_client(world.reviewer)
    response = client.get(concrete(template, view)[0], {**REQUIRED.get(name, {}), "format": "shapefile"},
                          HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    if response["Content-Type"].startswith("text/html"):
        assert all(renderer.format == "html" for renderer in renderers)
        return
    text = body(response).decode()
    assert "shapefile" in text
    for renderer in renderers:
        assert renderer.format in text


def test_a_format_suffix_wins_too(world):
    """``/sources.geojson`` (DRF's suffix) is ``?format=geojson``: GDAL's Accept gets GeoJSON there too."""
    response = token_client(world.reviewer).get(f"{API}/displacement-figures.geojson",
                                                HTTP_ACCEPT="text/plain, application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")


def test_without_a_format_accept_still_chooses(world):
    """No ?format=: Accept picks (HXL by ``hxl=present``), and an Accept nothing matches is a 406."""
    client = token_client(world.reviewer)
    for url in (f"{API}/surrenders/", f"{API}/reports/surrenders/"):
        hxl = body(client.get(url, HTTP_ACCEPT="text/csv; hxl=present")).decode().splitlines()
        assert hxl[1].startswith("#")
        plain = body(client.get(url, HTTP_ACCEPT="text/csv")).decode().splitlines()
        assert not plain[1].startswith("#")
        assert client.get(url, HTTP_ACCEPT="image/png").status_code == 406
        indented = client.get(url, {"format": "json"}, HTTP_ACCEPT="application/json; indent=2")
        assert indented.status_code == 200 and body(indented).startswith(b"{\n  ")
