"""``make bench``: the tracker at 100,000 and a million records, measured against what the same PostgreSQL can do.

Each benchmark reports its median over repeated runs, and a *limit* measured in the same run on the same
database: the time PostgreSQL itself needs for the same work (the same SQL run raw as a request runs it, or
``psql``'s ``COPY ... TO STDOUT`` of the same SELECT), or, for the public pages, the list page's time. The ratio
says how much the application adds. Each size's rows go to ``bench/results/<size>.json`` and every size measured
side by side to ``bench/results/latest.md``; a summary is printed.

    python bench/run.py                        # a million records in tracker_bench
    python bench/run.py --figures 100000       # 100,000 records in tracker_bench_100k
    python bench/run.py --only list,search     # some benchmarks, on the data already there

The database (``BENCH_DATABASE_URL``, else the size's own) is created, migrated and filled with
``generate_synthetic --figures N --seed 2026`` unless it already holds that many synthetic records. The HTTP
benchmarks run against a real server (gunicorn, one sync worker, DEBUG off, rate limits off) started here;
query counts come from Django's test client in this process. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.core import DEFAULT_FIGURES, Result, Server, configure, ensure_database, fmt, size_label, verdict  # noqa: E402

BENCHMARKS = ("generator", "list", "descendants", "admin", "search", "pages", "sync", "csv", "geojson", "xlsx",
              "report", "report-adm2", "create", "move", "import")


def run_one(name: str, server: Server, creds: dict, filters: dict, facts: dict, args, measured: dict) -> list[Result]:
    from bench import downloads, paths, reports

    runs = args.runs
    if name == "list":
        return [paths.bench_list(server, creds, filters, runs)]
    if name == "descendants":
        return [paths.bench_descendants(server, creds, filters, runs)]
    if name == "admin":
        return [paths.bench_admin(server, creds, filters, max(5, runs // 2))]
    if name == "search":
        from bench.data import search_words

        facts["words"] = words = search_words()
        if not words:
            print("  (no stored search words in this database: search not measured)", flush=True)
        return paths.bench_search(server, creds, words, runs)
    if name == "pages":
        list_ms = measured.get("list page")
        if list_ms is None:
            list_ms = paths.bench_list(server, creds, filters, runs).value
        return paths.bench_pages(server, creds, filters, list_ms, runs)
    if name == "sync":
        return downloads.bench_sync(server, creds, max(5, runs // 3))
    if name == "csv":
        return [downloads.bench_csv(server, creds, args.csv_runs)]
    if name == "geojson":
        return [downloads.bench_geojson(server, creds, filters, args.csv_runs)]
    if name == "xlsx":
        return downloads.bench_xlsx(server, creds, filters, args.csv_runs)
    if name == "report":
        return reports.bench_report(server, creds, max(3, runs // 5))
    if name == "report-adm2":
        return reports.bench_report(server, creds, 3, level="adm2", period="week")
    if name == "create":
        return reports.bench_create(creds)
    if name == "move":
        return [reports.bench_move(creds)]
    if name == "import":
        from bench.imports import bench_commit, bench_preview

        return [bench_commit(creds["user"], Result), bench_preview(creds["user"], Result)]
    raise SystemExit(f"Unknown benchmark {name!r}: choose from {BENCHMARKS}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=int(os.environ.get("BENCH_FIGURES", DEFAULT_FIGURES)),
                        help="Records in the data set (default a million); each size has its own database.")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"Comma-separated subset of {BENCHMARKS}.")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "25")),
                        help="Repeats of the page benchmarks (reports, downloads and pages take fewer).")
    parser.add_argument("--csv-runs", type=int, default=int(os.environ.get("BENCH_CSV_RUNS", "3")))
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        raise SystemExit(f"Unknown benchmark {sorted(unknown)}: choose from {BENCHMARKS}.")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    started = time.perf_counter()
    from bench.results import load_average, save_run, write_latest

    load_before = load_average()
    url = configure(args.figures)
    ensure_database(url)
    import django

    django.setup()
    from bench.data import credentials, prepare_data, sample_filters

    print(f"[{size_label(args.figures)}] {url.rsplit('/', 1)[-1]}: preparing the data...", flush=True)
    facts, generated = prepare_data(args.figures, "generator" in only)
    creds = credentials()
    filters = sample_filters()
    server = Server()
    if generated:
        generated.bench = "generator"
    results: list[Result] = [generated] if generated else []
    measured: dict[str, float] = {}
    todo = [name for name in only if name != "generator"]
    try:
        for number, name in enumerate(todo, 1):
            print(f"[{size_label(args.figures)} {number}/{len(todo)}, {time.perf_counter() - started:.0f} s] "
                  f"{name}...", flush=True)
            bench_started = time.perf_counter()
            done = run_one(name, server, creds, filters, facts, args, measured)
            for r in done:
                r.bench = name
            results += done
            for r in done:
                measured[r.name] = r.value
                print(f"  {r.name}: {fmt(r.value, r.unit)}; limit {fmt(r.limit, r.unit)}; {verdict(r)} ({r.target}); "
                      f"{time.perf_counter() - bench_started:.0f} s; {r.extra}", flush=True)
    finally:
        server.stop()
    path = save_run(results, facts, started, load_before, partial=set(only) != set(BENCHMARKS), measured=set(only))
    print()
    print(write_latest())
    print(f"Written to {path.relative_to(path.parent.parent.parent)} and bench/results/latest.md")


if __name__ == "__main__":
    main()
