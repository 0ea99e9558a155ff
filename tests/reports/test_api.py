"""/api/v1/reports/: the same numbers as tracker.reporting, for each audience, in JSON, CSV and HXL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import client_with, csv_rows, hxl_rows, make_key, token_client
from tests.reports.conftest import d, flow, stock
from tracker import filtersets
from tracker.api.reports import (
    AidCapacityStatusFilterSet,
    DisplacementReportFilterSet,
    SurrenderReportFilterSet,
)
from tracker.choices import DisplacementCategory, TermGroup
from tracker.reporting.report import displacement_report
from tracker.services import reference_update

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/displacement/"
FLOW = DisplacementCategory.FLOW


@pytest.fixture
def key_client(db):
    return client_with(f"Api-Key {make_key()[1]}")


@pytest.fixture
def scoped_client(db):
    return client_with(f"Api-Key {make_key(client='Trusted NGO', confidential_scope=True)[1]}")


def leaving(rows: list[dict], month: str | None = None) -> dict:
    return next(row for row in rows if row["category"] == FLOW and row["term_group"] == TermGroup.LEAVING
                and (month is None or row.get("month") == month))


def test_the_json_report_is_the_aggregation_modules(world, key_client):
    response = key_client.get(URL, {"group_by": "month,adm1"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["group_by"] == ["month", "adm1"]
    assert data["ids_cap"] == 100
    assert "CC BY" in data["license"]
    expected = displacement_report(group_by="month,adm1")
    assert len(data["rows"]) == len(expected.rows)
    for got, want in zip(data["rows"], expected.rows, strict=True):
        assert {k: got[k] for k in ("low", "best", "high", "high_open", "figures_count", "ids")} == {
            k: want[k] for k in ("low", "best", "high", "high_open", "figures_count", "ids")}
    march = [row for row in data["rows"] if row["month"] == "2019-03" and row["term_group"] == TermGroup.LEAVING]
    assert [(row["adm1_name"], row["adm1_pcode"], row["best"]) for row in march] == [("Deir-ez-Zor", "SY09", 10_000)]
    assert {w["code"] for w in data["warnings"]} >= {"excluded_triangulation", "excluded_duplicate", "unquantified",
                                                     "nested_stock", "multi_bucket", "overlap"}


def test_open_totals_are_null_with_high_open(world, key_client):
    data = key_client.get(URL).json()
    total = leaving(data["totals"])
    assert (total["low"], total["best"], total["high"], total["high_open"]) == (16_100, 16_100, None, True)


def test_confidential_records_count_only_for_keys_with_the_scope_and_staff(world, key_client, scoped_client,
                                                                           reviewer):
    ordinary = leaving(key_client.get(URL).json()["totals"])["best"]
    scoped = leaving(scoped_client.get(URL).json()["totals"])["best"]
    staff = leaving(token_client(reviewer).get(URL).json()["totals"])["best"]
    assert ordinary == 16_100
    assert scoped == staff == 16_100 + 500 + 700


def test_date_filters_select_by_end_date(world, key_client):
    # F1 runs from 20 February to 10 March: it counts in March only.
    february = key_client.get(URL, {"date_from": "2019-02-01", "date_to": "2019-02-28"}).json()
    march = key_client.get(URL, {"date_from": "2019-03-01", "date_to": "2019-03-31"}).json()
    assert world.f1.pk not in leaving(february["rows"])["ids"]
    assert leaving(march["rows"])["ids"] == [world.f1.pk]
    assert march["date_from"] == "2019-03-01"
    # and a filtered report equals the bucketed one
    bucketed = key_client.get(URL, {"group_by": "month"}).json()
    assert leaving(bucketed["rows"], "2019-03")["best"] == leaving(march["rows"])["best"]


def test_list_filters_apply_to_reports(world, key_client):
    data = key_client.get(URL, {"location": "SY09", "term": "fled,evacuated"}).json()
    assert leaving(data["rows"])["best"] == 10_000 + 4_000
    assert all(row["term_group"] == TermGroup.LEAVING for row in data["rows"])


def test_csv_and_hxl_carry_the_same_rows(world, key_client):
    json_rows = key_client.get(URL, {"group_by": "month"}).json()["rows"]
    response = key_client.get(URL, {"group_by": "month", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "CC BY" in response["X-Data-License"]
    rows = csv_rows(response)
    assert [(r["month"], r["term_group"], r["best"], r["high"]) for r in rows] == [
        (r["month"], r["term_group"], str(r["best"]), "" if r["high"] is None else str(r["high"])) for r in json_rows
    ]
    columns, hxl = hxl_rows(key_client.get(URL, {"group_by": "month,adm1", "format": "hxl"}))
    assert "#affected+displaced+ind" in columns and "#adm1+code" in columns and "#date+month" in columns
    march = [row for row in hxl if row.get("#date+month") == "2019-03" and row.get("#meta+term_group") == "leaving"]
    assert [row.get("#affected+displaced+ind") for row in march] == ["10000"]


@pytest.mark.parametrize(("params", "field"), [
    ({"group_by": "mnth"}, "group_by"),
    ({"group_by": "week,month"}, "group_by"),
    ({"group_by": ["month", "year"]}, "group_by"),
    ({"date_form": "2019-01-01"}, "date_form"),
    ({"date_from": "2019-13-01"}, "date_from"),
    ({"ordering": "id"}, "ordering"),
    ({"cursor": "abc"}, "cursor"),
    ({"location": "XX99"}, "location"),
    ({"format": "pdf"}, "format"),
])
def test_bad_parameters_are_a_field_level_400(world, key_client, params, field):
    response = key_client.get(URL, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_reports_need_credentials(world):
    assert APIClient().get(URL).status_code == 401
    assert client_with("Api-Key nope.nope").get(URL).status_code == 401


def test_report_filtersets_extend_the_list_filtersets():
    pairs = [
        (filtersets.DisplacementFigureFilterSet, DisplacementReportFilterSet),
        (filtersets.SurrenderFigureFilterSet, SurrenderReportFilterSet),
        (filtersets.AidCapacityReportFilterSet, AidCapacityStatusFilterSet),
    ]
    for listing, report in pairs:
        assert issubclass(report, listing)
        assert set(listing.base_filters) - {"ordering"} <= set(report.base_filters)
        assert report.base_filters["date_from"].field_name == "end_date"
        assert report.base_filters["date_to"].field_name == "end_date"


def test_truncated_rows_link_to_the_filtered_list(world, key_client, monkeypatch):
    from tracker.reporting import grouping

    monkeypatch.setattr(grouping, "IDS_CAP", 1)
    data = key_client.get(URL, {"group_by": "adm1,month"}).json()
    truncated = [row for row in data["rows"] if row["ids_truncated"]]
    assert not truncated  # one figure per row here
    data = key_client.get(URL, {"group_by": "term"}).json()
    row = next(r for r in data["rows"] if r["term"] == "fled")
    assert row["figures_count"] == 3 and len(row["ids"]) == 1 and row["ids_truncated"]
    link = row["records_url"]
    assert "/api/v1/displacement-figures/?" in link and "term=fled" in link and "role=headline" in link
    listed = key_client.get(link).json()["results"]
    assert {item["id"] for item in listed} >= {world.f1.pk, world.f5.pk, world.f10.pk}


def test_the_json_report_is_byte_for_byte_what_drf_would_write(world, key_client):
    """The report's JSON is written by orjson; a client cannot tell it from DRF's own renderer."""
    from rest_framework.renderers import JSONRenderer

    response = key_client.get(URL, {"group_by": "week,adm1", "format": "json"})
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(response.data)
    assert b'"week_start":"2019-03-04"' in response.content
    assert b'"earliest_start_date":"2019-02-20"' in response.content


def test_surrender_report(world, key_client):
    data = key_client.get("/api/v1/reports/surrenders/", {"group_by": "month"}).json()
    assert [(r["month"], r["low"], r["best"], r["high"], r["high_open"]) for r in data["rows"]] == [
        ("2019-02", 300, 300, 300, False), ("2019-03", 4_000, 4_000, None, True)]
    assert (data["totals"][0]["best"], data["totals"][0]["high"]) == (4_300, None)


def test_aid_capacity_status(world, key_client, scoped_client):
    url = "/api/v1/reports/aid-capacity/"
    data = key_client.get(url).json()
    assert {row["record_id"] for row in data["rows"]} == {world.a2.pk, world.a3.pk}
    assert data["count"] == 2
    early = key_client.get(url, {"as_of": "2019-03-05"}).json()
    assert {row["record_id"] for row in early["rows"]} == {world.a1.pk, world.a4.pk}
    assert early["as_of"] == "2019-03-05"
    assert world.a5.pk in {row["record_id"] for row in scoped_client.get(url).json()["rows"]}
    paged = key_client.get(url, {"page_size": 1}).json()
    assert len(paged["rows"]) == 1 and paged["next"]
    assert key_client.get(paged["next"]).json()["rows"][0]["record_id"] != paged["rows"][0]["record_id"]
    rows = csv_rows(key_client.get(url, {"format": "csv", "sector": "health"}))
    assert [(r["record_id"], r["strain"], r["capacity"], r["capacity_unit"]) for r in rows] == [
        (str(world.a2.pk), "overwhelmed", "40", "beds")]
    assert key_client.get(url, {"page": "0"}).status_code == 400
    assert key_client.get(url, {"as_of": "soon"}).status_code == 400
    assert key_client.get(url, {"group_by": "month"}).status_code == 400


def test_a_repeated_report_comes_from_the_cache_and_a_change_shows_at_once(world, key_client, analyst):
    """The second request counts nothing again; a source marked confidential leaves the NGO totals at once."""
    first = key_client.get(URL, {"group_by": "month"}).json()
    with CaptureQueriesContext(connection) as queries:
        again = key_client.get(URL, {"format": "json", "group_by": "month"}).json()
    assert again == first
    assert not [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert leaving(first["totals"])["best"] == 16_100

    reference_update(world.article, changed_by=analyst, data={"is_confidential": True})
    changed = key_client.get(URL, {"group_by": "month"}).json()
    assert changed["totals"] != first["totals"]
    assert world.f1.pk not in [pk for row in changed["rows"] for pk in row["ids"]]


def test_cached_reports_are_kept_apart_by_audience_and_by_query(world, key_client, scoped_client, reviewer):
    assert leaving(key_client.get(URL).json()["totals"])["best"] == 16_100
    assert leaving(scoped_client.get(URL).json()["totals"])["best"] == 16_100 + 500 + 700
    assert leaving(token_client(reviewer).get(URL).json()["totals"])["best"] == 16_100 + 500 + 700
    assert leaving(key_client.get(URL).json()["totals"])["best"] == 16_100
    march = key_client.get(URL, {"date_from": "2019-03-01", "date_to": "2019-03-31"}).json()
    assert leaving(march["rows"])["ids"] == [world.f1.pk]
    assert key_client.get(URL, {"group_by": "adm1"}).json()["group_by"] == ["adm1"]


def test_a_cached_report_is_the_same_response_in_its_own_format(world, key_client):
    """The cache keeps each format's bytes apart: a CSV asked after the same JSON report is a CSV."""
    cached = {}
    for fmt in ("json", "csv", "hxl"):
        first = key_client.get(URL, {"group_by": "month", "format": fmt})
        with CaptureQueriesContext(connection) as queries:
            cached[fmt] = again = key_client.get(URL, {"group_by": "month", "format": fmt})
        assert not [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
        assert again.status_code == first.status_code == 200
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"]
        assert again.get("Content-Disposition") == first.get("Content-Disposition")
    march = leaving(cached["json"].json()["rows"], "2019-03")
    assert leaving(csv_rows(cached["csv"]), "2019-03")["best"] == str(march["best"])
    assert cached["csv"]["Content-Disposition"] == 'attachment; filename="displacement-report.csv"'
    _, rows = hxl_rows(cached["hxl"])
    assert str(march["best"]) in {row.get("#affected+displaced+ind") for row in rows}


def test_the_report_cache_can_be_switched_off(world, key_client, settings):
    settings.REPORT_CACHE_SECONDS = 0
    key_client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        key_client.get(URL)
    assert [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]


@pytest.mark.parametrize("group_by", ["adm1,month", "", "country,week", "event,term"])
def test_the_report_query_count_does_not_grow_with_the_data(world, key_client, settings, group_by):
    settings.REPORT_CACHE_SECONDS = 0

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            # no grouping: the parameter left out (an empty one is refused, as every empty parameter is)
            assert key_client.get(URL, {"group_by": group_by} if group_by else {}).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    places = world.places
    for month in (4, 5, 6):
        period = {"start_date": d(f"2019-0{month}-01"), "end_date": d(f"2019-0{month}-20")}
        stock(location=places.camp, reported_value=100 * month, source=world.article, **period)
        stock(location=places.baghouz, reported_value=300 * month, source=world.other, **period)  # holds the camp
        flow(location=places.hasakeh, reported_value=10 * month, source=world.blog, event=world.event, **period)
    assert queries() == before
