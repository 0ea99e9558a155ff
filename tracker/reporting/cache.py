"""The cache token of everything a total or a page shows (:func:`data_version`)."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Max

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


def data_version() -> str:
    """A short token that changes whenever anything a total or a page shows may have changed.

    Built from each table's latest change and highest id (a figure is marked updated when a source or place it
    shows changes; an insert raises the highest id even when its ``updated_at`` is not the latest), the latest
    deletion (every delete writes a tombstone), and the possible double counts' latest finding and decision
    (a small table, counted too, since a lapsed decision deletes its row). Each part is one index lookup, so the
    token stays cheap at a million records. Pages and the report endpoints key their cached reports on it.
    """
    parts = []
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport, Source, Location, Event, Organization,
                  Tombstone):
        latest = "deleted_at" if model is Tombstone else "updated_at"
        state = model.objects.aggregate(changed=Max(latest), top=Max("pk"))
        parts.append(f"{state['changed'].isoformat() if state['changed'] else '-'}/{state['top']}")
    pairs = PossibleDoubleCount.objects.aggregate(found=Max("found_at"), decided=Max("decided_at"), rows=Count("pk"))
    parts += [str(pairs["found"]), str(pairs["decided"]), str(pairs["rows"])]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]
