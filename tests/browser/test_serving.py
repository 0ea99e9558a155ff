"""``make serve`` under production settings on PostgreSQL, in a real Chromium, with the test playing the proxy.

The server is the real thing: ``make serve`` migrates, collects the static files (into a temporary
STATIC_ROOT), checks the deployment and runs gunicorn with ``config.settings.production`` on a free port of
127.0.0.1, on this test's database. Every browser request carries ``X-Forwarded-Proto: https``, as the HTTPS
proxy in front would (docs/deployment.md). The server is stopped when the test ends, pass or fail.

PostgreSQL only: the SQLite test database lives in this process's memory, where gunicorn cannot reach it;
the PostgreSQL pass of CI runs it. Without ``make`` or gunicorn it skips with a notice, except under CI=true.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from tests.browser.conftest import PASSWORD, choose, screenshot
from tests.browser.watch import Watched
from tracker.permissions import ensure_groups

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROXY = {"X-Forwarded-Proto": "https"}
# What the test settings (or a developer's shell) put into this process's environment: the server must not inherit it.
INHERITED = ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
             "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "DJANGO_ALLOW_ASYNC_UNSAFE",
             "STATIC_ROOT", "HOST", "WORKERS", "WORKER_TIMEOUT", "MAKEFLAGS", "MAKELEVEL")


def _require(program: str) -> str:
    found = shutil.which(program)
    if found:
        return found
    message = f"{program} not found: needed to run `make serve` in the serving test"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url: str, headers: dict | None = None):
    """One request without following redirects: (status, headers)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


@pytest.fixture
def production_server(transactional_db, tmp_path):
    """``make serve`` on a free port of 127.0.0.1 against this test's PostgreSQL database; stopped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the serving test needs PostgreSQL (set DATABASE_URL): gunicorn cannot reach SQLite's "
                    "in-memory test database; CI's PostgreSQL pass runs it")
    _require("make")
    _require(str(Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {name: value for name, value in os.environ.items() if name not in INHERITED}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=_database_url(),
        ALLOWED_HOSTS="127.0.0.1",
        # The browser's origin: behind a real proxy it is the public https:// origin and needs no entry.
        CSRF_TRUSTED_ORIGINS=base,
        STATIC_ROOT=str(tmp_path / "static"),
        HOST=f"127.0.0.1:{port}",
        WORKERS="2",
    )
    log = (tmp_path / "serve.log").open("w+")
    # -o: the virtualenv is already installed (`make test` did it); do not reinstall from here.
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"], cwd=settings.BASE_DIR, env=environment,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"make serve stopped (exit {server.returncode}):\n{log.read()[-4000:]}")
            try:
                if _get(f"{base}/admin/login/", PROXY)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"make serve did not answer within 120 s:\n{log.read()[-4000:]}")
            time.sleep(0.5)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # make, its shell and gunicorn with its workers: our own group
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def test_make_serve_behind_an_https_proxy_serves_a_styled_admin_autocomplete_and_api_docs(
        production_server, browser):
    base = production_server
    ensure_groups()
    call_command("loaddata", "reference", verbosity=0)
    call_command("create_demo_accounts", password=PASSWORD, verbosity=0)
    # The test settings hash with MD5 for speed; production verifies with its own (PBKDF2) hashers.
    User.objects.filter(username="demo_analyst").update(
        password=PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt()))

    # The proxy's header is believed: no redirect to https, and the response says it is secure (HSTS).
    status, headers = _get(f"{base}/admin/login/", PROXY)
    assert status == 200
    assert "max-age=" in headers["Strict-Transport-Security"]
    # Without it, a plain-HTTP request is sent to https.
    status, headers = _get(f"{base}/admin/login/")
    assert status == 301 and headers["Location"] == f"https://127.0.0.1:{base.rsplit(':', 1)[1]}/admin/login/"
    # A probe may ask the app directly, over plain HTTP: /health/ is not redirected.
    status, headers = _get(f"{base}/health/")
    assert status == 200 and headers["Content-Type"] == "application/json"

    watched = Watched(browser, extra_http_headers=PROXY)
    page = watched.page
    try:
        watched.goto(f"{base}/admin/login/")
        # the admin's stylesheet, under its hashed name, served compressed and cacheable for ever
        href = page.get_attribute("link[rel=stylesheet][href*='admin/css/base.']", "href")
        assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", href), href
        css = page.request.get(f"{base}{href}", headers={**PROXY, "Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css.headers["content-encoding"] == "gzip"
        assert "immutable" in css.headers["cache-control"]
        assert page.eval_on_selector("#header", "el => getComputedStyle(el).backgroundColor") == "rgb(65, 118, 144)"
        screenshot(page, "serve-admin-login")

        page.fill("#id_username", "demo_analyst")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#landing")
        assert page.url == f"{base}/admin/"

        # select2 (the admin's own static JavaScript) asks the autocomplete view and fills the field
        watched.goto(f"{base}/admin/tracker/source/add/")
        choose(page, "id_publisher", "Al Jazeera")
        assert page.inner_text("#id_publisher + .select2 .select2-selection__rendered").startswith("Al Jazeera")
        screenshot(page, "serve-admin-autocomplete")

        # Swagger UI, from the app's static files, lists the operations
        watched.goto(f"{base}/api/v1/docs/")
        page.wait_for_selector(".opblock-summary")
        assert page.locator(".opblock").count() > 20
        screenshot(page, "serve-api-docs")

        assert watched.violations() == []
    finally:
        watched.close()
