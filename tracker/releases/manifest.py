"""A release on disk: its folder under ``RELEASES_ROOT``, its ``manifest.json``, and the checksums it states.

A release is a folder named by its version holding its files and ``manifest.json`` (what the files are, their
SHA-256 and record counts, the changes since the release before). The manifests are the only index: listing
releases reads them and nothing else, so no database is asked (``tracker.releases.listing``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

MANIFEST = "manifest.json"
NOTES = "notes.md"
#: a release's version, and each part of a file's path inside it: letters, digits, ".", "_" and "-", never first a
#: dot (so never ".." nor a folder being built, whose name starts with one)
NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$", re.ASCII)
#: files whose bytes depend on the release's date or on the release before it: left out of the content digest
DATED_SUFFIXES = (".xlsx",)
DATED_FILES = (MANIFEST, NOTES)


def root() -> Path:
    return Path(settings.RELEASES_ROOT)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def content_digest(files: list[dict[str, Any]]) -> str:
    """The SHA-256 of what a release says, whatever its date: its files' checksums but for the dated ones (the
    workbooks state their date; the manifest and notes name the release before). Two releases with the same
    digest hold the same records and reports."""
    lines = sorted(f"{entry['sha256']}  {entry['path']}" for entry in files
                   if not entry["path"].endswith(DATED_SUFFIXES) and entry["path"] not in DATED_FILES)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def read(folder: Path) -> dict[str, Any] | None:
    """The manifest of the release in ``folder``, or None when there is none (or it cannot be read)."""
    try:
        with (folder / MANIFEST).open(encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("version") == folder.name else None


def write(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def releases(base: Path | None = None) -> list[dict[str, Any]]:
    """Every release's manifest, newest first (by release number)."""
    base = root() if base is None else base
    try:
        folders = [entry for entry in os.scandir(base) if entry.is_dir() and NAME.match(entry.name)]
    except OSError:
        return []
    found = [manifest for entry in folders if (manifest := read(Path(entry.path))) is not None]
    return sorted(found, key=lambda manifest: (manifest.get("number", 0), manifest["version"]), reverse=True)


def latest(base: Path | None = None) -> dict[str, Any] | None:
    found = releases(base)
    return found[0] if found else None


def next_version(day: date, taken: set[str]) -> str:
    """The version of a release dated ``day``: ``2026.12.05``, then ``2026.12.05.2`` for a second that day."""
    version = f"{day:%Y.%m.%d}"
    number = 1
    while version in taken:
        number += 1
        version = f"{day:%Y.%m.%d}.{number}"
    return version
