"""GDAL (and so QGIS, which reads remote GeoJSON through it) opens the GeoJSON list over HTTP with a key.

Debian's ``gdal-bin`` against the live server with the Baghouz demo: ``ogrinfo`` reads the layer as GDAL's GeoJSON
driver sees it (GDAL asks with ``Accept: text/plain, application/json``, and sends the key from
``GDAL_HTTP_HEADERS``), and ``ogr2ogr`` copies it to a GeoPackage that is read back. Without ``ogrinfo`` the test
skips with a notice, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tracker.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True)

OGRINFO = os.environ.get("OGRINFO", "ogrinfo")


def _require_gdal() -> None:
    if shutil.which(OGRINFO) and shutil.which("ogr2ogr"):
        return
    message = "GDAL's ogrinfo/ogr2ogr not found: install Debian's 'gdal-bin' package to run the GDAL test"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def gdal(*args: str, key: str) -> str:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Api-Key {key}", "CPL_DEBUG": "OFF",
           "NO_PROXY": "*", "no_proxy": "*"}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


@pytest.fixture
def served(live_server):
    """The live server with the reference data and the Baghouz demo, an NGO key and the list's URL."""
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    _, key = ApiKey.objects.create_key(name="GIS desk", client="Test NGO")
    return live_server, key, f"{live_server.url}/api/v1/displacement-figures/?format=geojson"


def test_ogrinfo_and_ogr2ogr_read_the_geojson_list_over_http_with_a_key(served, tmp_path: Path):
    _require_gdal()
    server, key, url = served
    request = urllib.request.Request(f"{server.url}/api/v1/displacement-figures/?page_size=1000",
                                     headers={"Authorization": f"Api-Key {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server)
        records = json.load(response)["results"]
    assert records, "the demo has displacement figures a key sees"

    # ogrinfo: the layer, its feature count, field types and every feature's values as GDAL reads them.
    summary = gdal(OGRINFO, "-ro", "-so", "-al", f"GeoJSON:{url}", key=key)
    assert f"Feature Count: {len(records)}" in summary, summary
    fields = dict(re.findall(r"^(\w+): (\w+)", summary, re.MULTILINE))
    assert fields["best"] == "Integer" and fields["low"] == "Integer"
    assert fields["start_date"] == "Date" and fields["end_date"] == "Date"
    assert fields["latitude"] == "Real" and fields["location_name"] == "String"
    assert "Geometry: Point" in summary
    features = gdal(OGRINFO, "-ro", "-al", "-q", f"GeoJSON:{url}", key=key)
    assert sorted(int(v) for v in re.findall(r"^\s+best \(Integer\) = (\d+)$", features, re.MULTILINE)) == sorted(
        record["best"] for record in records)
    for record in records:
        assert f"location_name (String) = {record['location']['name']}" in features

    # A wrong key is refused: GDAL reports the failure (it does not read an error body as data).
    wrong = subprocess.run([OGRINFO, "-ro", "-so", "-al", f"GeoJSON:{url}"], capture_output=True, text=True,
                           env={**os.environ, "GDAL_HTTP_HEADERS": "Authorization: Api-Key nope.nope",
                                "NO_PROXY": "*", "no_proxy": "*"}, timeout=120, check=False)
    assert wrong.returncode != 0 and "Feature Count" not in wrong.stdout

    # ogr2ogr: to a GeoPackage, read back with SQLite (rows and values) and ogrinfo (geometry).
    package = tmp_path / "figures.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", "-nln", "figures", str(package), f"GeoJSON:{url}", key=key)
    with sqlite3.connect(package) as db:
        assert db.execute("SELECT table_name, geometry_type_name, srs_id FROM gpkg_geometry_columns").fetchall() == [
            ("figures", "POINT", 4326)]
        rows = db.execute("SELECT id, best, start_date, location_name FROM figures ORDER BY id").fetchall()
    expected = sorted((r["id"], r["best"], r["start_date"], r["location"]["name"]) for r in records)
    assert rows == expected
    points = gdal(OGRINFO, "-ro", "-al", "-q", str(package), key=key)
    for record in records:
        location = record["location"]
        if location.get("latitude") is not None:
            assert f"POINT ({float(location['longitude']):g} {float(location['latitude']):g})" in points
