"""Bulk formats: what a data manager opens in Excel, loads into HDX or drops on a map."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import override_settings
from geojson_pydantic import FeatureCollection

from tests.api.conftest import API, body, client_with, csv_rows, geojson, hxl_rows, make_key, xlsx_rows
from tracker.exports import columns
from tracker.exports.escape import escape_formula

DOCS = Path(settings.BASE_DIR) / "docs" / "hxl.md"


def test_formula_like_text_is_escaped_in_csv_hxl_and_xlsx_but_not_json(world, key_client):
    url = f"{API}/displacement-figures/"
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(key_client.get(url, {"format": fmt}))
        texts = {row["attribution_text"] for row in rows} | {row["notes"] for row in rows}
        assert "'=HYPERLINK(\"http://evil.example\")" in texts, fmt
        assert "'+ more than reported; @see annex; -10 revised" in texts, fmt
        assert not any(str(text).startswith(("=", "+", "-", "@")) for text in texts if text), fmt
    _, rows = hxl_rows(key_client.get(url, {"format": "hxl"}))
    assert {row.get("#meta+attribution") for row in rows} >= {"'=HYPERLINK(\"http://evil.example\")"}
    results = key_client.get(url).json()["results"]
    assert {item["attribution_text"] for item in results} >= {"=HYPERLINK(\"http://evil.example\")"}


@pytest.mark.parametrize("text, escaped", [
    ("=1+2", "'=1+2"), ("+44 20", "'+44 20"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("Baghouz", "Baghouz"),
    ("", ""),
])
def test_escape_formula(text, escaped):
    assert escape_formula(text) == escaped


def test_numbers_are_not_escaped_even_when_negative(world, key_client):
    world.places.baghouz.longitude = -40.5
    world.places.baghouz.save()
    rows = csv_rows(key_client.get(f"{API}/locations/", {"format": "csv", "q": "Baghouz"}))
    assert rows[0]["longitude"] == "-40.5"


def test_every_list_download_streams(world, key_client):
    url = f"{API}/surrenders/"
    for fmt in ("csv", "hxl", "geojson", "xlsx"):
        assert isinstance(key_client.get(url, {"format": fmt}), StreamingHttpResponse), fmt
    response = key_client.get(url, {"format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_accept_header_chooses_the_format(world, key_client):
    url = f"{API}/surrenders/"
    assert key_client.get(url, HTTP_ACCEPT="text/csv")["Content-Type"].startswith("text/csv")
    assert not body(key_client.get(url, HTTP_ACCEPT="text/csv")).decode().splitlines()[1].startswith("#")
    hxl = body(key_client.get(url, HTTP_ACCEPT="text/csv; hxl=present")).decode().splitlines()
    assert hxl[1].startswith("#meta+id")
    assert key_client.get(url, HTTP_ACCEPT="application/geo+json")["Content-Type"].startswith("application/geo+json")
    assert key_client.get(url, HTTP_ACCEPT="application/json")["Content-Type"].startswith("application/json")
    assert key_client.get(url, HTTP_ACCEPT="image/png").status_code == 406


def test_xlsx_beyond_its_row_limit_is_a_400_pointing_to_csv(world, key_client):
    url = f"{API}/surrenders/"
    with override_settings(API_XLSX_MAX_ROWS=len(world.visible["surrenders"]) - 1):
        response = key_client.get(url, {"format": "xlsx"})
    assert response.status_code == 400
    assert "format=csv" in response.json()["format"][0]
    with override_settings(API_XLSX_MAX_ROWS=len(world.visible["surrenders"])):
        assert key_client.get(url, {"format": "xlsx"}).status_code == 200


def test_hxl_best_values_under_the_plain_hashtag_and_open_bounds_empty(world, key_client):
    record = world.visible["surrenders"][0]
    record.quantifier, record.reported_value, record.reported_phrase = "more_than", 4000, "more than 4,000"
    record.save()
    _, rows = hxl_rows(key_client.get(f"{API}/surrenders/", {"format": "hxl"}))
    row = next(row for row in rows if row.get("#meta+id") == str(record.pk))
    assert row.get("#x_surrendered+ind") == "4000"
    assert row.get("#x_surrendered+ind+low") == "4000"
    assert row.get("#x_surrendered+ind+high") in ("", None)
    assert row.get("#meta+high_open") == "true"
    assert row.get("#group+name") == "Islamic State of Iraq and the Levant"
    assert row.get("#adm1+code") == "SY09"
    assert row.get("#loc+name") == "Baghouz"
    assert row.get("#geo+lat") == "34.46" and row.get("#geo+lon") == "40.954"
    for tag in ("#date+start", "#date+end", "#date+reported", "#meta+source", "#meta+url"):
        assert row.get(tag) not in (None, ""), tag


def test_hxl_tags_of_each_kind(world, key_client):
    displacement, _ = hxl_rows(key_client.get(f"{API}/displacement-figures/", {"format": "hxl"}))
    assert "#affected+displaced+ind" in displacement
    aid, _ = hxl_rows(key_client.get(f"{API}/aid-capacity/", {"format": "hxl"}))
    assert {"#org+name", "#sector", "#capacity"} <= set(aid)


def test_docs_list_every_hxl_hashtag_of_every_export():
    """docs/hxl.md holds the full mapping: every column of every export, with its hashtag."""
    text = DOCS.read_text()
    for name in dir(columns):
        if not name.endswith("_COLUMNS"):
            continue
        for column in getattr(columns, name):
            assert re.search(rf"`{re.escape(column.name)}`\s*\|\s*`{re.escape(column.hxl)}`", text), (
                name, column.name, column.hxl)


def test_geojson_has_null_geometry_where_a_place_has_no_point(world, key_client):
    data = geojson(key_client.get(f"{API}/displacement-figures/", {"format": "geojson"}))
    FeatureCollection.model_validate(data)
    by_place = {feature["properties"]["location_name"]: feature["geometry"] for feature in data["features"]}
    assert by_place["Baghouz"] == {"type": "Point", "coordinates": [40.954, 34.46]}
    assert by_place["Al-Hasakeh"] is None
    assert data["license"] == settings.DATA_LICENSE


def test_a_detail_in_every_export_format(world, key_client):
    pk = world.visible["aid-capacity"][0].pk
    url = f"{API}/aid-capacity/{pk}/"
    assert [int(row["id"]) for row in csv_rows(key_client.get(url, {"format": "csv"}))] == [pk]
    assert [row["id"] for row in xlsx_rows(key_client.get(url, {"format": "xlsx"}))] == [pk]
    assert [f["id"] for f in geojson(key_client.get(url, {"format": "geojson"}))["features"]] == [pk]


def test_confidential_columns_only_for_the_scope(world, key_client, scoped_key_client):
    url = f"{API}/surrenders/"
    assert "is_confidential" not in csv_rows(key_client.get(url, {"format": "csv"}))[0]
    rows = csv_rows(scoped_key_client.get(url, {"format": "csv"}))
    assert {row["is_confidential"] for row in rows} == {"true", "false"}


def test_the_demo_surrender_downloads_as_csv(db):
    """The done-when check: after the demo data, a key gets the Baghouz surrender for Syria."""
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    _, raw = make_key(client="Demo NGO")
    response = client_with(f"Api-Key {raw}").get(f"{API}/surrenders/", {"format": "csv", "country": "SYR"})
    rows = csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert (row["best"], row["low"], row["high"], row["high_open"]) == ("4000", "4000", "", "true")
    assert row["quantifier"] == "more_than" and row["surrendering_group"] == "Islamic State of Iraq and the Levant"
    assert row["location_name"] == "Baghouz" and row["location_precision"] == "near"
    assert client_with().get(f"{API}/surrenders/", {"format": "csv", "country": "SYR"}).status_code == 401
    # the same figure as JSON: an open upper bound is never a number
    item = client_with(f"Api-Key {raw}").get(f"{API}/surrenders/", {"country": "SYR"}).json()["results"][0]
    assert (item["high"], item["high_open"]) == (None, True)


def _awkward(world) -> None:
    """Cells that trip CSV writers: quotes, commas, line breaks, formulas, round and tiny decimals, whole
    seconds."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from tests.factories import OrganizationFactory

    places = world.places
    monitors = [OrganizationFactory(name="Zeta monitor"), OrganizationFactory(name="Alpha watch")]
    places.baghouz.latitude, places.baghouz.longitude = Decimal("34.000000"), Decimal("-40.950000")
    places.baghouz.save()
    # near the equator and the prime meridian: Python writes these floats in exponent form
    places.hasakeh.latitude, places.hasakeh.longitude = Decimal("-0.000001"), Decimal("0.000015")
    places.hasakeh.save()
    for resource in ("displacement-figures", "surrenders", "aid-capacity"):
        first = world.visible[resource][0]
        model = type(first)
        model.objects.filter(pk=first.pk).update(
            excerpt='He said, "about 5,000\r\nleft"; ünïcode — done', notes="=1+2", created_at=datetime(
                2019, 3, 10, 12, 0, tzinfo=UTC))
        first.cited_sources.set(monitors)
        if hasattr(first, "household_size"):
            model.objects.filter(pk=world.visible[resource][1].pk).update(
                unit="households", household_size=Decimal("5.00"), household_size_source="reported")
    _fill_every_column(world)


def _fill_every_column(world) -> None:
    """Records that fill the columns the API tests' world leaves empty (ranges, magnitudes, links, flows,
    composition, providers), so that every column of every kind holds a value in some row."""
    from datetime import date
    from decimal import Decimal

    from tests.factories import AidCapacityReportFactory, DisplacementFigureFactory, SurrenderFigureFactory
    from tracker.choices import CapacityUnit, HouseholdSizeSource, MagnitudeWord, Quantifier, ReviewStatus, Role

    days = iter(date(2021, 1, 1 + n) for n in range(10))

    def approved(factory, **fields):
        day = next(days)
        return factory(review_status=ReviewStatus.APPROVED, source=world.public_source, event=world.event,
                       location=world.places.baghouz, excerpt_translation="Plus de 4 000 personnes.",
                       start_date=day, end_date=day, **fields)

    ranged = {"quantifier": Quantifier.RANGE, "reported_value": 100, "reported_value_max": 200,
              "reported_phrase": "100 to 200 families", "unit": "households", "household_size": Decimal("5.25"),
              "household_size_source": HouseholdSizeSource.REPORTED, "best_override": 900,
              "best_override_reason": "Camp count.", "role": Role.TRIANGULATION}
    magnitude = {"quantifier": Quantifier.MAGNITUDE, "reported_value": None,
                 "magnitude_word": MagnitudeWord.THOUSANDS}
    first = world.visible["displacement-figures"][0]
    approved(DisplacementFigureFactory, supports=first, duplicate_of=first, origin=world.places.deir_ez_zor,
             destination=world.places.hasakeh, women=300, men=200, children=350, elderly=20,
             composition_note="Mostly women and children.", **ranged)
    approved(DisplacementFigureFactory, **magnitude)
    first = world.visible["surrenders"][0]
    approved(SurrenderFigureFactory, supports=first, duplicate_of=first, surrendering_group=world.isil,
             received_by=world.sdf, **ranged)
    approved(SurrenderFigureFactory, surrendering_group=world.isil, received_by=world.sdf, **magnitude)
    approved(AidCapacityReportFactory, provider=world.sdf, capacity=5000, demand=12000,
             capacity_unit=CapacityUnit.BEDS)


@pytest.mark.parametrize("resource", ["displacement-figures", "surrenders", "aid-capacity"])
@pytest.mark.parametrize("fmt", ["csv", "hxl"])
def test_the_copy_download_gives_the_bytes_of_the_python_renderer(world, scoped_key_client, monkeypatch,
                                                                   resource, fmt):
    """On PostgreSQL a records download comes from COPY (tracker/exports/copy.py); byte for byte it is
    what the Python renderer writes. On SQLite the Python renderer serves it."""
    from django.db import connection

    from tracker.api import base

    _awkward(world)
    url = f"{API}/{resource}/"
    served = body(scoped_key_client.get(url, {"format": fmt}))
    monkeypatch.setattr(base, "can_copy", lambda queryset, columns: False)
    python = body(scoped_key_client.get(url, {"format": fmt}))
    assert served == python
    assert served.count(b"\n") > 3 and b'"He said, ""about 5,000\r\nleft""' in served
    # Every column of the registry is in the download and holds a value in some row, so that each SQL cell is
    # compared with its Python twin: a column added without its SQL cell, or whose cell differs, fails here.
    rows = list(csv.DictReader(io.StringIO(python.decode())))[1 if fmt == "hxl" else 0:]
    assert list(rows[0]) == [column.name for column in columns.RECORD_LISTS[resource]]
    empty = [name for name in rows[0] if not any(row[name] for row in rows)]
    assert not empty, f"no row fills {', '.join(empty)}"
    monkeypatch.undo()
    from tracker.exports.copy import can_copy

    model = type(world.visible[resource][0])
    assert can_copy(model.objects.all(), columns.RECORD_LISTS[resource]) == (connection.vendor == "postgresql")


def test_every_column_of_a_record_has_its_sql_cell():
    """A records download may come from COPY only if every column has its SQL cell: one added without fails here
    (and, on PostgreSQL, the test above compares each cell with its Python twin)."""
    from tracker.api.resources import RESOURCE_VIEWSETS
    from tracker.models import CLAIM_MODELS

    records = {viewset.resource: viewset.columns for viewset in RESOURCE_VIEWSETS if viewset.model in CLAIM_MODELS}
    assert records == columns.RECORD_LISTS
    assert [(resource, column.name) for resource, listed in records.items() for column in listed
            if column.sql is None] == []
