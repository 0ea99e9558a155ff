"""The cache token of everything a total or a page shows (:func:`data_version`)."""

from __future__ import annotations

import hashlib
import time

from django.db import connections, router

from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
    Tombstone,
)

# Each table whose change a total or a page may show, with the column that dates its latest change.
WATCHED = (
    (DisplacementFigure, "updated_at"),
    (SurrenderFigure, "updated_at"),
    (AidCapacityReport, "updated_at"),
    (Source, "updated_at"),
    (Location, "updated_at"),
    (Event, "updated_at"),
    (Organization, "updated_at"),
    (Tombstone, "deleted_at"),
)
_statements: dict[str, str] = {}


def _statement(alias: str) -> str:
    """One statement of scalar subqueries, each served by one end of an index: one round trip, not nine."""
    if alias not in _statements:
        quote = connections[alias].ops.quote_name
        parts = []
        for model, latest in WATCHED:
            table = quote(model._meta.db_table)
            parts += [f"(SELECT max({quote(latest)}) FROM {table})",
                      f"(SELECT max({quote(model._meta.pk.column)}) FROM {table})"]
        pairs = quote(PossibleDoubleCount._meta.db_table)
        parts += [f"(SELECT max({quote(column)}) FROM {pairs})"
                  for column in ("found_at", "decided_at", PossibleDoubleCount._meta.pk.column)]
        _statements[alias] = "SELECT " + ", ".join(parts)
    return _statements[alias]


def data_version(using: str | None = None) -> str:
    """A short token that changes whenever anything a total or a page shows may have changed.

    Built from each table's latest change and highest id (a figure is marked updated when a source or place it
    shows changes; an insert raises the highest id even when its ``updated_at`` is not the latest), the latest
    deletion (every delete writes a tombstone), and the possible double counts' latest finding, decision and id.
    A pair is deleted or its decision lapses only with a change to one of its figures (edited, rejected, reopened,
    deleted, or moved with its place), which moves the token in the same transaction; so the pairs are not
    counted, which read all of them (a million pairs: about 100 ms). Each part is one index lookup, all in one
    statement, so the token stays cheap at a million records: every repeated page and report reads it.
    It is read where the request's other reads go (``using``, else the router's choice: the replica or the
    primary).
    """
    alias = using or router.db_for_read(DisplacementFigure)
    with connections[alias].cursor() as cursor:
        cursor.execute(_statement(alias))
        row = cursor.fetchone()
    return hashlib.sha256("|".join(map(str, row)).encode()).hexdigest()[:20]


_recent: dict[str, tuple[float, str]] = {}


def recent_data_version(using: str, seconds: float) -> str:
    """:func:`data_version` of ``using`` as this process read it at most ``seconds`` ago (0: read it now).

    Only for what anyone may see a second late: the public pages asked by a visitor without credentials
    (:mod:`tracker.pages.middleware`). A replica is already that late at times; a caller who sends a key, a token or
    a session always gets the version read now, and so sees its own writes at once."""
    now = time.monotonic()
    seen = _recent.get(using)
    if seconds > 0 and seen is not None and now - seen[0] < seconds:
        return seen[1]
    version = data_version(using)
    _recent[using] = (now, version)
    return version
