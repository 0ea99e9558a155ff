"""Interleaved A/B of the report's two connections: does counting the flows on a second connection pay?

Runs ``figure_report(DisplacementFigure, group_by=["adm1", "month"], audience=KEY)`` (the report ``make bench``
measures over HTTP) in this process on the bench database, alternating the two-connection mode (the flows'
GROUP BY on a second connection reading the report's snapshot) and the one-connection mode
(``REPORT_SECOND_CONNECTION = False``), and prints each mode's runs and median. Not part of the test suite.

    .venv/bin/python bench/ab_report.py [--repeats 7] [--group-by adm1,month] [--audience key]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each mode (at least 5)")
    parser.add_argument("--group-by", default="adm1,month")
    parser.add_argument("--audience", default="key", help="key, confidential_key or staff")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", BENCH_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.conf import settings

    from tracker.audience import Audience
    from tracker.models import DisplacementFigure
    from tracker.reporting.report import figure_report

    audience = Audience(args.audience)

    def run(two: bool) -> float:
        settings.REPORT_SECOND_CONNECTION = two
        started = time.perf_counter()
        report = figure_report(DisplacementFigure, group_by=args.group_by.split(","), audience=audience)
        elapsed = time.perf_counter() - started
        assert report.rows
        return elapsed

    run(True), run(False)  # warm the caches of both paths
    times: dict[bool, list[float]] = {True: [], False: []}
    for repeat in range(max(5, args.repeats)):
        for two in (True, False) if repeat % 2 == 0 else (False, True):  # ABBA: neither mode always goes first
            times[two].append(run(two))
    load = os.getloadavg()
    two, one = statistics.median(times[True]), statistics.median(times[False])
    for mode, label in ((True, "two connections"), (False, "one connection")):
        runs = ", ".join(f"{t * 1000:.0f}" for t in times[mode])
        print(f"{label:16} median {statistics.median(times[mode]) * 1000:7.0f} ms   runs (ms): {runs}")
    print(f"two connections save {(one - two) / one:.1%} of the one-connection report "
          f"(group_by={args.group_by}, audience={args.audience}; load average after: {load[0]:.2f})")


if __name__ == "__main__":
    main()
