"""The API's JSON body parser: DRF's, with the errors a hostile body can cause answered as 4xx JSON."""

from __future__ import annotations

import codecs

from django.conf import settings
from rest_framework import exceptions, parsers, status
from rest_framework.parsers import get_encoding
from rest_framework.utils import json


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "body_too_large"


def too_large_detail() -> str:
    return (f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes: "
            "send fewer or shorter records per request.")


class JSONParser(parsers.JSONParser):
    """JSON bodies up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (else 413), nested at most as deep as Python's
    parser can follow (else 400, where the standard parser raised RecursionError: a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge(too_large_detail())
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the body is nested too deep.") from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None


class UploadParser(parsers.MultiPartParser):
    """multipart/form-data for the actions that take a file (a source's intake): bodies larger than a file of
    ``SOURCE_UPLOAD_MAX_BYTES`` and its form fields are refused (413) before they are read."""

    #: room for the form's other fields and the multipart framing beside the file
    FORM_ALLOWANCE = 256 * 1024

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.SOURCE_UPLOAD_MAX_BYTES
        if length > limit + self.FORM_ALLOWANCE:
            raise BodyTooLarge(f"The upload is larger than {limit / 1_048_576:g} MB (SOURCE_UPLOAD_MAX_BYTES): "
                               "upload the article alone, or paste its text.")
        return super().parse(stream, media_type, parser_context)
