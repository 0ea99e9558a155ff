"""The analysts' workbench. Every save, delete, revert and review action goes through tracker.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.choices import LocationLevel, ReviewStatus
from tracker.excerpts import highlight
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
from tracker.parsing import is_whole_number, whole_number
from tracker.selectors import awaiting_review_by, changes_requested_of
from tracker.services.claims import REASON_REVERTED, approval_blockers


def error_text(error: Exception) -> str:
    return "; ".join(getattr(error, "messages", None) or [str(error)])


# --- forms: optimistic locking and the same validation as the services ----------------------


def conflict_summary(model, pk: int, expected: int) -> list[str]:
    """What changed between the version an editor opened and the current one, and by whom."""
    history = model.history.filter(id=pk).order_by("-history_date", "-history_id")
    old = history.filter(version=expected).first()
    new = history.first()
    if old is None or new is None:
        return []
    who = sorted({str(h.history_user) for h in history.filter(version__gt=expected) if h.history_user})
    lines = [f"Changed by {', '.join(who) or 'someone else'}:"]
    for change in new.diff_against(old).changes:
        label = model._meta.get_field(change.field).verbose_name
        lines.append(f"{label}: {change.old!s:.200} → {change.new!s:.200}")
    return lines


class VersionedForm(forms.ModelForm):
    """Carries the version the editor opened. A save against a newer version is refused, the
    other person's changes are listed, and the editor's input stays on the form to merge."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reverting = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            version = self.instance.version
            if self.reverting:  # the historical row's version is not the one being replaced
                version = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True)[0]
            self.initial["expected_version"] = version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            model = type(self.instance)
            current = model.objects.filter(pk=self.instance.pk).first()
            if current is not None and current.version != expected:
                merged = self.merge_their_changes(current, expected)
                raise ValidationError(
                    [f"Someone else saved this record (now version {current.version}) after you opened version "
                     f"{expected}. Nothing was saved. Your own changes are kept below"
                     f"{', merged with theirs' if merged else ''}: check them and save again.",
                     *conflict_summary(model, self.instance.pk, expected)],
                    code="stale",
                )
        return cleaned

    def merge_their_changes(self, current, expected: int) -> list[str]:
        """Three-way merge into the bound data: a field this editor left as they found it takes the
        other person's value; a field this editor changed keeps theirs. The next save is then made
        against the current version. Returns the names of the fields taken from the other person."""
        opened = current.history.filter(version=expected).order_by("-history_date", "-history_id").first()
        data = self.data.copy()
        data[self.add_prefix("expected_version")] = current.version
        taken = []
        if opened is not None:
            base_form = type(self)(instance=opened.instance, prefix=self.prefix)
            their_form = type(self)(instance=current, prefix=self.prefix)
            for name, field in self.fields.items():
                if name == "expected_version" or field.disabled:
                    continue
                base, theirs = base_form[name].value(), their_form[name].value()
                if field.has_changed(base, self[name].data) or not field.has_changed(base, theirs):
                    continue
                key = self.add_prefix(name)
                if isinstance(theirs, list | tuple):
                    data.setlist(key, [str(v) for v in theirs])
                elif isinstance(field.widget, forms.CheckboxInput):
                    data.pop(key, None)
                    if theirs:
                        data[key] = "on"
                else:
                    data[key] = "" if theirs is None else field.widget.format_value(theirs) or ""
                taken.append(name)
        self.data = data
        return taken

    def _post_clean(self):
        super()._post_clean()
        derive = getattr(self.instance, "derive", None)
        if derive and not self.errors:
            try:
                derive()
                self.instance.validate_constraints()
            except (ValidationError, ValueError) as error:
                self.add_error(None, error_text(error))


def _clean_with_refusal(form):
    """``clean`` of a form shown again after a service refused its save: the refusal is the form's error."""
    cleaned = super(type(form), form).clean()
    error = form.refusal
    field = getattr(error, "field", None)
    if field in form.fields:
        form.add_error(field, error_text(error))
    else:
        form.add_error(None, error_text(error))
    return cleaned


class ClaimInlineFormSet(BaseInlineFormSet):
    """Gives each record the (possibly unsaved) source, so that date and excerpt rules see it."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        setattr(form.instance, self.fk.name, self.instance)
        return form


# --- shared behaviour --------------------------------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """An unfiltered list of a large table counts from PostgreSQL's statistics, not ``COUNT(*)``.

    ``pg_class.reltuples`` (kept by ANALYZE and autovacuum) is close and free; a filtered list, a small
    table or SQLite counts exactly.
    """

    EXACT_BELOW = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor == "postgresql" and isinstance(queryset, QuerySet) and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [queryset.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] >= self.EXACT_BELOW:
                return row[0]
        return super().count


class ServiceRefused(Exception):
    """A service refused a save the form had passed (another editor won the race, a permission, a workflow
    rule): raised out of ``save_model`` so that the admin's transaction rolls back."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class HistoryIdsMixin:
    """simple-history's History pages look ids up as typed: ``history/²/`` raised ValueError (a 500). An id
    that is not a whole number names no record: 404."""

    def history_view(self, request, object_id, extra_context=None):
        if not is_whole_number(unquote(object_id)):
            raise Http404("No such record.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not is_whole_number(unquote(object_id)) or not is_whole_number(version_id):
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceAdmin(HistoryIdsMixin, SimpleHistoryAdmin):
    """Saves, deletes and reverts through the services, and shows their refusals."""

    form = VersionedForm
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if getattr(request, "tracker_reverting", False):
            form = type(form.__name__, (form,), {"reverting": True})
        refusal = getattr(request, "tracker_refusal", None)
        if refusal is not None and not isinstance(refusal, services.ConcurrentEditError):
            # A stale version is found again by VersionedForm.clean, which lists the other editor's changes.
            form = type(form.__name__, (form,), {"refusal": refusal, "clean": _clean_with_refusal})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Nothing was saved (the transaction rolled back): show the editor's input again with the reason.
            request.tracker_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.tracker_reverting = True
        request.tracker_revert_of = version_id
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, f"Not reverted: {error_text(refused.error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_reason(self, request) -> str:
        if getattr(request, "tracker_reverting", False):
            return f"{REASON_REVERTED} to history #{request.tracker_revert_of}"
        return "Edited"

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        expected = form.cleaned_data.get("expected_version")
        m2m = {f.name: form.cleaned_data[f.name] for f in obj._meta.many_to_many if f.name in form.cleaned_data}
        try:
            if change:
                self.update(obj, request=request, expected_version=expected, m2m=m2m)
            else:
                self.create(obj, request=request, m2m=m2m)
        except (ValidationError, PermissionDenied, services.ConcurrentEditError) as error:
            raise ServiceRefused(error) from error

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields went through the service with the record; inlines save here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def create(self, obj, *, request, m2m):
        services.reference_create(obj, created_by=request.user, m2m=m2m)

    def delete_model(self, request, obj):
        # The admin's confirmation page already refuses rows still in use; the service leaves a tombstone.
        services.reference_delete(obj, deleted_by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.reference_delete(obj, deleted_by=request.user)

    def update(self, obj, *, request, expected_version, m2m):
        services.reference_update(obj, changed_by=request.user, expected_version=expected_version, m2m=m2m,
                                  reason=self.change_reason(request))


# --- reference data ----------------------------------------------------------------------------


class OrganizationAliasInline(admin.TabularInline):
    model = OrganizationAlias
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ("name", "acronym", "kind", "reliability", "country", "alias_list")
    list_filter = ("kind", "reliability")
    search_fields = ("name", "acronym", "aliases__name")
    autocomplete_fields = ("country",)
    inlines = [OrganizationAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country").prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, obj) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all())


class LocationNameInline(admin.TabularInline):
    model = LocationName
    extra = 1


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    list_display = ("name", "level", "pcode", "parent", "country", "adm1", "latitude", "longitude")
    list_select_related = ("parent", "country", "adm1")
    list_filter = ("level",)
    search_fields = ("name", "pcode", "iso3", "alternate_names__name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "country", "adm1", "adm2")
    inlines = [LocationNameInline]


@admin.register(Crisis)
class CrisisAdmin(ServiceAdmin):
    search_fields = ("name",)


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    list_display = ("name", "kind", "crisis", "start_date", "end_date")
    list_select_related = ("crisis",)
    list_filter = ("kind", "crisis")
    search_fields = ("name", "crisis__name")
    autocomplete_fields = ("crisis", "countries", "parties")


# --- the three kinds of fact -------------------------------------------------------------------


class ReviewQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return (
            ("awaiting_me", "Awaiting my review"),
            ("changes_requested", "Changes requested of me"),
            ("my_drafts", "My drafts"),
        )

    def queryset(self, request, queryset):
        model = queryset.model
        if self.value() == "awaiting_me":
            return queryset.filter(pk__in=awaiting_review_by(model, request.user).values("pk"))
        if self.value() == "changes_requested":
            return queryset.filter(pk__in=changes_requested_of(model, request.user).values("pk"))
        if self.value() == "my_drafts":
            return queryset.filter(review_status=ReviewStatus.DRAFT, created_by=request.user)
        return queryset


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return [(c.iso3 or c.pk, c.name) for c in Location.objects.filter(level=LocationLevel.COUNTRY)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Records store their place's country: one indexed column, no join.
        country = Location.objects.filter(level=LocationLevel.COUNTRY).filter(
            Q(pk=value) if is_whole_number(value) else Q(iso3=value)).values_list("pk", flat=True).first()
        return queryset.filter(country_id=country)


class AutocompleteListFilter(admin.SimpleListFilter):
    """A foreign-key filter that searches as you type (the admin's own autocomplete), instead of listing.

    ``RelatedOnlyFieldListFilter`` runs ``SELECT DISTINCT`` over the whole table on every page load and
    prints every value; at a million records that alone took seconds. This one costs one primary-key
    lookup (the selected value) and asks the autocomplete view only while someone types.
    """

    template = "admin/tracker/filters/autocomplete.html"
    #: the related field the autocomplete view searches: ``model.field`` names a foreign key with an admin
    autocomplete_model: type | None = None
    autocomplete_field = ""
    #: the queryset lookup the chosen id filters on
    lookup = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        related = (self.autocomplete_model or model)._meta.get_field(self.autocomplete_field).related_model
        self.app_label = (self.autocomplete_model or model)._meta.app_label
        self.model_name = (self.autocomplete_model or model)._meta.model_name
        self.field_name = self.autocomplete_field
        value = self.value()
        self.selected = related._default_manager.filter(pk=value).first() if is_whole_number(value) else None
        self.kept_params = [(name, item) for name, values in request.GET.lists() if name not in (
            self.parameter_name, "p") for item in values]

    def has_output(self) -> bool:
        return True

    def lookups(self, request, model_admin):
        return ()

    def choices(self, changelist):
        return ()

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not is_whole_number(value):
            raise admin.options.IncorrectLookupParameters(f"{self.title}: choose from the list.")
        return queryset.filter(**{self.lookup: int(value)})


class EventFilter(AutocompleteListFilter):
    title = "event"
    parameter_name = "event"
    autocomplete_field = "event"
    lookup = "event_id"


class PublisherFilter(AutocompleteListFilter):
    title = "publisher"
    parameter_name = "publisher"
    autocomplete_model = Source
    autocomplete_field = "publisher"
    lookup = "source__publisher_id"


class DoubleCountFilter(admin.SimpleListFilter):
    title = "possible double count"
    parameter_name = "double_count"

    def lookups(self, request, model_admin):
        return (("unresolved", "Unresolved"),)

    def queryset(self, request, queryset):
        if self.value() != "unresolved":
            return queryset
        pairs = PossibleDoubleCount.objects.filter(kind=queryset.model._meta.model_name, decided_at__isnull=True)
        ids = set(pairs.values_list("first_id", flat=True)) | set(pairs.values_list("second_id", flat=True))
        return queryset.filter(pk__in=ids)


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), label="Comment")


CLAIM_SEARCH_FIELDS = (
    "excerpt", "reported_phrase", "notes", "source__title", "source__url", "location__name",
    "location__alternate_names__name", "attributed_to__name", "attributed_to__acronym", "attributed_to__aliases__name",
    "source__publisher__name",
)


class ClaimAdmin(ServiceAdmin):
    """Shared by the three kinds: list, review buttons and actions, double-count warnings."""

    change_form_template = "admin/tracker/claim_change_form.html"
    list_select_related = ("source", "source__publisher", "location", "event")
    list_filter = (ReviewQueueFilter, "review_status", CountryFilter, EventFilter, PublisherFilter,
                   "is_confidential", "end_date")
    search_fields = CLAIM_SEARCH_FIELDS
    autocomplete_fields = ("source", "event", "location", "attributed_to", "cited_sources")
    readonly_fields = ("review_status", "review_comment", "submitted_by", "submitted_at", "reviewed_by",
                       "reviewed_at", "version", "created_by", "created_at", "updated_by", "updated_at")
    date_hierarchy = "end_date"

    @property
    def media(self):
        # The event and publisher filters use the admin's autocomplete (select2) on the list page too.
        return super().media + AutocompleteSelect(self.model._meta.get_field("event"), self.admin_site).media

    actions = ["submit_selected", "approve_selected", "request_changes_selected", "reject_selected"]
    list_per_page = 50
    provenance = ("Source and excerpt", {"fields": (
        "source", "excerpt", "excerpt_translation", ("excerpt_start", "excerpt_end"),
        ("attributed_to", "attribution_text"), "cited_sources")})
    place_and_period = ("Place and period", {"fields": (
        "event", ("location", "location_precision"), ("start_date", "start_precision"),
        ("end_date", "end_precision"))})
    kind_fields: tuple = ()
    closing = ("Notes and access", {"fields": ("notes", "is_confidential", "expected_version")})
    audit = ("Review and audit", {"classes": ("collapse",), "fields": (
        ("review_status", "version"), "review_comment", ("submitted_by", "submitted_at"),
        ("reviewed_by", "reviewed_at"), ("created_by", "created_at"), ("updated_by", "updated_at"))})

    def get_fieldsets(self, request, obj=None):
        return (self.provenance, *self.kind_fields, self.place_and_period, self.closing, self.audit)

    # saves through the services
    def create(self, obj, *, request, m2m):
        services.claim_create(obj, created_by=request.user, cited_sources=m2m.get("cited_sources"))
        self.warn_double_counts(request, obj)

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
        expected = request.POST.get("expected_version")
        expected = whole_number(expected)
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
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
    readonly_fields = (*ClaimAdmin.readonly_fields, "low", "best", "high", "high_open")
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "supports", "duplicate_of")
    list_filter = (*ClaimAdmin.list_filter[:2], "role", DoubleCountFilter, *ClaimAdmin.list_filter[2:], "quantifier",
                   "unit")
    quantity = ("How many", {"fields": (
        ("quantifier", "reported_value", "reported_value_max", "magnitude_word"), "reported_phrase",
        ("unit", "household_size", "household_size_source"), ("best_override", "best_override_reason"),
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
    search_fields = (*CLAIM_SEARCH_FIELDS, "surrendering_group__name", "surrendering_group__acronym",
                     "surrendering_group__aliases__name")
    autocomplete_fields = (*QuantifiedClaimAdmin.autocomplete_fields, "surrendering_group", "received_by")
    kind_fields = (QuantifiedClaimAdmin.quantity, ("Surrender", {"fields": (
        ("surrendering_group", "received_by"), ("term", "combatant_status"))}), QuantifiedClaimAdmin.counting)


@admin.register(AidCapacityReport)
class AidCapacityReportAdmin(ClaimAdmin):
    list_display = ("id", "provider_name", "sector", "strain", "location", "period", "review_status", "source_short")
    list_display_links = ("id", "provider_name")
    list_select_related = (*ClaimAdmin.list_select_related, "provider")
    list_filter = (*ClaimAdmin.list_filter, "sector", "strain")
    # Reports carry no reported phrase: searching it was a FieldError (a 500) on every search of this list.
    search_fields = (*(name for name in CLAIM_SEARCH_FIELDS if name != "reported_phrase"), "provider__name",
                     "provider__aliases__name", "provider_description")
    autocomplete_fields = (*ClaimAdmin.autocomplete_fields, "provider")
    kind_fields = (("Aid capacity", {"fields": (
        ("provider", "provider_description"), ("sector", "strain"), ("capacity", "demand", "capacity_unit"))}),)

    @admin.display(description="provider")
    def provider_name(self, obj) -> str:
        return str(obj.provider) if obj.provider_id else obj.provider_description


# --- the source as workbench -------------------------------------------------------------------


class ClaimInline(admin.StackedInline):
    form = VersionedForm
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
                    text = error.messages[0]
                    if "source #" in text:
                        pk = text.split("source #")[1].split(":")[0]
                        url = reverse("admin:tracker_source_change", args=[pk])
                        self.errors[field] = self.error_class(
                            [format_html('{} <a href="{}">Open source #{}</a>.', text, url, pk)])


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    form = SourceForm
    change_form_template = "admin/tracker/source_change_form.html"
    list_display = ("title", "publisher", "publication_date", "kind", "language", "is_confidential", "record_count")
    list_select_related = ("publisher",)
    list_filter = ("kind", "is_confidential", "language", ("publisher", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "url", "url_normalized", "publisher__name", "publisher__aliases__name",
                     "displacementfigures__excerpt", "surrenderfigures__excerpt", "aidcapacityreports__excerpt")
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


# --- possible double counts --------------------------------------------------------------------


class DecidedFilter(admin.SimpleListFilter):
    title = "decided"
    parameter_name = "decided"

    def lookups(self, request, model_admin):
        return (("no", "Awaiting a decision"), ("yes", "Both stand (decided)"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(decided_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(decided_at__isnull=False)
        return queryset


@admin.register(PossibleDoubleCount)
class PossibleDoubleCountAdmin(HistoryIdsMixin, SimpleHistoryAdmin):
    list_display = ("kind", "first_link", "second_link", "found_at", "decided_by", "decided_at", "decision_reason")
    list_filter = (DecidedFilter, "kind")
    readonly_fields = ("kind", "first_id", "second_id", "found_at", "decided_by", "decided_at", "decision_reason",
                       "first_version", "second_version")
    actions = ["decide_both_stand"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _link(self, obj, pk):
        return format_html('<a href="{}">#{}</a>', reverse(f"admin:tracker_{obj.kind}_change", args=[pk]), pk)

    @admin.display(description="first record")
    def first_link(self, obj):
        return self._link(obj, obj.first_id)

    @admin.display(description="second record")
    def second_link(self, obj):
        return self._link(obj, obj.second_id)

    @admin.action(description="Record that both figures stand (with a reason)")
    def decide_both_stand(self, request, queryset):
        form = ReviewCommentForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for pair in queryset:
                try:
                    services.double_count_decide(pair, decided_by=request.user, reason=form.cleaned_data["comment"])
                except (ValidationError, PermissionDenied) as error:
                    self.message_user(request, f"{pair}: {error_text(error)}", messages.ERROR)
                    return None
            self.message_user(request, f"{queryset.count()} decision(s) recorded.", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/tracker/review_comment.html", {
            **self.admin_site.each_context(request), "title": "Why do both figures stand?", "form": form,
            "queryset": queryset, "action": request.POST.get("action"), "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })


# --- NGO API keys (docs/api.md) --------------------------------------------------------------

from rest_framework_api_key.admin import APIKeyModelAdmin  # noqa: E402
from rest_framework_api_key.models import APIKey  # noqa: E402

from tracker.models import ApiKey  # noqa: E402

if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)  # the library's own table is unused: keys are tracker.ApiKey


class ApiKeyForm(forms.ModelForm):
    """Refuses the confidential scope to whoever may not grant it (tracker.services.access), on the field."""

    user = None  # set per request by ApiKeyAdmin.get_form

    class Meta:
        model = ApiKey
        fields = ("client", "name", "confidential_scope", "expiry_date", "revoked")

    def clean_confidential_scope(self):
        granted = self.cleaned_data.get("confidential_scope")
        had = bool(self.instance.pk and self.instance.confidential_scope)
        if granted and not had and not services.may_grant_confidential_scope(self.user):
            raise ValidationError("Only an administrator may grant the confidential scope.")
        return granted


class ApiKeyRefused(Exception):
    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


@admin.register(ApiKey)
class ApiKeyAdmin(SimpleHistoryAdmin, APIKeyModelAdmin):
    """NGO clients' read-only keys: made here (the key is shown once, after saving), expired or revoked.

    Every save goes through tracker.services.access, which records who changed what in the key's History.
    Keys are revoked (for good), not deleted, and History is for reading: nothing is reverted from it.
    """

    form = ApiKeyForm
    list_display = ("prefix", "client", "name", "confidential_scope", "created", "expiry_date", "_has_expired",
                    "revoked")
    list_filter = ("confidential_scope", "revoked", "created")
    search_fields = ("client", "name", "prefix")
    fields = ("client", "name", "confidential_scope", "expiry_date", "revoked", "prefix")
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.revoked:
            fields = (*fields, "client", "confidential_scope")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False  # no Revert button: an old version is not a way around the services' rules

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("An API key's history is for reading.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApiKeyRefused as refused:  # raised inside the admin's transaction: nothing was saved
            self.message_user(request, f"Nothing was saved: {error_text(refused.error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                row, key = services.api_key_create(
                    user=request.user, client=obj.client, name=obj.name,
                    confidential_scope=obj.confidential_scope, expiry_date=obj.expiry_date,
                )
                for field in ApiKey._meta.concrete_fields:
                    setattr(obj, field.attname, getattr(row, field.attname))
                obj._state.adding, obj._state.db = False, row._state.db
                self.message_user(request, f"The API key for {row.client} is: {key} . Store it somewhere safe now: "
                                           "it is not stored and will not be shown again.", messages.WARNING)
                return
            data = {name: form.cleaned_data[name] for name in services.API_KEY_CHANGEABLE
                    if name in form.changed_data}
            if data:
                services.api_key_update(key=obj, user=request.user, data=data)
            if "revoked" in form.changed_data and form.cleaned_data["revoked"]:
                services.api_key_revoke(key=obj, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            raise ApiKeyRefused(error) from error

    @admin.action(description="Revoke the selected keys (for good)", permissions=["change"])
    def revoke_keys(self, request, queryset):
        try:
            with transaction.atomic():
                for key in queryset.filter(revoked=False):
                    services.api_key_revoke(key=key, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, f"Nothing was revoked: {error_text(error)}", messages.ERROR)
            return
        self.message_user(request, "Revoked: every request with those keys is refused from now on.")


# --- analysts' write tokens (docs/api.md): listed and ended here, made by their holders ---------------

from knox.models import AuthToken  # noqa: E402

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)  # knox's own admin makes tokens for anyone and shows them to the admin


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Who holds write tokens and until when; deleting one ends it. Only hashes are stored, so no token is
    shown; each analyst makes their own (POST /api/v1/auth/login/ or manage.py create_api_token)."""

    list_display = ("user", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
