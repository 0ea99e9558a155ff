"""The one registry of report groupings: adding a grouping is one :class:`Dimension` in :data:`DIMENSIONS`.

Each entry says everything a report needs of one way to group counted figures:

- ``key``: the name of its key in a grouped row, and ``sql(using)``: the expression the database groups by
  (None: a column of the figure itself), its twin in Python ``python(figure)`` reading the same fields of one
  figure (the stock engine groups its kept stocks in memory with it); ``tests/reporting/test_dimensions.py``
  holds the two equal on both databases, week boundaries included;
- ``names``: the model its key points to and the name columns read from it once the rows are grouped;
- ``columns``: the row's output columns with their HXL tags (and, for a label, the choices it reads);
- ``order``: the row fields it sorts by; ``list_parameters(row)``: how the list endpoint is filtered to a row.

``category`` (displacement only) and ``term_group`` are entries too, always applied and never chosen: a row of
flows never adds to stocks, nor leaving to arriving. Week buckets start on Monday (:func:`monday`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import DateField, F, Func, Model
from django.db.models.functions import TruncMonth, TruncWeek, TruncYear

from tracker.choices import DisplacementCategory, DisplacementTerm, SurrenderTerm, TermGroup
from tracker.models import Event, Location

NOT_ATTRIBUTABLE = "Not attributable at this level"


# --- periods: one rule, in Python and in SQL ------------------------------------------------------------------


def monday(day: date) -> date:
    """The first day of ``day``'s week: weeks start on Monday (ISO 8601), in reports, pages and charts."""
    return day - timedelta(days=day.weekday())


_PERIOD: dict[str, Callable[[date], date]] = {
    "week": monday,
    "month": lambda day: day.replace(day=1),
    "year": lambda day: day.replace(month=1, day=1),
}
_TRUNC = {"week": TruncWeek, "month": TruncMonth, "year": TruncYear}


def bucket_expression(time_dim: str, field_name: str = "end_date", using: str | None = None):
    """The first day of the bucket of ``field_name``, in SQL: what :func:`period` gives in Python.

    On PostgreSQL, when ``using`` says so, truncated as a timestamp without time zone and cast back to a date:
    ``DATE_TRUNC`` of a date is a timestamp with time zone, which costs time zone conversions per row, and the
    same day comes out, as a date and not a timestamp to convert again when read. Elsewhere (and without
    ``using``) Django's portable ``Trunc``.
    """
    if using and connections[using].vendor == "postgresql":
        return Func(F(field_name), template=f"DATE_TRUNC('{time_dim}', %(expressions)s::timestamp)::date",
                    output_field=DateField())
    return _TRUNC[time_dim](field_name)


def period(time_dim: str | None, day: date) -> date | None:
    """The first day of ``day``'s bucket, as :func:`bucket_expression` truncates it in the database."""
    return _PERIOD[time_dim](day) if time_dim else None


def _time_keys(time_dim: str) -> Callable[[date], dict[str, Any]]:
    def keys(start: date) -> dict[str, Any]:
        if time_dim == "week":
            iso = start.isocalendar()
            return {"week": f"{iso.year}-W{iso.week:02d}", "week_start": start}
        if time_dim == "month":
            return {"month": f"{start:%Y-%m}", "month_start": start}
        return {"year": start.year}

    return keys


def _bounds(time_dim: str) -> Callable[[dict[str, Any]], tuple[date, date]]:
    def bounds(row: dict[str, Any]) -> tuple[date, date]:
        if time_dim == "week":
            return row["week_start"], row["week_start"] + timedelta(days=6)
        if time_dim == "month":
            start = row["month_start"]
            return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
        return date(row["year"], 1, 1), date(row["year"], 12, 31)

    return bounds


# --- the registry ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyColumn:
    """One output column of a grouping: its name, HXL tag, the grouped row's field it shows (default: the
    dimension's key) and, for a label, the label of each value (a function of the report's kind)."""

    name: str
    hxl: str
    source: str | None = None
    labels: Callable[[str], Mapping[Any, str]] | None = None


@dataclass(frozen=True)
class Names:
    """Where a keyed row's names come from: ``model``'s row of the key, ``{output column: model column}``."""

    model: type[Model]
    columns: dict[str, str]


@dataclass(frozen=True)
class Dimension:
    name: str
    key: str
    sql: Callable[[str], Any] | None  # using -> expression; None: the figure's own column ``key``
    python: Callable[[Mapping[str, Any]], Any]  # a figure's fields (end_date, term, ...) -> its key
    columns: tuple[KeyColumn, ...]
    order: tuple[str, ...]
    list_parameters: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: {}
    names: Names | None = None
    time: bool = False
    place: bool = False
    chosen: bool = True  # False: always applied (category, term group), never named in group_by
    kinds: tuple[str, ...] = ("displacement", "surrenders")
    # time dimensions only: a bucket's first day -> its output keys, and a row -> its bucket's first and last day
    time_keys: Callable[[date], dict[str, Any]] | None = field(default=None, compare=False)
    bounds: Callable[[dict[str, Any]], tuple[date, date]] | None = field(default=None, compare=False)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _time(name: str, columns: tuple[KeyColumn, ...]) -> Dimension:
    bounds = _bounds(name)

    def parameters(row: dict[str, Any]) -> dict[str, Any]:
        if not row.get(name):
            return {}
        start, end = bounds(row)
        return {"date_from": start.isoformat(), "date_to": end.isoformat()}

    return Dimension(
        name=name, key=f"{name}_start", sql=lambda using: bucket_expression(name, using=using),
        python=lambda figure: _PERIOD[name](figure["end_date"]), columns=columns, order=(f"{name}_start",),
        list_parameters=parameters, time=True, time_keys=_time_keys(name), bounds=bounds,
    )


def _place(name: str, codes: tuple[KeyColumn, ...], names: dict[str, str]) -> Dimension:
    key = f"{name}_id"

    def parameters(row: dict[str, Any]) -> dict[str, Any]:
        return {"location": row[key]} if row.get(key) else {}

    return Dimension(
        name=name, key=key,
        # records store their place's area links (tracker.models.claims.store_areas): the column itself
        sql=None,
        python=lambda figure: figure[key],
        columns=(KeyColumn(key, f"#{name}+id"), KeyColumn(f"{name}_name", f"#{name}+name", f"{name}_name"), *codes),
        order=(f"{name}_name", key), list_parameters=parameters, names=Names(Location, names), place=True,
    )


def _term_labels(kind: str) -> dict[Any, str]:
    return dict((DisplacementTerm if kind == "displacement" else SurrenderTerm).choices)


def _category_labels(kind: str) -> dict[Any, str]:
    return {value: label.split(" (")[0] for value, label in DisplacementCategory.choices}


def _term_group_labels(kind: str) -> dict[Any, str]:
    return dict(TermGroup.choices)


def _column_parameter(column: str, parameter: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The list filter ``parameter`` set to a shown row's ``column``, when the row has it."""
    return lambda row: {parameter: row[column]} if row.get(column) else {}


# Output order: the time dimension first, places coarsest first, then event and term; category and term group
# always close a row's keys. A list filter on a place takes the finest place a row names (later entries win).
DIMENSIONS: dict[str, Dimension] = {dimension.name: dimension for dimension in (
    _time("week", (KeyColumn("week", "#date+week"), KeyColumn("week_start", "#date+start"))),
    _time("month", (KeyColumn("month", "#date+month"), KeyColumn("month_start", "#date+start"))),
    _time("year", (KeyColumn("year", "#date+year"),)),
    _place("country", (KeyColumn("country_iso3", "#country+code", "country_iso3"),
                       KeyColumn("country_pcode", "#country+code+v_pcode", "country_pcode")),
           {"country_name": "name", "country_pcode": "pcode", "country_iso3": "iso3"}),
    _place("adm1", (KeyColumn("adm1_pcode", "#adm1+code", "adm1_pcode"),),
           {"adm1_name": "name", "adm1_pcode": "pcode"}),
    _place("adm2", (KeyColumn("adm2_pcode", "#adm2+code", "adm2_pcode"),),
           {"adm2_name": "name", "adm2_pcode": "pcode"}),
    Dimension(
        name="event", key="event_key", sql=lambda using: F("event_id"), python=lambda figure: figure["event_id"],
        columns=(KeyColumn("event_id", "#event+id"), KeyColumn("event_name", "#event+name", "event_name")),
        order=("event_name", "event_key"), list_parameters=_column_parameter("event_id", "event"),
        names=Names(Event, {"event_name": "name"}),
    ),
    Dimension(
        name="term", key="term_key", sql=lambda using: F("term"), python=lambda figure: figure["term"],
        columns=(KeyColumn("term", "#meta+term"), KeyColumn("term_label", "#meta+term+label", labels=_term_labels)),
        order=("term_key",), list_parameters=_column_parameter("term", "term"),
    ),
    Dimension(
        name="category", key="category_key", sql=lambda using: F("category"),
        python=lambda figure: figure["category"],
        columns=(KeyColumn("category", "#meta+category"),
                 KeyColumn("category_label", "#meta+category+label", labels=_category_labels)),
        order=("category_key",), list_parameters=_column_parameter("category", "category"),
        chosen=False, kinds=("displacement",),
    ),
    Dimension(
        name="term_group", key="term_group_key", sql=lambda using: F("term_group"),
        python=lambda figure: figure["term_group"],
        columns=(KeyColumn("term_group", "#meta+term_group"),
                 KeyColumn("term_group_label", "#meta+term_group+label", labels=_term_group_labels)),
        order=("term_group_key",), list_parameters=_column_parameter("term_group", "term_group"),
        chosen=False,
    ),
)}

TIME_DIMENSIONS = tuple(name for name, dimension in DIMENSIONS.items() if dimension.time)
PLACE_DIMENSIONS = tuple(name for name, dimension in DIMENSIONS.items() if dimension.place)
GROUP_BY_CHOICES = (
    *TIME_DIMENSIONS, *PLACE_DIMENSIONS,
    *(name for name, dimension in DIMENSIONS.items()
      if dimension.chosen and not dimension.time and not dimension.place),
)
# Every key column's HXL tag (the CSV and HXL of the report endpoints)
KEY_HXL = {column.name: column.hxl for dimension in DIMENSIONS.values() for column in dimension.columns}


def parse_group_by(raw: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"adm1,month"`` -> ``("month", "adm1")`` in canonical order; a field-level error for bad names.

    Names may repeat (counted once); at most one time dimension.
    """
    if raw is None:
        return ()
    parts = raw.split(",") if isinstance(raw, str) else [p for item in raw for p in str(item).split(",")]
    names = [p.strip().lower() for p in parts if p.strip()]
    unknown = sorted({n for n in names if n not in GROUP_BY_CHOICES})
    if unknown:
        raise ValidationError(
            {"group_by": f"Unknown grouping {', '.join(unknown)}: choose from {', '.join(GROUP_BY_CHOICES)}."}
        )
    times = sorted({n for n in names if n in TIME_DIMENSIONS}, key=TIME_DIMENSIONS.index)
    if len(times) > 1:
        raise ValidationError({"group_by": f"Choose one time grouping, not {' and '.join(times)}."})
    return tuple(n for n in GROUP_BY_CHOICES if n in names)


def time_dimension(group_by: Sequence[str]) -> str | None:
    return next((g for g in group_by if g in TIME_DIMENSIONS), None)


def applied(kind: str, group_by: Sequence[str]) -> list[Dimension]:
    """The dimensions a report of ``kind`` groups by, in output order: those chosen, then those always applied."""
    chosen = [DIMENSIONS[name] for name in group_by]
    always = [dimension for dimension in DIMENSIONS.values() if not dimension.chosen and kind in dimension.kinds]
    return [*chosen, *always]


def group_key_columns(kind: str, group_by: Sequence[str]) -> list[str]:
    """The row keys, in output order (CSV columns before the numbers)."""
    return [name for dimension in applied(kind, group_by) for name in dimension.column_names]


def bucket_bounds(dim: str, row: dict[str, Any]) -> tuple[date, date]:
    """The first and last day of a row's time bucket."""
    return DIMENSIONS[dim].bounds(row)


def list_parameters(row: dict[str, Any]) -> dict[str, Any]:
    """The list endpoint's filters that select a shown row's figures (a superset where a list filter is broader:
    a place's whole subtree, periods overlapping the row's bucket)."""
    parameters: dict[str, Any] = {}
    for dimension in DIMENSIONS.values():
        parameters.update(dimension.list_parameters(row))
    return parameters
