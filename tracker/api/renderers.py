"""The API's formats: DRF renderers over ``tracker.exports``, chosen by ``?format=`` or the Accept header.

Every export lists the same columns (``tracker.exports.columns``), states the data licence, and escapes
text cells that a spreadsheet would run as a formula. Lists stream every matching row in constant memory
(see ``views.export_response``); the ``render()`` methods serve single records and small lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from tracker.exports import csv, geojson, xlsx
from tracker.exports.columns import Column


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON, byte for byte, written by orjson (large reports render several times faster).

    orjson writes dates, times and datetimes as DRF's encoder does (ISO 8601, UTC as ``Z``); decimals, lazy
    strings and the rest go through DRF's encoder; U+2028 and U+2029 are escaped as DRF escapes them. An
    ``indent`` asked for in the Accept header is left to DRF's renderer.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        body = orjson.dumps(data, default=JSONEncoder().default, option=orjson.OPT_UTC_Z)
        if b"\xe2" in body:  # the first byte of both in UTF-8, found by memchr: an ASCII report is not copied
            body = body.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return body


class ExportRenderer(BaseRenderer):
    """Renders records through the resource's export columns (``view.export_columns()``).

    ``stream()`` yields the bytes of any number of serialized records; ``render()``
    serves one record or a short list (a detail asked for in CSV, say).
    """

    charset = "utf-8"
    extension = ""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {})["view"]
        items = self.items(data)
        return b"".join(self.stream(items, view))

    @staticmethod
    def items(data) -> list[dict]:
        """The records of what a view returned: one record, a list, or a page (its ``results``)."""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        return [data] if isinstance(data, dict) else list(data or [])

    def stream(self, items: Iterable[dict], view) -> Iterator[bytes]:
        raise NotImplementedError


class CSVRenderer(ExportRenderer):
    media_type = "text/csv"
    format = "csv"
    extension = "csv"
    hashtags = False

    def head(self, columns: list[Column]) -> str:
        """The header row, and under it the HXL hashtag row when the format has one."""
        return csv.head(columns, self.hashtags)

    def stream(self, items, view):
        return csv.stream(items, view.export_columns(), self.hashtags)


class HXLRenderer(CSVRenderer):
    """CSV with a row of HXL hashtags under the header (docs/hxl.md).

    Chosen by ``?format=hxl`` or ``Accept: text/csv; hxl=present`` (a plain
    ``text/csv`` gets CSV); served as ``text/csv``.
    """

    media_type = "text/csv"
    format = "hxl"
    extension = "hxl.csv"
    hashtags = True


class GeoJSONRenderer(ExportRenderer):
    """An RFC 7946 FeatureCollection: a feature per record at its place's point, null geometry when unknown."""

    media_type = "application/geo+json"
    format = "geojson"
    extension = "geojson"

    def stream(self, items, view):
        return geojson.stream(items, view.export_columns(), view.export_point)


class XLSXRenderer(ExportRenderer):
    """An Excel workbook: the rows on one sheet (dates as dates, numbers as numbers), the licence on another, a
    report's warnings on a third. At most 1,048,575 rows."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    extension = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = (renderer_context or {})["view"]
        items = self.items(data)
        return b"".join(workbook_stream(items, view, rows=len(items)))


def workbook_stream(items: Iterable[dict], view, rows: int | None = None) -> Iterator[bytes]:
    """The view's rows as a workbook, streamed (``tracker.exports.xlsx``), with the view's warnings (a report's,
    ``view.export_warnings()``) when it has any; ``rows``: how many, when known."""
    warnings = view.export_warnings() if hasattr(view, "export_warnings") else None
    return xlsx.stream(items, view.export_columns(), view.resource, warnings=warnings, rows=rows)


def write_workbook(target, items: Iterable[dict], view) -> None:
    """The view's rows as a workbook written to ``target`` (a binary file)."""
    for block in workbook_stream(items, view):
        target.write(block)


EXPORT_RENDERERS = [CSVRenderer, HXLRenderer, XLSXRenderer, GeoJSONRenderer]
RESOURCE_RENDERERS = [JSONRenderer, *EXPORT_RENDERERS]


class FormatNegotiation(DefaultContentNegotiation):
    """``?format=`` (or a ``.csv`` suffix) wins over the Accept header; without it, Accept chooses.

    A client naming a format gets it whatever it accepts: GDAL asks for ``?format=geojson`` with
    ``Accept: text/plain, application/json``, and curl users add ``Accept: application/json`` out of habit.
    Accept still refines the named format (``Accept: application/json; indent=4`` with ``?format=json``).
    An unknown ``?format=`` is a 400 naming the parameter and the formats this endpoint has; without a format,
    ``Accept: text/csv; hxl=present`` chooses HXL and an Accept no format matches is a 406.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.method not in ("GET", "HEAD"):
            # Writes, actions and OPTIONS always answer JSON, whatever ?format= says.
            return JSONRenderer(), JSONRenderer.media_type
        formats = ", ".join(renderer.format for renderer in renderers)
        if "format" in request.query_params and not request.query_params["format"].strip():
            # DRF reads an empty ?format= as none given; like every other empty parameter it is a 400.
            raise exceptions.ValidationError({"format": [f"Choose a format; this endpoint serves: {formats}."]})
        named = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if named:
            chosen = [renderer for renderer in renderers if renderer.format == named]
            if not chosen:
                raise exceptions.ValidationError(
                    {"format": [f"Unknown format {named!r}; this endpoint serves: {formats}."]}
                )
            try:
                return super().select_renderer(request, chosen, format_suffix)
            except exceptions.NotAcceptable:
                return chosen[0], chosen[0].media_type
        if "hxl=present" in request.META.get("HTTP_ACCEPT", ""):
            for renderer in renderers:
                if renderer.format == HXLRenderer.format:
                    return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
