"""Two trees side by side: the same requests answered byte for byte alike, and no path slower.

    .venv/bin/python -u bench/compare_trees.py [--before 54b349e] [--after HEAD] [--runs 5] [--skip timing,suite]

Each ref is checked out in a ``git worktree`` of its own in a temporary directory (removed at the end); both
run with this venv, each with its worktree as working directory and ``PYTHONPATH``. For each tree a gunicorn
server (one sync worker, ``config.settings.demo`` with DEBUG off, rate limits off, report cache off, caches in
process memory) answers on a free port of 127.0.0.1, against

- the Baghouz demo: a SQLite file of its own per tree (``migrate``, ``loaddata reference demo_baghouz``,
  ``create_demo_accounts``, an API key from ``create_api_key``);
- the synthetic set (a million records): a copy of the bench database (``CREATE DATABASE ... TEMPLATE``,
  ``--synthetic-url``) that both trees read; it is never migrated (``showmigrations`` of each tree is
  recorded), and only an API key and a staff session are added to it.

Then:

1. **Byte identity.** Every list (each format, the first cursor pages), each report with a set of groupings
   and formats, the public pages and their CSV tables, the API root, the vocabularies, the deletions and the
   OpenAPI schema, asked of both servers as an NGO key and as staff (and, on the demo, a confidential key and
   the public), one request after the other. Bodies are compared by SHA-256, a workbook by its cells
   (``openpyxl``: the zip's timestamps differ); nothing else is stripped. Every request sends
   ``Host: testserver`` so that absolute links are the same on both ports.
2. **Timing.** The bench paths (list page, descendant filter, displacement report counted from scratch, admin
   changelist, CSV download) on the synthetic set, old and new queried alternately (ABBA order), ``--runs``
   repeats each; medians and the ratio new/old, flagged when more than 10 % slower.
3. **Test database creation.** ``pytest tests/test_models.py --create-db`` on SQLite in each worktree: its wall
   time, the slowest setup (the test database's creation) and the load average.

Results: a table printed and ``bench/results/compare.md``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import compare_requests  # noqa: E402
from bench.compare_requests import (  # noqa: E402
    HOST,
    Row,
    compare,
    demo_requests,
    explain,
    headers_for,
    kind_of_difference,
    synthetic_requests,
)
from bench.core import Server  # noqa: E402 - the bench's server
from bench.reports import REPORT_SQL as REPORT_SQL_OF  # noqa: E402 - the report's raw SQL (the limit)

REPORT_SQL = REPORT_SQL_OF.format(level="adm1", period="month")

PYTHON = Path(sys.executable)
RESULTS = ROOT / "bench" / "results" / "compare.md"
SYNTHETIC_URL = "postgres://postgres@127.0.0.1:5432/tracker_regress"

# Run inside a tree (cwd and PYTHONPATH the worktree): builds the demo when asked, makes the credentials and
# prints what the requests need as JSON on its last line.
SETUP = r'''
import json, sys
from io import StringIO
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db.models import Count

demo, tag = sys.argv[1] == "demo", sys.argv[2]
if demo:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    call_command("create_demo_accounts", stdout=StringIO())


def key(client, *extra):
    out = StringIO()
    call_command("create_api_key", "--client", client, "--quiet", *extra, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


info = {"keys": {"ngo": key(f"Regression check {tag}")}}
if demo:
    info["keys"]["confidential"] = key(f"Regression check {tag} confidential", "--confidential",
                                       "--user", "demo_admin")
user, created = get_user_model().objects.get_or_create(username="regress-admin",
                                                       defaults={"is_staff": True, "is_superuser": True})
if created:  # once: a new password would end the other tree's session on a shared database
    user.set_unusable_password()
    user.save()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
info["cookie"] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
from tracker.models import DisplacementFigure, Event, Location

if demo:
    places = set(DisplacementFigure.objects.values_list("location__path", flat=True))
    info["places"] = sorted(pk for pk, path in Location.objects.values_list("pk", "path")
                            if any(p.startswith(path) for p in places))
    info["events"] = sorted(Event.objects.values_list("pk", flat=True))
else:
    country = Location.objects.filter(is_synthetic=True, level="country").order_by("pk").first()
    info["country"] = {"pk": country.pk, "iso3": country.iso3}
    adm1 = Location.objects.filter(level="adm1", path__startswith=country.path).order_by("pk").first()
    info["adm1"] = adm1.pk
    info["events"] = list(Event.objects.filter(countries=country).order_by("pk").values_list("pk", flat=True)[:2])
    info["places"] = [country.pk, adm1.pk]
print(json.dumps(info))
'''


def git(*args: str) -> str:
    for _attempt in range(20):
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.strip()
        if "index.lock" not in done.stderr and "lock" not in done.stderr:
            break
        time.sleep(2)
    raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")


@dataclass
class Tree:
    name: str  # "old" or "new"
    ref: str
    path: Path
    commit: str = ""
    subject: str = ""
    info: dict = field(default_factory=dict)

    def env(self, database_url: str | None, server: bool = True) -> dict:
        env = os.environ.copy()
        for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL"):
            env.pop(name, None)
        env["PYTHONPATH"] = str(self.path)
        if not server:  # the test suite: its own settings (config.settings.test), SQLite
            return env
        env.update(PYTHONPATH=str(self.path), DJANGO_SETTINGS_MODULE="config.settings.demo", DEBUG="false",
                   ALLOWED_HOSTS=f"{HOST},127.0.0.1,localhost", REDIS_URL="", REPORT_CACHE_SECONDS="0",
                   API_KEY_RATE="", API_USER_RATE="", API_ANON_RATE="")
        if database_url:
            env["DATABASE_URL"] = database_url
        return env

    def run(self, args: list[str], database_url: str | None, server: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=self.path, env=self.env(database_url, server), capture_output=True,
                              text=True, timeout=900)


class TreeServer(Server):
    """The bench's server, started in a worktree with that tree's environment."""

    def __init__(self, tree: Tree, database_url: str, label: str, logs: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.tree, self.label = tree, label
        self.log = open(logs / f"server-{label}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(PYTHON.with_name("gunicorn")), "config.wsgi:application", "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "900"],
            cwd=tree.path, env=tree.env(database_url), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"The {label} server stopped: see {self.log.name}") from None
                time.sleep(0.2)
        raise SystemExit(f"The {label} server did not start within 90 s.")

    def stop(self) -> None:  # the bench's stop() cancels queries on the bench database: not ours to do
        self.stop_process()


# --- timing -----------------------------------------------------------------------------------------
def timed(server: TreeServer, who: str, path: str, stream: bool) -> tuple[float, int]:
    """Milliseconds of one request (and the rows of a streamed CSV)."""
    headers = headers_for(server.tree.info["synthetic"], who)
    start = time.perf_counter()
    if stream:
        got = server.stream(path, headers, 600)
        status, lines = got["status"], got["lines"]
    else:
        status, lines = server.get(path, headers)[0], 1
    assert status == 200, (server.label, path, status)
    return (time.perf_counter() - start) * 1000, lines - 1


def raw_report_ms(url: str) -> float:
    """The report's limit in bench/README.md: the same GROUP BY as raw SQL, on the same database."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        start = time.perf_counter()
        connection.execute(REPORT_SQL).fetchall()
        return (time.perf_counter() - start) * 1000


def timing(servers: dict, runs: int, url: str) -> list[dict]:
    info = servers["old"].tree.info["synthetic"]
    iso3, country = info["country"]["iso3"], info["country"]["pk"]
    paths = [
        ("list page", "ngo", f"/api/v1/displacement-figures/?{urlencode({'country': iso3, 'date_from': '2019-01-01', 'date_to': '2019-12-31', 'term': 'fled', 'page_size': 100, 'format': 'json'})}", 50),  # noqa: E501
        ("descendant filter", "ngo", f"/api/v1/displacement-figures/?location={country}&page_size=100", 50),
        ("displacement report (counted)", "ngo", "/api/v1/reports/displacement/?group_by=adm1,month", None),
        ("admin changelist", "staff",
         f"/admin/tracker/displacementfigure/?review_status__exact=approved&country={iso3}", 300),
        # One country's rows (about a tenth): the same COPY path as the whole download, in a tenth of the time.
        ("CSV download", "ngo", f"/api/v1/displacement-figures/?country={iso3}&format=csv", None),
    ]
    results = []
    for name, who, path, target in paths:
        times: dict = {"old": [], "new": []}
        rows: dict = {}
        slow = name in ("displacement report (counted)", "CSV download")
        for side in ("old", "new") if not slow else ():  # warm-up (the slow paths are their own warm-up)
            timed(servers[side], who, path, name == "CSV download")
        for repeat in range(runs if slow else 2 * runs + 1):
            for side in ("old", "new") if repeat % 2 == 0 else ("new", "old"):
                ms, rows[side] = timed(servers[side], who, path, name == "CSV download")
                times[side].append(ms)
            if name.startswith("displacement report"):
                times.setdefault("raw SQL", []).append(raw_report_ms(url))
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        result = {"name": name, "path": path, "who": who, "old": old, "new": new, "ratio": new / old,
                  "times": times, "target": target, "rows": rows}
        if "raw SQL" in times:
            result["raw"] = statistics.median(times["raw SQL"])
        if name == "CSV download":
            result["rate"] = {side: rows[side] / (statistics.median(times[side]) / 1000) for side in rows}
        results.append(result)
        print(f"{name:32} old {old:9.1f} ms  new {new:9.1f} ms  new/old {new / old:5.2f}"
              f"{'  SLOWER' if new > 1.1 * old else ''}", flush=True)
    return results


# --- the test database ---------------------------------------------------------------------------------
def suite_time(tree: Tree, tests: str) -> dict:
    target = tree.path / tests
    if not target.exists():
        found = sorted(tree.path.glob(f"tests/**/{Path(tests).name}"))
        target = found[0] if found else target
    load_before = os.getloadavg()
    start = time.perf_counter()
    done = tree.run([str(PYTHON.with_name("pytest")), str(target.relative_to(tree.path)), "-p", "no:cacheprovider",
                     "-q", "--create-db", "--durations=3"], None, server=False)
    seconds = time.perf_counter() - start
    setup = re.findall(r"^([\d.]+)s setup\s+(\S+)", done.stdout, re.M)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return {"tests": str(target.relative_to(tree.path)), "wall": seconds, "setup": setup[:1],
            "summary": summary, "load": (load_before, os.getloadavg())}


# --- the report -----------------------------------------------------------------------------------------
def write_report(trees: dict, rows: list[Row], timings: list[dict], suites: dict, notes: list[str],
                 started: datetime, runs: int) -> str:
    out = [f"# Old and new trees compared ({started:%Y-%m-%d %H:%M} UTC)", "",
           "Written by `bench/compare_trees.py`. Machine: "
           f"{os.cpu_count()} cores, load average at the end {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.", ""]
    for tree in trees.values():
        out.append(f"- **{tree.name}**: `{tree.ref}` = `{tree.commit[:10]}` {tree.subject}")
    out += ["", *notes, "", "## Byte identity", ""]
    for dataset in ("demo", "synthetic"):
        subset = [row for row in rows if row.dataset == dataset]
        if not subset:
            continue
        same = sum(row.same for row in subset)
        out.append(f"- {dataset}: {len(subset)} requests, {same} identical, {len(subset) - same} different")
    out.append("")
    different = [row for row in rows if not row.same]
    if different:
        out += ["### Differences by kind", ""]
        by_kind: dict[str, list[Row]] = {}
        for row in different:
            by_kind.setdefault(kind_of_difference(row) or "other", []).append(row)
        for kind, members in by_kind.items():
            out.append(f"- {kind}: {len(members)} requests")
        out.append("")
        for kind, members in by_kind.items():
            out += [f"### {kind}", ""]
            shown: set = set()
            for row in members:
                pair = (row.old.digest, row.new.digest)
                if kind != "other" and pair in shown:  # the same pair of bodies already explained
                    out.append(f"- {row.dataset} · {row.who} · `{row.path}`: the same two bodies as above")
                    continue
                shown.add(pair)
                out.append(explain(row))
            out.append("")
    out += ["### Every request", "", "| dataset | who | request | status old / new | same | sha256 (old) |",
            "|---|---|---|---|---|---|"]
    for row in rows:
        out.append(f"| {row.dataset} | {row.who} | `{row.path}` | {row.old.status} / {row.new.status} | "
                   f"{'yes' if row.same else '**no**'} | {row.old.digest[:16]} |")
    if timings:
        out += ["", "## Timing (synthetic set, interleaved ABBA, medians)", "",
                f"Old and new servers run at once on their own ports and are asked in turn (old-new, then new-old): "
                f"{runs} runs each for the report and the CSV, {2 * runs + 1} for the others after a warm-up. "
                "The report cache is off (REPORT_CACHE_SECONDS=0): every report is counted from scratch. "
                "Targets as in bench/README.md; the absolute ones mean little at this machine's load.", "",
                "| path | who | old (ms) | new (ms) | new/old | target | verdict |", "|---|---|---|---|---|---|---|"]
        for t in timings:
            target = f"< {t['target']} ms" if t["target"] else ""
            met = "" if not t["target"] else ", ".join(
                f"{side} {'met' if t[side] < t['target'] else 'MISSED'}" for side in ("old", "new"))
            if "raw" in t:
                target = f"<= 1.5x raw SQL ({t['raw']:.0f} ms)"
                met = ", ".join(f"{side} {t[side] / t['raw']:.2f}x {'met' if t[side] <= 1.5 * t['raw'] else 'MISSED'}"
                                for side in ("old", "new"))
            verdict = "**more than 10 % slower**" if t["ratio"] > 1.1 else "within 10 %"
            out.append(f"| {t['name']} | {t['who']} | {t['old']:.1f} | {t['new']:.1f} | {t['ratio']:.2f} | "
                       f"{target} | {verdict}{'; ' + met if met else ''} |")
        out.append("")
        for t in timings:
            runs_text = "; ".join(f"{side}: {', '.join(f'{x:.0f}' for x in t['times'][side])}"
                                  for side in t["times"])
            extra = ""
            if "rate" in t:
                extra = " rows " + ", ".join(f"{s} {t['rows'][s]:,}" for s in t["rows"]) + "; rows/s " + ", ".join(
                    f"{s} {r:,.0f}" for s, r in t["rate"].items())
            out.append(f"- {t['name']} `{t['path']}`: {runs_text} ms.{extra}")
    if suites:
        out += ["", "## Test database creation (SQLite, `--create-db`)", "",
                "| tree | tests | wall (s) | slowest setup (the test database) | result | load average before → after "
                "|",
                "|---|---|---|---|---|---|"]
        for name, s in suites.items():
            setup = f"{s['setup'][0][0]} s ({s['setup'][0][1]})" if s["setup"] else "?"
            load = f"{'/'.join(f'{x:.1f}' for x in s['load'][0])} → {'/'.join(f'{x:.1f}' for x in s['load'][1])}"
            out.append(f"| {name} | `{s['tests']}` | {s['wall']:.1f} | {setup} | {s['summary']} | {load} |")
    return "\n".join(out) + "\n"


def table_parts(sql: str) -> list[str]:
    """The column and constraint clauses of a CREATE TABLE, split at the top-level commas."""
    body = sql[sql.index("(") + 1:sql.rindex(")")]
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    return [*parts, body[start:].strip()]


def sqlite_schemas(work: Path, trees: dict) -> list[str]:
    """How the demo databases that each tree's migrations built differ: tables (columns as a set, and their
    order), indexes and constraints as SQLite stores them."""
    import sqlite3

    def read(tree: Tree) -> dict:
        with sqlite3.connect(work / f"demo-{tree.name}.sqlite3") as db:
            objects = {}
            for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
                                              "'sqlite_%' AND name <> 'django_migrations'"):
                columns = [row[1:] for row in db.execute(f'PRAGMA table_info("{name}")')] if kind == "table" else []
                objects[(kind, name)] = (re.sub(r"\s+", " ", sql or ""), columns)
            return objects

    old, new = read(trees["old"]), read(trees["new"])
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in old or key not in new:
            lines.append(f"{key[0]} `{key[1]}` only in the {'new' if key not in old else 'old'} tree's database")
        elif old[key] != new[key]:
            (old_sql, old_cols), (new_sql, new_cols) = old[key], new[key]
            if key[0] == "table" and sorted(old_cols) == sorted(new_cols):
                same_parts = sorted(table_parts(old_sql)) == sorted(table_parts(new_sql))
                what = ("the same columns and constraints in another order" if same_parts
                        else "the same columns, other constraints")
            else:
                what = "columns differ" if key[0] == "table" else "other definition"
            lines.append(f"{key[0]} `{key[1]}`: {what}\n    old: `{old_sql[:400]}`\n    new: `{new_sql[:400]}`")
    return lines


def demo_url(work: Path, tree: Tree) -> str:
    return "sqlite:///" + str(work / f"demo-{tree.name}.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="54b349e")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated: demo, synthetic, timing, suite")
    parser.add_argument("--synthetic-url", default=SYNTHETIC_URL,
                        help="a copy of the bench database (CREATE DATABASE tracker_regress TEMPLATE tracker_bench)")
    parser.add_argument("--suite-tests", default="tests/test_models.py")
    parser.add_argument("--suite-runs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    started = datetime.now(UTC)
    work = Path(tempfile.mkdtemp(prefix="compare-trees-"))
    bodies = compare_requests.DIFFERENCES = work / "differences"
    bodies.mkdir()
    trees = {"old": Tree("old", args.before, work / "old"), "new": Tree("new", args.after, work / "new")}
    rows: list[Row] = []
    timings: list[dict] = []
    suites: dict = {}
    notes: list[str] = []
    servers: list[TreeServer] = []
    try:
        for tree in trees.values():
            git("worktree", "add", "--detach", str(tree.path), tree.ref)
            tree.commit = git("-C", str(tree.path), "rev-parse", "HEAD")
            tree.subject = git("-C", str(tree.path), "log", "-1", "--format=%s")
        datasets = [d for d in ("demo", "synthetic") if d not in skip]
        if "timing" not in skip and "synthetic" not in datasets:
            datasets.append("synthetic")
        for dataset in datasets:
            for tree in trees.values():
                url = demo_url(work, tree) if dataset == "demo" else args.synthetic_url
                if dataset == "synthetic":
                    shown = tree.run([str(PYTHON), "manage.py", "showmigrations", "tracker"], url)
                    pending = [line for line in shown.stdout.splitlines() if "[ ]" in line]
                    notes.append(f"- {tree.name} tree, `showmigrations tracker` on the synthetic copy: "
                                 + ("all applied" if not pending else "NOT applied: " + "; ".join(pending))
                                 + f" ({len(shown.stdout.splitlines()) - 1} migrations listed)")
                    print(notes[-1], flush=True)
                start = time.perf_counter()
                done = tree.run([str(PYTHON), "-c", SETUP, dataset, tree.name], url)
                if done.returncode:
                    raise SystemExit(f"{tree.name} {dataset} setup failed:\n{done.stderr[-3000:]}")
                tree.info[dataset] = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"{tree.name} {dataset} ready in {time.perf_counter() - start:.1f} s", flush=True)
            if dataset == "demo":
                differences = sqlite_schemas(work, trees)
                notes += ["", "## The demo databases built by each tree's migrations (SQLite)", "",
                          f"{len(differences)} objects differ" + (":" if differences else
                                                                 ": the two schemas are the same."), ""]
                notes += [f"- {line}" for line in differences]
                print("\n".join(notes[-len(differences) - 1:]), flush=True)
            pair = {name: TreeServer(tree, demo_url(work, tree) if dataset == "demo" else args.synthetic_url,
                                     f"{dataset}-{name}", work) for name, tree in trees.items()}
            servers += pair.values()
            if dataset not in skip:
                build = demo_requests if dataset == "demo" else synthetic_requests
                paged, other = build(trees["old"].info[dataset])
                compare(pair, dataset, paged, rows, follow=3 if dataset == "demo" else 1)
                compare(pair, dataset, other, rows)
            if dataset == "synthetic" and "timing" not in skip:
                timings = timing(pair, args.runs, args.synthetic_url)
            for server in pair.values():
                server.stop()
        if "suite" not in skip:
            for repeat in range(args.suite_runs):  # taking turns, as the servers do
                for tree in (trees["old"], trees["new"]) if repeat % 2 == 0 else (trees["new"], trees["old"]):
                    label = f"{tree.name} ({repeat + 1})"
                    suites[label] = suite_time(tree, args.suite_tests)
                    print(f"suite {label}: {suites[label]}", flush=True)
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.stop()
        for tree in trees.values():
            if tree.path.exists():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree.path)],
                               capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)
    report = write_report(trees, rows, timings, suites, notes, started, args.runs)
    args.out.write_text(report)
    different = [row for row in rows if not row.same]
    print(f"\n{len(rows)} requests, {len(different)} different; details in {args.out}, bodies in {bodies}")
    for row in different:
        print(f"  DIFFERENT {row.dataset} {row.who} {row.path} ({row.old.status}/{row.new.status})")


if __name__ == "__main__":
    main()
