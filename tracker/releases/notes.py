"""What changed since the release before: records added, changed and withdrawn, and the release's notes.

Each release keeps the version of every record it holds (``versions.csv.gz``: kind, id, version, sorted). The next
release compares its own list with that file in one merged pass, both sorted, so memory holds neither: a record
in this release only is added, one in both at another version changed, one in the release before only withdrawn
(rejected, made confidential, or deleted since).
"""

from __future__ import annotations

import csv as python_csv
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.exports import csv

VERSIONS = "versions.csv.gz"
#: withdrawn records named by id in the notes, per kind (all are counted)
WITHDRAWN_LISTED = 100

Entry = tuple[str, int, int]  # kind, id, version


@dataclass
class Changes:
    added: int = 0
    changed: int = 0
    withdrawn: int = 0
    withdrawn_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "changed": self.changed, "withdrawn": self.withdrawn}


def write_versions(path: Path, entries: Iterable[Entry]) -> Iterator[Entry]:
    """Write ``entries`` (sorted by kind and id) to ``path`` as gzipped CSV, yielding each as it goes. The gzip
    header names no file and no time, so the same entries give the same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        rows = csv.writer(text)
        rows.writerow(["kind", "id", "version"])
        for entry in entries:
            rows.writerow(entry)
            yield entry
        text.flush()
        text.detach()


def read_versions(path: Path) -> Iterator[Entry]:
    """The entries of a release's versions file, in its order (none when it has none)."""
    if not path.is_file():
        return
    with gzip.open(path, "rt", encoding="utf-8", newline="") as text:
        rows = python_csv.reader(text)
        next(rows, None)
        for kind, pk, version in rows:
            yield kind, int(pk), int(version)


def compare(current: Iterable[Entry], previous: Iterable[Entry], kinds: Iterable[str]) -> dict[str, Changes]:
    """Added, changed and withdrawn records per kind, from two lists sorted by (kind, id)."""
    changes = {kind: Changes() for kind in kinds}
    old = iter(previous)
    before = next(old, None)
    for kind, pk, version in current:
        while before is not None and (before[0], before[1]) < (kind, pk):
            _withdrawn(changes, before)
            before = next(old, None)
        if before is not None and (before[0], before[1]) == (kind, pk):
            changes[kind].changed += before[2] != version
            before = next(old, None)
        else:
            changes[kind].added += 1
    while before is not None:
        _withdrawn(changes, before)
        before = next(old, None)
    return changes


def _withdrawn(changes: dict[str, Changes], entry: Entry) -> None:
    found = changes.setdefault(entry[0], Changes())
    found.withdrawn += 1
    if len(found.withdrawn_ids) < WITHDRAWN_LISTED:
        found.withdrawn_ids.append(entry[1])


def notes_text(manifest: dict[str, Any], changes: dict[str, Changes] | None, titles: dict[str, str]) -> str:
    """The release's notes (Markdown): what it is, how to cite it, its counts, what changed, its files."""
    lines = [
        f"# {manifest['title']}", "",
        f"- Version: {manifest['version']}",
        f"- Date: {manifest['date']}",
        f"- Licence: {manifest['licence']}",
        f"- Cite as: {manifest['citation']}", "",
        "Every approved record that is not confidential (nor from a confidential source), with the displacement "
        "and surrender totals by country and month, read from the database in one snapshot. "
        "`manifest.json` gives each file's SHA-256 and record count; `data-dictionary.csv` describes every "
        "column.", "",
        "## Records", "",
        "| records | count |", "|---|---:|",
        *(f"| {titles.get(kind, kind)} | {count:,} |" for kind, count in manifest["records"].items()), "",
    ]
    previous = manifest.get("previous")
    if previous is None or changes is None:
        lines += ["## Changes", "", "The first release: every record is new.", ""]
    else:
        lines += [f"## Changes since {previous}", "",
                  "Changed: a record saved again since (its version rose). Withdrawn: a record the release "
                  "before held that this one does not (rejected, made confidential, or deleted since).", "",
                  "| records | added | changed | withdrawn |", "|---|---:|---:|---:|"]
        lines += [f"| {titles.get(kind, kind)} | {found.added:,} | {found.changed:,} | {found.withdrawn:,} |"
                  for kind, found in changes.items()]
        lines.append("")
        for kind, found in changes.items():
            if found.withdrawn_ids:
                more = found.withdrawn - len(found.withdrawn_ids)
                ids = ", ".join(str(pk) for pk in found.withdrawn_ids) + (f" and {more:,} more" if more else "")
                lines += [f"Withdrawn {titles.get(kind, kind)}: {ids}.", ""]
    lines += ["## Files", "", "| file | records | bytes | SHA-256 |", "|---|---:|---:|---|"]
    lines += [f"| {entry['path']} | {'' if entry.get('records') is None else format(entry['records'], ',')} | "
              f"{entry['bytes']:,} | `{entry['sha256']}` |" for entry in manifest["files"]]
    lines += ["", *(f"- {note}" for note in manifest.get("omitted", []))]
    return "\n".join(lines).rstrip() + "\n"
