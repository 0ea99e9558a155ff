"""Id lists as one query parameter: an array on PostgreSQL, JSON on SQLite (the portable twin)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections
from django.db.models import BooleanField, Model, Q
from django.db.models.expressions import RawSQL


def joined(ids: Iterable[int]) -> str:
    """``ids`` as "1,2,3", the inside of an array's or a JSON list's text: passed as text, since psycopg's list
    dumper checks each id's type, which costs more than the query over a report's tens of thousands of ids."""
    return ",".join(str(int(pk)) for pk in ids)


def id_list(ids: Iterable[int], using: str) -> RawSQL:
    """A subquery listing ``ids``, for ``pk__in``: one parameter however many ids (an array on PostgreSQL,
    JSON on SQLite), where a literal list would bind a parameter per id."""
    text = joined(ids)
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", ["{" + text + "}"])
    return RawSQL("SELECT value FROM json_each(%s)", ["[" + text + "]"])


def among(model: type[Model], ids: Iterable[int], using: str) -> RawSQL | Q:
    """A filter: the record's id is one of ``ids``. On PostgreSQL ``id = ANY(array)``, a condition the planner
    may check on an index's rows (the list hashed) where ``IN (subquery)`` joined, one table visit per id;
    elsewhere ``pk__in`` :func:`id_list`."""
    if connections[using].vendor != "postgresql":
        return Q(pk__in=id_list(ids, using))
    column = f"{connections[using].ops.quote_name(model._meta.db_table)}.{connections[using].ops.quote_name('id')}"
    return RawSQL(f"{column} = ANY(%s::bigint[])", ["{" + joined(ids) + "}"], output_field=BooleanField())
