"""Keyset (cursor) pagination: stable under concurrent writes, constant cost at any depth.

Rows come in the list's ordering (default ``updated_at, id``: the sync order)
with ``id`` as the final tie-breaker. The opaque ``cursor`` holds the sort values
of the last row served; the next page is "everything after it", a range scan on
an index, so a client walking a million rows never pays for an OFFSET and never
skips or repeats a row that did not change meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan, TupleLookupMixin
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from tracker.parsing import whole_number

PAGE_SIZE_PARAM = "page_size"
CURSOR_PARAM = "cursor"


def _field_of(model, path: str):
    """The model field a (possibly related) ``path`` names."""
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    field = model._meta.get_field(parts[-1])
    return field.target_field if field.is_relation else field


def _value_of(obj, path: str):
    if isinstance(obj, dict):  # a row of ``values()``, which holds the ordering's columns by path
        return obj[path]
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def ordering_of(queryset: QuerySet) -> list[str]:
    """The queryset's ordering as field paths, ending with the primary key as tie-breaker."""
    ordering = [str(item) for item in (queryset.query.order_by or queryset.model._meta.ordering or [])]
    ordering = ["id" if o == "pk" else "-id" if o == "-pk" else o for o in ordering]
    if not ordering or ordering[-1].lstrip("-") != "id":
        ordering = [o for o in ordering if o.lstrip("-") != "id"] + ["id"]
    return ordering


class RowComparison(TupleLookupMixin):
    """A row value comparison written as one on every database: Django 5.2 spells it out as an OR chain on
    SQLite, which has compared row values since 3.15 and serves them from an index as PostgreSQL does."""

    def as_sql(self, compiler, connection):
        return super(TupleLookupMixin, self).as_sql(compiler, connection)


class RowAfter(RowComparison, TupleGreaterThan):
    """``(a, b, ...) > (x, y, ...)``."""


class RowBefore(RowComparison, TupleLessThan):
    """``(a, b, ...) < (x, y, ...)``."""


class KeysetPagination(BasePagination):
    """``?page_size=`` (1 to the cap) and an opaque ``?cursor=`` from the previous page's ``next``."""

    def page_size(self, request) -> int:
        raw = request.query_params.get(PAGE_SIZE_PARAM)
        cap = settings.API_MAX_PAGE_SIZE
        if raw is None:
            return min(settings.API_PAGE_SIZE, cap)
        size = whole_number(raw)
        if size is None or not 1 <= size <= cap:
            raise ValidationError({PAGE_SIZE_PARAM: [f"A whole number from 1 to {cap}."]})
        return size

    @staticmethod
    def decode_cursor(raw: str, ordering: list[str], fields: list) -> list:
        """The sort values a cursor holds, typed by ``fields`` (one model field per ordering entry)."""
        try:
            padded = raw + "=" * (-len(raw) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
            if payload.get("o") != ordering or len(payload.get("v", [])) != len(ordering):
                raise ValueError("cursor made for another ordering")
            values = [field.to_python(value) for field, value in zip(fields, payload["v"], strict=True)]
            if any(value is None for value in values):
                raise ValueError("empty cursor value")
            return values
        except (ValueError, TypeError, AttributeError, KeyError, binascii.Error, UnicodeError, ValidationError,
                DjangoValidationError) as error:
            raise ValidationError(
                {CURSOR_PARAM: ["Invalid cursor: use the 'next' link of the previous page with the same ordering."]}
            ) from error

    @staticmethod
    def encode_cursor(values: list, ordering: list[str]) -> str:
        payload = {"o": ordering, "v": [_encode(value) for value in values]}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")

    @staticmethod
    def after(ordering: list[str], values: list) -> Q:
        """Rows strictly after ``values`` in ``ordering`` (a lexicographic comparison).

        When every column runs the same way (the sync order ``updated_at, id`` does), it is one row comparison,
        ``(updated_at, id) > (X, Y)``: the index on those columns starts its range at the cursor, so a page costs
        the same at any depth. The equivalent ``a > X OR (a = X AND b > Y)`` is applied by PostgreSQL as a filter
        after an index range from the start, which made a first full sync quadratic. Mixed directions have no row
        form and keep that chain.
        """
        descending = {path.startswith("-") for path in ordering}
        columns = [path.lstrip("-") for path in ordering]
        if len(descending) == 1:
            row = Tuple(*(F(name) for name in columns))
            return Q((RowBefore if descending == {True} else RowAfter)(row, list(values)))
        query = Q()
        equal = Q()
        for path, name, value in zip(ordering, columns, values, strict=True):
            op = "lt" if path.startswith("-") else "gt"
            query |= equal & Q(**{f"{name}__{op}": value})
            equal &= Q(**{name: value})
        return query

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        size = self.page_size(request)
        ordering = ordering_of(queryset)
        queryset = queryset.order_by(*ordering)
        raw = request.query_params.get(CURSOR_PARAM)
        if raw:
            fields = [_field_of(queryset.model, path.lstrip("-")) for path in ordering]
            queryset = queryset.filter(self.after(ordering, self.decode_cursor(raw, ordering, fields)))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.next_cursor = None
        if self.has_next:
            self.next_cursor = self.encode_cursor([_value_of(rows[-1], path.lstrip("-")) for path in ordering],
                                                  ordering)
        return rows

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, self.next_cursor)

    def get_paginated_response(self, data) -> Response:
        return Response(OrderedDict([
            ("license", settings.DATA_LICENSE),
            ("next", self.get_next_link()),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["license", "next", "results"],
            "properties": {
                "license": {"type": "string", "description": "The data licence.", "example": settings.DATA_LICENSE},
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "description": "The next page, or null on the last one.", "example": None},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {"name": CURSOR_PARAM, "in": "query", "required": False,
             "description": "Opaque position from the previous page's `next` link.",
             "schema": {"type": "string"}},
            {"name": PAGE_SIZE_PARAM, "in": "query", "required": False,
             "description": f"Rows per page (JSON), 1 to {settings.API_MAX_PAGE_SIZE}; "
                            f"default {settings.API_PAGE_SIZE}.",
             "schema": {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE}},
        ]
