"""A read replica under a real server (docs/decisions.md, "A read replica"): who reads which database, reads that
follow a caller's own write, sync under a lagging replica, and the primary down.

``.ci/replica.sh start`` runs a dedicated primary and its streaming replica (never the shared cluster) and prints
the two variables read here; without them the test skips with the reason, and fails under CI=true. The test
makes a database of its own on the primary, migrates it, loads the demo data, and serves it with gunicorn
(``DATABASE_URL`` the primary, ``DATABASE_REPLICA_URL`` the replica), as a site would run. Which database a
request read is seen in what it answers: the replica's replay is paused (``pg_wal_replay_pause()``) while a
place is renamed on the primary, so the old name comes from the replica and the new one from the primary.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.servers import cookies, fetch, free_port, require, stop_group

ROOT = Path(__file__).resolve().parent.parent.parent
STICKY_SECONDS = 2
OLD, NEW = "Replica Town", "Primary Town"
PASSWORD = "a long enough password"


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


def _pair(*command: str) -> None:
    subprocess.run(["bash", str(ROOT / ".ci" / "replica.sh"), *command], check=True, capture_output=True,
                   timeout=120)


class Site:
    """The served app, the primary and the replica of its database."""

    def __init__(self, base: str, primary: str, replica: str, key: str, place: int):
        self.base, self.primary, self.replica, self.key, self.place = base, primary, replica, key, place

    def get(self, path: str, headers: dict | None = None):
        return fetch(f"{self.base}{path}", headers)

    def sql(self, url: str, statement: str, params: tuple = ()):
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(statement, params).fetchall() if statement.lstrip().upper().startswith(
                "SELECT") else conn.execute(statement, params)

    def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary wrote."""
        [(target,)] = self.sql(self.primary, "SELECT pg_current_wal_lsn()::text")
        for _ in range(100):
            [(behind,)] = self.sql(self.replica, "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
                                   (target,))
            if behind <= 0:
                return
            time.sleep(0.1)
        pytest.fail("the replica did not catch up within 10 s")

    def place_name(self, headers: dict | None = None, query: str = "") -> str:
        status, _, body = self.get(f"/api/v1/locations/{self.place}/{query}", headers)
        assert status == 200, body[:300]
        return json.loads(body)["name"]

    def place_page(self, headers: dict | None = None) -> bytes:
        status, _, body = self.get(f"/places/{self.place}/", headers)
        assert status == 200, body[:300]
        return body


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    primary_url, replica_url = os.environ.get("REPLICA_TEST_PRIMARY_URL"), os.environ.get("REPLICA_TEST_REPLICA_URL")
    require(bool(primary_url and replica_url),
             "REPLICA_TEST_PRIMARY_URL and REPLICA_TEST_REPLICA_URL are not set: run eval \"$(bash "
             ".ci/replica.sh start)\" for a primary and its streaming replica")
    directory = tmp_path_factory.mktemp("replica")
    name = f"tracker_replica_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(primary_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    primary, replica = _with_database(primary_url, name), _with_database(replica_url, name)
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE", "REDIS"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test", DEBUG="false", ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=primary, DATABASE_REPLICA_URL=replica, REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        CONN_MAX_AGE="0", REDIS_URL="", API_KEY_RATE="", API_USER_RATE="", API_ANON_RATE="",
        PAGES_REQUIRE_LOGIN="false",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    server = None
    try:
        def run(*arguments: str) -> str:
            return subprocess.run([*manage, *arguments], env=environment, cwd=ROOT, check=True, text=True,
                                  capture_output=True, timeout=300).stdout

        run("migrate", "--noinput", "-v", "0")
        run("loaddata", "reference", "demo_baghouz", "-v", "0")
        key = run("create_api_key", "--client", "Replica NGO", "--quiet").strip().splitlines()[-1]
        run("shell", "-c", "from django.contrib.auth import get_user_model; get_user_model().objects."
                           f"create_superuser('curator', 'curator@example.org', '{PASSWORD}')")
        [(place,)] = Site("", primary, replica, "", 0).sql(primary, "SELECT min(id) FROM tracker_location")
        Site("", primary, replica, "", 0).sql(primary, "UPDATE tracker_location SET name = %s WHERE id = %s",
                                              (OLD, place))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "60"],
            cwd=ROOT, env=environment, stdout=(directory / "server.log").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        site = Site(f"http://127.0.0.1:{port}", primary, replica, key, place)
        deadline = time.monotonic() + 60
        while True:
            try:
                if site.get("/health/")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{(directory / 'server.log').read_text()[-3000:]}")
            time.sleep(0.1)
        site.caught_up()
        yield site
    finally:
        if server is not None:
            stop_group(server)
        _pair("primary-start")
        with psycopg.connect(replica_url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        with psycopg.connect(primary_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _login(site: Site) -> dict:
    """The curator's session and CSRF token, as a browser holds them after the admin's login form."""
    _, headers, page = site.get("/admin/login/")
    csrf = cookies(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "curator", "password": PASSWORD,
                                   "next": "/admin/"}).encode()
    status, headers, _ = fetch(f"{site.base}/admin/login/?next=/admin/", {"Cookie": f"csrftoken={csrf}"}, body)
    assert status == 302, "the curator could not log in"
    session = cookies(headers)["sessionid"]
    return {"Cookie": f"csrftoken={csrf}; sessionid={session}", "X-CSRFToken": csrf}


def _save_a_query(site: Site, curator: dict) -> tuple[int, object, bytes]:
    body = json.dumps({"name": f"watch {uuid.uuid4().hex[:6]}", "resource": "locations", "query": ""}).encode()
    return fetch(f"{site.base}/api/v1/saved-queries/",
                    {**curator, "Content-Type": "application/json", "Referer": f"{site.base}/"}, body, "POST")


def _reads_follow_the_caller_under_a_lagging_replica(site: Site) -> None:
    ngo = {"X-Api-Key": site.key}
    curator = _login(site)
    time.sleep(STICKY_SECONDS + 0.5)  # the login (a write) made the curator read the primary for a while
    before = site.get("/api/v1/locations/?page_size=1", ngo)[1]["X-Server-Time"]

    site.sql(site.replica, "SELECT pg_wal_replay_pause()")
    site.sql(site.primary, "UPDATE tracker_location SET name = %s, updated_at = now() WHERE id = %s",
             (NEW, site.place))
    try:
        # An NGO's and the public's reads come from the replica, which has not replayed the change.
        assert site.place_name(ngo) == OLD
        assert OLD.encode() in site.place_page() and NEW.encode() not in site.place_page()
        # A staff account's API reads come from the primary.
        assert site.place_name(curator) == NEW
        # Sync reads the primary: a client walking updated_since pages gets the change the replica lacks.
        query = urllib.parse.urlencode({"updated_since": before, "page_size": 1000})
        status, _, body = site.get(f"/api/v1/locations/?{query}", ngo)
        assert status == 200
        assert {row["id"]: row["name"] for row in json.loads(body)["results"]}.get(site.place) == NEW
        deletions = site.get(f"/api/v1/deletions/?since={urllib.parse.quote(before)}", ngo)
        assert deletions[0] == 200 and deletions[1]["X-Read-From"] == "primary"

        # A staff member's public page reads the replica, until the curator writes: for STICKY_SECONDS the
        # curator's reads follow the write to the primary; another caller's do not.
        assert NEW.encode() not in site.place_page(curator)
        status, _, body = _save_a_query(site, curator)
        assert status == 201, body[:300]
        assert NEW.encode() in site.place_page(curator)
        assert NEW.encode() not in site.place_page()
        assert site.place_name(ngo) == OLD
        time.sleep(STICKY_SECONDS + 0.5)
        assert NEW.encode() not in site.place_page(curator)
    finally:
        site.sql(site.replica, "SELECT pg_wal_replay_resume()")
    site.caught_up()
    assert site.place_name(ngo) == NEW
    assert NEW.encode() in site.place_page()


def _with_the_primary_down_reads_are_served_and_writes_and_sync_get_503(site: Site) -> None:
    ngo = {"X-Api-Key": site.key}
    curator = _login(site)
    # Warm nothing: every read below is served by the replica alone.
    _pair("primary-stop")
    try:
        for path in ("/api/v1/displacement-figures/", "/api/v1/displacement-figures/?format=csv",
                     "/api/v1/reports/displacement/", "/api/v1/locations/"):
            status, headers, body = site.get(path, ngo)
            assert status == 200, (path, body[:300])
            assert headers["X-Read-From"] == "replica"
        assert b"<html" in site.place_page().lower()

        status, headers, body = _save_a_query(site, curator)
        assert status == 503 and int(headers["Retry-After"]) > 0, body[:300]
        status, headers, body = site.get("/api/v1/locations/?updated_since=2020-01-01T00:00:00Z", ngo)
        assert status == 503 and int(headers["Retry-After"]) > 0, body[:300]
        assert "retry" in json.loads(body)["detail"].lower()
    finally:
        _pair("primary-start")
    # The primary back, the next write is served.
    assert _save_a_query(site, curator)[0] == 201


def test_a_read_replica_under_a_real_server(site):
    # One test, in this order: the outage stops the primary, which no other test of the pair may see (pytest-xdist
    # would run two tests on two workers at once).
    _reads_follow_the_caller_under_a_lagging_replica(site)
    _with_the_primary_down_reads_are_served_and_writes_and_sync_get_503(site)
