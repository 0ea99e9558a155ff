"""Production settings: refuse to start without a secret key, and pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

# Variables the test settings (or the browser tests, DJANGO_ALLOW_ASYNC_UNSAFE) put into this process's
# environment, or that a developer's shell may carry: the production process must not inherit them.
INHERITED = ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLOWED_HOSTS",
             "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "DJANGO_ALLOW_ASYNC_UNSAFE")


def production(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name not in INHERITED}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = production("-c", "import django; django.setup()")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_the_deployment_checks():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING",
                        SECRET_KEY=secrets.token_urlsafe(64))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_runs_with_debug_off():
    result = production("-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
                        SECRET_KEY=secrets.token_urlsafe(64))
    assert result.stdout.strip() == "False", result.stderr
