"""Queries compiled once and kept, with their values left open (``Slot``).

Building and compiling a query of a dozen conditions costs the ORM about a millisecond and a half, more than
PostgreSQL takes to run it when an index answers. A query asked with other values each time but always the same
shape (the double-count check of a figure being created) is built once with a ``Slot`` for each value, compiled,
and kept; each call binds its values into the kept parameters.

    sql, params = queryset_with_slots.query.sql_with_params()   # once
    cursor.execute(sql, bind(params, {"pk": 42, ...}))           # each call
"""

from __future__ import annotations

from typing import Any

from django.db import models


class Slot(models.Expression):
    """A named value left open: it compiles to a placeholder whose parameter is the slot itself, and ``bind`` puts
    each call's value in its place. The value must be one the database driver adapts as Django would (a date, a
    string, a number, a range)."""

    def __init__(self, name: str, output_field: models.Field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


def bind(params: list[Any], values: dict[str, Any]) -> list[Any]:
    """The parameters of a query compiled with ``Slot``s, each slot replaced by its value in ``values``."""
    return [values[param.name] if isinstance(param, Slot) else param for param in params]
