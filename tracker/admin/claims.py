"""The records' admins: displacement and surrender figures, aid capacity reports, with their review actions."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from tracker import services
from tracker.admin.base import ServiceAdmin
from tracker.admin.changelists import LargeListMixin
from tracker.admin.claim_forms import ClaimForm
from tracker.admin.claim_views import render_source_panel, source_panel
from tracker.admin.filters import CountryFilter, DoubleCountFilter, EventFilter, PublisherFilter, ReviewQueueFilter
from tracker.admin.forms import ReviewCommentForm, ServiceRefused, error_text
from tracker.choices import HouseholdSizeSource, ProposalStatus, ReviewStatus
from tracker.filtersets.claims import AidCapacityReportFilterSet, DisplacementFigureFilterSet, SurrenderFigureFilterSet
from tracker.formatting import persons_range
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Source,
    SurrenderFigure,
)
from tracker.models.extraction import Proposal
from tracker.parsing import whole_number
from tracker.rules.terms import TERM_CATEGORIES
from tracker.services import extraction
from tracker.services.claims import approval_blockers


class ClaimAdmin(LargeListMixin, ServiceAdmin):
    """Shared by the three kinds: list, review buttons and actions, double-count warnings.

    The search box is the kind's FilterSet ``q`` (``LargeListMixin``): the words of the excerpt, phrase and notes,
    and the names of the record's place (P-codes too), event, source, publisher and organizations, aliases included.
    """

    change_form_template = "admin/tracker/claim_change_form.html"
    form = ClaimForm
    list_select_related = ("source", "source__publisher", "location", "event")
    list_filter = (ReviewQueueFilter, "review_status", CountryFilter, EventFilter, PublisherFilter,
                   "is_confidential", "end_date")
    # Django shows the search box (and serves the autocomplete) only for an admin with search fields; the
    # search itself is the FilterSet's.
    search_fields = ("excerpt",)
    search_help_text = ("Every word must match: a word of the excerpt, phrase or notes in any form ('displaced' "
                        "finds 'displacement'), or the beginning of a name of the place, event, source or an "
                        "organization, aliases and P-codes included.")
    autocomplete_fields = ("source", "event", "location", "attributed_to", "cited_sources")
    readonly_fields = ("review_status", "review_comment", "submitted_by", "submitted_at", "reviewed_by",
                       "reviewed_at", "version", "created_by", "created_at", "updated_by", "updated_at")
    date_hierarchy = "end_date"

    @property
    def media(self):
        # The event and publisher filters use the admin's autocomplete (select2) on the list page too; the form's
        # phrase, category and text panel behave from a static file (the Content-Security-Policy runs no inline
        # script).
        return (super().media + AutocompleteSelect(self.model._meta.get_field("event"), self.admin_site).media
                + forms.Media(js=["tracker/claim_form.js"], css={"all": ["tracker/claim_form.css"]}))

    actions = ["submit_selected", "approve_selected", "request_changes_selected", "reject_selected"]
    list_per_page = 50
    provenance = ("Source and excerpt", {"fields": (
        "source", "excerpt", "excerpt_translation", ("excerpt_start", "excerpt_end"),
        ("attributed_to", "attribution_text"), "cited_sources")})
    place_and_period = ("Place and period", {"fields": (
        "event", ("location", "location_precision"), ("start_date", "start_precision"),
        ("end_date", "end_precision"))})
    kind_fields: tuple = ()
    closing = ("Notes and access", {"fields": ("notes", "is_confidential", "expected_version", "proposal")})
    audit = ("Review and audit", {"classes": ("collapse",), "fields": (
        ("review_status", "version"), "review_comment", ("submitted_by", "submitted_at"),
        ("reviewed_by", "reviewed_at"), ("created_by", "created_at"), ("updated_by", "updated_at"))})

    def get_fieldsets(self, request, obj=None):
        return (self.provenance, *self.kind_fields, self.place_and_period, self.closing, self.audit)

    # saves through the services
    def create(self, obj, *, request, m2m):
        services.claim_create(obj, created_by=request.user, cited_sources=m2m.get("cited_sources"))
        self.warn_double_counts(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        proposal = form.cleaned_data.get("proposal")
        if proposal is not None and not change:
            # The record opened from a proposal was created: the proposal is accepted as it, in the same
            # transaction (a refusal rolls both back and shows the form again with the reason).
            try:
                extraction.proposal_link(proposal, obj, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                raise ServiceRefused(error) from error

    def update(self, obj, *, request, expected_version, m2m):
        was_approved = type(obj).objects.filter(pk=obj.pk, review_status=ReviewStatus.APPROVED).exists()
        services.claim_update(obj, changed_by=request.user, expected_version=expected_version,
                              cited_sources=m2m.get("cited_sources"), reason=self.change_reason(request))
        if was_approved and obj.review_status == ReviewStatus.IN_REVIEW:
            self.message_user(request, "This record was approved: your edit sent it back to review.", messages.WARNING)
        self.warn_double_counts(request, obj)

    def warn_double_counts(self, request, obj) -> None:
        pairs = [pair for pair in services.double_counts_for(obj) if not pair.is_resolved]
        if not pairs:
            return
        links = format_html_join(
            ", ", '<a href="{}">#{}</a>',
            ((reverse(f"admin:tracker_{obj.kind}_change", args=[p.other_id(obj.pk)]), p.other_id(obj.pk))
             for p in pairs),
        )
        self.message_user(
            request,
            format_html("Possible double count with {}: the same people may be counted twice. Mark one as "
                        "triangulation or duplicate, or ask a reviewer to record why both stand.", links),
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.claim_delete(obj, deleted_by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.claim_delete(obj, deleted_by=request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.review_status == ReviewStatus.DRAFT)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.review_status != ReviewStatus.REJECTED)

    # list columns
    @admin.display(description="period", ordering="end_date")
    def period(self, obj) -> str:
        if obj.start_date == obj.end_date:
            return f"{obj.end_date:%d %b %Y} ({obj.end_precision})"
        return f"{obj.start_date:%d %b %Y} ({obj.start_precision}) – {obj.end_date:%d %b %Y} ({obj.end_precision})"

    @admin.display(description="source", ordering="source__publication_date")
    def source_short(self, obj) -> str:
        return f"{obj.source.publisher.name}, {obj.source.publication_date:%d %b %Y}"

    # review workflow: buttons on the record
    def get_urls(self):
        return [
            path("<path:object_id>/review/<str:action>/", self.admin_site.admin_view(self.review_view),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_review"),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id, action):
        obj = get_object_or_404(self.model, pk=object_id)
        change_url = reverse(f"admin:tracker_{self.opts.model_name}_change", args=[obj.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        comment = request.POST.get("comment", "")
        given = request.POST.get("expected_version")
        expected = whole_number(given)
        if given and expected is None:
            # The review buttons always send the version the reviewer saw: an unreadable one is not "no check".
            self.message_user(request, f"Not done: {given!r} is not a version number; reload the record.",
                              messages.ERROR)
            return HttpResponseRedirect(change_url)
        user = request.user
        transitions = {
            "submit": lambda: services.claim_submit(obj, submitted_by=user, expected_version=expected),
            "approve": lambda: services.claim_approve(obj, approved_by=user, expected_version=expected),
            "request_changes": lambda: services.claim_request_changes(
                obj, reviewer=user, comment=comment, expected_version=expected),
            "reject": lambda: services.claim_reject(obj, rejected_by=user, reason=comment, expected_version=expected),
            "reopen": lambda: services.claim_reopen(obj, reopened_by=user, expected_version=expected),
        }
        if action not in transitions:
            self.message_user(request, f"Unknown review action '{action}'.", messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            updated = transitions[action]()
        except (ValidationError, PermissionDenied, services.ConcurrentEditError) as error:
            self.message_user(request, f"Not done: {error_text(error)}", messages.ERROR)
            return HttpResponseRedirect(change_url)
        self.message_user(request, f"{updated}: now {updated.get_review_status_display().lower()}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    # the add form, prefilled from a proposal or a sentence of the source's text
    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "GET":
            prefill = self.prefill(request)
            if isinstance(prefill, HttpResponse):
                return prefill
            request.tracker_prefill = prefill
        return super().add_view(request, form_url, extra_context)

    def prefill(self, request) -> dict | HttpResponse:
        """Initial values from ``?proposal=<id>`` or ``?source=<id>&excerpt_start=<n>&excerpt_end=<n>``; a
        redirect to the add form of the record kind they give, when it is another; an error message (and an
        empty form) for an id that names nothing or a span outside the text."""
        given = request.GET
        if "proposal" in given:
            proposal = Proposal.objects.select_related("source").filter(
                pk=whole_number(given["proposal"]) or 0).first()
            if proposal is None:
                self.message_user(request, f"No proposal #{given['proposal']}: the form is empty.", messages.ERROR)
                return {}
            model = extraction.proposal_model(proposal)
            if model is not self.model:
                return HttpResponseRedirect(
                    f"{reverse(f'admin:tracker_{model._meta.model_name}_add')}?{given.urlencode()}")
            initial = extraction.proposal_initial(proposal)
            if proposal.status == ProposalStatus.OPEN:
                initial["proposal"] = proposal.pk
            else:
                self.message_user(request, f"This proposal was already {proposal.get_status_display().lower()}: "
                                           "saving adds a record of your own.", messages.WARNING)
            return initial
        if "source" in given and ("excerpt_start" in given or "excerpt_end" in given):
            source = Source.objects.filter(pk=whole_number(given["source"]) or 0).first()
            start, end = whole_number(given.get("excerpt_start", "")), whole_number(given.get("excerpt_end", ""))
            if source is None or start is None or end is None:
                self.message_user(request, "The selection names no source or no span of its text.", messages.ERROR)
                return {}
            try:
                initial = extraction.sentence_initial(source, start, end)
            except ValidationError as error:
                self.message_user(request, f"Not prefilled: {error_text(error)}", messages.ERROR)
                return {"source": source.pk}
            model = extraction.proposal_model(initial.pop("kind"))
            if model is not self.model:
                return HttpResponseRedirect(
                    f"{reverse(f'admin:tracker_{model._meta.model_name}_add')}?{given.urlencode()}")
            return initial
        return {}

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        prefill = getattr(request, "tracker_prefill", None)
        if prefill:
            for name in ("proposal", "excerpt_start", "excerpt_end"):
                initial.pop(name, None)  # the query's raw strings: the prefill says what they give
            initial.update(prefill)
        return initial

    @admin.display(description="household size from")
    def household_size_citation(self, obj) -> str:
        """Where a country default household size comes from: the country's citation, shown with the figure."""
        if obj is None or obj.household_size_source != HouseholdSizeSource.COUNTRY_DEFAULT or not obj.location_id:
            return "–"
        country = obj.location.country
        if country is None or country.default_household_size is None:
            return "–"
        return (f"{country.name}'s default, {country.default_household_size} persons per household: "
                f"{country.default_household_size_citation}")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        source = obj.source if obj is not None and obj.source_id else None
        excerpt, start, end = (obj.excerpt, obj.excerpt_start, obj.excerpt_end) if source else ("", None, None)
        if "source" in form.fields and (form.is_bound or source is None):
            # a form shown again (or a new one, perhaps prefilled): the panel follows what it holds
            source_id = whole_number(str(form["source"].value() or ""))
            source = Source.objects.filter(pk=source_id).first() if source_id else None
            excerpt = form["excerpt"].value() or ""
            start = whole_number(str(form["excerpt_start"].value() or ""))
            end = whole_number(str(form["excerpt_end"].value() or ""))
        context["source_panel_html"] = render_source_panel(source_panel(source, excerpt=excerpt, start=start,
                                                                        end=end))
        context["term_categories"] = json.dumps({term: sorted(categories)
                                                 for term, categories in TERM_CATEGORIES.items()})
        if obj is not None and obj.pk:
            is_reviewer = request.user.has_perm("tracker.review_claim")
            context.update(
                review_obj=obj,
                is_reviewer=is_reviewer,
                approval_blockers=approval_blockers(obj, request.user) if is_reviewer else [],
                double_counts=[
                    (pair, reverse(f"admin:tracker_{obj.kind}_change", args=[pair.other_id(obj.pk)]))
                    for pair in services.double_counts_for(obj)
                ],
                review_url_name=f"admin:tracker_{obj.kind}_review",
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # review workflow: bulk actions
    def _run(self, request: HttpRequest, queryset: QuerySet, verb: str, call) -> None:
        done = 0
        for claim in queryset:
            try:
                with transaction.atomic():
                    call(claim)
                done += 1
            except (ValidationError, PermissionDenied, services.ConcurrentEditError) as error:
                self.message_user(request, f"#{claim.pk} not {verb}: {error_text(error)}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} record(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Submit selected records for review")
    def submit_selected(self, request, queryset):
        self._run(request, queryset, "submitted", lambda c: services.claim_submit(c, submitted_by=request.user))

    @admin.action(description="Approve selected records")
    def approve_selected(self, request, queryset):
        self._run(request, queryset, "approved", lambda c: services.claim_approve(c, approved_by=request.user))

    def _with_comment(self, request, queryset, title: str, verb: str, call):
        form = ReviewCommentForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            comment = form.cleaned_data["comment"]
            self._run(request, queryset, verb, lambda c: call(c, comment))
            return None
        return TemplateResponse(request, "admin/tracker/review_comment.html", {
            **self.admin_site.each_context(request), "title": title, "form": form, "queryset": queryset,
            "action": request.POST.get("action"), "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Request changes on selected records (with a comment)")
    def request_changes_selected(self, request, queryset):
        return self._with_comment(request, queryset, "Request changes", "sent back for changes",
                                  lambda c, text: services.claim_request_changes(c, reviewer=request.user,
                                                                                 comment=text))

    @admin.action(description="Reject selected records (with a reason)")
    def reject_selected(self, request, queryset):
        return self._with_comment(request, queryset, "Reject", "rejected",
                                  lambda c, text: services.claim_reject(c, rejected_by=request.user, reason=text))


class QuantifiedClaimAdmin(ClaimAdmin):
    list_display = ("id", "reported_phrase", "persons", "location", "period", "review_status", "role",
                    "source_short")
    list_display_links = ("id", "reported_phrase")
    readonly_fields = (*ClaimAdmin.readonly_fields, "low", "best", "high", "high_open", "household_size_citation")
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "supports", "duplicate_of")
    list_filter = (*ClaimAdmin.list_filter[:2], "role", DoubleCountFilter, *ClaimAdmin.list_filter[2:], "quantifier",
                   "unit")
    quantity = ("How many", {"fields": (
        "reported_phrase", ("quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit"),
        ("household_size", "household_size_source", "household_size_citation"),
        ("best_override", "best_override_reason"),
        ("low", "best", "high", "high_open"))})
    counting = ("Counting", {"fields": (("role", "supports"), "duplicate_of")})

    @admin.display(description="persons: best (low–high)", ordering="best")
    def persons(self, obj) -> str:
        text = persons_range(obj.low, obj.best, obj.high, obj.high_open)
        if obj.unit != "persons" and obj.best is not None:
            return format_html("{} <small>from {} {} × {}</small>", text, obj.reported_value,
                               obj.get_unit_display().lower(), obj.household_size)
        return text


@admin.register(DisplacementFigure)
class DisplacementFigureAdmin(QuantifiedClaimAdmin):
    list_display = (*QuantifiedClaimAdmin.list_display[:3], "term", *QuantifiedClaimAdmin.list_display[3:])
    list_filter = (*QuantifiedClaimAdmin.list_filter, "term", "category")
    filterset_class = DisplacementFigureFilterSet
    autocomplete_fields = (*QuantifiedClaimAdmin.autocomplete_fields, "origin", "destination")
    kind_fields = (QuantifiedClaimAdmin.quantity, ("Displacement", {"fields": (
        ("term", "category"), ("origin", "destination"), ("women", "men", "children", "elderly"),
        "composition_note")}), QuantifiedClaimAdmin.counting)


@admin.register(SurrenderFigure)
class SurrenderFigureAdmin(QuantifiedClaimAdmin):
    list_display = (
        *QuantifiedClaimAdmin.list_display[:3], "surrendering_group", *QuantifiedClaimAdmin.list_display[3:]
    )
    list_select_related = (*QuantifiedClaimAdmin.list_select_related, "surrendering_group")
    list_filter = (*QuantifiedClaimAdmin.list_filter, "term", "combatant_status")
    filterset_class = SurrenderFigureFilterSet
    autocomplete_fields = (*QuantifiedClaimAdmin.autocomplete_fields, "surrendering_group", "received_by")
    kind_fields = (QuantifiedClaimAdmin.quantity, ("Surrender", {"fields": (
        ("surrendering_group", "received_by"), ("term", "combatant_status"))}), QuantifiedClaimAdmin.counting)


@admin.register(AidCapacityReport)
class AidCapacityReportAdmin(ClaimAdmin):
    list_display = ("id", "provider_name", "sector", "strain", "location", "period", "review_status", "source_short")
    list_display_links = ("id", "provider_name")
    list_select_related = (*ClaimAdmin.list_select_related, "provider")
    list_filter = (*ClaimAdmin.list_filter, "sector", "strain")
    filterset_class = AidCapacityReportFilterSet
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "provider")
    kind_fields = (("Aid capacity", {"fields": (
        ("provider", "provider_description"), ("sector", "strain"), ("capacity", "demand", "capacity_unit"))}),)

    @admin.display(description="provider")
    def provider_name(self, obj) -> str:
        return str(obj.provider) if obj.provider_id else obj.provider_description
