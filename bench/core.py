"""What every benchmark of ``bench/run.py`` shares: settings, the result row, timing, the server, raw SQL.

The *limits* beside each figure run the way the application runs: raw SQL goes through a psycopg connection made
from Django's own connection parameters (``-c jit=off`` as ``config/settings/base.py`` sets it, client-side
binding, ``prepare_threshold=None``: no statement is prepared, as none is in a request), so that a ratio measures
what the application adds and not a difference of settings.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_FIGURES = 1_000_000
SEED = 2026
PORT = int(os.environ.get("BENCH_PORT", "0"))  # 0: a free port


def size_label(figures: int) -> str:
    """``1M``, ``100k``, ``2500``: how a data set's size is named in results and database names."""
    if figures % 1_000_000 == 0:
        return f"{figures // 1_000_000}M"
    if figures % 1_000 == 0:
        return f"{figures // 1_000}k"
    return str(figures)


def default_url(figures: int) -> str:
    """``tracker_bench`` holds the million records; another size gets a database of its own (``tracker_bench_100k``),
    so that measuring at 100k never replaces the million others read."""
    name = "tracker_bench" if figures == DEFAULT_FIGURES else f"tracker_bench_{size_label(figures).lower()}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def database_url() -> str:
    return os.environ["DATABASE_URL"]


def configure(figures: int) -> str:
    """The environment of the run: PostgreSQL (``BENCH_DATABASE_URL``, else the size's own database), DEBUG and
    rate limits off, the server's caches in Redis."""
    url = os.environ.get("BENCH_DATABASE_URL") or ""
    url = url if url.startswith(("postgres://", "postgresql://")) else default_url(figures)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["DEBUG"] = "false"  # no query log, no debug toolbar-like overhead: as in production
    for rate in ("API_KEY_RATE", "API_USER_RATE", "API_ANON_RATE"):
        os.environ[rate] = ""  # rate limits off: the benchmark is not an abuser
    # The server's caches live in Redis, as in production, so that a report or a page can be measured with its
    # cache emptied before each request (counted from scratch) and again when it is repeated (from the cache).
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
        os.environ["REDIS_URL"], os.environ["CACHE_KEY_PREFIX"] = redis_url, "tracker-bench"
    except Exception as error:  # noqa: BLE001 - any failure means: no Redis for this run
        print(f"No Redis at {redis_url} ({error}): reports and pages are measured uncached only.", flush=True)
        os.environ["REPORT_CACHE_SECONDS"] = "0"
    return url


def redis_available() -> bool:
    return bool(os.environ.get("REDIS_URL"))


def empty_cache() -> None:
    """Empty the server's Redis cache (its database holds nothing else): the next request computes afresh."""
    if redis_available():
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"Creating database {name}...", flush=True)
            connection.execute(f'CREATE DATABASE "{name}"')


# --- results -------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    measure: str  # what the figure is
    value: float
    unit: str
    limit: float | None = None  # the same work done by PostgreSQL alone (or the figure a goal compares with)
    limit_label: str = ""
    ratio: float | None = None
    ratio_label: str = ""
    target: str = ""
    passed: bool | None = None
    extra: dict = field(default_factory=dict)
    bench: str = ""  # the benchmark of run.py that measured it (a partial run replaces that benchmark's rows)


def latency(name: str, measure: str, median: float, limit: float | None, limit_label: str, target: str,
            passed: bool, extra: dict, ratio_label: str = "x the SQL") -> Result:
    """A latency in ms beside its limit, the ratio computed."""
    return Result(name, measure, median, "ms", limit, limit_label, median / limit if limit else None, ratio_label,
                  target, passed, extra)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("rows/s", "records/s"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}".strip()


def verdict(result: Result) -> str:
    return "-" if result.passed is None else "pass" if result.passed else "FAIL"


# --- timing --------------------------------------------------------------------------------------
def median_ms(fn, runs: int, warmup: int = 2) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def adaptive_ms(fn, runs: int, slow_ms: float = 5_000) -> tuple[float, int]:
    """Median of ``runs`` timed calls after one warm-up; 3 runs when the warm-up was slower than ``slow_ms``."""
    start = time.perf_counter()
    fn()
    if (time.perf_counter() - start) * 1000 > slow_ms:
        runs = 3
    median, times = median_ms(fn, runs, warmup=0)
    return median, len(times)


def prepared_ms(prepare, fn, runs: int) -> tuple[float, list[float]]:
    """Median of ``fn()`` timed alone, ``prepare()`` (untimed) before each run: e.g. a cache emptied."""
    times = []
    for _ in range(runs):
        prepare()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


# --- raw SQL, as the application runs it -----------------------------------------------------------
def raw_connection():
    """A psycopg connection with Django's own connection parameters: the JIT setting of the settings
    (``-c jit=off``), client-side binding, no prepared statements (``prepare_threshold=None``); autocommit."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params["prepare_threshold"] = None
    return psycopg.connect(**params, autocommit=True)


def raw_settings() -> str:
    """How the raw limits ran, for the results: the JIT setting and that nothing was prepared."""
    with raw_connection() as connection:
        jit = connection.execute("SHOW jit").fetchone()[0]
    return f"jit={jit}, unprepared (prepare_threshold=None), client-side binding: as a request runs them"


def raw_ms(statements: list[str], runs: int, warmup: int = 1) -> float:
    """Median time of running these statements raw, on one connection (fetching every row)."""
    with raw_connection() as connection:
        def run():
            for sql in statements:
                cursor = connection.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        return median_ms(run, runs, warmup=warmup)[0]


def psql_copy(select: str, runs: int) -> tuple[float, int]:
    """(median rows/s, rows) of ``psql -c "COPY (select) TO STDOUT WITH CSV"`` with the application's JIT
    setting: PostgreSQL's own fastest way to hand these rows to a client."""
    import shutil

    from django.db import connection

    env = dict(os.environ, PGOPTIONS=connection.get_connection_params().get("options", ""))
    rates, rows = [], 0
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        done = subprocess.run([shutil.which("psql"), database_url(), "-X", "-q", "-c",
                               f"COPY ({select}) TO STDOUT WITH CSV"], capture_output=True, check=True, env=env)
        seconds = time.perf_counter() - start
        rows = done.stdout.count(b"\n")
        rates.append(rows / seconds)
    return statistics.median(rates), rows


def captured(path: str, *, key: str | None = None, user=None, first_chunk_only: bool = False) -> list[str]:
    """The SQL a request runs, from Django's test client in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = {}
    if key:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    if user is not None:
        client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, **headers)
        if response.streaming:
            stream = iter(response.streaming_content)
            next(stream, None)
            if not first_chunk_only:
                for _ in stream:
                    pass
            response.close()
    assert response.status_code == 200, (path, response.status_code, getattr(response, "content", b"")[:500])
    return [query["sql"] for query in context.captured_queries]


def data_statements(statements: list[str]) -> list[str]:
    """The queries that read the data (not sessions, keys, users, savepoints)."""
    skip = ("django_session", "auth_user", "rest_framework_api_key", "tracker_apikey", "SAVEPOINT", "RELEASE")
    return [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "DECLARE", "WITH"))
            and not any(word in sql for word in skip)]


def main_select(statements: list[str], table: str = "tracker_displacementfigure") -> str:
    """The SELECT that reads a list's rows (prefetches of related rows left out): the COPY's inner SELECT when the
    server copies, else the longest SELECT of the table."""
    import re

    copies = [re.sub(r"^\s*COPY\s*\((.*)\)\s*TO\s+STDOUT.*$", r"\1", sql, flags=re.I | re.S)
              for sql in statements if sql.lstrip().upper().startswith("COPY")]
    candidates = copies or [sql for sql in data_statements(statements)
                            if f'FROM "{table}"' in sql and "_prefetch_related_val" not in sql]
    select = max(candidates, key=len)
    return re.sub(r"^\s*DECLARE\s+\S+\s+(NO\s+SCROLL\s+)?CURSOR\s+(WITH(OUT)?\s+HOLD\s+)?FOR\s+", "", select,
                  flags=re.I)


# --- the server ----------------------------------------------------------------------------------
class Server:
    """Gunicorn with one sync worker on a free port, as in production: one worker process (its database
    connection kept between requests, ``CONN_MAX_AGE``), whose memory we can watch. The load test runs more
    workers, and another tree (``cwd``) with its own environment."""

    def __init__(self, port: int = PORT, *, workers: int = 1, cwd: Path = ROOT, env: dict | None = None):
        if not port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        self.port = port
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(RESULTS_DIR / "server.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application", "--workers", str(workers),
             "--bind", f"127.0.0.1:{port}", "--timeout", "900",
             "--access-logfile", "-" if workers == 1 else "/dev/null"],
            cwd=cwd, env=env or os.environ.copy(), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"The server stopped: see {self.log.name}") from None
                time.sleep(0.2)
        raise SystemExit("The server did not start within a minute.")

    def rss_mb(self) -> float:
        """Resident memory of the server: the master and its worker together."""
        pids = [self.process.pid]
        try:
            pids += [int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
                     .read_text().split()]
        except OSError:
            pass
        total = 0.0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                continue
        return total

    def get(self, path: str, headers: dict, timeout: float = 600) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, body

    def stream(self, path: str, headers: dict, budget: float, sink=None) -> dict:
        """A streamed body read in 256 KB chunks for at most ``budget`` seconds: its status, newline count, size,
        seconds to the first byte of the body and in all, and whether it was read to the end. ``sink(chunk)``
        receives each chunk."""
        lines = size = 0
        complete, status, first = True, 200, None
        start = time.perf_counter()
        deadline = start + budget
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=budget)
        try:
            connection.request("GET", path, headers=headers)
            sock = connection.sock  # the response reads from it; http.client drops its own reference
            response = connection.getresponse()
            status = response.status
            while True:
                sock.settimeout(max(0.05, deadline - time.perf_counter()))
                chunk = response.read1(1 << 18)
                if not chunk:
                    break
                if first is None:
                    first = time.perf_counter() - start
                lines += chunk.count(b"\n")
                size += len(chunk)
                if sink:
                    sink(chunk)
                if time.perf_counter() > deadline:
                    complete = False
                    break
        except TimeoutError:
            complete = False
        connection.close()
        return {"status": status, "lines": lines, "bytes": size, "first_byte": first,
                "seconds": time.perf_counter() - start, "complete": complete}

    def stop(self) -> None:
        self.stop_process()
        # A request the client gave up on may still run in PostgreSQL: cancel what the server left behind.
        import psycopg

        with psycopg.connect(database_url(), autocommit=True) as connection:
            connection.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = "
                               "current_database() AND pid <> pg_backend_pid() AND state = 'active'")

    def stop_process(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class PeakMemory:
    """Samples the server's resident memory every 20 ms while a block runs."""

    def __init__(self, server: Server):
        self.server, self.peak, self.running = server, 0.0, False

    def __enter__(self):
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
