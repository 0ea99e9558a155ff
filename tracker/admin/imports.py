"""The admin's door to spreadsheet imports: upload, preview, map unknown headers, confirm, and withdraw.

Every step calls the import engine (``tracker.imports.run_import``) or the withdraw service; this module only
turns their results into pages. A preview keeps its batch (the file's bytes and options), so confirming reads the
same bytes the analyst saw previewed.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join

from tracker.imports import Options, run_import, spec
from tracker.imports.headers import match_headers, save_mapping
from tracker.imports.reading import FileRefused, cell_text, check_encoding, read_table
from tracker.imports.results import ROW
from tracker.imports.templates import template_bytes, template_filename
from tracker.models import ImportBatch, ImportItem, ImportKind, ImportStatus
from tracker.services.common import WorkflowError, has_permission
from tracker.services.imports import import_withdraw, withdraw_blockers

PREVIEW_ROWS = 20  # the rows to be created or updated a preview shows in full
ITEMS_SHOWN = 500  # the records a batch's page links to
IGNORE = "-"  # the mapping form's choice for "ignore this column"
TEMPLATE_DIR = "admin/tracker/importbatch"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- who may import what ------------------------------------------------------------------------------------


def may_import(user, kind: str) -> bool:
    """The engine's own test: adding the kind's records."""
    return has_permission(user, f"tracker.add_{spec.MODELS[kind]._meta.model_name}")


def importable_kinds(user) -> list[tuple[str, str]]:
    return [(value, label) for value, label in ImportKind.choices if may_import(user, value)]


def record_url(model_name: str, pk: int) -> str | None:
    try:
        return reverse(f"admin:tracker_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


# --- forms --------------------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX or HXL-tagged CSV, with one header row. Checking takes about a second "
                                     "per 300 rows: for files of tens of thousands of rows, manage.py "
                                     "import_records shows its progress.")
    kind = forms.ChoiceField(label="What the rows are")
    day_first = forms.BooleanField(required=False, label="Dates are written day first (31/12/2019)")
    encoding = forms.CharField(required=False, max_length=40,
                               help_text="For CSV; leave empty to detect it (UTF-8, else Windows-1252).")
    publisher = forms.CharField(required=False, max_length=200, label="Publisher of the file",
                                help_text="The organization that published the file: needed when its rows name "
                                          "no source, as the file then becomes their source.")
    valid_rows_only = forms.BooleanField(
        required=False, label="Import the valid rows only",
        help_text="Write the rows without errors and leave the others out (downloadable as CSV afterwards). "
                  "Otherwise nothing is written while any row has an error.")

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(f"The file is {upload.size:,} bytes, past the limit of "
                                  f"{settings.IMPORT_MAX_BYTES:,}: split it into smaller files.")
        return upload

    def clean_encoding(self):
        try:
            return check_encoding(self.cleaned_data["encoding"])
        except FileRefused as error:
            raise ValidationError(error.message) from error

    def options(self) -> Options:
        data = self.cleaned_data
        return Options(day_first=data["day_first"], encoding=data["encoding"], publisher=data["publisher"].strip(),
                       valid_rows_only=data["valid_rows_only"])


class MappingForm(forms.Form):
    """One select per header nobody knows: one of our columns, or ignore it."""

    def __init__(self, *args, kind: str, unknown: list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— choose —"), (IGNORE, "(ignore this column)"),
                   *[(column.name, column.name) for column in spec.import_columns(kind)]]
        self.unknown = unknown
        for match in unknown:
            self.fields[f"column_{match.index}"] = forms.ChoiceField(label=match.header, choices=choices)

    def mapping(self) -> dict[str, str]:
        chosen = {match.header: self.cleaned_data[f"column_{match.index}"] for match in self.unknown}
        return {header: "" if column == IGNORE else column for header, column in chosen.items()}


# --- what a preview shows -----------------------------------------------------------------------------------


def _first_cells(batch: ImportBatch, options: Options, wanted: set[int]) -> dict[int, list[str]]:
    """The cells of the rows a preview lists in full (the engine keeps cells only for failed rows)."""
    if not wanted:
        return {}
    try:
        table = read_table(batch.file_name, bytes(batch.file), encoding=options.encoding)
    except FileRefused:
        return {}
    found = {}
    for number, cells in table.rows:
        if number in wanted:
            found[number] = [cell_text(cell.value) for cell in cells]
            if len(found) == len(wanted):
                break
    return found


def _other_records(kind: str, ids: set[int]) -> set[int]:
    """The ids among ``ids`` that name stored records (a double count between two new rows names none yet)."""
    return set(spec.MODELS[kind].objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def preview_context(result, batch: ImportBatch | None, options: Options) -> dict:
    kind = result.kind
    model_name = spec.MODELS[kind]._meta.model_name
    errors = [{"row": report.row, "messages": [(None if column == ROW else column, message)
                                               for column, messages in report.errors.items()
                                               for message in messages]}
              for report in result.rows if report.errors]
    others = _other_records(kind, {pk for report in result.rows for pk in report.double_counts})
    doubles = [{"row": report.row, "action": report.action, "rows": report.double_count_rows,
                "others": [(pk, record_url(model_name, pk) if pk in others else None) for pk in report.double_counts]}
               for report in result.rows if report.double_counts or report.double_count_rows]
    shown = [report for report in result.rows if report.action in ("create", "update")][:PREVIEW_ROWS]
    cells = _first_cells(batch, options, {report.row for report in shown}) if batch is not None else {}
    return {
        "result": result,
        "counts": result.counts,
        "columns": [{"header": match.header, "hashtag": match.hashtag, "how": match.how,
                     "column": match.column.name if match.column else ""} for match in result.headers],
        "headers": [match.header or match.hashtag for match in result.headers],
        "errors": errors,
        "doubles": doubles,
        "shown": [{"row": report.row, "action": report.action,
                   "id": report.object_id if report.action == "update" else None,
                   "cells": cells.get(report.row, [])} for report in shown],
        "more_rows": result.counts["created"] + result.counts["updated"] - len(shown),
        "options": options,
    }


def _unknown_headers(batch: ImportBatch, options: Options) -> list:
    try:
        table = read_table(batch.file_name, bytes(batch.file), encoding=options.encoding)
    except FileRefused:
        return []
    matches, _ = match_headers(batch.kind, table.headers, table.hashtags, options.mapping)
    return [match for match in matches if match.how == "unknown"]


def _verbose_name(model_name: str) -> str:
    try:
        return str(apps.get_model("tracker", model_name)._meta.verbose_name)
    except LookupError:
        return model_name


def _skipped_rows(batch: ImportBatch) -> list[dict]:
    """The rows a valid-rows-only import left out, read back from its CSV: row number and errors."""
    if not batch.skipped_csv:
        return []
    rows = list(csv.reader(io.StringIO(batch.skipped_csv)))
    return [{"row": row[0], "errors": row[-1]} for row in rows[1:] if row]


# --- the admin ----------------------------------------------------------------------------------------------


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "kind", "status", "created", "updated", "unchanged", "failed", "created_by",
                    "created_at")
    list_display_links = ("id", "file_name")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    search_fields = ("file_name",)
    change_list_template = f"{TEMPLATE_DIR}/change_list.html"

    # Whoever may import some kind sees the imports (the groups hold no ImportBatch permissions of their own);
    # the batches are written and withdrawn only through the pages below.

    def _may_see(self, request, obj=None) -> bool:
        user = request.user
        if user.has_perm("tracker.view_importbatch"):
            return True
        return may_import(user, obj.kind) if obj is not None else bool(importable_kinds(user))

    def has_view_permission(self, request, obj=None):
        return self._may_see(request, obj)

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_add_permission(self, request):
        return bool(importable_kinds(request.user))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _count(self, obj, key):
        return (obj.summary or {}).get(key, "")

    @admin.display(description="created")
    def created(self, obj):
        return self._count(obj, "created")

    @admin.display(description="updated")
    def updated(self, obj):
        return self._count(obj, "updated")

    @admin.display(description="unchanged")
    def unchanged(self, obj):
        return self._count(obj, "unchanged")

    @admin.display(description="failed")
    def failed(self, obj):
        return self._count(obj, "failed")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="tracker_importbatch_upload"),
            path("template/<str:kind>/", view(self.template_view), name="tracker_importbatch_template"),
            path("<int:batch_id>/preview/", view(self.preview_view), name="tracker_importbatch_preview"),
            path("<int:batch_id>/confirm/", view(self.confirm_view), name="tracker_importbatch_confirm"),
            path("<int:batch_id>/withdraw/", view(self.withdraw_view), name="tracker_importbatch_withdraw"),
            path("<int:batch_id>/skipped.csv", view(self.skipped_view), name="tracker_importbatch_skipped"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"upload_url": reverse("admin:tracker_importbatch_upload"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:tracker_importbatch_upload"))

    # --- pages ----------------------------------------------------------------------------------------------

    def _render(self, request, template: str, context: dict, status: int = 200):
        return TemplateResponse(request, f"{TEMPLATE_DIR}/{template}", {
            **self.admin_site.each_context(request), "opts": self.opts,
            "changelist_url": reverse("admin:tracker_importbatch_changelist"), **context,
        }, status=status)

    def _batch(self, request, batch_id: int) -> ImportBatch:
        batch = get_object_or_404(ImportBatch, pk=batch_id)
        if not may_import(request.user, batch.kind):
            raise PermissionDenied
        return batch

    def upload_view(self, request):
        kinds = importable_kinds(request.user)
        if not kinds:
            raise PermissionDenied
        initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in dict(kinds) else {}
        form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            return self._preview(request, form.cleaned_data["kind"], upload.name, upload.read(), form.options(),
                                 form=form)
        return self._upload_page(request, form)

    def _upload_page(self, request, form, file_errors=(), status=200):
        kinds = importable_kinds(request.user)
        return self._render(request, "upload.html", {
            "title": "Import a spreadsheet", "form": form, "file_errors": file_errors,
            "templates": [(label, reverse("admin:tracker_importbatch_template", args=[value]))
                          for value, label in kinds],
        }, status=status)

    def _preview(self, request, kind, file_name, data, options, *, form=None, batch=None):
        """Run the preview and show it; a file whose headers we do not know keeps a batch for the mapping form."""
        try:
            result = run_import(kind, file_name, data, user=request.user, commit=False, options=options,
                                batch=batch)
        except PermissionDenied as error:
            if form is None:
                raise
            form.add_error(None, str(error) or "You may not import these records.")
            return self._upload_page(request, form, status=403)
        batch = result.batch or batch
        unknown = [match for match in result.headers if match.how == "unknown"]
        if batch is None and unknown:
            batch = ImportBatch.objects.create(kind=kind, file_name=file_name[:255], file=data,
                                               options=options.as_json(), created_by=request.user,
                                               valid_rows_only=options.valid_rows_only)
        if batch is None:  # the file itself was refused: say why on the form
            form = form or UploadForm(kinds=importable_kinds(request.user), initial={"kind": kind})
            return self._upload_page(request, form, file_errors=result.file_errors)
        mapping_form = MappingForm(kind=kind, unknown=unknown) if unknown else None
        return self._preview_page(request, batch, result, options, mapping_form=mapping_form)

    def _preview_page(self, request, batch, result, options, *, mapping_form=None, refused=False):
        return self._render(request, "preview.html", {
            "title": f"Preview of {batch.file_name}", "batch": batch, "mapping_form": mapping_form,
            "refused": refused, "kind_label": ImportKind(batch.kind).label,
            "upload_url": reverse("admin:tracker_importbatch_upload"),
            **preview_context(result, batch, options),
        })

    def preview_view(self, request, batch_id):
        """The preview again, from the batch's stored file; a POST saves the mapping of its unknown headers."""
        batch = self._batch(request, batch_id)
        if batch.status != ImportStatus.PREVIEWED:
            return HttpResponseRedirect(reverse("admin:tracker_importbatch_change", args=[batch.pk]))
        options = Options.from_json(batch.options)
        if request.method == "POST":
            unknown = _unknown_headers(batch, options)
            mapping_form = MappingForm(request.POST, kind=batch.kind, unknown=unknown)
            if not mapping_form.is_valid():
                result = run_import(batch.kind, batch.file_name, bytes(batch.file), user=request.user, commit=False,
                                    options=options, batch=batch)
                return self._preview_page(request, batch, result, options, mapping_form=mapping_form)
            mapping = mapping_form.mapping()
            save_mapping(batch.kind, mapping, request.user)
            options.mapping = {**options.mapping, **mapping}
            batch.options = options.as_json()
            batch.save(update_fields=["options"])
            messages.success(request, "Mapping saved: the next file with these headers uses it too.")
        return self._preview(request, batch.kind, batch.file_name, bytes(batch.file), options, batch=batch)

    def confirm_view(self, request, batch_id):
        """Write the previewed file; with failed rows, nothing is written unless the valid rows only are asked."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        batch = self._batch(request, batch_id)
        if batch.status != ImportStatus.PREVIEWED:
            messages.error(request, f"Import #{batch.pk} is {batch.get_status_display().lower()}: only a preview "
                                    "is confirmed.")
            return HttpResponseRedirect(reverse("admin:tracker_importbatch_change", args=[batch.pk]))
        options = Options.from_json(batch.options)
        if request.POST.get("valid_rows_only"):
            options.valid_rows_only = True
        result = run_import(batch.kind, batch.file_name, bytes(batch.file), user=request.user, commit=True,
                            options=options, batch=batch)
        if not result.written:
            messages.error(request, "Nothing was written: " + (
                "the file was refused." if result.file_errors else
                f"{result.counts['failed']} row(s) have errors. Fix them and upload the file again, or import "
                "the valid rows only."))
            unknown = [match for match in result.headers if match.how == "unknown"]
            return self._preview_page(request, batch, result, options, refused=True,
                                      mapping_form=MappingForm(kind=batch.kind, unknown=unknown) if unknown else None)
        counts = result.counts
        url = reverse("admin:tracker_importbatch_change", args=[batch.pk])
        skipped = f", {counts['failed']} row(s) left out" if counts["failed"] else ""
        messages.success(request, format_html(
            '<a href="{}">Import #{}</a> written: {} created, {} updated, {} unchanged{}.', url, batch.pk,
            counts["created"], counts["updated"], counts["unchanged"], skipped))
        return HttpResponseRedirect(url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A batch's page, read only: what it wrote, what it left out, and the withdraw button."""
        batch = self.get_object(request, unquote(object_id))
        if batch is None:
            raise Http404("No such import.")
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        items = list(batch.items.all()[:ITEMS_SHOWN])
        return self._render(request, "detail.html", {
            "title": str(batch), "batch": batch, "original": batch, "summary": batch.summary or {},
            "items": [{"item": item, "url": record_url(item.model, item.object_id),
                       "label": f"{_verbose_name(item.model)} #{item.object_id}"} for item in items],
            "more_items": max(batch.items.count() - len(items), 0),
            "skipped": _skipped_rows(batch), "options": batch.options or {},
            "may_withdraw": batch.status == ImportStatus.COMMITTED and may_import(request.user, batch.kind),
        })

    def withdraw_view(self, request, batch_id):
        """GET: what withdrawing would do, or why it cannot; POST: withdraw the batch as a whole."""
        batch = self._batch(request, batch_id)
        page = reverse("admin:tracker_importbatch_change", args=[batch.pk])
        if request.method == "POST":
            try:
                done = import_withdraw(batch, withdrawn_by=request.user)
            except (WorkflowError, PermissionDenied) as error:
                reasons = getattr(error, "messages", None) or [str(error)]
                messages.error(request, format_html(
                    "Import #{} was not withdrawn:<ul>{}</ul>", batch.pk,
                    format_html_join("", "<li>{}</li>", ((reason,) for reason in reasons))))
                return HttpResponseRedirect(page)
            parts = [(label, names) for label, names in (("Deleted", done.deleted), ("Put back", done.reverted),
                                                          ("Kept", done.kept)) if names]
            messages.success(request, format_html(
                "Import #{} withdrawn.<ul>{}</ul>", batch.pk,
                format_html_join("", "<li>{}: {}</li>", ((label, ", ".join(names)) for label, names in parts))))
            return HttpResponseRedirect(page)
        items = batch.items.all()
        return self._render(request, "withdraw.html", {
            "title": f"Withdraw import #{batch.pk}?", "batch": batch, "blockers": withdraw_blockers(batch),
            "created": items.filter(action=ImportItem.Action.CREATED).count(),
            "updated": items.filter(action=ImportItem.Action.UPDATED).count(), "page_url": page,
        })

    def skipped_view(self, request, batch_id):
        batch = self._batch(request, batch_id)
        if not batch.skipped_csv:
            raise Http404("This import left no rows out.")
        response = HttpResponse(batch.skipped_csv, content_type="text/csv; charset=utf-8")
        stem = batch.file_name.rsplit(".", 1)[0] or "import"
        response["Content-Disposition"] = f'attachment; filename="{stem}-skipped-rows.csv"'
        return response

    def template_view(self, request, kind):
        """The XLSX template of a kind: our columns, with what each holds."""
        if kind not in ImportKind.values:
            raise Http404("No such kind of import.")
        if not may_import(request.user, kind):
            raise PermissionDenied
        response = HttpResponse(template_bytes(kind), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{template_filename(kind)}"'
        return response

