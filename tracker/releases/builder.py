"""Build a release: every approved, non-confidential record and the reports, read in one snapshot, written
through the export writers (``tracker.exports``) into a folder of ``RELEASES_ROOT`` (docs/releases.md).

The public audience's records (``visible_approved`` with ``Audience.PUBLIC``: what the public pages and an
ordinary key see) of each kind, as the API's list of that kind writes them: CSV, HXL, GeoJSON and XLSX from the
same columns and writers, PostgreSQL's COPY twins for the first three where the API uses them (the same bytes,
tests/api/test_exports.py). The displacement and surrender totals by country and month, as the report endpoints
write them (CSV, HXL, XLSX). A data dictionary of every column, the licence, the version of every record (for the
next release's notes), the notes and the manifest.

Same data, same bytes: rows in id order, no time of building anywhere (the workbooks state the release's date),
gzip without a time. The release's date is the day of the latest change the data holds, unless given. When the
data version (``tracker.reporting.cache.data_version``, what the report cache keys on) is the latest release's,
nothing is written; when it moved but the files come out the same (a draft edited), no release is made either.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max

from tracker.api.base import CHUNK_SIZE
from tracker.api.claims import AidCapacityReportViewSet, DisplacementFigureViewSet, SurrenderFigureViewSet
from tracker.api.reports import kinded, report_columns
from tracker.audience import Audience
from tracker.db.snapshot import one_snapshot
from tracker.exports import csv, geojson, xlsx
from tracker.exports.columns import Column
from tracker.exports.copy import can_copy, copy_stream
from tracker.models import DisplacementFigure, SurrenderFigure, Tombstone
from tracker.releases import manifest as manifests
from tracker.releases import notes
from tracker.reporting.cache import data_version
from tracker.reporting.counting import visible_approved
from tracker.reporting.report import figure_report

TITLE = "Displacement Tracker"
#: the record lists of a release, by the API's viewsets (their model, columns, representation and point)
VIEWSETS = (AidCapacityReportViewSet, DisplacementFigureViewSet, SurrenderFigureViewSet)  # sorted by resource
TITLES = {"aid-capacity": "aid capacity reports", "displacement-figures": "displacement figures",
          "surrenders": "surrender figures"}
#: the reports of a release: (file name, model, grouping)
REPORTS = (
    ("displacement-by-country-month", DisplacementFigure, ("country", "month")),
    ("surrenders-by-country-month", SurrenderFigure, ("country", "month")),
)
FORMATS = {"csv": "CSV", "hxl.csv": "HXL (CSV with a row of hashtags)", "geojson": "GeoJSON", "xlsx": "Excel"}


class ReleaseError(Exception):
    """A release that cannot be built as asked (the command turns it into a CommandError)."""


@dataclass
class Outcome:
    """What ``build`` did: made a release, or found the latest one holds the same data already."""

    manifest: dict[str, Any]
    folder: Path
    created: bool


@dataclass
class _Files:
    """The files written so far: their manifest entries and the data dictionary's rows."""

    folder: Path
    entries: list[dict[str, Any]] = field(default_factory=list)
    dictionary: list[list[str]] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)

    def write(self, name: str, blocks: Iterable[bytes], records: int | None, describe: str) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            for block in blocks:
                handle.write(block)
        self.add(name, records, describe)

    def add(self, name: str, records: int | None, describe: str) -> None:
        path = self.folder / name
        self.entries.append({"path": name, "description": describe, "records": records,
                             "bytes": path.stat().st_size, "sha256": manifests.sha256_of(path)})

    def describe_columns(self, name: str, columns: list[Column], model=None) -> None:
        self.dictionary += [[name, column.name, column.hxl, column.kind, column.description or meaning(model, column)]
                            for column in columns]


def meaning(model, column: Column) -> str:
    """What a column of ``model``'s records holds, where the column does not say: the field's help text, else its
    name in words."""
    try:
        found = model._meta.get_field(column.name) if model is not None else None
    except FieldDoesNotExist:
        return ""
    if found is None or not hasattr(found, "verbose_name"):
        return ""
    text = str(found.help_text or found.verbose_name)
    return text[:1].upper() + text[1:]


def build(*, day: date | None = None, version: str | None = None, using: str = DEFAULT_DB_ALIAS) -> Outcome:
    """Build a release in ``RELEASES_ROOT``, or find that the latest one holds this data already."""
    if version is not None and not manifests.NAME.match(version):
        raise ReleaseError(f"--version {version!r}: use letters, digits, '.', '_' and '-' (at most 64), "
                           "beginning with a letter or digit.")
    base = manifests.root()
    try:
        base.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=base))
    except OSError as error:
        raise ReleaseError(f"RELEASES_ROOT ({base}) cannot be written: {error}") from error
    try:
        return _build(base, work, day=day, version=version, using=using)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build(base: Path, work: Path, *, day: date | None, version: str | None, using: str) -> Outcome:
    existing = manifests.releases(base)
    previous = existing[0] if existing else None
    files = _Files(work)
    with one_snapshot(using):
        # Nothing a release shows changed since the latest one: known without writing a file.
        state = data_version()
        if previous is not None and previous.get("data_version") == state:
            return Outcome(previous, base / previous["version"], created=False)
        day = day or latest_change(using)
        if day is None:
            raise ReleaseError("Nothing to release: the database holds no records. Give --date to release anyway.")
        moment = datetime.combine(day, time(0), tzinfo=UTC)
        records = {viewset.resource: _write_records(files, viewset, moment, using) for viewset in VIEWSETS}
        for name, model, group_by in REPORTS:
            _write_report(files, name, model, group_by, moment, using)
        versions = itertools.chain.from_iterable(_versions(viewset, using) for viewset in VIEWSETS)
        before = (notes.read_versions(base / previous["version"] / notes.VERSIONS) if previous else iter(()))
        changes = notes.compare(notes.write_versions(work / notes.VERSIONS, versions), before, records)
    files.add(notes.VERSIONS, sum(records.values()), "Every record's kind, id and version (gzipped CSV): the next "
                                                      "release's notes compare with it.")
    _write_dictionary(files)
    (work / "LICENSE.txt").write_text(f"{settings.DATA_LICENSE}\n", encoding="utf-8")
    files.add("LICENSE.txt", None, "The licence of every file of the release.")
    digest = manifests.content_digest(files.entries)
    if previous is not None and previous.get("content_sha256") == digest:
        return Outcome(previous, base / previous["version"], created=False)
    taken = {manifest["version"] for manifest in existing}
    if version in taken:
        raise ReleaseError(f"Release {version} exists and holds other data: choose another --version.")
    version = version or manifests.next_version(day, taken)
    manifest = {
        "title": f"{TITLE} release {version}",
        "version": version,
        "date": day.isoformat(),
        "number": (previous.get("number", 0) if previous else 0) + 1,
        "previous": previous["version"] if previous else None,
        "licence": settings.DATA_LICENSE,
        "citation": f"{TITLE}, release {version} ({day.isoformat()}). Licence: {settings.DATA_LICENSE}.",
        "content_sha256": digest,
        "data_version": state,
        "records": records,
        "changes": {kind: found.as_dict() for kind, found in changes.items()} if previous else None,
        "files": files.entries,
        "omitted": files.omitted,
    }
    (work / manifests.NOTES).write_text(notes.notes_text(manifest, changes if previous else None, TITLES),
                                        encoding="utf-8")
    files.add(manifests.NOTES, None, "What the release holds and what changed since the one before.")
    manifests.write(work, manifest)
    final = base / version
    work.chmod(0o755)  # made private by mkdtemp; the app servers (and a proxy) read it as other users
    try:
        work.rename(final)  # whole or not at all: app servers never see a release half written
    except OSError as error:
        raise ReleaseError(f"Release {version} appeared while this one was built: {error}") from error
    return Outcome(manifest, final, created=True)


def latest_change(using: str) -> date | None:
    """The day (UTC) of the latest change to a record or of the latest deletion."""
    moments = [viewset.model.objects.using(using).aggregate(latest=Max("updated_at"))["latest"]
               for viewset in VIEWSETS]
    moments.append(Tombstone.objects.using(using).aggregate(latest=Max("deleted_at"))["latest"])
    moments = [moment for moment in moments if moment is not None]
    return max(moments).astimezone(UTC).date() if moments else None


def _view(viewset):
    """The API's list of a kind, as nobody in particular asks it: the public audience's columns."""
    view = viewset()
    view.request, view.format_kwarg, view.action = None, None, "list"
    return view


def _public(viewset, using: str):
    return visible_approved(viewset.model.objects.using(using).all(), audience=Audience.PUBLIC)


def _write_records(files: _Files, viewset, moment: datetime, using: str) -> int:
    view = _view(viewset)
    name = viewset.resource
    queryset = visible_approved(view.base_queryset().using(using), audience=Audience.PUBLIC).order_by("pk")
    columns = view.export_columns()
    count = queryset.count()
    fast = connections[using].vendor == "postgresql" and can_copy(queryset, columns)
    title = TITLES[name]
    files.describe_columns(name, columns, viewset.model)
    for hashtags, suffix in ((False, "csv"), (True, "hxl.csv")):
        blocks = (copy_stream(queryset, columns, csv.head(columns, hashtags).encode()) if fast
                  else csv.stream(_items(view, queryset), columns, hashtags))
        files.write(f"{name}.{suffix}", blocks, count, f"Every {title[:-1]}: {FORMATS[suffix]}.")
    blocks = (geojson.copy_stream(queryset, columns, view.export_place) if fast
              else geojson.stream(_items(view, queryset), columns, view.export_point))
    files.write(f"{name}.geojson", blocks, count, f"Every {title[:-1]} at its place's point: GeoJSON.")
    if count > settings.API_XLSX_MAX_ROWS:
        files.omitted.append(f"{name}.xlsx: {count:,} rows are more than an Excel sheet holds; use the CSV.")
    else:
        files.write(f"{name}.xlsx", xlsx.stream(_items(view, queryset), columns, name, rows=count, generated=moment),
                    count, f"Every {title[:-1]}: Excel (dates as dates, numbers as numbers).")
    return count


def _items(view, queryset) -> Iterator[dict]:
    """Each record's JSON representation, as the API's download builds it."""
    plan = view.list_plan()
    if plan is not None:
        return plan.stream(queryset, CHUNK_SIZE)
    serializer = view.get_serializer_class()(context={"request": None})
    return (serializer.to_representation(row) for row in view.rows_of(queryset))


def _versions(viewset, using: str) -> Iterator[notes.Entry]:
    rows = _public(viewset, using).order_by("pk").values_list("pk", "version")
    for pk, version in rows.iterator(chunk_size=CHUNK_SIZE * 10):
        yield viewset.resource, pk, version


def _write_report(files: _Files, name: str, model, group_by: tuple[str, ...], moment: datetime, using: str) -> None:
    # the scope on the snapshot's connection: a router would send an unbound read to a replica, outside it
    report = figure_report(model, model.objects.using(using).all(), group_by=group_by, audience=Audience.PUBLIC)
    columns = kinded(report_columns(report))
    count = len(report.rows)
    what = f"{'Displacement' if model is DisplacementFigure else 'Surrender'} totals by {' and '.join(group_by)}"
    files.describe_columns(f"reports/{name}", columns)
    for hashtags, suffix in ((False, "csv"), (True, "hxl.csv")):
        files.write(f"reports/{name}.{suffix}", csv.stream(report.rows, columns, hashtags), count,
                    f"{what}: {FORMATS[suffix]}.")
    files.write(f"reports/{name}.xlsx", xlsx.stream(report.rows, columns, report.kind, warnings=report.warnings,
                                                    rows=count, generated=moment),
                count, f"{what}: Excel, with the report's warnings on a sheet of their own.")


def _write_dictionary(files: _Files) -> None:
    """``data-dictionary.csv``: every column of every data file (its file, name, HXL hashtag, kind, meaning)."""
    head = ["file", "column", "hxl", "type", "description"]
    files.write("data-dictionary.csv", csv.stream(
        ({key: value for key, value in zip(head, row, strict=True)} for row in files.dictionary),
        [Column(key, "", lambda item, key=key: item[key]) for key in head]), len(files.dictionary),
        "Every column of the data files: file (without its format's suffix), name, HXL hashtag, type, meaning.")
