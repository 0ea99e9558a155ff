"""Counting and changing: the displacement report (adm1 x month and adm2 x week) beside its GROUP BY, a place
moved with its records, a record created through the services beside its bare INSERTs."""

from __future__ import annotations

import json
import os
import statistics
import time

from bench.core import Result, Server, empty_cache, median_ms, raw_ms, redis_available

# The report's grouped rows as one raw GROUP BY: buckets of the place level and period asked (the record's stored
# area link, as the report reads it), category and term group, over the counted rows (approved headlines, not
# duplicates, quantified, public).
REPORT_SQL = """
        SELECT f.{level}_id, date_trunc('{period}', f.end_date) AS bucket, f.category, f.term_group,
               SUM(f.low), SUM(f.best), SUM(f.high), COUNT(*) FILTER (WHERE f.high_open), COUNT(*)
        FROM tracker_displacementfigure f
        JOIN tracker_source s ON s.id = f.source_id
        WHERE f.review_status = 'approved' AND f.role = 'headline' AND f.duplicate_of_id IS NULL
          AND f.low IS NOT NULL AND NOT f.is_confidential AND NOT s.is_confidential
        GROUP BY 1, 2, 3, 4
"""


def bench_report(server: Server, creds: dict, runs: int, level: str = "adm1", period: str = "month") -> list[Result]:
    """The report counted from scratch (cache emptied before each request) and, apart, repeated from the cache."""
    path = f"/api/v1/reports/displacement/?group_by={level},{period}"
    name = "displacement report" if (level, period) == ("adm1", "month") else f"report {level} x {period}"
    sql = REPORT_SQL.format(level=level, period=period)
    timeout = float(os.environ.get("BENCH_REPORT_TIMEOUT", "240"))
    measure = f"median latency, group_by={level},{period} over everything, counted from scratch"
    empty_cache()
    start = time.perf_counter()
    try:
        status, body = server.get(path, creds["api_headers"], timeout=timeout)
    except TimeoutError:
        limit = raw_ms([sql], 3)
        return [Result(name, measure, timeout * 1000, "ms", limit, "the same GROUP BY, raw SQL",
                       timeout * 1000 / limit, "x the SQL (at least)", "<= 1.5x raw SQL", False,
                       {"note": f"no answer within {timeout:.0f} s (the figure is a lower bound)", "path": path})]
    first = (time.perf_counter() - start) * 1000
    assert status == 200, (status, body[:500])
    if first > 20_000:
        runs = 1  # too slow to repeat within the time budget

    def counted() -> tuple[int, bytes]:
        empty_cache()
        return server.get(path, creds["api_headers"], timeout=timeout)

    median, times = median_ms(counted, runs, warmup=0)
    limit = raw_ms([sql], runs)
    ratio = median / limit if limit else None
    rows = len(json.loads(body).get("rows", [])) if body.startswith(b"{") else None
    results = [Result(name, measure, median, "ms", limit, "the same GROUP BY, raw SQL", ratio, "x the SQL",
                      "<= 1.5x raw SQL", bool(ratio and ratio <= 1.5),
                      {"runs (ms)": [round(t) for t in times], "report rows": rows,
                       "response (MB)": round(len(body) / 1e6, 1), "path": path})]
    if redis_available() and name == "displacement report":
        server.get(path, creds["api_headers"], timeout=timeout)  # counted once, then served from the cache
        cached, times = median_ms(lambda: server.get(path, creds["api_headers"], timeout=timeout), runs, warmup=0)
        results.append(Result(
            f"{name}, repeated", "median latency of the same report while the data is unchanged "
            "(cached under the data version)", cached, "ms", limit, "the same GROUP BY, raw SQL",
            cached / limit if limit else None, "x the SQL", "none (for comparison)", None,
            {"runs (ms)": [round(t) for t in times], "path": path}))
    return results


def bench_move(creds: dict) -> Result:
    """Moving a place with about 100,000 records under it (at a million; a tenth of the records at any size) to
    another country and back, through the service.

    What a move costs: the subtree's paths and ancestor links rewritten, its records' stored country restated and
    their ``updated_at`` bumped (sync clients fetch them again), and the stored possible double counts restated
    with the new ancestors (``double_counts_after_move``). The limit: PostgreSQL updating each of those records
    once, raw (``UPDATE ... SET updated_at = now()`` over the subtree).
    """
    from django.db import connection, transaction
    from django.db.models import Count

    from tracker.choices import LocationLevel
    from tracker.models import CLAIM_MODELS, DisplacementFigure, Location, PossibleDoubleCount
    from tracker.models.reference import path_prefix_q
    from tracker.services import location_move

    per_place: dict = {}
    for model in CLAIM_MODELS:
        for row in model.objects.values("location__adm1").annotate(n=Count("id")):
            per_place[row["location__adm1"]] = per_place.get(row["location__adm1"], 0) + row["n"]
    target = sum(per_place.values()) // 10
    place_id = min((pk for pk in per_place if pk), key=lambda pk: abs(per_place[pk] - target))
    place = Location.objects.get(pk=place_id)
    home, away = place.parent, Location.objects.filter(level=LocationLevel.COUNTRY).exclude(
        pk=place.country_id).order_by("pk").first()
    records = per_place[place_id]
    pairs_before = PossibleDoubleCount.objects.count()

    def move(parent) -> float:
        fresh = Location.objects.get(pk=place_id)
        began = time.perf_counter()
        location_move(fresh, parent=parent, moved_by=creds["user"])
        return time.perf_counter() - began

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0]
    seconds = [move(away)]
    pairs_away = PossibleDoubleCount.objects.count()
    seconds.append(move(home))
    pairs_back = PossibleDoubleCount.objects.count()
    # The generator stores no pairs; the move back found every pair of the place with its home ancestors. Leave
    # the data as generated, so that the other benchmarks (the report reads the pairs) measure the same set.
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{PossibleDoubleCount._meta.db_table}" WHERE found_at >= %s', [started])

    def raw_update() -> float:
        subtree = Location.objects.filter(path_prefix_q("path", Location.objects.get(pk=place_id).path))
        sql, params = subtree.values("pk").query.sql_with_params()
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for model in CLAIM_MODELS:
                cursor.execute(f'UPDATE "{model._meta.db_table}" SET updated_at = now() WHERE location_id IN ({sql})',
                               params)
        return time.perf_counter() - began

    limit = statistics.median([raw_update() for _ in range(3)])
    median = statistics.median(seconds)
    return Result("place move", f"seconds to move an adm1 with {records:,} records to another country (median of "
                  "there and back), through location_move", median, "s", limit,
                  "one raw UPDATE of each of those records", median / limit if limit else None, "x the raw UPDATE",
                  "< 60 s", median < 60,
                  {"runs (s)": [round(t, 1) for t in seconds], "place": f"{place.name} (#{place.pk})",
                   "possible double counts stored (before, moved, back)": [pairs_before, pairs_away, pairs_back],
                   "displacement figures under it": DisplacementFigure.objects.filter(
                       path_prefix_q("location__path", place.path)).count()})


def bench_create(creds: dict) -> list[Result]:
    """A record created through ``claim_create`` (its double-count check included) beside the bare INSERTs of the
    record, its history row and its pair rows: measured by ``bench/writes.py``."""
    try:
        from bench import writes
    except ImportError:
        print("  (bench/writes.py is not there: record creation not measured)", flush=True)
        return []
    return writes.bench_create(creds)
