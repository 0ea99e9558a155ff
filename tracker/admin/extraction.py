"""The extraction assistant in the admin: the proposals beside a source's stored text (accept, edit, reject, read
again, a new record from a selected sentence), the list of proposals, and the page that measures them."""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tracker import services
from tracker.admin.forms import error_text
from tracker.choices import ProposalStatus, RejectReason
from tracker.formatting import count
from tracker.models import Proposal, Source
from tracker.parsing import whole_number
from tracker.services.extraction import (
    extraction_quality,
    may_work_on_proposals,
    proposal_accept,
    proposal_model,
    proposal_reject,
    proposals_refresh,
    sentence_kind,
    source_text_refusal,
)

# --- what a proposal shows ----------------------------------------------------------------------


def _name(value) -> str:
    return value.get("name") or "" if isinstance(value, dict) else ""


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else ""


def _dates(fields: dict) -> str:
    start, end = fields.get("start_date"), fields.get("end_date")
    if not start and not end:
        return ""
    if start == end:
        return f"{end} ({fields.get('end_precision') or 'day'})"
    return f"{start} ({fields.get('start_precision') or 'day'}) – {end} ({fields.get('end_precision') or 'day'})"


def proposal_parts(proposal: Proposal) -> list[tuple[str, str]]:
    """The proposal's parts as (label, text) pairs, the empty ones left out."""
    fields = proposal.fields or {}
    value = _number(fields.get("reported_value"))
    if fields.get("reported_value_max") is not None:
        value = f"{value} to {_number(fields.get('reported_value_max'))}"
    attribution = _name(fields.get("attributed_to"))
    if attribution and (fields.get("attributed_to") or {}).get("is_party"):
        attribution += " (a party to the conflict)"
    if fields.get("attribution_text"):
        attribution = f"{attribution}: “{fields['attribution_text']}”" if attribution else fields["attribution_text"]
    parts = [
        ("Term", fields.get("term") or ""),
        ("Category", fields.get("category") or ""),
        ("Phrase", fields.get("reported_phrase") or ""),
        ("Quantifier", (fields.get("quantifier") or "").replace("_", " ")),
        ("Value", value),
        ("Magnitude", (fields.get("magnitude_word") or "").replace("_", " ")),
        ("Unit", fields.get("unit") or ""),
        ("Surrendering", _name(fields.get("surrendering_group"))),
        ("Received by", _name(fields.get("received_by"))),
        ("Provider", _name(fields.get("provider")) or fields.get("provider_description") or ""),
        ("Sector", (fields.get("sector") or "").replace("_", " ")),
        ("Strain", fields.get("strain") or ""),
        ("Place", _name(fields.get("location")) or "none found"),
        ("Dates", _dates(fields)),
        ("Attribution", attribution),
        ("Confidence", f"{proposal.confidence:.0%}"),
    ]
    return [(label, text) for label, text in parts if text]


def in_text(proposal: Proposal, source: Source) -> bool:
    """Whether the proposal's offsets still select its excerpt in the stored text (a text replaced since, or
    dropped, no longer holds it there)."""
    return bool(source.text) and source.text[proposal.excerpt_start:proposal.excerpt_end] == proposal.excerpt


def record_url(proposal: Proposal) -> str | None:
    if not proposal.claim_id or not proposal.claim_model:
        return None
    try:
        return reverse(f"admin:tracker_{proposal.claim_model}_change", args=[proposal.claim_id])
    except NoReverseMatch:
        return None


def _field_errors(error: ValidationError, model) -> str:
    """A service's refusal, each message with the name of its field as the form labels it."""
    if not hasattr(error, "message_dict"):
        return error_text(error)
    lines = []
    for name, messages_ in error.message_dict.items():
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a non-field error ("__all__"), or a name that is not a field
            label = "" if name == NON_FIELD_ERRORS else name
        lines.append(f"{label.capitalize()}: {' '.join(messages_)}" if label else " ".join(messages_))
    return "; ".join(lines)


# --- the workbench on a source's page -----------------------------------------------------------


class SourceWorkbenchMixin:
    """For SourceAdmin: the proposals beside the stored text, and the buttons' views."""

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["tracker/workbench.css"]}, js=["tracker/workbench.js"])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/proposals/read/", view(self.proposals_read_view),
                 name="tracker_source_proposals_read"),
            path("<path:object_id>/proposals/<str:proposal_id>/accept/", view(self.proposal_accept_view),
                 name="tracker_source_proposal_accept"),
            path("<path:object_id>/proposals/<str:proposal_id>/reject/", view(self.proposal_reject_view),
                 name="tracker_source_proposal_reject"),
            path("<path:object_id>/sentence/", view(self.sentence_view), name="tracker_source_sentence"),
            *super().get_urls(),
        ]

    # the page
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["workbench"] = self.workbench_context(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def workbench_context(self, request, source: Source) -> dict | None:
        """What the workbench shows, or None for a source with no text and no proposals."""
        proposals = list(source.proposals.select_related("decided_by"))
        has_text = bool((source.text or "").strip()) and not source.text_dropped_at
        if not has_text and not source.text_dropped_at and not proposals:
            return None
        may_decide = may_work_on_proposals(request.user)
        notice = None
        stale = has_text and any(p.status == ProposalStatus.OPEN and not in_text(p, source) for p in proposals)
        if has_text and (stale or not proposals) and may_decide and request.method == "GET":
            # The first opening of a source with text reads it, and so does the first after its text changed;
            # "Read again" does it on request.
            try:
                proposals, notice = self.read(request, source)
            except (ValidationError, PermissionDenied) as error:
                notice = error_text(error)
        sentences = []
        if has_text:
            from tracker.extraction import sentence_spans

            sentences = [list(span) for span in sentence_spans(source.text)]
        items = [self.proposal_item(proposal, source) for proposal in proposals]
        counts = {status: sum(1 for p in proposals if p.status == status) for status in ProposalStatus.values}
        return {
            "source": source,
            "has_text": has_text,
            "refusal": source_text_refusal(source),
            "dropped_at": source.text_dropped_at,
            "notice": notice,
            "proposals": items,
            "open": [item for item in items if item["proposal"].status == ProposalStatus.OPEN],
            "decided": [item for item in items if item["proposal"].status != ProposalStatus.OPEN],
            "counts": counts,
            "may_decide": may_decide,
            "reasons": RejectReason.choices,
            "other_reason": RejectReason.OTHER,
            "sentences": json.dumps(sentences),
            "sentence_url": reverse("admin:tracker_source_sentence", args=[source.pk]),
            "read_url": reverse("admin:tracker_source_proposals_read", args=[source.pk]),
            "quality_url": reverse("admin:tracker_proposal_quality"),
        }

    def proposal_item(self, proposal: Proposal, source: Source) -> dict:
        model = proposal_model(proposal)
        return {
            "proposal": proposal,
            "in_text": in_text(proposal, source),
            "parts": proposal_parts(proposal),
            "accept_url": reverse("admin:tracker_source_proposal_accept", args=[source.pk, proposal.pk]),
            "reject_url": reverse("admin:tracker_source_proposal_reject", args=[source.pk, proposal.pk]),
            "edit_url": reverse(f"admin:tracker_{model._meta.model_name}_add") + f"?proposal={proposal.pk}",
            "record_url": record_url(proposal),
            "record_label": f"{model._meta.verbose_name} #{proposal.claim_id}" if proposal.claim_id else "",
        }

    def read(self, request, source: Source):
        stored = proposals_refresh(source, user=request.user)
        return list(source.proposals.select_related("decided_by")), stored.notice

    # the buttons
    def _source(self, request, object_id) -> Source:
        pk = whole_number(object_id)
        source = get_object_or_404(Source, pk=pk) if pk is not None else None
        if source is None or not self.has_view_or_change_permission(request, source):
            raise PermissionDenied
        return source

    def _back(self, source: Source, proposal_id: int | None = None) -> HttpResponseRedirect:
        url = reverse("admin:tracker_source_change", args=[source.pk])
        return HttpResponseRedirect(f"{url}#proposal-{proposal_id}" if proposal_id else url)

    def _proposal(self, source: Source, proposal_id: str) -> Proposal:
        pk = whole_number(proposal_id)
        if pk is None:
            raise Http404("No such proposal.")
        return get_object_or_404(Proposal, pk=pk, source=source)

    def proposals_read_view(self, request, object_id):
        source = self._source(request, object_id)
        if request.method != "POST":
            return self._back(source)
        try:
            stored = proposals_refresh(source, user=request.user)
        except ValidationError as error:
            self.message_user(request, f"Not read: {error_text(error)}", messages.ERROR)
            return self._back(source)
        if stored.notice:
            self.message_user(request, stored.notice, messages.WARNING)
        else:
            self.message_user(request, f"Read again: {count(len(stored))} open proposal(s).", messages.SUCCESS)
        return self._back(source)

    def proposal_accept_view(self, request, object_id, proposal_id):
        source = self._source(request, object_id)
        proposal = self._proposal(source, proposal_id)
        if request.method != "POST":
            return self._back(source, proposal.pk)
        try:
            record = proposal_accept(proposal, user=request.user)
        except ValidationError as error:
            edit = reverse(f"admin:tracker_{proposal_model(proposal)._meta.model_name}_add")
            self.message_user(request, format_html(
                "Not accepted: {}. <a href=\"{}?proposal={}\">Edit it</a> to complete it.",
                _field_errors(error, proposal_model(proposal)), edit, proposal.pk), messages.ERROR)
            return self._back(source, proposal.pk)
        url = reverse(f"admin:tracker_{record._meta.model_name}_change", args=[record.pk])
        self.message_user(request, format_html('Accepted: <a href="{}">{}</a> is a draft.', url, record),
                          messages.SUCCESS)
        pairs = [pair for pair in services.double_counts_for(record) if not pair.is_resolved]
        if pairs:
            links = format_html_join(", ", '<a href="{}">#{}</a>', (
                (reverse(f"admin:tracker_{record.kind}_change", args=[p.other_id(record.pk)]), p.other_id(record.pk))
                for p in pairs))
            self.message_user(request, format_html(
                "Possible double count with {}: the same people may be counted twice.", links), messages.WARNING)
        return self._back(source, proposal.pk)

    def proposal_reject_view(self, request, object_id, proposal_id):
        source = self._source(request, object_id)
        proposal = self._proposal(source, proposal_id)
        if request.method != "POST":
            return self._back(source, proposal.pk)
        try:
            proposal_reject(proposal, user=request.user, reason=request.POST.get("reason", ""),
                            note=request.POST.get("note", ""))
        except ValidationError as error:
            self.message_user(request, f"Not rejected: {error_text(error)}", messages.ERROR)
            return self._back(source, proposal.pk)
        self.message_user(request, f"Rejected: {proposal.get_reject_reason_display().lower()}.", messages.SUCCESS)
        return self._back(source, proposal.pk)

    def sentence_view(self, request, object_id):
        """A new record from a selected sentence: the add form of the kind the sentence most likely gives."""
        source = self._source(request, object_id)
        if not may_work_on_proposals(request.user):
            raise PermissionDenied
        start, end = whole_number(request.GET.get("excerpt_start")), whole_number(request.GET.get("excerpt_end"))
        try:
            if start is None or end is None:
                raise ValidationError("Select a sentence in the text first.")
            kind = sentence_kind(source, start, end)
        except ValidationError as error:
            self.message_user(request, f"No record started: {error_text(error)}", messages.ERROR)
            return self._back(source)
        model = proposal_model(kind)
        query = urlencode({"source": source.pk, "excerpt_start": start, "excerpt_end": end})
        return HttpResponseRedirect(f"{reverse(f'admin:tracker_{model._meta.model_name}_add')}?{query}")


# --- the proposals' list and the measure of the assistant -------------------------------------


def _bar_chart(rows: list[tuple[str, float | None, float | None]], title: str) -> str:
    """Precision and recall per row as horizontal bars, in SVG with presentation attributes only (no style, no
    script: the Content-Security-Policy allows neither inline)."""
    bar, gap, label_width, width = 12, 8, 150, 170
    height = 30 + len(rows) * (2 * bar + gap) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + width + 44}" height="{height}" '
        f'role="img" aria-labelledby="quality-chart-title" font-family="system-ui,Arial,sans-serif" font-size="12">',
        format_html('<title id="quality-chart-title">{}</title>', title),
        f'<rect x="{label_width}" y="4" width="12" height="10" fill="#417690"/>'
        f'<text x="{label_width + 16}" y="13">precision</text>'
        f'<rect x="{label_width + 90}" y="4" width="12" height="10" fill="#e0a040"/>'
        f'<text x="{label_width + 106}" y="13">recall</text>',
    ]
    y = 30
    for label, precision, recall in rows:
        parts.append(format_html('<text x="{}" y="{}" text-anchor="end">{}</text>', label_width - 6, y + bar + 4,
                                 label))
        for offset, value, colour, name in ((0, precision, "#417690", "precision"), (bar, recall, "#e0a040", "recall")):
            length = round((value or 0) * width)
            shown = "–" if value is None else f"{value:.0%}"
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} {}</title></rect>'
                '<text x="{}" y="{}">{}</text>',
                label_width, y + offset, length, bar - 2, colour, label, name, shown,
                label_width + length + 4, y + offset + bar - 4, shown))
        y += 2 * bar + gap
    parts.append("</svg>")
    return mark_safe("".join(str(part) for part in parts))  # every text in it was escaped above


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """What the assistant proposed and what analysts decided: read only (decisions are taken on the source's
    page, through the services)."""

    list_display = ("id", "source_link", "kind", "phrase", "status", "reject_reason", "decided_by", "decided_at",
                    "confidence", "rules_version", "record_link")
    list_filter = ("status", "kind", "reject_reason", "rules_version")
    list_select_related = ("source", "decided_by")
    search_fields = ("excerpt", "source__title")
    show_full_result_count = False
    change_list_template = "admin/tracker/proposal/change_list.html"

    def has_view_permission(self, request, obj=None):
        return may_work_on_proposals(request.user)

    def has_module_permission(self, request):
        return may_work_on_proposals(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="source", ordering="source__publication_date")
    def source_link(self, obj) -> str:
        url = reverse("admin:tracker_source_change", args=[obj.source_id])
        return format_html('<a href="{}#proposal-{}">{}</a>', url, obj.pk, obj.source.title)

    @admin.display(description="phrase")
    def phrase(self, obj) -> str:
        fields = obj.fields or {}
        return fields.get("reported_phrase") or fields.get("strain") or ""

    @admin.display(description="record")
    def record_link(self, obj) -> str:
        url = record_url(obj)
        return format_html('<a href="{}">{} #{}</a>', url, obj.claim_model, obj.claim_id) if url else ""

    def get_urls(self):
        return [
            path("quality/", self.admin_site.admin_view(self.quality_view), name="tracker_proposal_quality"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"quality_url": reverse("admin:tracker_proposal_quality"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def quality_view(self, request):
        if not may_work_on_proposals(request.user):
            raise PermissionDenied
        days = whole_number(request.GET.get("days", ""), max_digits=5)
        since = timezone.now() - datetime.timedelta(days=days) if days else None
        quality = extraction_quality(since=since)
        chart_rows = [("All kinds", quality["overall"]["precision"], quality["overall"]["recall"])]
        chart_rows += [(row["label"], row["precision"], row["recall"]) for row in quality["by_kind"]]
        chart_rows += [(f"Rules {row['rules_version'] or '(none)'}", row["precision"], row["recall"])
                       for row in quality["by_rules_version"]]
        return TemplateResponse(request, "admin/tracker/proposal/quality.html", {
            **self.admin_site.each_context(request),
            "title": "Extraction quality",
            "opts": self.opts,
            "quality": quality,
            "days": days,
            "periods": [(None, "All time"), (7, "Past 7 days"), (30, "Past 30 days"), (90, "Past 90 days")],
            "chart": _bar_chart(chart_rows, "Precision and recall of the extraction assistant"),
            "sources_read": Proposal.objects.values("source").distinct().count(),
            "changelist_url": reverse("admin:tracker_proposal_changelist"),
        })
