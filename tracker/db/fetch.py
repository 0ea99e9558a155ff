"""Rows of a ``values()`` or ``values_list()`` query: raw from the cursor on PostgreSQL, through Django elsewhere."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable


def fetch(query: QuerySet) -> list:
    """The rows of a ``values_list()`` (tuples) or ``values()`` (dicts) query as the driver returns them.

    On PostgreSQL straight from the cursor: psycopg already gives dates, numbers, booleans and lists, and
    Django's per-row iteration and converters cost as much as the fetch itself over a report's rows. Elsewhere
    through Django (``list(query)``, the portable twin), which converts SQLite's text dates. The two give the
    same rows (tests/db/test_fetch.py).
    """
    if connections[query.db].vendor != "postgresql":
        return list(query)
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (no events yet: an empty id list), as list() answers
        return []
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        if not issubclass(query._iterable_class, ValuesIterable):
            return cursor.fetchall()
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
