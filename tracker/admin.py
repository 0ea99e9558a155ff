"""The analysts' workbench. Every save and action goes through tracker.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.formatting import persons_range
from tracker.models import (
    AidCapacityReport,
    Crisis,
    DisplacementFigure,
    Event,
    Location,
    LocationName,
    Organization,
    OrganizationAlias,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
)

admin.site.site_header = "Displacement Tracker"
admin.site.site_title = "Displacement Tracker"
admin.site.index_title = "Curation"


class VersionedForm(forms.ModelForm):
    """Carries the version the editor opened; a save against a newer version is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["expected_version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != expected:
                raise ValidationError(
                    f"Someone else saved this record (now version {current}) after you opened version {expected}. "
                    "Your input is kept below: reload the page in another tab to see their changes, then merge."
                )
        return cleaned


class ServiceSaveMixin:
    """Route the admin's saves and deletes through the services, and show their refusals."""

    form = VersionedForm

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        expected = form.cleaned_data.get("expected_version")
        m2m = {name: form.cleaned_data[name] for name in self.m2m_names(form)}
        if change:
            self.update(obj, request=request, expected_version=expected, m2m=m2m)
        else:
            self.create(obj, request=request, m2m=m2m)

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields went through the service; inlines save here (history via their own models).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @staticmethod
    def m2m_names(form) -> list[str]:
        return [f.name for f in form._meta.model._meta.many_to_many if f.name in form.cleaned_data]

    def create(self, obj, *, request, m2m):
        services.reference_create(obj, created_by=request.user, m2m=m2m)

    def update(self, obj, *, request, expected_version, m2m):
        services.reference_update(obj, changed_by=request.user, expected_version=expected_version, m2m=m2m)


# --- reference data --------------------------------------------------------------------------


class OrganizationAliasInline(admin.TabularInline):
    model = OrganizationAlias
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    list_display = ("name", "acronym", "kind", "reliability", "country")
    list_filter = ("kind", "reliability")
    search_fields = ("name", "acronym", "aliases__name")
    autocomplete_fields = ("country",)
    inlines = [OrganizationAliasInline]


class LocationNameInline(admin.TabularInline):
    model = LocationName
    extra = 1


@admin.register(Location)
class LocationAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    list_display = ("name", "level", "pcode", "parent", "country", "adm1", "latitude", "longitude")
    list_filter = ("level",)
    search_fields = ("name", "pcode", "iso3", "alternate_names__name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "country", "adm1", "adm2")
    inlines = [LocationNameInline]
    show_full_result_count = False


@admin.register(Crisis)
class CrisisAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    search_fields = ("name",)


@admin.register(Event)
class EventAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    list_display = ("name", "kind", "crisis", "start_date", "end_date")
    list_filter = ("kind", "crisis")
    search_fields = ("name", "crisis__name")
    autocomplete_fields = ("crisis", "countries", "parties")


@admin.register(Source)
class SourceAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    list_display = ("title", "publisher", "publication_date", "kind", "is_confidential")
    list_filter = ("kind", "is_confidential", "language")
    search_fields = ("title", "url", "publisher__name", "publisher__aliases__name")
    autocomplete_fields = ("publisher", "co_credited", "dateline")
    date_hierarchy = "publication_date"
    readonly_fields = ("url_normalized", "content_hash")
    show_full_result_count = False


# --- the three kinds of fact -----------------------------------------------------------------


class ClaimAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    """Shared by the three kinds: their saves, deletes and review actions call the services."""

    list_select_related = ("source", "location", "event")
    list_filter = ("review_status", "event", "is_confidential")
    search_fields = ("excerpt", "source__title", "location__name", "location__alternate_names__name",
                     "attributed_to__name", "attributed_to__aliases__name")
    autocomplete_fields = ("source", "event", "location", "attributed_to", "cited_sources")
    readonly_fields = ("review_status", "review_comment", "submitted_by", "submitted_at", "reviewed_by",
                       "reviewed_at", "version", "created_by", "created_at", "updated_by", "updated_at")
    date_hierarchy = "end_date"
    show_full_result_count = False
    actions = ["submit_selected", "approve_selected"]

    def create(self, obj, *, request, m2m):
        services.claim_create(obj, created_by=request.user, cited_sources=m2m.get("cited_sources"))

    def update(self, obj, *, request, expected_version, m2m):
        services.claim_update(obj, changed_by=request.user, expected_version=expected_version,
                              cited_sources=m2m.get("cited_sources"))

    def delete_model(self, request, obj):
        services.claim_delete(obj, deleted_by=request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.review_status == "draft")

    @admin.display(description="period")
    def period(self, obj) -> str:
        if obj.start_date == obj.end_date:
            return f"{obj.end_date:%d %b %Y}"
        return f"{obj.start_date:%d %b %Y} ({obj.start_precision}) – {obj.end_date:%d %b %Y} ({obj.end_precision})"

    @admin.display(description="excerpt")
    def short_excerpt(self, obj) -> str:
        return obj.excerpt if len(obj.excerpt) <= 90 else obj.excerpt[:88] + "…"

    def _run(self, request: HttpRequest, queryset: QuerySet, action, verb: str, **kwargs) -> None:
        done = 0
        for claim in queryset:
            try:
                action(claim, **kwargs)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"#{claim.pk} not {verb}: {text}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} record(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Submit selected records for review")
    def submit_selected(self, request, queryset):
        self._run(request, queryset, services.claim_submit, "submitted", submitted_by=request.user)

    @admin.action(description="Approve selected records")
    def approve_selected(self, request, queryset):
        self._run(request, queryset, services.claim_approve, "approved", approved_by=request.user)


class QuantifiedClaimAdmin(ClaimAdmin):
    list_display = ("id", "reported_phrase", "persons", "location", "period", "review_status", "role", "source")
    list_display_links = ("id", "reported_phrase")
    readonly_fields = (*ClaimAdmin.readonly_fields, "low", "best", "high", "high_open")
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "supports", "duplicate_of")
    list_filter = (*ClaimAdmin.list_filter, "role", "quantifier", "unit")

    @admin.display(description="persons: best (low–high)", ordering="best")
    def persons(self, obj) -> str:
        text = persons_range(obj.low, obj.best, obj.high, obj.high_open)
        if obj.unit != "persons" and obj.best is not None:
            return format_html("{} <small>from {} {}</small>", text, obj.reported_value, obj.get_unit_display().lower())
        return text


@admin.register(DisplacementFigure)
class DisplacementFigureAdmin(QuantifiedClaimAdmin):
    list_display = (*QuantifiedClaimAdmin.list_display[:3], "term", *QuantifiedClaimAdmin.list_display[3:])
    list_filter = (*QuantifiedClaimAdmin.list_filter, "term", "category")
    autocomplete_fields = (*QuantifiedClaimAdmin.autocomplete_fields, "origin", "destination")


@admin.register(SurrenderFigure)
class SurrenderFigureAdmin(QuantifiedClaimAdmin):
    list_display = (
        *QuantifiedClaimAdmin.list_display[:3], "surrendering_group", *QuantifiedClaimAdmin.list_display[3:]
    )
    list_select_related = (*QuantifiedClaimAdmin.list_select_related, "surrendering_group")
    list_filter = (*QuantifiedClaimAdmin.list_filter, "term", "combatant_status")
    autocomplete_fields = (*QuantifiedClaimAdmin.autocomplete_fields, "surrendering_group", "received_by")


@admin.register(AidCapacityReport)
class AidCapacityReportAdmin(ClaimAdmin):
    list_display = ("id", "provider_name", "sector", "strain", "location", "period", "review_status", "source")
    list_select_related = (*ClaimAdmin.list_select_related, "provider")
    list_filter = (*ClaimAdmin.list_filter, "sector", "strain")
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "provider")

    @admin.display(description="provider")
    def provider_name(self, obj) -> str:
        return str(obj.provider) if obj.provider_id else obj.provider_description


@admin.register(PossibleDoubleCount)
class PossibleDoubleCountAdmin(SimpleHistoryAdmin):
    list_display = ("kind", "first_id", "second_id", "found_at", "decided_by", "decided_at")
    list_filter = ("kind",)
    readonly_fields = ("kind", "first_id", "second_id", "found_at", "decided_by", "decided_at", "first_version",
                       "second_version")
