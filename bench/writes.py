"""Creating one record through the services beside the bare INSERTs it makes (issue 19, item 5).

``claim_create`` validates, fills what the record's inputs decide, stores the record and its history row, and
looks for possible double counts (same kind and term group, places that nest, periods sharing a day, matching
events), storing a pair row (and its history row) for each. Its limit is those INSERTs alone, sent raw through
psycopg with the very values the service wrote and in the statements it sends: the record, its history row, and
its pairs in one multi-row INSERT with their history rows copied from them in the same statement. The new record
holds its source, place and event as rows already read, as every door hands them over (a form's or a serializer's
choice).

Each create is made at several period lengths (the check's cost once grew with the period) inside a savepoint
that is rolled back, so the database is left as it was; the INSERTs are replayed in another savepoint, also
rolled back. Both run ``runs`` times per period; medians are returned.

    from bench.writes import measure_creates
    measure_creates(user, periods=(1, 7, 30, 365), runs=20)
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

PERIODS = (1, 7, 30, 90, 365)


def _template():
    """An approved headline flow at a locality, with an event: what an analyst typically adds beside."""
    from tracker.choices import DisplacementCategory, LocationLevel, ReviewStatus, Role
    from tracker.models import DisplacementFigure

    return (DisplacementFigure.objects.select_related("source", "location", "event")
            .filter(review_status=ReviewStatus.APPROVED, role=Role.HEADLINE, category=DisplacementCategory.FLOW,
                    location__level=LocationLevel.LOCALITY, event__isnull=False, reported_value__isnull=False)
            .order_by("pk").first())


def _new_figure(template, days: int):
    from tracker.models import DisplacementFigure

    end = template.end_date
    return DisplacementFigure(
        source=template.source, excerpt=template.excerpt, event=template.event,
        location=template.location, term=template.term, quantifier=template.quantifier,
        reported_value=template.reported_value, reported_phrase=template.reported_phrase,
        start_date=end - timedelta(days=days - 1), end_date=end,
    )


def _rows(cursor, table: str, where: str, params: list) -> list[dict[str, Any]]:
    cursor.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608 (our own table names)
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _written(cursor, figure_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """What creating ``figure_id`` wrote, as (role, table, row): the record, its history rows, its pairs and
    their history rows."""
    from tracker.models import DisplacementFigure, PossibleDoubleCount

    tables = {"record": DisplacementFigure._meta.db_table,
              "record history": DisplacementFigure.history.model._meta.db_table,
              "pair": PossibleDoubleCount._meta.db_table,
              "pair history": PossibleDoubleCount.history.model._meta.db_table}
    written = [("record", tables["record"], row) for row in _rows(cursor, tables["record"], "id = %s", [figure_id])]
    written += [("record history", tables["record history"], row)
                for row in _rows(cursor, tables["record history"], "id = %s", [figure_id])]
    pairs = _rows(cursor, tables["pair"], "kind = 'displacementfigure' AND (first_id = %s OR second_id = %s)",
                  [figure_id, figure_id])
    written += [("pair", tables["pair"], row) for row in pairs]
    if pairs:
        written += [("pair history", tables["pair history"], row)
                    for row in _rows(cursor, tables["pair history"], "id = ANY(%s)", [[row["id"] for row in pairs]])]
    return written


def _insert(cursor, table: str, rows: list[dict[str, Any]], returning: bool) -> list[int]:
    """One INSERT of ``rows`` (several rows: one multi-row VALUES), the new ids in the rows' order."""
    columns = ", ".join(f'"{name}"' for name in rows[0])
    marks = ", ".join("(" + ", ".join(["%s"] * len(rows[0])) + ")" for _ in rows)
    cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {marks}{' RETURNING id' if returning else ''}",  # noqa: S608
                   [value for row in rows for value in row.values()])
    return [row[0] for row in cursor.fetchall()] if returning else []


def _replay(cursor, written: list[tuple[str, str, dict[str, Any]]], figure_id: int) -> None:
    """The same INSERTs with the same values, as the service sends them: the record, its history row, then all
    its pairs and all their history rows in one statement (a data-modifying WITH: the history rows copy the pairs
    as stored, with the creation's who, why and when). The record takes a new id from its sequence and the rows
    that name it name the new one (still the highest id, so each pair keeps its order); pairs likewise."""
    rows = {role: [(table, row) for kind, table, row in written if kind == role]
            for role in ("record", "record history", "pair", "pair history")}
    (table, record), = rows["record"]
    new_id = _insert(cursor, table, [{name: value for name, value in record.items() if name != "id"}],
                     returning=True)[0]
    for table, history in rows["record history"]:
        _insert(cursor, table, [{**{name: value for name, value in history.items() if name != "history_id"},
                                 "id": new_id}], returning=False)
    if not rows["pair"]:
        return
    pairs = []
    for _, row in rows["pair"]:
        value = {name: row[name] for name in row if name != "id"}
        value["first_id"], value["second_id"] = (new_id if row[name] == figure_id else row[name]
                                                 for name in ("first_id", "second_id"))
        pairs.append(value)
    pair_table, history_table = rows["pair"][0][0], rows["pair history"][0][0]
    copied = [name for name in rows["pair history"][0][1] if name in rows["pair"][0][1]]
    extra = [name for name in rows["pair history"][0][1] if name not in copied and name != "history_id"]
    stamps = {tuple(row[name] for name in extra) for _, row in rows["pair history"]}
    assert len(stamps) == 1 and len(rows["pair history"]) == len(pairs), "one creation's pair history rows"
    columns = ", ".join(f'"{name}"' for name in pairs[0])
    marks = ", ".join("(" + ", ".join(["%s"] * len(pairs[0])) + ")" for _ in pairs)
    into = ", ".join(f'"{name}"' for name in [*copied, *extra])
    select = ", ".join([*(f'"{name}"' for name in copied), *(["%s"] * len(extra))])
    cursor.execute(  # noqa: S608 (our own table names)
        f"WITH pairs AS (INSERT INTO {pair_table} ({columns}) VALUES {marks} RETURNING *) "
        f"INSERT INTO {history_table} ({into}) SELECT {select} FROM pairs",
        [value for row in pairs for value in row.values()] + list(next(iter(stamps))))


def measure_creates(user, *, periods: tuple[int, ...] = PERIODS, runs: int = 20) -> dict[int, dict[str, Any]]:
    """Medians (ms) of ``claim_create`` and of the same INSERTs raw, per period length in days.

    Returns ``{days: {"service_ms", "raw_ms", "ratio", "pairs", "runs"}}``. Nothing stays in the database."""
    from django.db import connection, transaction

    from tracker.services import claim_create

    template = _template()
    if template is None:
        return {}
    results: dict[int, dict[str, Any]] = {}
    with transaction.atomic():
        raw = connection.connection  # psycopg's own connection, inside Django's transaction
        for days in periods:
            service, bare, pairs = [], [], 0
            for _ in range(runs + 2):  # two warm-up rounds
                point = transaction.savepoint()
                figure = _new_figure(template, days)
                start = time.perf_counter()
                claim_create(figure, created_by=user)
                service.append((time.perf_counter() - start) * 1000)
                with raw.cursor() as cursor:
                    written = _written(cursor, figure.pk)
                transaction.savepoint_rollback(point)
                pairs = sum(1 for role, *_ in written if role == "pair")
                point = transaction.savepoint()
                with raw.cursor() as cursor:
                    start = time.perf_counter()
                    _replay(cursor, written, figure.pk)
                    bare.append((time.perf_counter() - start) * 1000)
                transaction.savepoint_rollback(point)
            service, bare = service[2:], bare[2:]
            results[days] = {"service_ms": statistics.median(service), "raw_ms": statistics.median(bare),
                             "ratio": statistics.median(service) / statistics.median(bare), "pairs": pairs,
                             "runs": runs}
        transaction.set_rollback(True)
    return results


def bench_create(creds: dict, runs: int = 20) -> list:
    """``make bench``'s rows: one per period length, the service's median beside the raw INSERTs' (goal: 3x)."""
    from bench.core import latency

    measured = measure_creates(creds["user"], runs=runs)
    return [
        latency(f"record creation, {days}-day period",
                "median latency of claim_create (validation, history, double-count check), one displacement figure",
                row["service_ms"], row["raw_ms"], "the same INSERTs raw (record, history, pairs), via psycopg",
                "within 3x the INSERTs", row["ratio"] <= 3,
                {"possible double counts found": row["pairs"], "runs": row["runs"]}, ratio_label="x the INSERTs")
        for days, row in measured.items()
    ]
