"""``/api/v1/imports/``: spreadsheet imports for analysts, a thin door into ``tracker.imports.run_import``.

A file is previewed by default (everything checked, nothing kept but the batch) and written with
``dry_run=false``: all rows or none, unless ``valid_rows_only``. The answer is the engine's own report, so a
script sees what the admin's preview shows: counts, each row's action, every error by row and column. A batch's
creator reads its status, downloads the rows it left out and withdraws it; templates are the XLSX of each kind.
Analysts only: keys never import, and read nothing here.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from tracker.api.access import TrackerAccess
from tracker.api.authentication import api_key_of
from tracker.api.base import TrackerAPIMixin
from tracker.api.parsers import BodyTooLarge, UploadParser
from tracker.api.renderers import XLSXRenderer
from tracker.api.schema import ERROR, errors
from tracker.imports import ImportResult, Options, run_import, spec
from tracker.imports.headers import save_mapping
from tracker.imports.reading import FileRefused, check_encoding
from tracker.imports.templates import template_bytes, template_filename
from tracker.models import ImportBatch, ImportKind, ImportStatus
from tracker.parsing import whole_number
from tracker.services.common import has_permission
from tracker.services.imports import import_withdraw

MAX_MAPPED_HEADERS = 500
HEADER_MAX_LENGTH = 200  # ImportMapping.header


# --- who may call, and how big a file may be -----------------------------------------------------------------


class AnalystAccess(TrackerAccess):
    """Staff accounts only (token or session), for reads as well: an import's file and its rows are the
    analyst's work, not published data, so keys are refused whatever the method."""

    def has_permission(self, request, view) -> bool:
        if api_key_of(request) is not None:
            raise exceptions.PermissionDenied(
                "API keys only read published records: imports are for analysts, with a personal token or a "
                "logged-in session.")
        return super().has_permission(request, view)


def too_large_message() -> str:
    return (f"The file is larger than {settings.IMPORT_MAX_BYTES / 1_048_576:g} MB (IMPORT_MAX_BYTES): split it "
            "into smaller files.")


class FileTooLarge(BodyTooLarge):
    """413 naming the ``file`` field, as a field-level 400 would."""

    def __init__(self):
        message = too_large_message()
        super().__init__({"detail": message, "file": [message]})


class ImportUploadParser(parsers.MultiPartParser):
    """multipart/form-data up to a file of ``IMPORT_MAX_BYTES`` and its form fields; larger bodies are refused
    (413) before they are read."""

    def parse(self, stream, media_type=None, parser_context=None):
        meta = getattr((parser_context or {}).get("request"), "META", {})
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.IMPORT_MAX_BYTES + UploadParser.FORM_ALLOWANCE:
            raise FileTooLarge()
        return super().parse(stream, media_type, parser_context)


class ImportEndpoint(TrackerAPIMixin, APIView):
    """What every import endpoint shares: analysts only, and errors in JSON whatever the Accept header asks
    (the downloads answer their own media type when they succeed)."""

    permission_classes = [AnalystAccess]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return JSONRenderer(), JSONRenderer.media_type

    def batch(self, request, value: str) -> ImportBatch:
        """The batch named in the path, if it is the caller's (or the caller is a superuser): else 404."""
        pk = whole_number(value)
        batch = ImportBatch.objects.select_related("created_by", "withdrawn_by").filter(pk=pk).first() \
            if pk else None
        if batch is None or not (request.user.is_superuser or batch.created_by_id == request.user.pk):
            raise exceptions.NotFound(f"No import #{value} of yours.")
        return batch


# --- the upload ------------------------------------------------------------------------------------------------


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8, or the encoding named), XLSX, or HXL-tagged CSV.")
    kind = serializers.ChoiceField(choices=ImportKind.choices, help_text="What the rows are.")
    dry_run = serializers.BooleanField(
        default=True, help_text="true (default): a preview, nothing written. false: write the file.")
    valid_rows_only = serializers.BooleanField(
        default=False, help_text="Write the rows that pass even when others fail (they are listed, and "
                                 "downloadable as CSV). Default: nothing is written when any row fails.")
    day_first = serializers.BooleanField(default=False, help_text="Read dates such as 05/03/2019 as 5 March.")
    encoding = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                     help_text="The CSV's encoding when it is not UTF-8 (cp1252...).")
    publisher = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="",
        help_text="The organization that published the file, when its rows name no source: the file then becomes "
                  "their source, each row's line its excerpt.")
    mapping = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text='A JSON object of your header -> our column ("" to ignore the column), e.g. '
                  '{"Displaced (people)": "reported_value"}. Saved for the next file of this kind.')

    def validate_encoding(self, value: str) -> str:
        try:
            return check_encoding(value)
        except FileRefused as error:
            raise serializers.ValidationError(error.message) from error

    def validate(self, data: dict) -> dict:
        data["mapping"] = self.read_mapping(data.get("mapping", ""), data["kind"])
        return data

    @staticmethod
    def read_mapping(text: str, kind: str) -> dict[str, str]:
        if not text.strip():
            return {}
        try:
            mapping = json.loads(text)
        except ValueError:
            raise serializers.ValidationError({"mapping": ["Give a JSON object: {\"your header\": \"our_column\"}."]}) \
                from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise serializers.ValidationError({"mapping": ["Give a JSON object of your header -> our column (text)."]})
        if len(mapping) > MAX_MAPPED_HEADERS:
            raise serializers.ValidationError({"mapping": [f"At most {MAX_MAPPED_HEADERS} headers."]})
        ours = {column.name for column in spec.import_columns(kind)}
        problems = []
        for header, column in mapping.items():
            if not header.strip() or len(header) > HEADER_MAX_LENGTH or "\x00" in header:
                problems.append(f"A header is 1 to {HEADER_MAX_LENGTH} characters: {header[:40]!r}.")
            elif column and column not in ours:
                problems.append(f"'{header}' is mapped to '{column[:100]}', which is not one of our {kind} columns: "
                                f"{', '.join(sorted(ours))}; or \"\" to ignore it.")
        if problems:
            raise serializers.ValidationError({"mapping": problems})
        return {header: column for header, column in mapping.items()}


def _file_name(upload) -> str:
    name = "".join(ch for ch in (upload.name or "") if ch.isprintable()).strip()
    return name[:255] or "upload"


def _detail(result: ImportResult, dry_run: bool) -> str:
    counts = result.counts
    if result.file_errors:
        return "The file cannot be imported, nothing was written: " + " ".join(result.file_errors)
    tally = (f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
             f"{counts['failed']} failed, of {counts['rows']} rows")
    if dry_run:
        return f"Preview, nothing written: {tally}. Send the file again with dry_run=false to write it."
    if not result.written:
        return (f"Nothing written: {counts['failed']} of {counts['rows']} rows failed (each row's errors are listed "
                "by column). Fix them and send the file again, or send valid_rows_only=true to write the others.")
    left_out = f" The {counts['failed']} rows left out are in skipped_csv." if counts["failed"] else ""
    return f"Written as import #{result.batch.pk}: {tally}.{left_out}"


def import_answer(result: ImportResult, request, *, dry_run: bool) -> dict:
    """The engine's report, with the links a client follows and a sentence; ``file`` holds the file-level
    errors (the file's name is ``file_name``), as a field error would."""
    data = result.as_json()
    data["file_name"] = data.pop("file")
    batch = result.batch
    data["dry_run"] = dry_run
    data["detail"] = _detail(result, dry_run)
    data["url"] = reverse("api:import-detail", args=[batch.pk], request=request) if batch else None
    data["skipped_csv"] = (reverse("api:import-skipped", args=[batch.pk], request=request)
                           if batch and result.written and batch.skipped_csv else None)
    if result.file_errors:
        data["file"] = list(result.file_errors)
    return data


COLUMN = {"type": "object", "properties": {
    "header": {"type": "string"}, "hashtag": {"type": ["string", "null"]},
    "column": {"type": ["string", "null"], "description": "Our column, or null (ignored or unknown)."},
    "matched_by": {"type": "string", "enum": ["name", "hxl", "mapping", "ignored", "blank", "unknown"]}}}
ROW = {"type": "object", "required": ["row", "action", "id"], "properties": {
    "row": {"type": "integer", "description": "The row's number as the spreadsheet shows it."},
    "action": {"type": "string", "enum": ["create", "update", "unchanged", "error"]},
    "id": {"type": ["integer", "null"], "description": "The record written (or, in a preview, that would be)."},
    "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
               "description": "Column -> messages; `row` for messages about the whole row."},
    "possible_double_counts": {"type": "array", "items": {"type": "integer"}}}}
ANSWER = {
    "type": "object",
    "required": ["kind", "file_name", "dry_run", "written", "counts", "rows", "detail"],
    "properties": {
        "kind": {"type": "string", "enum": ImportKind.values},
        "file_name": {"type": "string"},
        "format": {"type": "string", "description": "csv, hxl or xlsx (empty when the file could not be read)."},
        "dry_run": {"type": "boolean"},
        "written": {"type": "boolean", "description": "Whether anything was written."},
        "batch": {"type": ["integer", "null"], "description": "The import batch (null when the file was refused)."},
        "url": {"type": ["string", "null"], "format": "uri"},
        "skipped_csv": {"type": ["string", "null"], "format": "uri",
                        "description": "The rows left out, with their errors, as CSV (valid_rows_only)."},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "rows, created, updated, unchanged, failed, empty."},
        "file_errors": {"type": "array", "items": {"type": "string"}},
        "file": {"type": "array", "items": {"type": "string"},
                 "description": "Why the whole file was refused (present only then)."},
        "notes": {"type": "array", "items": {"type": "string"}},
        "columns": {"type": "array", "items": COLUMN},
        "source": {"type": ["integer", "null"], "description": "The file itself, stored as the rows' source."},
        "rows": {"type": "array", "items": ROW,
                 "description": "Every row with errors or possible double counts, and the first 1,000 rows."},
        "detail": {"type": "string"},
    },
}
REFUSED = OpenApiResponse(
    ERROR, description="A field is missing or invalid (`kind`, `file`, `mapping`...: field-level messages); the "
                       "whole file was refused (`file` lists why, beside the report); or `dry_run=false` was "
                       "refused because rows failed: nothing written, and the body is the report, each failed "
                       "row's errors by column.")


class ImportView(ImportEndpoint):
    """Preview or write a spreadsheet of records, sources, places or organizations."""

    parser_classes = [ImportUploadParser]

    @extend_schema(
        summary="Import a spreadsheet (analysts): preview by default, write with dry_run=false",
        description=(
            "CSV, XLSX or HXL-tagged CSV, whose columns are our exports' (or mapped to them), at most "
            f"{settings.IMPORT_MAX_BYTES / 1_048_576:g} MB and {settings.IMPORT_MAX_ROWS:,} rows. Every row goes "
            "through the admin's rules. A preview (the default) writes nothing. Written, the file is one "
            "transaction: all rows or none, unless `valid_rows_only`. 200: the report; 400 with the report: the "
            "file or (when writing) a row was refused."),
        request={"multipart/form-data": ImportUploadSerializer},
        responses={200: OpenApiResponse(ANSWER, description="A preview, or a written import."),
                   400: REFUSED, **errors(401, 403, 413, 415, 429)},
    )
    def post(self, request, *args, **kwargs):
        unknown = sorted(set(request.data) - set(ImportUploadSerializer().fields))
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload, kind = data["file"], data["kind"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise FileTooLarge()
        model = spec.MODELS[kind]
        if not has_permission(request.user, f"tracker.add_{model._meta.model_name}"):
            raise exceptions.PermissionDenied(f"You may not add {model._meta.verbose_name_plural}.")
        if data["mapping"]:
            save_mapping(kind, data["mapping"], request.user)
        options = Options(mapping=data["mapping"], day_first=data["day_first"], encoding=data["encoding"],
                          publisher=data["publisher"].strip(), valid_rows_only=data["valid_rows_only"])
        name = _file_name(upload)
        result = run_import(kind, name, upload.read(), user=request.user, commit=not data["dry_run"],
                            options=options)
        refused = bool(result.file_errors) or (not data["dry_run"] and not result.written)
        return Response(import_answer(result, request, dry_run=data["dry_run"]),
                        status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_200_OK)


# --- a batch: its status, the rows it left out, withdrawing it ------------------------------------------------

BATCH_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The import batch.")
BATCH = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ImportKind.values},
        "file_name": {"type": "string"},
        "status": {"type": "string", "enum": ImportStatus.values},
        "valid_rows_only": {"type": "boolean"},
        "options": {"type": "object", "additionalProperties": True,
                    "description": "mapping, day_first, encoding, publisher, valid_rows_only."},
        "summary": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "rows, created, updated, unchanged, failed, empty."},
        "records": {"type": "integer", "description": "Rows the import created or updated."},
        "source": {"type": ["integer", "null"]},
        "created_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "committed_at": {"type": ["string", "null"], "format": "date-time"},
        "withdrawn_by": {"type": ["string", "null"]},
        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
        "skipped_csv": {"type": ["string", "null"], "format": "uri"},
        "withdraw": {"type": ["string", "null"], "format": "uri",
                     "description": "POST here to withdraw the import (while it is written)."},
    },
}


def batch_answer(batch: ImportBatch, request) -> dict:
    return {
        "id": batch.pk, "kind": batch.kind, "file_name": batch.file_name, "status": batch.status,
        "valid_rows_only": batch.valid_rows_only, "options": batch.options, "summary": batch.summary,
        "records": batch.items.count(), "source": batch.source_id, "created_by": batch.created_by.get_username(),
        "created_at": batch.created_at, "committed_at": batch.committed_at,
        "withdrawn_by": batch.withdrawn_by.get_username() if batch.withdrawn_by else None,
        "withdrawn_at": batch.withdrawn_at,
        "skipped_csv": reverse("api:import-skipped", args=[batch.pk], request=request) if batch.skipped_csv else None,
        "withdraw": (reverse("api:import-withdraw", args=[batch.pk], request=request)
                     if batch.status == ImportStatus.COMMITTED else None),
    }


class ImportBatchView(ImportEndpoint):
    """One import: its status and counts (its creator, or a superuser)."""

    @extend_schema(summary="An import's status and summary (its analyst)", parameters=[BATCH_ID],
                   responses={200: OpenApiResponse(BATCH), **errors(401, 403, 404, 429)})
    def get(self, request, id: str):
        return Response(batch_answer(self.batch(request, id), request))


class SkippedRowsView(ImportEndpoint):
    """The rows an import written with ``valid_rows_only`` left out, as they were, with an ``errors`` column."""

    @extend_schema(summary="The rows an import left out, with their errors (CSV)", parameters=[BATCH_ID],
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Fix and re-import."),
                              **errors(401, 403, 404, 429)})
    def get(self, request, id: str):
        batch = self.batch(request, id)
        if not batch.skipped_csv:
            raise exceptions.NotFound(f"Import #{batch.pk} left no rows out.")
        response = HttpResponse(batch.skipped_csv.encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-skipped.csv"'
        return response


class WithdrawView(ImportEndpoint):
    """Undo a written import as a whole, or refuse (409) naming every record that moved on since."""

    @extend_schema(
        summary="Withdraw a written import as a whole (its analyst)", parameters=[BATCH_ID], request=None,
        responses={200: OpenApiResponse({"type": "object", "properties": {
            "id": {"type": "integer"}, "status": {"type": "string"}, "detail": {"type": "string"},
            **{name: {"type": "array", "items": {"type": "string"}} for name in ("deleted", "reverted", "kept")}}},
            description="What was deleted, put back to its earlier version, and kept (still used)."),
            409: OpenApiResponse(ERROR, description="Refused, nothing withdrawn: `errors` names each record "
                                                    "submitted, approved or changed since, or the batch is not "
                                                    "written."),
            **errors(401, 403, 404, 429)},
    )
    def post(self, request, id: str):
        batch = self.batch(request, id)
        done = import_withdraw(batch, withdrawn_by=request.user)
        return Response({
            "id": batch.pk, "status": ImportStatus.WITHDRAWN,
            "detail": f"Import #{batch.pk} withdrawn: {len(done.deleted)} deleted, {len(done.reverted)} put back, "
                      f"{len(done.kept)} kept.",
            "deleted": done.deleted, "reverted": done.reverted, "kept": done.kept,
        })


# --- templates -------------------------------------------------------------------------------------------------


class TemplateView(ImportEndpoint):
    """The XLSX template of a kind: our writable columns, explained, with lists and date cells."""

    @extend_schema(
        summary="The XLSX template of an import kind",
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ImportKind.values)],
        responses={(200, XLSXRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The template."),
                   **errors(401, 403, 404, 429)},
    )
    def get(self, request, kind: str):
        if kind not in ImportKind.values:
            raise exceptions.NotFound(f"No template for '{kind[:50]}': one of {', '.join(ImportKind.values)}.")
        response = HttpResponse(template_bytes(kind), content_type=XLSXRenderer.media_type)
        response["Content-Disposition"] = f'attachment; filename="{template_filename(kind)}"'
        return response
