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
from tracker.models import CLAIM_MODELS, Event, Organization

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
    """A decimal as JSON carries it (a float): ``5.5``, ``36.0``, ``36.123456``, ``1e-06``.

    Whole numbers keep their ``.0``; the rest are written by PostgreSQL's float8 output, which is the shortest
    text that reads back as the same double, as Python's ``repr`` is, exponent form below 1e-4 included.
    """

    template = (
        "CASE WHEN scale(trim_scale(%(expressions)s)) = 0 THEN trim_scale(%(expressions)s)::text || '.0' "
        "ELSE (%(expressions)s)::float8::text END"
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


def _cells(kind: type[Cell], **paths: str) -> dict:
    """Export column -> a function of the model giving its cell: ``kind`` of the column or path."""
    return {name: (lambda model, path=path: kind(F(path))) for name, path in paths.items()}


CLAIM_EXPRESSIONS = {
    **_cells(
        Text,
        term="term", category="category", combatant_status="combatant_status", quantifier="quantifier",
        magnitude_word="magnitude_word", reported_phrase="reported_phrase", unit="unit",
        household_size_source="household_size_source", best_override_reason="best_override_reason", role="role",
        term_group="term_group", composition_note="composition_note", surrendering_group="surrendering_group__name",
        received_by="received_by__name", provider="provider__name", provider_description="provider_description",
        sector="sector", strain="strain", capacity_unit="capacity_unit", country_iso3="location__country__iso3",
        adm1_pcode="location__adm1__pcode", adm1_name="location__adm1__name", location_name="location__name",
        location_pcode="location__pcode", location_level="location__level", location_precision="location_precision",
        origin_name="origin__name", origin_pcode="origin__pcode", destination_name="destination__name",
        destination_pcode="destination__pcode", start_precision="start_precision", end_precision="end_precision",
        event="event__name", crisis="event__crisis__name", attributed_to="attributed_to__name",
        attribution_text="attribution_text", excerpt="excerpt", excerpt_translation="excerpt_translation",
        notes="notes", source_title="source__title", source_url="source__url",
        source_publisher="source__publisher__name", review_status="review_status",
    ),
    **_cells(
        Integer,
        id="id", best="best", low="low", high="high", reported_value="reported_value",
        reported_value_max="reported_value_max", supports="supports_id", duplicate_of="duplicate_of_id",
        women="women", men="men", children="children", elderly="elderly",
        surrendering_group_id="surrendering_group_id", received_by_id="received_by_id", provider_id="provider_id",
        capacity="capacity", demand="demand", location_id="location_id", event_id="event_id", source_id="source_id",
        version="version",
    ),
    **_cells(
        Number,
        household_size="household_size", latitude="location__latitude", longitude="location__longitude",
    ),
    **_cells(
        Boolean,
        high_open="high_open", is_confidential="is_confidential",
    ),
    **_cells(
        IsoDate,
        start_date="start_date", end_date="end_date", source_publication_date="source__publication_date",
    ),
    **_cells(
        IsoTime,
        created_at="created_at", updated_at="updated_at",
    ),
    "is_party_claim": _party_claim,
    "cited_sources": lambda m: Text(_cited(m)),
}

def can_copy(queryset: QuerySet, columns: list[Column]) -> bool:
    """Whether this download can come from COPY: records, on PostgreSQL, in UTC, every column known."""
    return (
        connection.vendor == "postgresql"
        and queryset.model in CLAIM_MODELS
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
