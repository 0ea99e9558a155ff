"""The releases' doors read the disk, never the database: the list at /api/v1/releases/ and the files."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from tests.releases.conftest import build_release

LIST = "/api/v1/releases/"


@pytest.fixture
def released(world, releases_root):
    build_release("--date", "2026-12-05")
    record = world.visible["surrenders"][0]
    from tracker.services import claim_reject

    claim_reject(record, rejected_by=world.reviewer, reason="Retracted.", expected_version=record.version)
    build_release("--date", "2026-12-06")
    return releases_root


@pytest.mark.django_db
def test_the_list_shows_every_release_newest_first_with_links_checksums_and_counts(released,
                                                                                   django_assert_num_queries):
    client = APIClient()  # no key: releases are public data
    with django_assert_num_queries(0):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response["X-Data-License"]
    data = response.json()
    assert data["count"] == 2
    newest, oldest = data["results"]
    assert (newest["version"], newest["previous"], oldest["version"]) == ("2026.12.06", "2026.12.05", "2026.12.05")
    assert newest["changes"]["surrenders"] == {"added": 0, "changed": 0, "withdrawn": 1}
    assert newest["records"]["surrenders"] == 1 and oldest["records"]["surrenders"] == 2
    files = {entry["path"]: entry for entry in newest["files"]}
    entry = files["surrenders.csv"]
    assert entry["url"] == "http://testserver/releases/2026.12.06/surrenders.csv" and entry["records"] == 1
    assert newest["notes_url"] == "http://testserver/releases/2026.12.06/notes.md"
    # each link gives the file whose checksum the list states, without a database query
    with django_assert_num_queries(0):
        download = client.get(entry["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == entry["sha256"]


@pytest.mark.django_db
def test_every_file_is_served_with_its_type(released, django_assert_num_queries):
    client = APIClient()
    types = {"surrenders.geojson": "application/geo+json", "manifest.json": "application/json",
             "reports/displacement-by-country-month.xlsx":
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "notes.md": "text/markdown; charset=utf-8", "versions.csv.gz": "application/gzip"}
    for name, content_type in types.items():
        with django_assert_num_queries(0):
            response = client.get(f"/releases/2026.12.05/{name}")
        assert response.status_code == 200, name
        assert response["Content-Type"] == content_type
        assert b"".join(response.streaming_content) == (released / "2026.12.05" / name).read_bytes()


@pytest.mark.parametrize("path", [
    "/releases/2026.12.05/../2026.12.06/notes.md",
    "/releases/2026.12.05/%2e%2e/%2e%2e/secret.txt",
    "/releases/..%2f..%2fsecret.txt/notes.md",
    "/releases/2026.12.05/reports/..%2f..%2f..%2fsecret.txt",
    "/releases/2026.12.05//etc/passwd",
    "/releases/2026.12.05/no-such-file.csv",
    "/releases/2026.12.05/reports",
    "/releases/2099.01.01/notes.md",
    "/releases/2026.12.05/.hidden",
])
@pytest.mark.django_db
def test_a_path_outside_a_release_is_not_found(released, path, django_assert_num_queries):
    (released.parent / "secret.txt").write_text("not a release")
    (released / "2026.12.05" / ".hidden").write_text("not listed")
    with django_assert_num_queries(0):
        response = APIClient().get(path)
    assert response.status_code == 404
    assert b"not a release" not in response.content and b"not listed" not in response.content


@pytest.mark.django_db
def test_a_folder_linked_out_of_the_root_is_not_served(released, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.md").write_text("outside the releases")
    (released / "linked").symlink_to(outside)
    assert APIClient().get("/releases/linked/notes.md").status_code == 404
    assert [release["version"] for release in APIClient().get(LIST).json()["results"]] == ["2026.12.06", "2026.12.05"]


@pytest.mark.django_db
def test_without_releases_the_list_is_empty(releases_root):
    response = APIClient().get(LIST)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "results": []}


@pytest.mark.django_db
def test_the_list_refuses_parameters_it_does_not_take(releases_root):
    response = APIClient().get(LIST, {"since": "2026-01-01"})
    assert response.status_code == 400
    assert response.json() == {"since": ["Unknown parameter: the list of releases takes none."]}
    assert APIClient().get(LIST, {"format": "csv"}).status_code == 400
