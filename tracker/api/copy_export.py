"""CSV and HXL downloads of records straight from PostgreSQL's ``COPY ... TO STDOUT``.

The Python renderer (``renderers.CSVRenderer``) builds each record's JSON
representation and then its cells: about 2,300 rows a second at a million
records, while PostgreSQL alone writes the same rows as CSV more than ten times
faster. Here the database computes every export column as the text cell the
Python renderer would write (formula escaping, ``true``/``false``, ISO dates and
times, numbers as JSON carries them), and the server forwards COPY's bytes.
A test holds the two paths to the same bytes.

Only the three kinds of record take this path, only on PostgreSQL; everything
else (and SQLite) uses the Python renderer.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, QuerySet, TextField

from tracker.api.columns import Column
from tracker.models import AidCapacityReport, DisplacementFigure, Event, Organization, SurrenderFigure

FLUSH_BYTES = 256 * 1024


class Cell(Func):
    """One cell of the download, as text (the templates below name their expression more than once: use them
    on columns, not on parameters)."""

    output_field = TextField()


class Text(Cell):
    """A text cell: empty for null or empty, a leading apostrophe before what a spreadsheet runs as a formula."""

    template = (
        "NULLIF(CASE WHEN left(%(expressions)s, 1) IN ('=', '+', '-', '@') THEN '''' || %(expressions)s "
        "ELSE %(expressions)s END, '')"
    )


class Boolean(Cell):
    template = "CASE %(expressions)s WHEN true THEN 'true' WHEN false THEN 'false' END"


class Integer(Cell):
    template = "(%(expressions)s)::text"


class Number(Cell):
    """A decimal as JSON carries it (a float): ``5.5``, ``36.0``, ``36.123456``."""

    template = (
        "CASE WHEN scale(trim_scale(%(expressions)s)) = 0 THEN trim_scale(%(expressions)s)::text || '.0' "
        "ELSE trim_scale(%(expressions)s)::text END"
    )


class IsoDate(Cell):
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"


class IsoTime(Cell):
    """A time as the API writes it: UTC, ISO 8601, microseconds only when there are some, ``Z``."""

    template = (
        "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        "|| CASE WHEN mod(extract(microseconds FROM %(expressions)s)::int, 1000000) = 0 THEN '' "
        "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


class Joined(Cell):
    """Names joined with "; ", in the organizations' order (by name), as the Python columns join them."""

    template = "(SELECT string_agg(o.name, '; ' ORDER BY o.name) FROM %(table)s t JOIN %(orgs)s o " \
               "ON o.id = t.organization_id WHERE t.%(owner)s = %(expressions)s)"


def _cited(model) -> Joined:
    through = model._meta.get_field("cited_sources").remote_field.through
    quote = connection.ops.quote_name
    return Joined(F("pk"), table=quote(through._meta.db_table), orgs=quote(Organization._meta.db_table),
                  owner=quote(through._meta.get_field(model._meta.model_name).column))


def _party_claim(model):
    parties = Event.parties.through.objects.filter(event_id=OuterRef("event_id"),
                                                   organization_id=OuterRef("attributed_to_id"))
    return Boolean(Exists(parties))


def _text(path: str) -> Text:
    return Text(F(path))


CLAIM_EXPRESSIONS = {
    "id": lambda m: Integer(F("id")),
    "term": lambda m: _text("term"),
    "category": lambda m: _text("category"),
    "combatant_status": lambda m: _text("combatant_status"),
    "best": lambda m: Integer(F("best")),
    "low": lambda m: Integer(F("low")),
    "high": lambda m: Integer(F("high")),
    "high_open": lambda m: Boolean(F("high_open")),
    "quantifier": lambda m: _text("quantifier"),
    "reported_value": lambda m: Integer(F("reported_value")),
    "reported_value_max": lambda m: Integer(F("reported_value_max")),
    "magnitude_word": lambda m: _text("magnitude_word"),
    "reported_phrase": lambda m: _text("reported_phrase"),
    "unit": lambda m: _text("unit"),
    "household_size": lambda m: Number(F("household_size")),
    "household_size_source": lambda m: _text("household_size_source"),
    "best_override_reason": lambda m: _text("best_override_reason"),
    "role": lambda m: _text("role"),
    "supports": lambda m: Integer(F("supports_id")),
    "duplicate_of": lambda m: Integer(F("duplicate_of_id")),
    "term_group": lambda m: _text("term_group"),
    "women": lambda m: Integer(F("women")),
    "men": lambda m: Integer(F("men")),
    "children": lambda m: Integer(F("children")),
    "elderly": lambda m: Integer(F("elderly")),
    "composition_note": lambda m: _text("composition_note"),
    "surrendering_group": lambda m: _text("surrendering_group__name"),
    "surrendering_group_id": lambda m: Integer(F("surrendering_group_id")),
    "received_by": lambda m: _text("received_by__name"),
    "received_by_id": lambda m: Integer(F("received_by_id")),
    "provider": lambda m: _text("provider__name"),
    "provider_id": lambda m: Integer(F("provider_id")),
    "provider_description": lambda m: _text("provider_description"),
    "sector": lambda m: _text("sector"),
    "strain": lambda m: _text("strain"),
    "capacity": lambda m: Integer(F("capacity")),
    "demand": lambda m: Integer(F("demand")),
    "capacity_unit": lambda m: _text("capacity_unit"),
    "country_iso3": lambda m: _text("location__country__iso3"),
    "adm1_pcode": lambda m: _text("location__adm1__pcode"),
    "adm1_name": lambda m: _text("location__adm1__name"),
    "location_id": lambda m: Integer(F("location_id")),
    "location_name": lambda m: _text("location__name"),
    "location_pcode": lambda m: _text("location__pcode"),
    "location_level": lambda m: _text("location__level"),
    "location_precision": lambda m: _text("location_precision"),
    "latitude": lambda m: Number(F("location__latitude")),
    "longitude": lambda m: Number(F("location__longitude")),
    "origin_name": lambda m: _text("origin__name"),
    "origin_pcode": lambda m: _text("origin__pcode"),
    "destination_name": lambda m: _text("destination__name"),
    "destination_pcode": lambda m: _text("destination__pcode"),
    "start_date": lambda m: IsoDate(F("start_date")),
    "start_precision": lambda m: _text("start_precision"),
    "end_date": lambda m: IsoDate(F("end_date")),
    "end_precision": lambda m: _text("end_precision"),
    "event_id": lambda m: Integer(F("event_id")),
    "event": lambda m: _text("event__name"),
    "crisis": lambda m: _text("event__crisis__name"),
    "attributed_to": lambda m: _text("attributed_to__name"),
    "attribution_text": lambda m: _text("attribution_text"),
    "is_party_claim": _party_claim,
    "cited_sources": lambda m: Text(_cited(m)),
    "excerpt": lambda m: _text("excerpt"),
    "excerpt_translation": lambda m: _text("excerpt_translation"),
    "notes": lambda m: _text("notes"),
    "source_title": lambda m: _text("source__title"),
    "source_url": lambda m: _text("source__url"),
    "source_publisher": lambda m: _text("source__publisher__name"),
    "source_publication_date": lambda m: IsoDate(F("source__publication_date")),
    "source_id": lambda m: Integer(F("source_id")),
    "review_status": lambda m: _text("review_status"),
    "is_confidential": lambda m: Boolean(F("is_confidential")),
    "version": lambda m: Integer(F("version")),
    "created_at": lambda m: IsoTime(F("created_at")),
    "updated_at": lambda m: IsoTime(F("updated_at")),
}

COPY_MODELS = (DisplacementFigure, SurrenderFigure, AidCapacityReport)


def can_copy(queryset: QuerySet, columns: list[Column]) -> bool:
    """Whether this download can come from COPY: records, on PostgreSQL, in UTC, every column known."""
    return (
        connection.vendor == "postgresql"
        and queryset.model in COPY_MODELS
        and settings.TIME_ZONE == "UTC"
        and all(column.name in CLAIM_EXPRESSIONS for column in columns)
    )


def copy_select(queryset: QuerySet, columns: list[Column]) -> tuple[str, tuple]:
    """The SELECT (and its parameters) whose rows are the export's cells, in the queryset's order."""
    model = queryset.model
    cells = {f"cell_{i}": CLAIM_EXPRESSIONS[column.name](model) for i, column in enumerate(columns)}
    # Nothing else is selected (no select_related, no prefetching): only the cells.
    rows = queryset.select_related(None).prefetch_related(None).annotate(**cells).values_list(*cells)
    return rows.query.sql_with_params()


def copy_stream(queryset: QuerySet, columns: list[Column], head: bytes) -> Iterator[bytes]:
    """``head`` (the header rows), then COPY's CSV of the rows, in blocks of about 256 KB."""
    sql, params = copy_select(queryset, columns)
    # COPY takes no bound parameters: psycopg merges them client-side, safely quoted. Through Django's
    # cursor, so that the statement shows in query logs like any other.
    statement = psycopg.ClientCursor(connection.connection).mogrify(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params)
    buffer = bytearray(head)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            buffer += block
            if len(buffer) >= FLUSH_BYTES:
                yield bytes(buffer)
                buffer.clear()
    yield bytes(buffer)


__all__ = ["can_copy", "copy_select", "copy_stream"]
