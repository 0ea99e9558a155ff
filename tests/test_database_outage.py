"""A database outage is a 503 with Retry-After, then the app recovers by itself (docs/security.md, "Error format").

A real PostgreSQL goes down under a real server: the test starts a throwaway cluster of its own (own data
directory, own port; never the shared one), migrates it, serves the app from it in a subprocess, then stops the
cluster with ``pg_ctl stop -m fast`` (what a restart does to open connections) and starts it again. Without
PostgreSQL's server binaries (initdb, pg_ctl) the test skips with a notice, and fails under CI=true.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, require

ROOT = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or ([shutil.which("pg_ctl")] if shutil.which(
        "pg_ctl") else [])
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as the ``postgres`` user when the tests run as root."""

    def __init__(self, bindir: Path, directory: Path):
        self.bindir, self.directory, self.port = bindir, directory, free_port()
        self.data, self.log = directory / "data", directory / "server.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.directory, user="postgres")
        self.run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                 f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self.run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served_from_own_cluster():
    bindir = _pg_bin()
    require(bindir is not None and (bindir / "initdb").exists(),
             "PostgreSQL's server binaries (initdb, pg_ctl) not found: install the 'postgresql' package to run the "
             "database outage test")
    directory = Path(tempfile.mkdtemp(prefix="tracker-outage-"))
    cluster = Cluster(bindir, directory)
    server = None
    try:
        cluster.init()
        cluster.start()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DEBUG": "false",
               "DATABASE_URL": cluster.url, "CONN_MAX_AGE": "600", "API_KEY_RATE": "", "API_ANON_RATE": "",
               "REDIS_URL": ""}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT, timeout=300,
                       capture_output=True)
        key = subprocess.run([*manage, "create_api_key", "--client", "Outage NGO", "--quiet"], env=env, check=True,
                             cwd=ROOT, capture_output=True, text=True, timeout=120).stdout.strip().splitlines()[-1]
        port = free_port()
        # One thread, so one persistent connection, which the outage breaks under the server's feet.
        server = subprocess.Popen([*manage, "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=open(directory / "app.log", "wb"))  # noqa: SIM115
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        cluster.app_log = directory / "app.log"
        yield cluster, base, {"Authorization": f"Api-Key {key}"}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if (cluster.data / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_database_restart_is_a_503_with_retry_after_then_the_app_recovers(served_from_own_cluster):
    cluster, base, key = served_from_own_cluster
    api = f"{base}/api/v1/displacement-figures/"
    status, _, _ = _get(api, key)
    assert status == 200
    page = f"{base}/events/999999/"  # a page that reads the database: a 404 while it answers
    assert _get(page)[0] == 404

    cluster.stop()
    status, headers, body = _get(api, key)
    assert status == 503, cluster.app_log.read_text()[-3000:]
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Retry-After"]) > 0
    assert "retry" in json.loads(body)["detail"].lower()
    status, headers, body = _get(page)
    assert status == 503
    assert headers["Content-Type"].startswith("text/html") and "Retry-After" in headers
    assert b"Temporarily unavailable" in body and b"Traceback" not in body

    cluster.start()
    status, _, body = _get(api, key)
    assert status == 200, body[:300]
    assert "results" in json.loads(body)
    assert _get(page)[0] == 404
