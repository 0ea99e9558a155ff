"""The tracker under many clients at once: requests per second, p50/p95/p99 and errors, beside the server's own
ceiling, without and with the read replica, while the primary restarts, and beside an older commit (issue 20,
item 5).

    make loadtest                                        # the million-record bench database, 1, 10 and 50 clients
    .venv/bin/python -u bench/loadtest.py --duration 10 --levels 1,10 --skip baseline
    .venv/bin/python -u bench/loadtest.py --skip plain,repeated,baseline   # the replica and the restart alone

Gunicorn runs under production settings (``config.settings.production``; workers: twice the cores and one), the
caches in Redis (emptied before each level, so each starts from the same cold cache), rate limits off,
on a free port of 127.0.0.1; every request says it came through the HTTPS proxy (``X-Forwarded-Proto: https``), as
it would. Each client is an asyncio task that sends one request after the other (a new connection each: gunicorn's
sync workers close it) for ``--duration`` seconds; the requests come from a random mix with a fixed seed, so every
run asks the same things and the cache is not trivially warm:

- filtered list pages (a country and a quarter, or a term), a record's detail, a sync page (``updated_since``),
  a filtered CSV (a country's month), the displacement report (several groupings, by country), the event page and
  a place page (an event, a province or a district), and a release file when releases are listed. The ids, events,
  places and timestamps are drawn with the seed from the database the server reads, by plain SQL that every
  tree's schema answers, so no tree is asked about another's records; a 404 is an error;
- the **ceiling**: a 20-byte static file served by the same server (WhiteNoise, the first middleware), measured the
  same way: no request of the application can be faster;
- **repeated**: one report and one page asked again and again while the data is unchanged, beside the same bytes
  served as a static file by the same server (the goal: at least half its rate).

The parts, each left out by ``--skip`` (comma-separated):

- ``plain``: the levels on the bench database (``BENCH_DATABASE_URL``), no replica;
- ``replica``: the same mix at the same levels with a read replica: ``.ci/replica.sh start`` runs a dedicated
  primary (port 5433) and its streaming replica (5434); the bench data is copied to that primary when it does not
  hold it yet (``bench/loadtest_replica.py``), the run waits until the replica has replayed it, and the server's
  ``DATABASE_URL`` and ``DATABASE_REPLICA_URL`` name that database on each. Each answer's ``X-Read-From`` is
  counted per kind: the table shows how many came from the replica. Without PostgreSQL's server binaries the pair
  cannot start: the run says so and goes on without it;
- ``restart``: on that server, 30 s of load at the highest level, the mix plus an analyst's write (saving a
  query, with a write token made on the pair's database), during which ``--restart-command`` runs from 5 s in
  (default: the pair's primary stopped for 10 s and started again; never the shared cluster). Reported per kind:
  2xx, 503 and anything else, and the answers from the replica. Reads must keep answering; writes and sync, which
  read the primary, may get 503 and nothing else;
- ``repeated``; ``baseline``: the same mix, only the endpoints both trees answer, at the highest level against a
  worktree of ``--baseline`` (c4414eb) with its own database, made by its own generator with the same seed.

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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import loadtest_replica as replica_setup  # noqa: E402
from bench.core import (  # noqa: E402
    DEFAULT_FIGURES,
    RESULTS_DIR,
    SEED,
    Server,
    configure,
    empty_cache,
    ensure_database,
    size_label,
)

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


def read_targets(url: str) -> Targets:
    """The targets of the database at ``url``, drawn with the fixed seed by plain SQL that every tree's schema
    answers: each server is asked about its own database's records (another tree's generator numbers them
    otherwise, and its ids would be 404s), and two databases of the same size get the same kind of mix."""
    import psycopg

    rng = random.Random(SEED)
    # What an NGO's key sees: approved records whose source is not confidential either (tracker.audience).
    visible = ("FROM tracker_displacementfigure f JOIN tracker_source s ON s.id = f.source_id "
               "WHERE f.review_status = 'approved' AND NOT f.is_confidential AND NOT s.is_confidential")
    with psycopg.connect(url) as connection:
        def column(statement: str, params: list | None = None) -> list:
            return [row[0] for row in connection.execute(statement, params)]

        ids = rng.sample(column(f"SELECT f.id {visible} ORDER BY f.id"), 2000)
        events = column(f"SELECT f.event_id {visible} AND f.event_id IS NOT NULL GROUP BY f.event_id "
                        "ORDER BY count(*) DESC, f.event_id LIMIT 100")
        places = column("SELECT id FROM tracker_location WHERE level IN ('adm1', 'adm2') ORDER BY id")
        places = rng.sample(places, min(300, len(places)))
        countries = column("SELECT iso3 FROM tracker_location WHERE level = 'country' AND iso3 <> '' "
                           "ORDER BY iso3")
        stamps = column("SELECT updated_at FROM tracker_displacementfigure WHERE id = ANY(%s) ORDER BY updated_at",
                        [ids[:200]])
    months = [f"{year}-{month:02d}-01" for year in range(2017, 2024) for month in range(1, 13)]
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
class Ask:
    """A request other than a plain GET (a maker of the mix may return one instead of a path)."""

    path: str
    method: str = "GET"
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class Tally:
    """Per kind: the seconds of each answer counted a success, the errors by status or exception, every
    status, and which database answered (``X-Read-From``)."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    statuses: dict[str, Counter] = field(default_factory=dict)
    read_from: dict[str, Counter] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, outcome: str | None, status: str = "", source: str = "") -> None:
        self.statuses.setdefault(kind, Counter())[status or outcome or "?"] += 1
        if source:
            self.read_from.setdefault(kind, Counter())[source] += 1
        if outcome is None:
            self.times.setdefault(kind, []).append(seconds)
        else:
            self.errors.setdefault(kind, {}).setdefault(outcome, 0)
            self.errors[kind][outcome] += 1


async def fetch(port: int, ask: Ask, headers: dict, timeout: float) -> tuple[int, int, str]:
    """One request on a new connection to 127.0.0.1, the whole body read: (status, bytes, its X-Read-From)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        sent = {**headers, **ask.headers}
        if not ask.path.startswith("/api/"):
            # Pages, release files and static files are asked as a browser asks them: with no API key.
            sent.pop("Authorization", None)
        if ask.body or ask.method != "GET":
            sent["Content-Length"] = str(len(ask.body))
        lines = [f"{ask.method} {ask.path} HTTP/1.1", "Connection: close", *(f"{k}: {v}" for k, v in sent.items()),
                 "", ""]
        writer.write("\r\n".join(lines).encode() + ask.body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    source = ""
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"x-read-from":
            source = value.strip().decode("ascii", "replace")
    return status, len(data), source


async def client(number: int, port: int, kinds, headers: dict, until: float, tally: Tally, timeout: float,
                 tolerated: frozenset = frozenset()) -> None:
    """Requests one after the other until ``until``; a 503 of a kind in ``tolerated`` is not an error."""
    rng = random.Random(SEED * 1000 + number)
    names, weights = [k[0] for k in kinds], [k[1] for k in kinds]
    makers = {k[0]: k[2] for k in kinds}
    while time.monotonic() < until:
        kind = rng.choices(names, weights)[0]
        ask = makers[kind](rng)
        ask = Ask(ask) if isinstance(ask, str) else ask
        started = time.perf_counter()
        status, source = 0, ""
        try:
            status, _, source = await fetch(port, ask, headers, timeout)
            outcome = None if 200 <= status < 400 or (status == 503 and kind in tolerated) else str(status)
        except (TimeoutError, OSError) as error:
            outcome = type(error).__name__
        tally.add(kind, time.perf_counter() - started, outcome, str(status) if status else "", source)


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
                      "error kinds": tally.errors.get(kind, {}), "statuses": dict(tally.statuses.get(kind, {})),
                      "read from": dict(tally.read_from.get(kind, {})),
                      "p50": percentile(times, 0.5) * 1000, "p95": percentile(times, 0.95) * 1000,
                      "p99": percentile(times, 0.99) * 1000, "max": max(times, default=float("nan")) * 1000}
    errors = sum(row["errors"] for row in rows.values())
    read_from: Counter = Counter()
    for row in rows.values():
        read_from.update(row["read from"])
    rows["mix"] = {"requests": len(everything) + errors, "rps": len(everything) / seconds, "errors": errors,
                   "read from": dict(read_from),
                   "p50": percentile(everything, 0.5) * 1000, "p95": percentile(everything, 0.95) * 1000,
                   "p99": percentile(everything, 0.99) * 1000, "max": max(everything, default=float("nan")) * 1000}
    return rows


def drive(port: int, kinds, clients: int, seconds: float, headers: dict, timeout: float = 60,
          tolerated: frozenset = frozenset()) -> dict[str, dict]:
    """``clients`` clients for ``seconds`` against 127.0.0.1:``port``; their summary."""
    tally = Tally()

    async def main():
        until = time.monotonic() + seconds
        await asyncio.gather(*(client(n, port, kinds, headers, until, tally, timeout, tolerated)
                               for n in range(clients)))

    started = time.perf_counter()
    asyncio.run(main())
    return summary(tally, time.perf_counter() - started)


def print_table(title: str, rows: dict[str, dict]) -> None:
    """The table of a run; with a replica, how many answers each kind had from it."""
    replica = any(row.get("read from") for row in rows.values())
    print(f"\n{title}")
    print(f"  {'endpoint':<16}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          + (f"{'replica':>9}" if replica else ""))
    for kind, row in rows.items():
        print(f"  {kind:<16}{row['requests']:>9}{row['rps']:>9.1f}{row['p50']:>9.0f}{row['p95']:>9.0f}"
              f"{row['p99']:>9.0f}{row['errors']:>8}"
              + (f"{row.get('read from', {}).get('replica', 0):>9}" if replica else ""))
    sys.stdout.flush()


def print_statuses(title: str, rows: dict[str, dict]) -> None:
    """What each kind got during the restart: 2xx, 503, anything else, and the answers of the replica."""
    print(f"\n{title}")
    print(f"  {'endpoint':<16}{'requests':>9}{'2xx':>7}{'503':>7}{'other':>7}{'replica':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for kind, row in rows.items():
        if kind == "mix":
            continue
        ok, unavailable, other = status_counts(row)
        print(f"  {kind:<16}{row['requests']:>9}{ok:>7}{unavailable:>7}{other:>7}"
              f"{row['read from'].get('replica', 0):>9}{row['p50']:>9.0f}{row['p99']:>9.0f}{row['max']:>9.0f}"
              f"{row['errors']:>8}")
    sys.stdout.flush()


def status_counts(row: dict) -> tuple[int, int, int]:
    """(2xx, 503, anything else: another status or no answer) of a kind's requests."""
    statuses = row.get("statuses", {})
    ok = sum(n for status, n in statuses.items() if status.isdigit() and 200 <= int(status) < 300)
    unavailable = statuses.get("503", 0)
    return ok, unavailable, sum(statuses.values()) - ok - unavailable


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


def baseline(ref: str, figures: int, clients: int, seconds: float, workers: int) -> dict:
    """The same mix at ``clients`` clients against a worktree of ``ref`` with its own database and generator,
    its targets drawn from that database."""
    name = f"tracker_loadtest_{ref[:7]}" + ("" if figures == DEFAULT_FIGURES else f"_{size_label(figures).lower()}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="loadtest-"))
    tree = folder / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True, capture_output=True)
    try:
        env = server_env({"DATABASE_URL": url, "PYTHONPATH": str(tree), "CACHE_KEY_PREFIX": f"loadtest-{ref[:7]}"})
        env.pop("DATABASE_REPLICA_URL", None)
        ensure_database(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True)
        if not _holds(url, figures):
            print(f"Generating {figures:,} records with {ref}'s generator (seed {SEED})...", flush=True)
            subprocess.run([sys.executable, "manage.py", "generate_synthetic", "--figures", str(figures), "--seed",
                            str(SEED), "--force"], cwd=tree, env=env, check=True)
        kinds = mix(read_targets(url))
        key = api_key(tree, env, "Load test")
        collect_static(tree, env)
        server = start(tree, env, workers)
        try:
            headers = dict(HEADERS, Authorization=f"Api-Key {key}")
            probe = random.Random(SEED)
            both = [kind for kind in kinds if server.get(kind[2](probe), headers)[0] == 200]
            print(f"{ref}: the endpoints both answer: {[kind[0] for kind in both]}", flush=True)
            empty_cache()
            return {"ref": ref, "database": name, "kinds": [kind[0] for kind in both],
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


def levels_run(server: Server, kinds, levels: list[int], seconds: float, headers: dict, noop: str,
               workers: int, title: str = "") -> dict[str, dict]:
    """The mix at each level, then the no-op at the same level; the cache emptied before each level, so that every
    level (and the baseline, which runs only the highest) starts from the same cold cache, not from what the level
    before asked with the same seeds."""
    runs = {}
    for clients in levels:
        empty_cache()
        rows = drive(server.port, kinds, clients, seconds, headers)
        rows["no-op (static)"] = drive(server.port, [("no-op (static)", 1, lambda rng: noop)], clients,
                                       min(10, seconds), headers)["no-op (static)"]
        print_table(f"{title}{clients} client(s), {seconds:.0f} s, {workers} workers", rows)
        runs[f"{clients} clients"] = rows
    return runs


def with_replica(pair: tuple[str, str], args, levels: list[int], skip: set[str], release_files: list[str],
                 noop: str) -> dict:
    """The same mix at the same levels on the pair's copy, reads routed to its replica; then the restart."""
    primary, replica = pair
    env = server_env({"DATABASE_URL": primary, "DATABASE_REPLICA_URL": replica})
    key, token = replica_setup.credentials(env)
    replica_setup.wait_replayed(primary, replica)  # the key is read from the replica
    targets = read_targets(primary)
    targets.release_files = release_files
    kinds = mix(targets)
    headers = dict(HEADERS, Authorization=f"Api-Key {key}")
    out: dict = {"primary": primary, "replica": replica}
    server = start(ROOT, env, args.workers)
    try:
        if "replica" not in skip:
            out["runs"] = levels_run(server, kinds, levels, args.duration, headers, noop, args.workers,
                                     "with the replica: ")
        if "restart" not in skip:
            out["restart"] = replica_setup.during_restart(server, [*kinds, replica_setup.write_kind(token)],
                                                          max(levels), headers, args.restart_command, pair)
    finally:
        server.stop_process()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=DEFAULT_FIGURES)
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load per level (default 60).")
    parser.add_argument("--levels", default="1,10,50", help="Concurrent clients, comma-separated.")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--baseline", default="c4414eb", help="A commit to measure the same way (--skip baseline).")
    parser.add_argument("--restart-command", default=os.environ.get("LOADTEST_RESTART_COMMAND") or
                        replica_setup.RESTART_COMMAND, help="Run during the restart phase (default: stop the "
                        "pair's primary for 10 s and start it again).")
    parser.add_argument("--skip", default="", help="Comma-separated: plain (the run without the replica), "
                        "repeated, replica (the run with it), restart, baseline.")
    args = parser.parse_args()
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    unknown = skip - {"plain", "repeated", "replica", "restart", "baseline"}
    if unknown:
        parser.error(f"--skip: unknown part(s) {', '.join(sorted(unknown))}")
    levels = [int(level) for level in args.levels.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = configure(args.figures)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    os.environ.pop("DATABASE_REPLICA_URL", None)  # the run without the replica has none; the other names its own
    ensure_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    os.environ.update(server_env())
    import django

    django.setup()
    from bench.data import prepare_data
    from bench.results import load_average

    print(f"[{size_label(args.figures)}] {url.rsplit('/', 1)[-1]}: preparing the data...", flush=True)
    prepare_data(args.figures, False)
    pair: tuple[str, str] | str | None = None
    if not {"replica", "restart"} <= skip:
        # Before any measurement: a first copy writes gigabytes, which the replica then replays.
        pair = replica_setup.prepare(url)
        if isinstance(pair, str):
            print(f"\nNo run with the replica: {pair}.", flush=True)
    targets = read_targets(url)
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
    noop = files["no-op (static)"]
    if not {"plain", "repeated"} <= skip:
        server = start(ROOT, env, args.workers)  # WhiteNoise lists the static files when it starts
        try:
            if "plain" not in skip:
                results["ceiling"] = drive(server.port, [("no-op (static)", 1, lambda rng: noop)], max(levels),
                                           args.duration / 3, headers)
                results["runs"] = levels_run(server, kinds, levels, args.duration, headers, noop, args.workers)
            if "repeated" not in skip:
                clients = min(10, max(levels))
                same = repeated(server, headers, paths, clients, min(20, args.duration))
                same.update(repeated(server, headers,
                                     {name: path for name, path in files.items() if not name.startswith("no-op")},
                                     clients, min(20, args.duration)))
                print_table(f"repeated, {clients} clients, beside the same bytes as static files", same)
                results["repeated"] = same
        finally:
            server.stop_process()
    if isinstance(pair, str):
        results["replica"] = {"skipped": pair}
    elif pair is not None:
        results["replica"] = with_replica(pair, args, levels, skip, targets.release_files, noop)
        results["restart"] = results["replica"].pop("restart", None)
    if "baseline" not in skip and args.baseline:
        old = baseline(args.baseline, args.figures, max(levels), args.duration, args.workers)
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


if __name__ == "__main__":
    main()
