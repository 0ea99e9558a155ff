"""Interleaved A/B of the report's two connections: does counting the flows on a second connection pay?

Runs ``figure_report(DisplacementFigure, group_by=["adm1", "month"], audience=KEY)`` (the report ``make bench``
measures over HTTP) in this process on the bench database, alternating the two-connection mode (the flows'
GROUP BY on a second connection reading the report's snapshot) and the one-connection mode
(``REPORT_SECOND_CONNECTION = False``), and prints each mode's runs and median. Not part of the test suite.

    .venv/bin/python bench/ab_report.py [--repeats 7] [--group-by adm1,month] [--audience key]

``--trees OLD NEW`` compares two checkouts instead (before and after a change of code): one worker process per
tree, each timing the same report in turn, two connections both.

    git archive <ref> | tar -x -C /tmp/old
    .venv/bin/python bench/ab_report.py --trees /tmp/old .
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"


def setup(tree: Path):
    """Django set up on the bench database with ``tree``'s code; its report function."""
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", BENCH_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    try:
        from tracker.reporting.report import figure_report
    except ImportError:  # a tree from before tracker/reporting/
        from tracker.reports import figure_report
    return figure_report


def serve(tree: Path, group_by: str, audience_name: str) -> None:
    """A worker of ``--trees``: one report per line read, its time in ms written back."""
    figure_report = setup(tree)
    from tracker.audience import Audience
    from tracker.models import DisplacementFigure

    for _ in sys.stdin:
        started = time.perf_counter()
        figure_report(DisplacementFigure, group_by=group_by.split(","), audience=Audience(audience_name))
        print(f"{(time.perf_counter() - started) * 1000:.0f}", flush=True)


def compare_trees(trees: list[Path], args: argparse.Namespace) -> None:
    workers = [subprocess.Popen([sys.executable, __file__, "--serve", str(tree), "--group-by", args.group_by,
                                 "--audience", args.audience], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for tree in trees]

    def run(worker: subprocess.Popen) -> float:
        worker.stdin.write("run\n")
        worker.stdin.flush()
        return float(worker.stdout.readline())

    for worker in workers:  # warm each up
        run(worker)
    times: list[list[float]] = [[] for _ in workers]
    for repeat in range(max(5, args.repeats)):
        order = range(len(workers)) if repeat % 2 == 0 else reversed(range(len(workers)))
        for index in order:
            times[index].append(run(workers[index]))
    for worker in workers:
        worker.stdin.close()
        worker.wait()
    for tree, runs in zip(trees, times, strict=True):
        listed = ", ".join(f"{t:.0f}" for t in runs)
        print(f"{str(tree):30} median {statistics.median(runs):7.0f} ms   runs (ms): {listed}")
    before, after = (statistics.median(runs) for runs in times[:2])
    print(f"after / before: {after / before:.3f} (group_by={args.group_by}, audience={args.audience}; "
          f"load average: {os.getloadavg()[0]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each mode (at least 5)")
    parser.add_argument("--group-by", default="adm1,month")
    parser.add_argument("--audience", default="key", help="key, confidential_key or staff")
    parser.add_argument("--trees", nargs=2, type=Path, metavar=("OLD", "NEW"), help="compare two checkouts")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve.resolve(), args.group_by, args.audience)
        return
    if args.trees:
        compare_trees([tree.resolve() for tree in args.trees], args)
        return
    figure_report = setup(ROOT)
    from django.conf import settings

    from tracker.audience import Audience
    from tracker.models import DisplacementFigure

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
