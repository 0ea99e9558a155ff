"""build_release: what a release holds, that it holds only public records, and that it is the same bytes when
the data is the same."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json

import pytest
from openpyxl import load_workbook

from tests.factories import DisplacementFigureFactory
from tests.releases.conftest import build_release, manifest_of
from tracker.choices import ReviewStatus
from tracker.releases import manifest as manifests

KINDS = ("aid-capacity", "displacement-figures", "surrenders")
DATA_SUFFIXES = ("csv", "hxl.csv", "geojson", "xlsx")


def csv_ids(path) -> list[int]:
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]


@pytest.mark.django_db
def test_a_release_holds_every_public_record_in_every_format_and_states_its_checksums(world, releases_root):
    output = build_release("--date", "2026-12-05")
    folder = releases_root / "2026.12.05"
    assert "Release 2026.12.05 (2026-12-05)" in output
    assert folder.stat().st_mode & 0o777 == 0o755  # readable by the servers and a proxy, whoever built it
    manifest = manifest_of(folder)
    assert manifest["version"] == "2026.12.05" and manifest["date"] == "2026-12-05"
    assert manifest["previous"] is None and manifest["number"] == 1
    expected = {kind: sorted(record.pk for record in world.visible[kind]) for kind in KINDS}
    assert manifest["records"] == {kind: len(ids) for kind, ids in expected.items()}

    entries = {entry["path"]: entry for entry in manifest["files"]}
    for kind in KINDS:
        for suffix in DATA_SUFFIXES:
            assert entries[f"{kind}.{suffix}"]["records"] == len(expected[kind])
        # the hidden ones (drafts, in review, rejected, confidential, from a confidential source) are left out
        assert csv_ids(folder / f"{kind}.csv") == expected[kind]
        hxl = (folder / f"{kind}.hxl.csv").read_text(encoding="utf-8").splitlines()
        assert hxl[1].startswith("#meta+id,")
        features = json.loads((folder / f"{kind}.geojson").read_text(encoding="utf-8"))["features"]
        assert sorted(feature["id"] for feature in features) == expected[kind]
        sheet = load_workbook(folder / f"{kind}.xlsx", read_only=True).worksheets[0]
        assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == expected[kind]
        header = (folder / f"{kind}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        assert "is_confidential" not in header
    # every file's checksum and size are what the manifest says, and every file is listed
    listed = {path for path in entries}
    on_disk = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()} - {"manifest.json"}
    assert listed == on_disk
    for path, entry in entries.items():
        data = (folder / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)

    # the reports: displacement and surrender totals by country and month, counting the public records only
    totals = list(csv.DictReader(io.StringIO(
        (folder / "reports/surrenders-by-country-month.csv").read_text(encoding="utf-8"))))
    assert sum(int(row["figures_count"]) for row in totals) == len(expected["surrenders"])
    assert {row["country_iso3"] for row in totals} == {"SYR"}
    assert (folder / "reports/displacement-by-country-month.hxl.csv").read_text().splitlines()[1].startswith("#")
    # the licence, the data dictionary and the versions of every record
    assert (folder / "LICENSE.txt").read_text().strip() == manifest["licence"]
    dictionary = list(csv.DictReader(io.StringIO((folder / "data-dictionary.csv").read_text(encoding="utf-8"))))
    assert {"file": "surrenders", "column": "best", "hxl": "#x_surrendered+ind", "type": "integer"}.items() <= \
        next(row for row in dictionary if row["file"] == "surrenders" and row["column"] == "best").items()
    assert {row["file"] for row in dictionary} >= {*KINDS, "reports/displacement-by-country-month"}
    with gzip.open(folder / "versions.csv.gz", "rt") as versions:
        rows = list(csv.reader(versions))[1:]
    assert [(kind, int(pk)) for kind, pk, _ in rows] == [(kind, pk) for kind in KINDS for pk in expected[kind]]
    notes = (folder / "notes.md").read_text(encoding="utf-8")
    assert manifest["citation"] in notes and "The first release" in notes


@pytest.mark.django_db
def test_building_again_from_the_same_data_gives_the_same_bytes(world, settings, tmp_path):
    folders = []
    for name in ("one", "two"):
        settings.RELEASES_ROOT = tmp_path / name
        build_release()
        (folder,) = [path for path in settings.RELEASES_ROOT.iterdir()]
        folders.append(folder)
    first, second = ({str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*")
                      if path.is_file()} for folder in folders)
    assert first.keys() == second.keys() and len(first) > 20
    assert [name for name in first if first[name] != second[name]] == []
    # dated by the latest change in the data, not by the day it was built
    latest = max(record.updated_at for records in world.visible.values() for record in records)
    assert folders[0].name == f"{latest:%Y.%m.%d}"


@pytest.mark.django_db
def test_an_unchanged_database_makes_no_new_release(world, releases_root):
    build_release("--date", "2026-12-05")
    output = build_release("--date", "2026-12-06")
    assert "Unchanged: release 2026.12.05" in output
    assert [path.name for path in releases_root.iterdir()] == ["2026.12.05"]
    assert len(manifests.releases()) == 1
    # a change the release does not show (a new draft) moves the data version: the files are written again, come
    # out the same, and make no release either
    DisplacementFigureFactory(review_status=ReviewStatus.DRAFT, source=world.public_source)
    assert "Unchanged: release 2026.12.05" in build_release()
    assert [path.name for path in releases_root.iterdir()] == ["2026.12.05"]
