"""A value as a cell of a CSV download, twice: in Python (``text_cell``) and in SQL (the ``Cell`` kinds).

The Python renderer writes each record's JSON representation through ``text_cell``; PostgreSQL's COPY
(``tracker.exports.copy``) computes the same text in the database: formula escaping, ``true``/``false``,
ISO dates and times, numbers as JSON carries them. A column of the registry (``tracker.exports.columns``)
names its SQL cell with the builders at the end of this module; tests/api/test_exports.py holds the two
twins to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Expression, F, Func, Model, TextField

from tracker.exports.escape import EscapeFormula, escape_formula
from tracker.models import Organization, party_claim_expression

# --- what a cell holds (typed formats write it as such: XLSX dates as dates, numbers as numbers) ---

TEXT, INTEGER, NUMBER, DATE, DATETIME, BOOLEAN = "text", "integer", "number", "date", "datetime", "boolean"

# --- Python ---------------------------------------------------------------------------------------


def plain(value):
    """A cell's value as JSON would carry it: numbers stay numbers, dates become ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def typed(value, kind: str):
    """A cell's value as a typed format holds it (``kind``: TEXT, INTEGER...): ISO dates as dates, times as naive
    UTC datetimes, numbers given as decimals or numeric text as numbers. A value that is not of its kind (a number
    column holding a word) stays as it is."""
    value = plain(value) if kind == TEXT else value
    if value is None or value == "" or kind == TEXT or isinstance(value, bool):
        return None if value == "" else value
    try:
        if kind in (INTEGER, NUMBER):
            if isinstance(value, int):
                return value
            number = Decimal(str(value))
            return int(number) if kind == INTEGER and number == number.to_integral_value() else float(number)
        if kind == DATE:
            return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(
                str(value)[:10])
        if kind == DATETIME:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            return moment
    except (ArithmeticError, ValueError):
        return plain(value)
    return plain(value)


def text_cell(value) -> str:
    """A cell of a CSV/HXL file: empty for null, true/false, numbers as digits, text escaped."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return escape_formula(value)
    return str(value)


# --- SQL (PostgreSQL) -----------------------------------------------------------------------------


class Cell(Func):
    """One cell of the download, as text (the templates below name their expression more than once: use them
    on columns, not on parameters)."""

    output_field = TextField()
    kind = TEXT

    def json(self) -> Expression:
        """The cell as the text of a JSON value, as GeoJSON's properties hold it (``null`` for null): the CSV
        text of numbers and booleans is already JSON; dates and times are strings."""
        return JsonValue(self) if self.kind in (INTEGER, NUMBER, BOOLEAN) else JsonString(self)


class JsonValue(Func):
    """A JSON value's text, ``null`` for null."""

    output_field = TextField()
    template = "COALESCE(%(expressions)s, 'null')"


class JsonString(JsonValue):
    """Text as a JSON string (PostgreSQL's ``to_json`` escapes as Python's ``json.dumps`` does without
    ``ensure_ascii``), ``null`` for null."""

    template = "COALESCE(to_json(%(expressions)s)::text, 'null')"


class Text(Cell):
    """A text cell: empty for null or empty, formula-escaped."""

    template = "NULLIF(%(expressions)s, '')"

    def __init__(self, expression, **extra):
        super().__init__(EscapeFormula(expression), **extra)
        self.raw = expression

    def json(self) -> Expression:
        # JSON carries the text as it is: neither formula-escaped nor empty for null.
        return JsonString(self.raw)


class Boolean(Cell):
    kind = BOOLEAN
    template = "CASE %(expressions)s WHEN true THEN 'true' WHEN false THEN 'false' END"


class Integer(Cell):
    kind = INTEGER
    template = "(%(expressions)s)::text"


class Number(Cell):
    """A decimal as JSON carries it (a float): ``5.5``, ``36.0``, ``36.123456``, ``1e-06``.

    Whole numbers keep their ``.0``; the rest are written by PostgreSQL's float8 output, which is the shortest
    text that reads back as the same double, as Python's ``repr`` is, exponent form below 1e-4 included.
    """

    kind = NUMBER
    template = (
        "CASE WHEN scale(trim_scale(%(expressions)s)) = 0 THEN trim_scale(%(expressions)s)::text || '.0' "
        "ELSE (%(expressions)s)::float8::text END"
    )


class IsoDate(Cell):
    kind = DATE
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"


class IsoTime(Cell):
    """A time as the API writes it: UTC, ISO 8601, microseconds only when there are some, ``Z``."""

    kind = DATETIME
    template = (
        "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        "|| CASE WHEN mod(extract(microseconds FROM %(expressions)s)::int, 1000000) = 0 THEN '' "
        "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


class Joined(Cell):
    """Names joined with "; ", in the organizations' order (by name), as the Python columns join them (empty, not
    null, when there are none)."""

    template = "COALESCE((SELECT string_agg(o.name, '; ' ORDER BY o.name) FROM %(table)s t JOIN %(orgs)s o " \
               "ON o.id = t.organization_id WHERE t.%(owner)s = %(expressions)s), '')"


# --- builders: a column's SQL cell is a function of the model (the kind of record) ------------------

SqlCell = Callable[[type[Model]], Expression]


def _of(kind: type[Cell]) -> Callable[[str], SqlCell]:
    def builder(path: str) -> SqlCell:
        def cell(model: type[Model]) -> Expression:
            return kind(F(path))

        cell.kind = kind.kind  # what the cell holds: the column's kind unless it names its own
        return cell

    builder.__doc__ = f"The {kind.__name__} cell of a column or path (``location__name``)."
    return builder


text, boolean, integer, number, iso_date, iso_time = (_of(kind) for kind in (
    Text, Boolean, Integer, Number, IsoDate, IsoTime))


def party_claim(model: type[Model]) -> Expression:
    """``Claim.is_party_claim`` as a cell."""
    return Boolean(party_claim_expression())


party_claim.kind = BOOLEAN


def cited_sources(model: type[Model]) -> Expression:
    """The cited organizations' names, joined."""
    through = model._meta.get_field("cited_sources").remote_field.through
    quote = connection.ops.quote_name
    return Text(Joined(F("pk"), table=quote(through._meta.db_table), orgs=quote(Organization._meta.db_table),
                       owner=quote(through._meta.get_field(model._meta.model_name).column)))
