"""What every admin of the workbench shares: saves, deletes and reverts through tracker.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.admin.forms import ServiceRefused, VersionedForm, clean_with_refusal, error_text
from tracker.models import LocationName, OrganizationAlias
from tracker.parsing import is_whole_number
from tracker.search.documents import search_names_refresh
from tracker.services.claims import REASON_REVERTED

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
            form = type(form.__name__, (form,), {"refusal": refusal, "clean": clean_with_refusal})
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
        if any(formset.model in (OrganizationAlias, LocationName) and formset.has_changed() for formset in formsets):
            search_names_refresh(form.instance)  # the records that show it find it by its new names

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
