"""Two app servers, one Redis: a key's rate limit, a cached report and a login hold across both (docs/decisions.md,
"Stateless app servers").

Two real gunicorn processes on free ports of 127.0.0.1 serve this test's database (PostgreSQL's test database, or,
on SQLite, a file copy of the in-memory test database made once the test's rows are in) with one Redis database
and a cache key prefix of their own. Requests alternate between them, as a proxy spreads them. Without Redis the
test skips with the reason, and fails under CI=true.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.api.conftest import make_key
from tests.servers import cookies, fetch, free_port, real_redis_url, stop_group

ROOT = Path(settings.BASE_DIR)
REPORT = "/api/v1/reports/displacement/"
LIMITED = "/api/v1/surrenders/"
RATE = 3  # requests per minute and key, across both servers
# What the test settings put into this process's environment: the servers get their own.
INHERITED = ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL",
             "CACHE_KEY_PREFIX", "API_KEY_RATE", "API_USER_RATE", "API_ANON_RATE", "REPORT_CACHE_SECONDS",
             "DJANGO_ALLOW_ASYNC_UNSAFE")
# One public host, as the proxy passes it to every server (the report's cache key includes it).
HOST = {"Host": "127.0.0.1"}


def _request(url: str, headers: dict | None = None, data: dict | None = None):
    """One request without following redirects: (status, headers, body)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    return fetch(url, {**HOST, **(headers or {})}, body, timeout=20)


def _database_url(directory: Path) -> str:
    """This test's database as a URL the servers can open: PostgreSQL's test database, or a file copy of SQLite's
    in-memory one (which another process cannot reach)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = directory / "tracker.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_url():
    return real_redis_url()


@pytest.fixture
def world(transactional_db):
    """Two API keys and a staff account, committed before the servers start (SQLite's copy is taken then)."""
    _, limited = make_key(name="limited")
    _, reporting = make_key(name="reporting")
    _, busy = make_key(name="busy")
    get_user_model().objects.create_user("curator", password="a long enough password", is_staff=True)
    return {"limited": {"X-Api-Key": limited}, "reporting": {"X-Api-Key": reporting}, "busy": {"X-Api-Key": busy}}


@pytest.fixture
def servers(world, redis_url, tmp_path):
    """Two gunicorn servers of this test's database and one Redis, under a cache key prefix of this test's own
    (other tests share the Redis database: nothing is flushed, this prefix's keys are deleted afterwards)."""
    import redis

    prefix = f"tracker-stateless-{uuid.uuid4().hex[:12]}"
    environment = {name: value for name, value in os.environ.items() if name not in INHERITED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test", DEBUG="false", ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(tmp_path), REDIS_URL=redis_url, CACHE_KEY_PREFIX=prefix,
        API_KEY_RATE=f"{RATE}/minute", API_USER_RATE="", API_ANON_RATE="",
    )
    processes, bases = [], []
    raw = redis.Redis.from_url(redis_url)
    try:
        for number in (1, 2):
            port = free_port()
            log = (tmp_path / f"server{number}.log").open("wb")
            processes.append((subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--timeout", "60"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ), log))
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for (process, log), base in zip(processes, bases, strict=True):
            while True:
                if process.poll() is not None:
                    pytest.fail(f"a server stopped (exit {process.returncode}):\n{Path(log.name).read_text()[-3000:]}")
                try:
                    if _request(f"{base}/health/")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"a server did not answer within 60 s:\n{Path(log.name).read_text()[-3000:]}")
                time.sleep(0.1)
        yield bases, raw, prefix
    finally:
        for process, log in processes:
            stop_group(process)
            log.close()
        for name in raw.scan_iter(f"{prefix}:*"):
            raw.delete(name)


@pytest.mark.redis
def test_two_servers_share_a_keys_limit_cached_reports_and_logins(servers, world):
    (first, second), raw, prefix = servers

    # A key's limit counts its requests on both servers together; another key is not held back by it.
    statuses = [_request(f"{base}{LIMITED}", world["limited"])[0] for base in (first, second, first, second)]
    assert statuses == [200] * RATE + [429]
    status, headers, _ = _request(f"{first}{LIMITED}", world["limited"])
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 60
    assert _request(f"{second}{LIMITED}", world["reporting"])[0] == 200
    # Requests of one key arriving together on both servers are each counted: exactly the limit passes.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda n: _request(f"{(first, second)[n % 2]}{LIMITED}", world["busy"])[0], range(16)))
    assert sorted(statuses) == [200] * RATE + [429] * (16 - RATE)

    # A report computed through one server is served by the other from the shared cache, not computed again
    # (which would write its entry anew, with a fresh expiry).
    status, _, computed = _request(f"{first}{REPORT}?format=csv", world["reporting"])
    assert status == 200 and computed
    [entry] = raw.keys(f"{prefix}:default:*tracker-report:*")
    left = raw.pttl(entry)
    time.sleep(0.3)
    status, _, served = _request(f"{second}{REPORT}?format=csv", world["reporting"])
    assert status == 200 and served == computed
    assert raw.keys(f"{prefix}:default:*tracker-report:*") == [entry]
    assert raw.pttl(entry) <= left - 250

    # Logged in through one server, the curator is logged in on the other.
    status, headers, page = _request(f"{first}/admin/login/")
    csrf = cookies(headers)["csrftoken"]
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, headers, _ = _request(
        f"{first}/admin/login/?next=/admin/", {"Cookie": f"csrftoken={csrf}"},
        {"csrfmiddlewaretoken": form_token, "username": "curator", "password": "a long enough password",
         "next": "/admin/"})
    assert status == 302 and headers["Location"] == "/admin/"
    session = cookies(headers)["sessionid"]
    assert raw.keys(f"{prefix}:default:*{session}")  # cached_db: in the shared cache beside the database
    status, _, page = _request(f"{second}/admin/", {"Cookie": f"sessionid={session}"})
    assert status == 200 and b"curator" in page.lower()
    # Without the cookie the other server sends a visitor to the login page.
    assert _request(f"{second}/admin/")[0] == 302


def test_an_unreachable_redis_is_a_503_with_retry_after_not_a_500(db):
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}
    _, key = make_key()
    with override_settings(CACHES={"default": unreachable, "throttle": unreachable}):
        api = APIClient().get(LIMITED, HTTP_X_API_KEY=key)
        page = Client(raise_request_exception=False).get("/")
    assert api.status_code == 503 and int(api["Retry-After"]) > 0
    assert "retry" in api.json()["detail"].lower()
    assert page.status_code == 503 and int(page["Retry-After"]) > 0
    assert b"Temporarily unavailable" in page.content
