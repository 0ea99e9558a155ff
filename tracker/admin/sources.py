"""The source as workbench: a source with the records taken from it, inline."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from tracker import services
from tracker.admin.base import ServiceAdmin
from tracker.admin.changelists import LargeListMixin
from tracker.admin.claim_forms import ClaimForm
from tracker.admin.extraction import SourceWorkbenchMixin
from tracker.admin.filters import SourceLanguageFilter, SourcePublisherFilter
from tracker.admin.forms import ClaimInlineFormSet, VersionedForm, error_text
from tracker.admin.intake import SourceIntakeMixin
from tracker.excerpts import highlight
from tracker.filtersets.reference import SourceFilterSet
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Source,
    SurrenderFigure,
)
from tracker.models.reference import DUPLICATE_SOURCE

# --- the source as workbench -------------------------------------------------------------------


class ClaimInline(admin.StackedInline):
    # The record form's rules: the phrase fills the quantity's parts, the term the category, the source the dates.
    form = ClaimForm
    formset = ClaimInlineFormSet
    extra = 0
    show_change_link = True
    common_fields = ("excerpt", "location", "location_precision", ("start_date", "start_precision"),
                     ("end_date", "end_precision"), "event", ("attributed_to", "attribution_text"), "notes",
                     "is_confidential", "expected_version")
    autocomplete_fields = ("location", "event", "attributed_to")


class QuantifiedInline(ClaimInline):
    quantity_fields = (("quantifier", "reported_value", "reported_value_max", "magnitude_word"), "reported_phrase",
                       ("unit", "household_size", "household_size_source"), ("role", "supports", "duplicate_of"))
    autocomplete_fields = (*ClaimInline.autocomplete_fields, "supports", "duplicate_of")


class DisplacementFigureInline(QuantifiedInline):
    model = DisplacementFigure
    fields = (*QuantifiedInline.quantity_fields, ("term", "category"), *ClaimInline.common_fields)


class SurrenderFigureInline(QuantifiedInline):
    model = SurrenderFigure
    fields = (*QuantifiedInline.quantity_fields, ("surrendering_group", "received_by"),
              ("term", "combatant_status"), *ClaimInline.common_fields)
    autocomplete_fields = (*QuantifiedInline.autocomplete_fields, "surrendering_group", "received_by")


class AidCapacityReportInline(ClaimInline):
    model = AidCapacityReport
    fields = (("provider", "provider_description"), ("sector", "strain"), ("capacity", "demand", "capacity_unit"),
              *ClaimInline.common_fields)
    autocomplete_fields = (*ClaimInline.autocomplete_fields, "provider")


class SourceForm(VersionedForm):
    def _post_clean(self):
        super()._post_clean()
        # The model's rule refuses a known URL or text; here the message links to the existing source.
        for field, message in list(self.errors.items()):
            if field in ("url", "text"):
                for error in message.as_data():
                    if error.code == DUPLICATE_SOURCE:
                        pk = error.params["id"]
                        url = reverse("admin:tracker_source_change", args=[pk])
                        self.errors[field] = self.error_class(
                            [format_html('{} <a href="{}">Open source #{}</a>.', error.messages[0], url, pk)])


@admin.register(Source)
class SourceAdmin(LargeListMixin, SourceIntakeMixin, SourceWorkbenchMixin, ServiceAdmin):
    form = SourceForm
    change_form_template = "admin/tracker/source_change_form.html"
    list_display = ("title", "publisher", "publication_date", "kind", "language", "is_confidential", "record_count")
    list_select_related = ("publisher",)
    list_filter = ("kind", "is_confidential", SourceLanguageFilter, SourcePublisherFilter)
    # The search is the sources' FilterSet q (LargeListMixin); Django shows the box for an admin with search fields.
    search_fields = ("title",)
    search_help_text = "Every word must match the title, the URL, the notes or the publisher's name or aliases."
    filterset_class = SourceFilterSet
    autocomplete_fields = ("publisher", "co_credited", "dateline")
    date_hierarchy = "publication_date"
    readonly_fields = ("url_normalized", "content_hash")
    inlines = [DisplacementFigureInline, SurrenderFigureInline, AidCapacityReportInline]
    fieldsets = (
        (None, {"fields": ("title", "url", ("publisher", "co_credited"), ("publication_date", "kind", "language"),
                           "dateline", ("archive_url", "accessed_on"), "is_confidential", "notes",
                           "expected_version")}),
        ("Stored text (only where its licence allows)", {"fields": ("text", "url_normalized", "content_hash"),
                                                         "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        # The records of each listed source counted in the list's own query (three queries a row before).
        counts = [
            Coalesce(Subquery(model.objects.filter(source=OuterRef("pk")).order_by().values("source")
                              .annotate(n=Count("pk")).values("n")), 0)
            for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport)
        ]
        return super().get_queryset(request).annotate(records=counts[0] + counts[1] + counts[2])

    @admin.display(description="records", ordering="records")
    def record_count(self, obj) -> int:
        return obj.records

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, (DisplacementFigure, SurrenderFigure, AidCapacityReport)):
            return super().save_formset(request, form, formset, change)
        # What the admin's change message reads, as ``formset.save()`` would have set it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = [f for f in formset.deleted_forms if f.instance.pk]
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            record = inline_form.save(commit=False)
            record.source = form.instance
            try:
                if record.pk:
                    services.claim_update(record, changed_by=request.user,
                                          expected_version=inline_form.cleaned_data.get("expected_version"))
                    formset.changed_objects.append((record, inline_form.changed_data))
                else:
                    services.claim_create(record, created_by=request.user)
                    formset.new_objects.append(record)
            except (ValidationError, services.ConcurrentEditError) as error:
                transaction.set_rollback(True)
                self.message_user(request, f"Nothing was saved: {error_text(error)}", messages.ERROR)
                return None
        for inline_form in deleted:
            services.claim_delete(inline_form.instance, deleted_by=request.user)
            formset.deleted_objects.append(inline_form.instance)
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and obj.text:
            excerpts = [
                (f"{record._meta.verbose_name} #{record.pk}", record.excerpt)
                for related in ("displacementfigures", "surrenderfigures", "aidcapacityreports")
                for record in getattr(obj, related).all()
            ]
            context["highlighted_text"], context["missing_excerpts"] = highlight(obj.text, excerpts)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
