"""Results: each run's rows kept as JSON per size (``bench/results/1M.json``, ``100k.json``), and
``bench/results/latest.md`` written from every size there, side by side, with the growth between the sizes."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.core import RESULTS_DIR, SEED, Result, database_url, fmt, size_label, verdict

LATEST = RESULTS_DIR / "latest.md"
# Rows whose goal includes the growth from the smaller size to the larger: (name prefix, largest growth).
GROWTH_GOALS = (("search, list", 1.5),)


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    free = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout.strip()
    return {"cpu": model.group(1) if model else platform.processor(), "cores": os.cpu_count(), "free": free,
            "load": load_average(), "python": platform.python_version()}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def save_run(results: list[Result], facts: dict, started: float, load_before: str, partial: bool,
             measured: set[str]) -> Path:
    """This run's rows and circumstances as ``bench/results/<size>.json``. A partial run (``--only``) keeps the
    rows of the last run's benchmarks that it did not run (``measured``: the benchmarks it ran)."""
    figures = facts["figures"]
    path = RESULTS_DIR / f"{size_label(figures)}.json"
    rows = [asdict(r) for r in results]
    if partial and path.exists():
        names = {r.name for r in results}
        rows = [r for r in json.loads(path.read_text())["results"]
                if r.get("bench", "") not in measured and r["name"] not in names] + rows
    info = machine()
    run = {
        "figures": figures, "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "seconds": round(time.perf_counter() - started), "partial": partial,
        "machine": f"{info['cpu']}, {info['cores']} cores", "free": info["free"],
        "load": [load_before, info["load"]], "postgres": postgres_version(),
        "host": urlsplit(database_url()).hostname, "python": info["python"], "counts": facts["counts"],
        "raw": facts.get("raw", ""), "search words": facts.get("words", []), "results": rows,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=1, default=str) + "\n")
    return path


def load_runs() -> list[dict]:
    runs = []
    for path in RESULTS_DIR.glob("*.json"):
        try:
            run = json.loads(path.read_text())
        except ValueError:
            continue
        if isinstance(run, dict) and "figures" in run and "results" in run:
            runs.append(run)
    return sorted(runs, key=lambda run: run["figures"])


def cell(row: dict | None) -> str:
    if row is None:
        return "-"
    text = fmt(row["value"], row["unit"])
    if row["limit"] is not None:
        text += f" (limit {fmt(row['limit'], row['unit'])}"
        if row["ratio"] is not None:
            text += f"; {row['ratio']:{'.2f' if row['ratio'] >= 0.01 else '.2g'}} {row['ratio_label']}"
        text += ")"
    return text


def growth_goal(name: str) -> float | None:
    return next((bound for prefix, bound in GROWTH_GOALS if name.startswith(prefix)), None)


def write_latest() -> str:
    """``latest.md`` from every size measured: a column per size, the growth from the smallest to the largest,
    and each size's verdict (growth goals judged at the largest)."""
    runs = load_runs()
    if not runs:
        return ""
    labels = [size_label(run["figures"]) for run in runs]
    by_size = [{row["name"]: row for row in run["results"]} for run in runs]
    names: list[str] = []
    for rows in reversed(by_size):  # the largest size's order first, the generator (run first) on top
        names += [name for name in rows if name not in names]
    names.sort(key=lambda name: name != "generator")
    largest = runs[-1]
    sizes = " and ".join(f"{run['figures']:,}" for run in runs)
    lines = [f"# Benchmarks at {sizes} records", ""]
    for label, run in zip(labels, runs, strict=True):
        lines += [
            f"**{label}** ({run['figures']:,} records{', a partial run' if run.get('partial') else ''}):",
            f"- Date: {run['date']}; whole run {run['seconds']:,} s",
            f"- Machine: {run['machine']}; load average before/after: {run['load'][0]} / {run['load'][1]}",
            f"- PostgreSQL {run['postgres']} at {run['host']}; Python {run['python']}; server: gunicorn, 1 sync "
            "worker, DEBUG off, rate limits off",
            f"- Data: {', '.join(f'{n:,} {name}' for name, n in run['counts'].items())} (synthetic, seed {SEED})",
            f"- Raw SQL limits: {run['raw']}",
        ]
        if run.get("search words"):
            lines.append("- Search words: " + "; ".join(
                f"{w['share']}: `{w['word']}` in {w['records']:,} displacement figures ({w['percent']} %)"
                for w in run["search words"]))
        lines.append("")
    lines += ["```", largest["free"], "```", ""]
    header = ["benchmark", "figure", *labels]
    if len(runs) > 1:
        header.append(f"growth {labels[0]} → {labels[-1]}")
    header += ["target", *(f"result {label}" for label in labels)]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in names:
        rows = [rows.get(name) for rows in by_size]
        shown = next(row for row in reversed(rows) if row)
        cells = [name, shown["measure"], *(cell(row) for row in rows)]
        growth = None
        if len(runs) > 1:
            if rows[0] and rows[-1] and rows[0]["value"]:
                growth = rows[-1]["value"] / rows[0]["value"]
            cells.append(f"{growth:.2f}x" if growth is not None else "-")
        cells.append(shown["target"])
        for index, row in enumerate(rows):
            if row is None:
                cells.append("-")
                continue
            result = verdict(Result(**{k: v for k, v in row.items() if k in Result.__dataclass_fields__}))
            bound = growth_goal(name)
            if bound and index == len(rows) - 1 and growth is not None and row["passed"] is not None:
                result = "pass" if row["passed"] and growth < bound else "FAIL"
            cells.append(result)
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    lines += ["", "## Details", ""]
    for label, rows in zip(labels, by_size, strict=True):
        lines += [f"### {label}", ""]
        for row in rows.values():
            if row["extra"]:
                lines.append(f"- **{row['name']}**: " + "; ".join(f"{k}: `{v}`" for k, v in row["extra"].items()))
        lines.append("")
    lines += loadtest_section()
    text = "\n".join(lines)
    LATEST.write_text(text)
    return text


def loadtest_section() -> list[str]:
    """The last ``make loadtest`` (bench/loadtest.py), when there is one: each level's table, the repeated pages
    beside the same bytes as static files, the same levels with the read replica (and how many answers came from
    it) beside those without, what clients got while the replica pair's primary restarted, and the baseline
    commit under the same load."""
    path = RESULTS_DIR / "loadtest.json"
    if not path.exists():
        return []
    run = json.loads(path.read_text())
    lines = ["## Load test (`make loadtest`)", "",
             f"{run['date']}; {run['figures']:,} records; gunicorn, {run['workers']} sync workers, production "
             f"settings, caches in Redis (emptied before each level), rate limits off; "
             f"{run['duration']:.0f} s per level; load average before/after: {run['load before']} / "
             f"{run.get('load after', '-')}", ""]

    def table(title: str, rows: dict) -> list[str]:
        routed = any(row.get("read from") for row in rows.values())
        out = [f"**{title}**", "", "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |"
               + (" from the replica |" if routed else ""),
               "|---|---|---|---|---|---|---|" + ("---|" if routed else "")]
        for kind, row in rows.items():
            out.append(f"| {kind} | {row['requests']:,} | {row['rps']:.1f} | {row['p50']:.0f} | {row['p95']:.0f} | "
                       f"{row['p99']:.0f} | {row['errors']} |"
                       + (f" {row.get('read from', {}).get('replica', 0):,} |" if routed else ""))
        return [*out, ""]

    for title, rows in run["runs"].items():
        lines += table(title, rows)
    if run.get("repeated"):
        lines += table("Repeated, beside the same bytes served as static files", run["repeated"])
    replica = run.get("replica") or {}
    if replica.get("skipped"):
        lines += [f"**With the read replica**: not run: {replica['skipped']}.", ""]
    if replica.get("runs"):
        lines += [f"**With the read replica**: `DATABASE_URL` the pair's primary "
                  f"(`{replica['primary'].rsplit('@', 1)[-1]}`), `DATABASE_REPLICA_URL` its streaming replica "
                  f"(`{replica['replica'].rsplit('@', 1)[-1]}`), a copy of the same data on the same machine; "
                  "`X-Read-From` counted per answer", ""]
        lines += side_by_side(run["runs"], replica["runs"])
        for title, rows in replica["runs"].items():
            lines += table(f"{title}, with the replica", rows)
    if run.get("restart"):
        lines += restart_table(run["restart"])
    if run.get("baseline"):
        old = run["baseline"]
        lines += table(f"{old['ref']} under the highest level (the endpoints both answer: "
                       f"{', '.join(old['kinds'])})", old["rows"])
    return lines


def side_by_side(without: dict, with_replica: dict) -> list[str]:
    """The mix at each level without and with the replica, and the share of its answers the replica gave."""
    out = ["| level | req/s without | req/s with | p50 ms without / with | p99 ms without / with | errors without "
           "/ with | answers from the replica |", "|---|---|---|---|---|---|---|"]
    for level, rows in with_replica.items():
        mix, before = rows["mix"], (without.get(level) or {}).get("mix")
        answered = sum(mix.get("read from", {}).values())
        share = f"{mix.get('read from', {}).get('replica', 0):,} of {answered:,}" if answered else "-"
        if before:
            out.append(f"| {level} | {before['rps']:.1f} | {mix['rps']:.1f} | {before['p50']:.0f} / {mix['p50']:.0f} "
                       f"| {before['p99']:.0f} / {mix['p99']:.0f} | {before['errors']} / {mix['errors']} | {share} |")
        else:
            out.append(f"| {level} | - | {mix['rps']:.1f} | - / {mix['p50']:.0f} | - / {mix['p99']:.0f} | "
                       f"- / {mix['errors']} | {share} |")
    return [*out, ""]


def restart_table(restart: dict) -> list[str]:
    """What each kind got while the primary was down: reads should all be 2xx (from the replica), writes and sync
    2xx or 503."""
    rows = restart.get("rows", restart)
    tolerated = ("write", "sync")
    out = [f"**During the primary's restart**: `{restart.get('command', '')}` from {restart.get('down after', '?')} s "
           f"into {restart.get('seconds', '?')} s of load at {restart.get('clients', '?')} clients (the mix, "
           "plus an analyst's write: saving a query); reads must answer 2xx, writes and sync 2xx or 503", "",
           "| endpoint | requests | 2xx | 503 | other | from the replica | p50 ms | p99 ms | max ms | verdict |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for kind, row in rows.items():
        if kind == "mix":
            continue
        statuses = row.get("statuses", {})
        ok = sum(n for status, n in statuses.items() if status.isdigit() and 200 <= int(status) < 300)
        unavailable = statuses.get("503", 0)
        other = sum(statuses.values()) - ok - unavailable
        passed = other == 0 and (unavailable == 0 or kind in tolerated)
        others = ", ".join(f"{status}: {n}" for status, n in statuses.items()
                           if status != "503" and not (status.isdigit() and 200 <= int(status) < 300))
        out.append(f"| {kind} | {row['requests']:,} | {ok:,} | {unavailable:,} | {other:,}"
                   f"{f' ({others})' if others else ''} | {row.get('read from', {}).get('replica', 0):,} | "
                   f"{row['p50']:.0f} | {row['p99']:.0f} | {row.get('max', float('nan')):.0f} | "
                   f"{'pass' if passed else 'FAIL'} |")
    out.append("")
    if restart.get("tracebacks"):
        out += [f"The server logged {restart['tracebacks']} traceback(s) meanwhile; the first:", "", "```",
                "Traceback (most recent call last):" + restart.get("first traceback", ""), "```", ""]
    return out
