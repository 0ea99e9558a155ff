"""The doors of the releases, reading the disk and never the database: ``/api/v1/releases/`` (the manifests) and
the files themselves at ``/releases/<version>/<file>``.

Releases are public data (every record in them is one the public pages show), so neither door asks for a key:
the list is limited per address like the API's documentation, and the files are static files, which a proxy in
front of the app servers may serve straight from ``RELEASES_ROOT`` at the same paths (docs/releases.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api.base import TrackerAPIMixin
from tracker.api.schema import errors
from tracker.api.throttling import AnonRateThrottle
from tracker.releases import manifest as manifests

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".geojson": "application/geo+json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}
#: a release's files never change once it is made; a day bounds what a cache keeps of one removed by hand
CACHE_CONTROL = "public, max-age=86400"


def file_url(request, version: str, path: str) -> str:
    return request.build_absolute_uri(reverse("pages:release_file", kwargs={"version": version, "name": path}))


def shown(request, manifest: dict[str, Any]) -> dict[str, Any]:
    """A release as the list shows it: its manifest with a link to each file, to the notes and the manifest."""
    version = manifest["version"]
    return {
        **{key: manifest.get(key) for key in ("version", "date", "number", "title", "previous", "citation",
                                              "licence", "content_sha256", "records", "changes")},
        "manifest_url": file_url(request, version, manifests.MANIFEST),
        "notes_url": file_url(request, version, manifests.NOTES),
        "files": [{**entry, "url": file_url(request, version, entry["path"])} for entry in manifest.get("files", [])],
    }


FILE = {"type": "object", "properties": {
    "path": {"type": "string"}, "url": {"type": "string", "format": "uri"}, "description": {"type": "string"},
    "records": {"type": "integer", "nullable": True}, "bytes": {"type": "integer"}, "sha256": {"type": "string"}}}
RELEASE = {"type": "object", "additionalProperties": True, "properties": {
    "version": {"type": "string"}, "date": {"type": "string", "format": "date"}, "number": {"type": "integer"},
    "title": {"type": "string"}, "previous": {"type": "string", "nullable": True}, "citation": {"type": "string"},
    "licence": {"type": "string"}, "content_sha256": {"type": "string"},
    "records": {"type": "object", "additionalProperties": {"type": "integer"}},
    "changes": {"type": "object", "nullable": True, "additionalProperties": {"type": "object"}},
    "manifest_url": {"type": "string", "format": "uri"}, "notes_url": {"type": "string", "format": "uri"},
    "files": {"type": "array", "items": FILE}}}


@extend_schema(
    summary="Citable releases, newest first (public: no key)",
    description="Each release with its date, citation, record counts per kind, records added, changed and withdrawn "
                "since the one before, and every file with its link, SHA-256, size and record count. Read from the "
                "releases' manifests; the files are served at /releases/<version>/<file>. docs/releases.md.",
    auth=[],
    responses={200: OpenApiResponse({"type": "object", "properties": {
        "count": {"type": "integer"}, "results": {"type": "array", "items": RELEASE}}}), **errors(400, 406, 429)},
)
class ReleaseListView(TrackerAPIMixin, APIView):
    """Citable releases, newest first: each with its date, citation, record counts, changes since the one before,
    and every file with its link, SHA-256, size and record count. Public: no key needed."""

    renderer_classes = [JSONRenderer]
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    def get(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown parameter: the list of releases takes none."]
                                              for name in unknown})
        found = [shown(request, manifest) for manifest in manifests.releases()]
        return Response({"count": len(found), "results": found})


def release_file(request, version: str, name: str) -> FileResponse:
    """A file of a release, from ``RELEASES_ROOT``; 404 for any path that is not a release's file."""
    parts = name.split("/")
    if not manifests.NAME.match(version) or not all(manifests.NAME.match(part) for part in parts):
        raise Http404("No such release file.")
    base = manifests.root().resolve()
    path = (base / version).joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Http404("No such release file.") from None
    if not real.is_relative_to(base) or not real.is_file():
        raise Http404("No such release file.")
    response = FileResponse(real.open("rb"), content_type=_content_type(real))
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")
