"""The OpenAPI description: auth schemes, formats, error responses, preconditions and examples.

drf-spectacular reads serializers and FilterSets by itself; this module adds what
it cannot see: the ``Api-Key`` scheme, the export media types of every list, the
errors every endpoint may answer (so schemathesis does not count them as
violations) and ``If-Match`` on every write to an existing record.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from tracker.api import serializers as s
from tracker.api.authentication import KEY_HEADER, KEYWORD
from tracker.api.renderers import CSVRenderer, GeoJSONRenderer, XLSXRenderer


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """NGO keys, described on the header that takes the bare key, so that the docs' Authorize box takes the key
    as the tracker's administrators hand it out (``Authorization: Api-Key <key>`` works the same)."""

    target_class = "tracker.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": KEY_HEADER,
            "description": f"NGO clients: paste the key as it is (`prefix.secret`); it is sent as `{KEY_HEADER}: "
                           f"<key>`. Elsewhere send it so or as `Authorization: {KEYWORD} <key>`. Read-only; "
                           "approved, non-confidential records. Ask the tracker's administrators for a key.",
        }


class TokenScheme(OpenApiAuthenticationExtension):
    """Analysts' knox tokens (tracker.api.tokens): the header keeps DRF's `Token` keyword."""

    target_class = "tracker.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Staff: `Authorization: Token <token>`, from `POST /api/v1/auth/login/`. Shown once, "
                           f"stored hashed, valid {settings.REST_KNOX['TOKEN_TTL'].days} days.",
        }


ERROR = {"type": "object", "additionalProperties": True,
         "description": "`detail` (a sentence) or field name -> list of messages."}


def _error(text: str) -> OpenApiResponse:
    return OpenApiResponse(response=ERROR, description=text)


ERRORS = {
    400: _error("Invalid input: field-level messages, each naming the parameter or field. An id the schema "
                "allows that names no record, or none you may see, is refused here too (`?event=0`, "
                "`\"source_id\": 0`)."),
    401: _error(f"No or invalid credentials: send `Authorization: {KEYWORD} <key>` or `{KEY_HEADER}: <key>` "
                "(staff: `Authorization: Token <token>`). The message says so too, and the WWW-Authenticate header "
                f"names the `{KEYWORD}` scheme."),
    403: _error("Not allowed: keys only read; staff need the permission."),
    404: _error("No such record, or not visible to you (an id the schema allows may name nothing)."),
    413: _error("The body is larger than the limit (2.5 MB of JSON; an uploaded file: SOURCE_UPLOAD_MAX_BYTES)."),
    406: _error("No ?format=, and the Accept header names no format this endpoint serves."),
    409: _error("The record's state refuses this (workflow rule, or still referenced)."),
    412: _error("If-Match names an older version: GET the record again."),
    415: _error("Send JSON (Content-Type: application/json); multipart/form-data where a file is taken."),
    428: _error("If-Match with the ETag you read is required on writes to an existing record (`*` is refused)."),
    429: _error("Rate limit reached: retry after the Retry-After seconds."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


READ_ERRORS = (400, 401, 403, 406, 429)
GEOJSON = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection", "Feature"]},
        "license": {"type": "string"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
    "description": "RFC 7946 FeatureCollection; each feature's properties are the CSV columns.",
}
EXPORT_RESPONSES = {
    (200, CSVRenderer.media_type): OpenApiResponse(
        OpenApiTypes.STR,
        description="CSV, every matching row (?format=csv); with ?format=hxl (or Accept: text/csv; hxl=present) "
                    "an HXL hashtag row under the header (docs/hxl.md)."),
    (200, XLSXRenderer.media_type): OpenApiResponse(
        OpenApiTypes.BINARY, description="Excel workbook, at most 1,048,575 rows (else 400: use CSV)."),
    (200, GeoJSONRenderer.media_type): OpenApiResponse(GEOJSON, description="GeoJSON FeatureCollection."),
}
DOWNLOAD_SCHEMAS = {
    CSVRenderer.media_type: {"type": "string"},
    XLSXRenderer.media_type: {"type": "string", "format": "binary"},
    GeoJSONRenderer.media_type: GEOJSON,
}


def downloads_are_not_pages(result, generator, request, public):
    """drf-spectacular wraps every media type of a list's 200 in the JSON page (license, next, results); CSV, XLSX
    and GeoJSON lists are whole downloads, so their schemas are put back as they are (a postprocessing hook)."""
    for path_item in result.get("paths", {}).values():
        content = path_item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        for media_type, download in DOWNLOAD_SCHEMAS.items():
            if media_type in content:
                content[media_type]["schema"] = download
    return result


FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["json", "csv", "hxl", "xlsx", "geojson"],
    description="Response format (or use the Accept header; ?format= wins over it). csv, hxl, xlsx and geojson "
                "return every matching row in one streamed download, ignoring page_size and cursor.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The ETag of the version you read (e.g. "3"). Missing or `*`: 428; stale: 412.',
)

SURRENDER_EXAMPLE = OpenApiExample(
    "Baghouz surrender (demo data)",
    response_only=True,
    media_type="application/json",
    value={
            "id": 1,
            "source": {"id": 1, "title": "US-backed Syrian forces resume attacks on final ISIL enclave",
                       "url": "", "publisher": "Al Jazeera", "publication_date": "2019-03-10"},
            "excerpt": "Bali said more than 4,000 fighters had surrendered to the SDF in the past month.",
            "attributed_to": {"id": 1, "name": "Syrian Democratic Forces", "acronym": "SDF", "kind": "armed_group"},
            "attribution_text": "Mustafa Bali, head of the SDF media office",
            "is_party_claim": True,
            "location": {"id": 19, "name": "Baghouz", "pcode": None, "level": "locality", "latitude": 34.46,
                         "longitude": 40.954, "country_iso3": "SYR", "adm1_pcode": "SY09", "adm1_name": "Deir-ez-Zor"},
            "location_precision": "near",
            "start_date": "2019-02-10", "start_precision": "month",
            "end_date": "2019-03-10", "end_precision": "day",
            "quantifier": "more_than", "reported_value": 4000, "reported_phrase": "more than 4,000",
            "low": 4000, "best": 4000, "high": None, "high_open": True,
            "role": "headline", "duplicate_of": None,
            "surrendering_group": {"id": 2, "name": "Islamic State of Iraq and the Levant", "acronym": "ISIL",
                                   "kind": "armed_group"},
            "received_by": {"id": 1, "name": "Syrian Democratic Forces", "acronym": "SDF", "kind": "armed_group"},
            "term": "surrendered", "combatant_status": "fighters", "review_status": "approved", "version": 3,
    },
)


def _create_schema(viewset, a_noun: str, claim: bool, record: OpenApiResponse):
    """A create's description; a viewset's ``create_schema`` changes its description, request body and 201, and
    adds error statuses (``extra_errors``)."""
    own = dict(getattr(viewset, "create_schema", {}))
    extra = own.pop("extra_errors", ())
    responses = {201: record, **own.pop("responses", {}), **errors(400, 401, 403, 409, 415, 429, *extra)}
    return extend_schema(
        summary=f"Create {a_noun}" + (" (as a draft)" if claim else ""),
        description=own.pop("description", "Staff only. Validated by the same services as the admin; errors are "
                                           "field-level."),
        responses=responses, **own,
    )


def document_resource(viewset, *, noun: str, plural: str, claim: bool = False, examples=()):
    """Describe a resource viewset's operations (list, detail, writes, and for records the workflow)."""
    serializer = viewset.serializer_class
    a_noun = f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    record = OpenApiResponse(serializer, description=f"The {noun}; its ETag header carries the version.")
    views = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=(
                f"{viewset.__doc__.strip()}\n\nJSON comes in keyset pages (`next` link); the other formats return "
                "every matching row. Default order: `updated_at,id` (sync order). An unknown or invalid parameter "
                "is a 400 naming it."
            ),
            parameters=[FORMAT],
            responses={(200, "application/json"): serializer(many=True), **EXPORT_RESPONSES,
                       **errors(*READ_ERRORS)},
            examples=list(examples),
        ),
        "retrieve": extend_schema(
            summary=f"One {noun}", parameters=[FORMAT],
            responses={(200, "application/json"): serializer, **EXPORT_RESPONSES, **errors(*READ_ERRORS, 404)},
        ),
        "create": _create_schema(viewset, a_noun, claim, record),
        "update": extend_schema(
            summary=f"Replace {a_noun}", parameters=[IF_MATCH],
            description="Staff only; needs If-Match." + (
                " An approved record edited in substance goes back to review." if claim else ""),
            responses={200: record, **errors(400, 401, 403, 404, 409, 412, 415, 428, 429)},
        ),
        "partial_update": extend_schema(
            summary=f"Change some fields of {a_noun}", parameters=[IF_MATCH],
            responses={200: record, **errors(400, 401, 403, 404, 409, 412, 415, 428, 429)},
        ),
        "destroy": extend_schema(
            summary=f"Delete {a_noun}",
            description=("Only drafts are deleted; reject anything else." if claim
                         else "Refused (409) while anything refers to it."),
            parameters=[IF_MATCH],
            responses={204: None, **errors(400, 401, 403, 404, 409, 412, 428, 429)},
        ),
    }
    if claim:
        transition_errors = errors(400, 401, 403, 404, 409, 412, 415, 428, 429)
        for name, summary, body in (
            ("submit", "Submit for review", None),
            ("approve", "Approve (reviewers)", None),
            ("request_changes", "Request changes, with a comment (reviewers)", s.CommentSerializer),
            ("reject", "Reject or withdraw, with the reason as comment (reviewers)", s.CommentSerializer),
            ("reopen", "Reopen a rejected record as a draft (reviewers)", None),
        ):
            views[name] = extend_schema(summary=summary, parameters=[IF_MATCH], request=body,
                                        responses={200: record, **transition_errors})
    return extend_schema_view(**views)(viewset)


DELETIONS_SCHEMA = extend_schema(
    summary="Deleted or no longer visible records since a time (sync)",
    parameters=[
        OpenApiParameter("since", OpenApiTypes.DATETIME, required=True,
                         description="ISO 8601 time, e.g. 2019-03-10T00:00:00Z."),
        OpenApiParameter("resource", OpenApiTypes.STR, many=True, explode=True,
                         enum=["sources", "organizations", "locations", "events", "displacement-figures",
                               "surrenders", "aid-capacity"],
                         description="Only these resources (repeat or comma-separate)."),
        OpenApiParameter("cursor", OpenApiTypes.STR, description="From the previous page's `next`."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1 to {settings.API_MAX_PAGE_SIZE}."),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json"]),
    ],
    responses={
        200: inline_serializer("DeletionPage", {
            "license": serializers.CharField(),
            "server_time": serializers.DateTimeField(),
            "next": serializers.URLField(allow_null=True),
            "results": s.DeletionSerializer(many=True),
        }),
        **errors(*READ_ERRORS),
    },
)

VOCABULARIES_SCHEMA = extend_schema(
    summary="Every choice list, with labels, HXL hashtags and ACLED/UCDP equivalents",
    parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json"])],
    responses={200: OpenApiResponse(
        {"type": "object", "properties": {"license": {"type": "string"}, "vocabularies": {"type": "object"}}},
        description="Field name -> {description, hxl, values: [{value, label, ...}], note}.",
    ), **errors(*READ_ERRORS)},
)
