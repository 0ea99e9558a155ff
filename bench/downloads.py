"""Whole data sets leaving the server: the CSV of everything a key sees, one country as GeoJSON and as XLSX, and a
first sync that follows the cursors through every page. Each beside ``psql``'s ``COPY (the same SELECT) TO
STDOUT``, the fastest PostgreSQL hands those rows to a client, with the server's peak memory."""

from __future__ import annotations

import json
import os
import re
import statistics
import tempfile
import time
import zipfile
from urllib.parse import urlencode, urlsplit

from bench.core import PeakMemory, Result, Server, captured, main_select, median_ms, psql_copy

BUDGET = float(os.environ.get("BENCH_CSV_BUDGET", "150"))  # seconds per download at most
MEMORY_BOUND_MB = 300


def served_select(path: str, key: str) -> str:
    """The SELECT behind a download: the COPY's when the server starts with one (before its first chunk), else the
    main SELECT of the whole request run in this process."""
    first = captured(path, key=key, first_chunk_only=True)
    if any(sql.lstrip().upper().startswith("COPY") for sql in first):
        return main_select(first)
    return main_select(captured(path, key=key))


def bench_csv(server: Server, creds: dict, runs: int) -> Result:
    path = "/api/v1/displacement-figures/?format=csv"
    rates, peaks, rows, complete = [], [], 0, True
    for _ in range(runs):
        with PeakMemory(server) as memory:
            got = server.stream(path, creds["api_headers"], BUDGET)
        assert got["status"] == 200, got
        rows, complete = got["lines"] - 1, got["complete"]
        rates.append(rows / got["seconds"])
        peaks.append(memory.peak)
        if not complete:
            break  # one capped run is enough to know it is too slow
    rate = statistics.median(rates)
    select = served_select(path, creds["key"])
    copy_rate, copy_rows = psql_copy(select, max(3, runs))
    peak = max(peaks)
    ratio = rate / copy_rate if copy_rate else None
    seen = f"all {rows:,}" if complete else f"the first {rows:,} (stopped after {BUDGET:.0f} s) of the"
    return Result("CSV download", f"rows/second, {seen} displacement figures an NGO key sees", rate,
                  "rows/s", copy_rate, "psql COPY of the same SELECT", ratio, "of COPY's rate",
                  f">= 0.7 of COPY, server < {MEMORY_BOUND_MB} MB",
                  bool(ratio and ratio >= 0.7 and peak < MEMORY_BOUND_MB),
                  {"server peak RSS (MB)": round(peak, 1), "COPY rows": copy_rows,
                   "runs (rows/s)": [round(r) for r in rates], "select": select[:300] + "..."})


def bench_geojson(server: Server, creds: dict, filters: dict, runs: int) -> Result:
    """One country's displacement figures as GeoJSON: features a second against COPY's rows a second."""
    path = f"/api/v1/displacement-figures/?{urlencode({'country': filters['iso3'], 'format': 'geojson'})}"
    rates, peaks, features, seconds = [], [], 0, []
    for _ in range(runs):
        body = bytearray()
        with PeakMemory(server) as memory:
            got = server.stream(path, creds["api_headers"], BUDGET, sink=body.extend)
        assert got["status"] == 200, {k: v for k, v in got.items()}
        if got["complete"]:
            features = len(json.loads(bytes(body))["features"])
        else:  # stopped early: count the features received
            features = body.count(b'"Feature"')
        seconds.append(got["seconds"])
        rates.append(features / got["seconds"])
        peaks.append(memory.peak)
        if not got["complete"]:
            break
    rate, peak = statistics.median(rates), max(peaks)
    copy_rate, copy_rows = psql_copy(served_select(path, creds["key"]), max(3, runs))
    ratio = rate / copy_rate if copy_rate else None
    return Result("GeoJSON download", f"features/second, the {features:,} displacement figures of {filters['iso3']} "
                  "an NGO key sees", rate, "rows/s", copy_rate, "psql COPY of the same SELECT", ratio,
                  "of COPY's rate", f">= 0.5 of COPY, server < {MEMORY_BOUND_MB} MB",
                  bool(ratio and ratio >= 0.5 and peak < MEMORY_BOUND_MB),
                  {"server peak RSS (MB)": round(peak, 1), "COPY rows": copy_rows,
                   "seconds": [round(s, 2) for s in seconds], "MB": round(len(body) / 1e6, 1), "path": path})


def sheet_rows(workbook_path: str) -> int:
    """Rows of the first sheet of a workbook, its header included: ``<row`` elements counted as it unzips."""
    with zipfile.ZipFile(workbook_path) as archive:
        sheet = next(name for name in archive.namelist() if re.match(r"xl/worksheets/sheet\d*\.xml$", name))
        count, tail = 0, b""
        with archive.open(sheet) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                count += data.count(b"<row ") + data.count(b"<row>")
                tail = data[-5:]
                count -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again with the next chunk
        return count + tail.count(b"<row ") + tail.count(b"<row>")


def bench_xlsx(server: Server, creds: dict, filters: dict, runs: int) -> list[Result]:
    """One country's displacement figures as XLSX: seconds to the first byte, and rows a second against COPY."""
    path = f"/api/v1/displacement-figures/?{urlencode({'country': filters['iso3'], 'format': 'xlsx'})}"
    firsts, rates, peaks, rows, totals = [], [], [], 0, []
    for _ in range(runs):
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
            with PeakMemory(server) as memory:
                got = server.stream(path, creds["api_headers"], BUDGET, sink=file.write)
            file.flush()
            assert got["status"] == 200, got
            rows = sheet_rows(file.name) - 1 if got["complete"] else 0
        firsts.append((got["first_byte"] or got["seconds"]) * 1000)
        totals.append(got["seconds"])
        rates.append(rows / got["seconds"] if rows else 0.0)
        peaks.append(memory.peak)
        if not got["complete"]:
            break
    first, rate, peak = statistics.median(firsts), statistics.median(rates), max(peaks)
    copy_rate, copy_rows = psql_copy(served_select(path, creds["key"]), max(3, runs))
    extra = {"server peak RSS (MB)": round(peak, 1), "rows": rows, "COPY rows": copy_rows,
             "whole download (s)": [round(s, 1) for s in totals], "path": path}
    ratio = rate / copy_rate if copy_rate else None
    return [
        Result("XLSX download, first byte", f"ms to the first byte, the displacement figures of {filters['iso3']}",
               first, "ms", None, "", None, "", "< 2 s, server < 300 MB", first < 2000 and peak < MEMORY_BOUND_MB,
               extra),
        Result("XLSX download, rate", f"rows/second, the {rows:,} rows of the same workbook", rate, "rows/s",
               copy_rate, "psql COPY of the same SELECT", ratio, "of COPY's rate", "none (shown)", None, {}),
    ]


def bench_sync(server: Server, creds: dict, runs: int, deep: int = 500) -> list[Result]:
    """A first sync: every displacement figure an NGO key sees, in the sync order, 1,000 a page, following each
    page's ``next`` link. Then page 1 and page ``deep`` again, each alone (their addresses kept from the walk)."""
    headers = creds["api_headers"]
    path = "/api/v1/displacement-figures/?page_size=1000"
    pages: list[tuple[str, int, float]] = []  # (path, rows, seconds)
    started = time.perf_counter()
    while path:
        began = time.perf_counter()
        status, body = server.get(path, headers)
        seconds = time.perf_counter() - began
        assert status == 200, (path, status, body[:300])
        page = json.loads(body)
        pages.append((path, len(page["results"]), seconds))
        path = None
        if page.get("next"):
            link = urlsplit(page["next"])
            path = f"{link.path}?{link.query}"
        if len(pages) % 100 == 0:
            print(f"    sync: {len(pages)} pages, {sum(p[1] for p in pages):,} rows, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    total_rows, total_seconds = sum(p[1] for p in pages), sum(p[2] for p in pages)
    tenth = max(1, len(pages) // 10)

    def rate(part):
        return sum(p[1] for p in part) / max(sum(p[2] for p in part), 1e-9)

    first_rate, last_rate = rate(pages[:tenth]), rate(pages[-tenth:])
    whole = total_rows / total_seconds
    select = re.sub(r"\s+LIMIT\s+\d+\s*$", "", main_select(captured(pages[0][0], key=creds["key"])))
    copy_rate, copy_rows = psql_copy(select, 3)
    deep_index = min(deep, len(pages)) - 1
    if pages[deep_index][1] < 1000 and deep_index > 0:
        deep_index -= 1  # a full page: the last one may hold a few rows
    first_ms, first_times = median_ms(lambda: server.get(pages[0][0], headers), runs, warmup=1)
    deep_ms, deep_times = median_ms(lambda: server.get(pages[deep_index][0], headers), runs, warmup=1)
    flat = last_rate >= first_rate / 1.5
    return [
        Result("sync, page 1", "median latency of the first page of 1,000 (sync order, JSON)", first_ms, "ms",
               None, "", None, "", "none (page 500's reference)", None, {"runs (ms)": [round(t) for t in first_times]}),
        Result(f"sync, page {deep}", f"median latency of page {deep_index + 1} of 1,000, reached through the cursors"
               + ("" if deep_index + 1 == deep else f" (the last full page: there is no page {deep} at this size)"),
               deep_ms, "ms", first_ms, "page 1 in this run", deep_ms / first_ms, "x page 1",
               "within 1.5x page 1", deep_ms <= 1.5 * first_ms,
               {"runs (ms)": [round(t) for t in deep_times], "pages in the walk": len(pages)}),
        Result("sync, whole first sync", f"rows/second of all {total_rows:,} rows an NGO key sees, {len(pages)} "
               "pages of 1,000", whole, "rows/s", copy_rate, "psql COPY of the same SELECT",
               whole / copy_rate if copy_rate else None, "of COPY's rate",
               "linear: the last tenth's rate within 1.5x of the first's", flat,
               {"first tenth (rows/s)": round(first_rate), "last tenth (rows/s)": round(last_rate),
                "walk (s)": round(total_seconds, 1), "COPY rows": copy_rows}),
    ]
