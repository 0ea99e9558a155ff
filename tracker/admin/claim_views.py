"""The record form's helpers in the admin: the reported phrase read into its parts (a preview: the claim services
fill the parts at save), and the source's text beside the form, with the excerpt marked.

Staff only (the admin site's login), JSON answers; each reads one source at most.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path
from django.utils import formats

from tracker.excerpts import highlight
from tracker.models import QuantifiedClaim, Source
from tracker.parsing import whole_number
from tracker.services.claims import phrase_parts

PHRASE_PARTS = ("quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit")
PHRASE_MAX_LENGTH = QuantifiedClaim._meta.get_field("reported_phrase").max_length
PANEL_TEMPLATE = "admin/tracker/includes/source_panel.html"


def source_panel(source: Source | None, *, excerpt: str = "", start: int | None = None,
                 end: int | None = None) -> dict[str, Any]:
    """What the text panel beside a record's form shows: the source's stored text with the excerpt marked (by
    its offsets when they select it, else where the excerpt is found), or, when the text is not stored or was
    dropped under its licence, the excerpt alone and why."""
    panel: dict[str, Any] = {"source": source, "excerpt": excerpt, "text_html": None, "excerpt_missing": False}
    if source is None:
        return panel
    panel["publication_date_input"] = formats.localize_input(source.publication_date)
    text = source.text or ""
    if not text.strip():
        panel["text_dropped_at"] = source.text_dropped_at
        return panel
    spans = []
    if start is not None and end is not None and 0 <= start < end <= len(text):
        spans.append((start, end, "this record's excerpt"))
    excerpts = [] if spans or not excerpt.strip() else [("this record's excerpt", excerpt)]
    panel["text_html"], missing = highlight(text, excerpts, offsets=True, spans=spans)
    panel["excerpt_missing"] = bool(missing)
    return panel


def render_source_panel(panel: dict[str, Any]) -> str:
    return render_to_string(PANEL_TEMPLATE, {"panel": panel})


def _offset(request: HttpRequest, name: str) -> int | None:
    return whole_number(request.GET.get(name, ""))


def source_text_view(request: HttpRequest, source_id: int) -> JsonResponse:
    """``GET /admin/tracker/source-text/<id>/?excerpt=...&excerpt_start=..&excerpt_end=..``: the panel's HTML for
    one source, with its publication date (the dates a record takes when left empty)."""
    if not request.user.has_perm("tracker.view_source"):
        raise PermissionDenied
    source = get_object_or_404(Source, pk=source_id)
    panel = source_panel(source, excerpt=request.GET.get("excerpt", ""), start=_offset(request, "excerpt_start"),
                         end=_offset(request, "excerpt_end"))
    return JsonResponse({
        "source": source.pk,
        "has_text": panel["text_html"] is not None,
        "publication_date": source.publication_date.isoformat(),
        "publication_date_input": panel["publication_date_input"],
        "html": render_source_panel(panel),
    })


def parse_phrase_view(request: HttpRequest) -> JsonResponse:
    """``GET /admin/tracker/parse-phrase/?phrase=more+than+4,000+fighters``: the parts the services would fill
    from the phrase (``parts`` null when it holds no number or magnitude word)."""
    phrase = request.GET.get("phrase", "")
    if len(phrase) > PHRASE_MAX_LENGTH:
        return JsonResponse({"phrase": [f"At most {PHRASE_MAX_LENGTH} characters."]}, status=400)
    parts = phrase_parts(phrase)
    return JsonResponse({
        "phrase": phrase,
        "parts": None if parts is None else {name: getattr(parts, name, None) for name in PHRASE_PARTS},
    })


def claim_form_urls(site) -> list:
    return [
        path("tracker/parse-phrase/", site.admin_view(parse_phrase_view), name="tracker_parse_phrase"),
        path("tracker/source-text/<int:source_id>/", site.admin_view(source_text_view), name="tracker_source_text"),
    ]
