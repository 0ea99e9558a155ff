"""The spreadsheet import at scale, for ``bench/run.py`` (``--only import``).

Two figures, each beside PostgreSQL's own ``COPY FROM`` of the same file into a bare table of text columns (the
fastest PostgreSQL takes those rows in, with no rule checked):

- **commit**: 10,000 new displacement figures in one CSV, validated and written through ``run_import`` (the
  batch services: every rule, history, the double-count check against the million records already stored,
  the file stored as their source). It runs inside a transaction rolled back at the end, so the data set
  stays as generated for the other benchmarks; the COMMIT it leaves out is one fsync.
- **preview**: 100,000 rows previewed by ``manage.py import_records --dry-run`` in a process of its own, whose
  peak resident memory (``ru_maxrss``) is the server's cost of a preview that size.

Rows name places by P-code, terms and phrases as teams type them ("about 3,000 people"), and carry no source:
the file becomes their source, each row's excerpt its own line.
"""

from __future__ import annotations

import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

COMMIT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
PREVIEW_ROWS = int(os.environ.get("BENCH_PREVIEW_ROWS", "100000"))
HEADERS = ["term", "reported_phrase", "location_pcode", "start_date", "end_date", "notes"]
PHRASES = ["about {n:,} people", "{n:,} civilians", "more than {n:,} people", "some {n:,} families",
           "{n} displaced persons", "nearly {n:,} residents", "up to {n:,} people"]
PEAK_OF_CHILD = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
                 "print('PEAK-KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)")
TERMS = ["displaced", "fled", "evacuated", "returned", "arrived", "relocated"]


def sheet(rows: int, pcodes: list[str], seed: int = 17) -> bytes:
    """A CSV of ``rows`` new figures at the given places, reproducible from ``seed``."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    first = date(2018, 1, 1)
    for number in range(rows):
        start = first + timedelta(days=rng.randrange(0, 2000))
        end = start + timedelta(days=rng.choice((0, 1, 6, 13, 29)))
        phrase = rng.choice(PHRASES).format(n=rng.randrange(20, 90_000))
        if "families" in phrase:
            phrase = phrase.replace("families", "people")  # no household size is cited for every country
        writer.writerow([rng.choice(TERMS), phrase, rng.choice(pcodes), start.isoformat(), end.isoformat(),
                         f"Row {number + 1} of the team's tracking sheet."])
    return out.getvalue().encode()


def copy_seconds(data: bytes, runs: int = 3) -> float:
    """PostgreSQL's COPY FROM of the same CSV into a bare table of text columns: the limit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_import_limit (" + ", ".join(f"{h} text" for h in HEADERS) + ")")
        times = []
        for _ in range(runs):
            cursor.execute("TRUNCATE bench_import_limit")
            began = time.perf_counter()
            with cursor.copy("COPY bench_import_limit FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(data)
            times.append(time.perf_counter() - began)
        cursor.execute("DROP TABLE bench_import_limit")
    return statistics.median(times)


def places() -> list[str]:
    from tracker.choices import LocationLevel
    from tracker.models import Location

    pcodes = list(Location.objects.filter(level__in=[LocationLevel.ADM2, LocationLevel.ADM3], pcode__isnull=False)
                  .order_by("pk").values_list("pcode", flat=True)[:400])
    if not pcodes:
        pcodes = list(Location.objects.filter(pcode__isnull=False).order_by("pk").values_list("pcode", flat=True)[:400])
    return pcodes


def bench_commit(user, result_type):
    """10,000 rows validated and written through the services, beside COPY of the same file."""
    from django.db import transaction

    from tracker.imports import Options, run_import
    from tracker.models import Organization

    data = sheet(COMMIT_ROWS, places())
    publisher = Organization.objects.order_by("pk").first().name

    class Rollback(Exception):
        pass

    outcome = {}
    began = time.perf_counter()
    try:
        with transaction.atomic():
            result = run_import("displacement", "bench-sheet.csv", data, user=user, commit=True,
                                options=Options(publisher=publisher))
            outcome["seconds"] = time.perf_counter() - began
            outcome["result"] = result
            raise Rollback
    except Rollback:
        pass
    result = outcome["result"]
    seconds = outcome["seconds"]
    limit = copy_seconds(data)
    pairs = sum(len(r.double_counts) for r in result.rows)
    rate, copy_rate = COMMIT_ROWS / seconds, COMMIT_ROWS / limit
    return result_type(
        "import commit", f"rows per second validating and writing {COMMIT_ROWS:,} new displacement figures from one "
        "CSV (run_import, batch services, rolled back after)", rate, "rows/s", copy_rate,
        "COPY FROM of the same CSV into a bare table of text columns", rate / copy_rate, "of COPY's rate",
        f"{COMMIT_ROWS:,} rows < 60 s", seconds < 60 and result.written,
        {"seconds": round(seconds, 1), "COPY (s)": round(limit, 3), "counts": result.counts,
         "written": result.written, "file errors": result.file_errors[:1],
         "possible double counts found (pairs listed by the rows)": pairs, "CSV bytes": len(data)})


def bench_preview(user, result_type):
    """100,000 rows previewed in a process of its own: its peak memory and time, beside COPY of the same file."""
    from tracker.models import Organization

    data = sheet(PREVIEW_ROWS, places(), seed=18)
    publisher = Organization.objects.order_by("pk").first().name
    root = Path(__file__).resolve().parent.parent
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(data)
        handle.flush()
        began = time.perf_counter()
        # A wrapper process runs the preview and reports its child's peak, so nothing else this process started
        # (the benchmark's server) is counted.
        process = subprocess.run(
            [sys.executable, "-c", PEAK_OF_CHILD, sys.executable, str(root / "manage.py"), "import_records",
             handle.name, "--kind", "displacement", "--user", user.username, "--dry-run", "--publisher", publisher,
             "--verbosity", "0"],
            cwd=root, env=os.environ.copy(), capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
    peaks = [line.split()[1] for line in process.stdout.splitlines() if line.startswith("PEAK-KB ")]
    peak_mb = int(peaks[-1]) / 1024 if peaks else float("nan")
    limit = copy_seconds(data, runs=1)
    summary = next((line for line in process.stdout.splitlines() if line.startswith(("Would", "Nothing", "Wrote"))),
                   "")
    return result_type(
        "import preview", f"peak memory (MB) of a process previewing {PREVIEW_ROWS:,} rows "
        "(import_records --dry-run)", peak_mb, "MB", None, "", None, "",
        "< 1024 MB", peak_mb < 1024 and process.returncode == 0,
        {"seconds": round(seconds, 1), "COPY of the same CSV (s)": round(limit, 2),
         "x COPY (time)": round(seconds / limit, 1) if limit else None, "exit": process.returncode,
         "summary": summary, "stderr tail": process.stderr.strip().splitlines()[-1:]})
