"""Fixtures of the release tests: a releases folder of the test's own, the API tests' world of records, and a
helper that builds a release through the command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.api.conftest import world  # noqa: F401 (a fixture: records of every kind in every state)


@pytest.fixture
def releases_root(settings, tmp_path) -> Path:
    settings.RELEASES_ROOT = tmp_path / "releases"
    return settings.RELEASES_ROOT


def build_release(*args: str) -> str:
    """Run ``build_release`` and return what it printed."""
    out = io.StringIO()
    call_command("build_release", *args, stdout=out)
    return out.getvalue()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
