"""``POST /api/v1/extract/``: the extraction assistant's proposals for a stored source or an uploaded file.

Analysts only (who may add records). Nothing is saved: the answer is what ``extract_records`` prints, so a
script can read proposals and create drafts through the record endpoints, which apply every rule.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.api.access import visible
from tracker.api.base import TrackerAPIMixin
from tracker.api.parsers import JSONParser, UploadParser
from tracker.api.schema import errors
from tracker.models import Source
from tracker.parsing import whole_number
from tracker.services.common import require_permission

ADD_PERMISSION = "tracker.add_displacementfigure"

REQUEST = {
    "oneOf": [
        {"type": "object", "required": ["source"], "additionalProperties": False,
         "properties": {"source": {"type": "integer", "minimum": 1,
                                   "description": "A stored source whose text is read."}}},
    ]
}
UPLOAD = {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "A text, HTML or PDF file."},
        "published": {"type": "string", "format": "date",
                      "description": "Publication date the dates are anchored to (else the HTML's own)."},
        "language": {"type": "string", "description": "BCP 47 code; the assistant reads English (default en)."},
    },
}
ANSWER = {
    "type": "object",
    "properties": {
        "source": {"type": ["integer", "null"]},
        "published": {"type": "string", "format": "date"},
        "language": {"type": "string"},
        "rules_version": {"type": "string"},
        "notice": {"type": ["string", "null"], "description": "Set when the assistant cannot read the text."},
        "proposals": {"type": "array", "items": {"type": "object", "additionalProperties": True},
                      "description": "Each proposal with DOMAIN.md's field names, as `extract_records` prints."},
    },
}


class ExtractView(TrackerAPIMixin, APIView):
    """Proposed records for a stored source (JSON ``{"source": id}``) or an uploaded file (multipart)."""

    parser_classes = [JSONParser, UploadParser]
    model = Source

    @extend_schema(
        summary="Proposed records read from a source's text (analysts)",
        request={"application/json": REQUEST, "multipart/form-data": UPLOAD},
        responses={200: OpenApiResponse(ANSWER, description="The proposals; nothing is saved."),
                   **errors(400, 401, 403, 404, 413, 415, 429)},
        examples=[OpenApiExample("A stored source", value={"source": 1}, request_only=True)],
    )
    def post(self, request, *args, **kwargs):
        try:
            require_permission(request.user, ADD_PERMISSION, "read proposals from a source")
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        from tracker.extraction import RULES_VERSION, Gazetteer, extract

        if "file" in request.FILES or request.content_type.startswith("multipart/"):
            text, published, language, source_id = self.read_file(request)
        else:
            text, published, language, source_id = self.read_source(request)
        result = extract(text, published=published, gazetteer=Gazetteer.from_database(), language=language)
        return Response({
            "source": source_id,
            "published": published.isoformat(),
            "language": language,
            "rules_version": RULES_VERSION,
            "notice": result.notice,
            "proposals": [proposal.as_json() for proposal in result.proposals],
        })

    def read_source(self, request) -> tuple[str, date, str, int]:
        body = request.data
        if not isinstance(body, dict):
            raise exceptions.ValidationError({"non_field_errors": ['Send {"source": <id>} or a file.']})
        unknown = sorted(set(body) - {"source"})
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        value = body.get("source")
        # JSON gives an integer; a bool is an int in Python and names no source.
        pk = whole_number(str(value)) if isinstance(value, int) and not isinstance(value, bool) else None
        if not pk:
            raise exceptions.ValidationError({"source": ["Give the id of a stored source, or upload a file."]})
        source = visible(Source.objects.all(), request).filter(pk=pk).first()
        if source is None:
            raise exceptions.ValidationError({"source": [f"No source #{pk}, or none you may see."]})
        if not source.text.strip():
            reason = ("its text was dropped, as its licence asks" if source.text_dropped_at
                      else "it has no stored text")
            raise exceptions.ValidationError({"source": [f"Source #{pk} cannot be read: {reason}."]})
        return source.text, source.publication_date, source.language or "en", source.pk

    def read_file(self, request) -> tuple[str, date, str, None]:
        from tracker.intake import IntakeError, read_upload

        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Upload a text, HTML or PDF file as `file`."]})
        unknown = sorted(set(request.data) - {"file", "published", "language"})
        if unknown:
            raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        try:
            read = read_upload(upload.read(), upload.name or "", upload.content_type)
        except IntakeError as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from error
        published = read.publication_date
        if request.data.get("published"):
            try:
                published = date.fromisoformat(str(request.data["published"]))
            except ValueError:
                raise exceptions.ValidationError({"published": ["Give the date as YYYY-MM-DD."]}) from None
        if published is None:
            raise exceptions.ValidationError(
                {"published": ["The file carries no publication date: give it as YYYY-MM-DD."]})
        language = str(request.data.get("language") or read.language or "en").strip()
        if not language or len(language) > 20:
            raise exceptions.ValidationError({"language": ["Give a BCP 47 code such as en or ar."]})
        return read.text, published, language, None
