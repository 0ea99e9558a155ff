"""The tracker under many clients at once: requests per second, p50/p95/p99 and errors, beside the server's own
ceiling (issue 20, item 5).

    make loadtest                                        # the million-record bench database, 1, 10 and 50 clients
    .venv/bin/python -u bench/loadtest.py --duration 20 --levels 1,10 --skip baseline
    .venv/bin/python -u bench/loadtest.py --baseline c4414eb   # also the same load on a worktree of that commit

Gunicorn runs under production settings (``config.settings.production``; workers: twice the cores and one), the
caches in Redis, rate limits off, on a free port of 127.0.0.1; every request says it came through the HTTPS proxy
(``X-Forwarded-Proto: https``), as it would. Each client is an asyncio task that sends one request after the other
(a new connection each: gunicorn's sync workers close it) for ``--duration`` seconds; the requests come from a
random mix with a fixed seed, so every run asks the same things and the cache is not trivially warm:

- filtered list pages (a country and a quarter, or a term), a record's detail, a sync page (``updated_since``),
  a filtered CSV (a country's month), the displacement report (several groupings, by country), the event page and
  a place page (an event, a province or a district), and a release file when releases are listed;
- the **ceiling**: a 20-byte static file served by the same server (WhiteNoise, the first middleware), measured the
  same way: no request of the application can be faster;
- **repeated**: one report and one page asked again and again while the data is unchanged, beside the same bytes
  served as a static file by the same server (the goal: at least half its rate).

The server reads the databases the environment names (``DATABASE_URL``, and ``DATABASE_REPLICA_URL`` when set).
``--restart-command`` is run during a last phase of load, and what clients got meanwhile is reported by kind of
request: meant for a dedicated primary and its replica (``.ci/replica.sh``), never the shared cluster.
``--baseline REF`` runs the same mix, only the endpoints both trees answer, at the
highest level against a worktree of REF with its own database, made by its own generator with the same seed.

Results: a table per run printed, ``bench/results/loadtest.json`` and a section of ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.core import DEFAULT_FIGURES, RESULTS_DIR, SEED, Server, configure, ensure_database, size_label  # noqa: E402

HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


# --- what the clients ask ---------------------------------------------------------------------------------
@dataclass
class Targets:
    """What the mix picks from, read from the database once: visible ids, countries, places, events, dates."""

    iso3: list[str]
    places: list[int]
    events: list[int]
    ids: list[int]
    months: list[str]
    terms: list[str]
    updated: list[str]
    release_files: list[str] = field(default_factory=list)


def read_targets() -> Targets:
    from django.db.models import Count

    from tracker.audience import Audience
    from tracker.choices import LocationLevel
    from tracker.models import DisplacementFigure, Location
    from tracker.reporting.counting import visible_approved

    approved = visible_approved(DisplacementFigure.objects.all(), audience=Audience.KEY)
    ids = list(approved.order_by("?").values_list("pk", flat=True)[:2000])
    events = [row["event_id"] for row in approved.exclude(event=None).values("event_id").annotate(n=Count("pk"))
              .order_by("-n")[:100]]
    places = list(Location.objects.filter(level__in=[LocationLevel.ADM1, LocationLevel.ADM2])
                  .order_by("?").values_list("pk", flat=True)[:300])
    countries = list(Location.objects.filter(level=LocationLevel.COUNTRY).exclude(iso3="")
                     .values_list("iso3", flat=True))
    months = [f"{year}-{month:02d}-01" for year in range(2017, 2024) for month in range(1, 13)]
    stamps = sorted(approved.order_by("?").values_list("updated_at", flat=True)[:200])
    return Targets(countries, places, events, ids, months, ["fled", "displaced", "returned", "evacuated"],
                   [stamp.isoformat() for stamp in stamps])


def mix(targets: Targets) -> list[tuple[str, int, object]]:
    """(kind, weight, a function of a random generator giving a path)."""

    def quarter(rng):
        start = rng.choice(targets.months)
        year, month = int(start[:4]), int(start[5:7]) + 3
        end = f"{year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-01"
        return start, end

    def listing(rng):
        start, end = quarter(rng)
        query = {"country": rng.choice(targets.iso3), "date_from": start, "date_to": end, "page_size": 50}
        if rng.random() < 0.4:
            query["term"] = rng.choice(targets.terms)
        return f"/api/v1/displacement-figures/?{urlencode(query)}"

    def csv(rng):
        start = rng.choice(targets.months)
        query = {"country": rng.choice(targets.iso3), "date_from": start, "date_to": start[:8] + "28",
                 "format": "csv"}
        return f"/api/v1/displacement-figures/?{urlencode(query)}"

    def report(rng):
        query = {"group_by": rng.choice(["adm1,month", "country,week", "event", "adm2,term"]),
                 "country": rng.choice(targets.iso3)}
        return f"/api/v1/reports/displacement/?{urlencode(query)}"

    kinds = [
        ("list", 6, listing),
        ("detail", 3, lambda rng: f"/api/v1/displacement-figures/{rng.choice(targets.ids)}/"),
        ("sync", 2, lambda rng: "/api/v1/displacement-figures/?"
         + urlencode({"updated_since": rng.choice(targets.updated), "page_size": 100})),
        ("csv", 1, csv),
        ("report", 2, report),
        ("event page", 1, lambda rng: f"/events/{rng.choice(targets.events)}/"),
        ("place page", 1, lambda rng: f"/places/{rng.choice(targets.places)}/"),
    ]
    if targets.release_files:
        kinds.append(("release file", 1, lambda rng: rng.choice(targets.release_files)))
    return kinds


# --- the clients --------------------------------------------------------------------------------------------
@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, outcome: str | None) -> None:
        if outcome is None:
            self.times.setdefault(kind, []).append(seconds)
        else:
            self.errors.setdefault(kind, {}).setdefault(outcome, 0)
            self.errors[kind][outcome] += 1


async def fetch(port: int, path: str, headers: dict, timeout: float) -> tuple[int, int]:
    """One GET on a new connection to 127.0.0.1: (status, body bytes), the whole body read."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        lines = [f"GET {path} HTTP/1.1", "Connection: close", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        writer.write("\r\n".join(lines).encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, len(data)


async def client(number: int, port: int, kinds, headers: dict, until: float, tally: Tally, timeout: float) -> None:
    rng = random.Random(SEED * 1000 + number)
    names, weights = [k[0] for k in kinds], [k[1] for k in kinds]
    makers = {k[0]: k[2] for k in kinds}
    while time.monotonic() < until:
        kind = rng.choices(names, weights)[0]
        path = makers[kind](rng)
        started = time.perf_counter()
        try:
            status, _ = await fetch(port, path, headers, timeout)
            outcome = None if 200 <= status < 400 else str(status)
        except (TimeoutError, OSError) as error:
            outcome = type(error).__name__
        tally.add(kind, time.perf_counter() - started, outcome)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(tally: Tally, seconds: float) -> dict[str, dict]:
    rows = {}
    everything: list[float] = []
    for kind in sorted(set(tally.times) | set(tally.errors)):
        times = tally.times.get(kind, [])
        everything += times
        errors = sum(tally.errors.get(kind, {}).values())
        rows[kind] = {"requests": len(times) + errors, "rps": len(times) / seconds, "errors": errors,
                      "error kinds": tally.errors.get(kind, {}),
                      "p50": percentile(times, 0.5) * 1000, "p95": percentile(times, 0.95) * 1000,
                      "p99": percentile(times, 0.99) * 1000}
    errors = sum(row["errors"] for row in rows.values())
    rows["mix"] = {"requests": len(everything) + errors, "rps": len(everything) / seconds, "errors": errors,
                   "p50": percentile(everything, 0.5) * 1000, "p95": percentile(everything, 0.95) * 1000,
                   "p99": percentile(everything, 0.99) * 1000}
    return rows


def drive(port: int, kinds, clients: int, seconds: float, headers: dict, timeout: float = 60) -> dict[str, dict]:
    """``clients`` clients for ``seconds`` against 127.0.0.1:``port``; their summary."""
    tally = Tally()

    async def main():
        until = time.monotonic() + seconds
        await asyncio.gather(*(client(n, port, kinds, headers, until, tally, timeout) for n in range(clients)))

    started = time.perf_counter()
    asyncio.run(main())
    return summary(tally, time.perf_counter() - started)


def print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"  {'endpoint':<16}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, row in rows.items():
        print(f"  {kind:<16}{row['requests']:>9}{row['rps']:>9.1f}{row['p50']:>9.0f}{row['p95']:>9.0f}"
              f"{row['p99']:>9.0f}{row['errors']:>8}")
    sys.stdout.flush()


# --- the servers ----------------------------------------------------------------------------------------------
def server_env(extra: dict | None = None) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.production", DEBUG="false",
               SECRET_KEY=os.environ.get("SECRET_KEY") or "loadtest-" + "x" * 50,
               ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_HSTS_SECONDS="0")
    env.update(extra or {})
    return env


def collect_static(cwd: Path, env: dict) -> Path:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=cwd, env=env, check=True)
    probe = subprocess.run([sys.executable, "-c", "import django; from django.conf import settings; django.setup();"
                            " print(settings.STATIC_ROOT)"], cwd=cwd, env=env, check=True, capture_output=True,
                           text=True)
    return Path(probe.stdout.strip())


def start(cwd: Path, env: dict, workers: int) -> Server:
    return Server(workers=workers, cwd=cwd, env=env)


def api_key(cwd: Path, env: dict, client: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", "create_api_key", "--client", client, "--quiet"],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


# --- the phases ---------------------------------------------------------------------------------------------
def repeated(server: Server, headers: dict, paths: dict[str, str], clients: int, seconds: float) -> dict[str, dict]:
    """Each path asked again and again, beside its bytes served as a static file by the same server."""
    out = {}
    for name, path in paths.items():
        status, body = server.get(path, headers)
        assert status == 200, (path, status, body[:300])
        out[name] = drive(server.port, [(name, 1, lambda rng, path=path: path)], clients, seconds, headers)[name]
    return out


def place_static(static_root: Path, server: Server, headers: dict, paths: dict[str, str]) -> dict[str, str]:
    """The bytes of each path, and a 20-byte file, written under the static root (served after a restart)."""
    folder = static_root / "loadtest"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "noop.txt").write_bytes(b"tracker load test ok")
    files = {"no-op (static)": "/static/loadtest/noop.txt"}
    for name, path in paths.items():
        status, body = server.get(path, headers)
        assert status == 200, (path, status)
        file = folder / f"{name.replace(' ', '-')}.bin"
        file.write_bytes(body)
        files[f"{name} (static)"] = f"/static/loadtest/{file.name}"
    return files


def baseline(ref: str, figures: int, clients: int, seconds: float, kinds, workers: int) -> dict:
    """The same mix at ``clients`` clients against a worktree of ``ref`` with its own database and generator."""
    name = f"tracker_loadtest_{ref[:7]}"
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="loadtest-"))
    tree = folder / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True, capture_output=True)
    try:
        env = server_env({"DATABASE_URL": url, "PYTHONPATH": str(tree), "CACHE_KEY_PREFIX": f"loadtest-{ref[:7]}"})
        ensure_database(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True)
        if not _holds(url, figures):
            print(f"Generating {figures:,} records with {ref}'s generator (seed {SEED})...", flush=True)
            subprocess.run([sys.executable, "manage.py", "generate_synthetic", "--figures", str(figures), "--seed",
                            str(SEED), "--force"], cwd=tree, env=env, check=True)
        key = api_key(tree, env, "Load test")
        collect_static(tree, env)
        server = start(tree, env, workers)
        try:
            headers = dict(HEADERS, Authorization=f"Api-Key {key}")
            probe = random.Random(SEED)
            both = [kind for kind in kinds if server.get(kind[2](probe), headers)[0] == 200]
            print(f"{ref}: the endpoints both answer: {[kind[0] for kind in both]}", flush=True)
            return {"ref": ref, "kinds": [kind[0] for kind in both],
                    "rows": drive(server.port, both, clients, seconds, headers)}
        finally:
            server.stop_process()
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _holds(url: str, figures: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            (count,) = connection.execute("SELECT (SELECT count(*) FROM tracker_displacementfigure) + "
                                          "(SELECT count(*) FROM tracker_surrenderfigure) + "
                                          "(SELECT count(*) FROM tracker_aidcapacityreport)").fetchone()
    except psycopg.Error:
        return False
    return count == figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=DEFAULT_FIGURES)
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load per level (default 60).")
    parser.add_argument("--levels", default="1,10,50", help="Concurrent clients, comma-separated.")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--baseline", default="c4414eb", help="A commit to measure the same way (--skip baseline).")
    parser.add_argument("--restart-command", default=os.environ.get("LOADTEST_RESTART_COMMAND", ""),
                        help="Run during a last phase of load, e.g. to restart the primary.")
    parser.add_argument("--skip", default="", help="Comma-separated: baseline, repeated, replica.")
    args = parser.parse_args()
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    levels = [int(level) for level in args.levels.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = configure(args.figures)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    ensure_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.update(server_env())
    import django

    django.setup()
    from bench.data import prepare_data
    from bench.results import load_average

    print(f"[{size_label(args.figures)}] {url.rsplit('/', 1)[-1]}: preparing the data...", flush=True)
    prepare_data(args.figures, False)
    targets = read_targets()
    env = server_env()
    key = api_key(ROOT, env, "Load test")
    headers = dict(HEADERS, Authorization=f"Api-Key {key}")
    static_root = collect_static(ROOT, env)
    results: dict = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "figures": args.figures,
                     "workers": args.workers, "duration": args.duration, "load before": load_average(), "runs": {}}
    server = start(ROOT, env, args.workers)
    try:
        status, body = server.get("/api/v1/releases/", headers)
        listed = json.loads(body) if status == 200 else {}
        targets.release_files = [urlsplit(link).path for link in _release_links(listed)][:5]
        kinds = mix(targets)
        event = targets.events[0]
        paths = {"report repeated": "/api/v1/reports/displacement/?group_by=adm1,month",
                 "event page repeated": f"/events/{event}/"}
        files = place_static(static_root, server, headers, paths)
    finally:
        server.stop_process()
    server = start(ROOT, env, args.workers)  # WhiteNoise lists the static files when it starts
    try:
        ceiling = drive(server.port, [(name, 1, lambda rng, p=path: p) for name, path in files.items()
                                      if name.startswith("no-op")], max(levels), args.duration / 3, headers)
        for clients in levels:
            rows = drive(server.port, kinds, clients, args.duration, headers)
            rows["no-op (static)"] = drive(server.port, [("no-op (static)", 1, lambda rng: files["no-op (static)"])],
                                           clients, min(10, args.duration), headers)["no-op (static)"]
            print_table(f"{clients} client(s), {args.duration:.0f} s, {args.workers} workers", rows)
            results["runs"][f"{clients} clients"] = rows
        if "repeated" not in skip:
            clients = min(10, max(levels))
            same = repeated(server, headers, paths, clients, min(20, args.duration))
            same.update(repeated(server, headers,
                                 {name: path for name, path in files.items() if not name.startswith("no-op")},
                                 clients, min(20, args.duration)))
            print_table(f"repeated, {clients} clients, beside the same bytes as static files", same)
            results["repeated"] = same
        if args.restart_command:
            results["restart"] = during_restart(server, kinds, max(levels), headers, args.restart_command)
        results["ceiling"] = ceiling
    finally:
        server.stop_process()
    if "baseline" not in skip and args.baseline:
        old = baseline(args.baseline, args.figures, max(levels), args.duration, mix(targets), args.workers)
        print_table(f"{args.baseline}, {max(levels)} clients (the endpoints both answer)", old["rows"])
        results["baseline"] = old
    results["load after"] = load_average()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "loadtest.json").write_text(json.dumps(results, indent=1, default=str))
    from bench.results import write_latest

    write_latest()
    print("Written to bench/results/loadtest.json and bench/results/latest.md")


def _release_links(listed) -> list[str]:
    links: list[str] = []
    for release in (listed.get("results") or listed.get("releases") or []) if isinstance(listed, dict) else []:
        for file in release.get("files", []):
            if isinstance(file, dict) and file.get("url"):
                links.append(file["url"])
    return links


def during_restart(server: Server, kinds, clients: int, headers: dict, command: str) -> dict:
    """Load for 30 s, the command started after 5 s (a restart of the primary): what each kind of request got."""
    import threading

    def later():
        time.sleep(5)
        subprocess.run(command, shell=True, check=False)  # noqa: S602 - the operator's own command

    thread = threading.Thread(target=later, daemon=True)
    thread.start()
    rows = drive(server.port, kinds, clients, 30, headers, timeout=30)
    thread.join()
    print_table(f"during `{command}`", rows)
    return rows


if __name__ == "__main__":
    main()
