"""HXL read by libhxl, as an NGO's pipeline or the HXL Proxy reads it: the sum of the plain hashtag is the total.

libhxl's ``row.get(pattern)`` and its ``sum()`` aggregator take the FIRST column a pattern matches, and
``#affected+displaced+ind`` matches ``+low`` and ``+high`` too: the best column must come first. A "fewer than
500" figure (low 0, best 500) makes the difference visible. Lists also hold records that never count: summed
after filtering on ``#meta+counted`` they give the report's totals.
"""

from __future__ import annotations

import io
from collections import defaultdict

import hxl
import pytest
from django.core.management import call_command

from tests.api.conftest import body, client_with, geojson, make_key, token_client, xlsx_rows
from tests.factories import SurrenderFigureFactory
from tests.reports.conftest import APPROVED, d, flow
from tracker.choices import DisplacementTerm, Quantifier
from tracker.models import DisplacementFigure, SurrenderFigure
from tracker.models.claims import COUNTED
from tracker.permissions import ensure_groups

pytestmark = pytest.mark.django_db

BEST = {"displacement": "#affected+displaced+ind", "surrenders": "#x_surrendered+ind"}
LIST = {"displacement": "displacement-figures", "surrenders": "surrenders"}
PERIOD = {"week": "#date+week", "month": "#date+month", "year": "#date+year"}


@pytest.fixture
def key_client(db):
    return client_with(f"Api-Key {make_key()[1]}")


def report(client, kind: str, **params) -> tuple[dict, bytes]:
    """The report's JSON and its HXL, for the same query."""
    url = f"/api/v1/reports/{kind}/"
    answer = client.get(url, params)
    assert answer.status_code == 200, answer.content
    hxl_answer = client.get(url, {**params, "format": "hxl"})
    assert hxl_answer.status_code == 200, hxl_answer.content
    return answer.json(), body(hxl_answer)


def keys_of(kind: str, period: str | None = None) -> list[str]:
    keys = ["#meta+category", "#meta+term_group"] if kind == "displacement" else ["#meta+term_group"]
    return [PERIOD[period], *keys] if period else keys


def libhxl_sums(content: bytes, keys: list[str], tag: str, *, counted_only: bool = False) -> dict[tuple, int]:
    """libhxl's own sum of ``tag`` per combination of ``keys`` (its ``count`` filter, which reads the first
    column ``tag`` matches)."""
    data = hxl.data(io.BytesIO(content))
    if counted_only:
        data = data.with_rows("#meta+counted=true")
    summed = data.count(keys, aggregators=f"sum({tag}) as Total{tag}+x_total")
    return {tuple(row.get(key) for key in keys): int(row.get(f"{tag}+x_total")) for row in summed}


def json_bests(rows: list[dict], kind: str, period: str | None = None) -> dict[tuple, int]:
    names = ([period] if period else []) + (["category", "term_group"] if kind == "displacement" else ["term_group"])
    sums: dict[tuple, int] = defaultdict(int)
    for row in rows:
        sums[tuple(str(row[name]) for name in names)] += row["best"]
    return dict(sums)


def assert_hxl_sums_are_the_totals(client, kind: str, **params) -> dict[tuple, int]:
    """Per category and term group, libhxl's sum of the plain hashtag over the report's rows is its JSON total;
    with a time grouping, per period too, and each period's sum is the JSON row of that period alone."""
    data, content = report(client, kind, **params)
    summed = libhxl_sums(content, keys_of(kind), BEST[kind])
    period = next((name for name in PERIOD if name in data["group_by"]), None)
    if period is None:
        assert summed == json_bests(data["totals"], kind), (kind, params)
    else:
        by_period = libhxl_sums(content, keys_of(kind, period), BEST[kind])
        alone = report(client, kind, group_by=period, **{k: v for k, v in params.items() if k != "group_by"})[0]
        assert by_period == json_bests(alone["rows"], kind, period), (kind, params)
    return summed


# --- reports --------------------------------------------------------------------------------------------------


@pytest.fixture
def open_bounds(places):
    """Flows and surrenders of March 2019 in two governorates: "fewer than 500" (low 0, best 500, high 500)
    and "more than 1,000" (1,000 / 1,000 / open). Best total 1,500; the low column sums to 1,000."""
    p = places
    march = {"start_date": d("2019-03-01"), "end_date": d("2019-03-10")}
    flow(location=p.hasakeh, quantifier=Quantifier.LESS_THAN, reported_value=500, **march)
    flow(location=p.deir_ez_zor, quantifier=Quantifier.MORE_THAN, reported_value=1_000, **march)
    for place, quantifier, value in ((p.hasakeh, Quantifier.LESS_THAN, 500),
                                     (p.deir_ez_zor, Quantifier.MORE_THAN, 1_000)):
        SurrenderFigureFactory(location=place, quantifier=quantifier, reported_value=value, review_status=APPROVED,
                               **march)
    return p


@pytest.mark.parametrize("kind", ["displacement", "surrenders"])
def test_fewer_than_500_adds_its_best_not_its_low(open_bounds, key_client, kind):
    leaving = ("flow", "leaving") if kind == "displacement" else ("surrendered",)
    for params in ({}, {"group_by": "adm1"}, {"group_by": "month,adm1"}):
        summed = assert_hxl_sums_are_the_totals(key_client, kind, **params)
        assert summed[leaving] == 1_500, params
    _, content = report(key_client, kind, group_by="adm1")
    rows = list(hxl.data(io.BytesIO(content)))
    assert sorted(row.get(BEST[kind]) for row in rows) == ["1000", "500"]
    assert sorted(row.get(f"{BEST[kind]}+low") for row in rows) == ["0", "1000"]
    assert sorted(row.get(f"{BEST[kind]}+high") or "" for row in rows) == ["", "500"]  # open: empty


@pytest.mark.parametrize("params", [{}, {"group_by": "adm1,adm2"}, {"group_by": "month,adm1"},
                                    {"group_by": "week,event"}, {"group_by": "year,country,term"}])
def test_report_hxl_sums_to_the_totals_for_every_kind_of_row(world, key_client, reviewer, params):
    """The hand-counted world: an open bound, stocks that must not add, confidential records (counted for staff
    only), triangulations, duplicates and drafts left out."""
    staff = token_client(reviewer)
    for client in (key_client, staff):
        for kind in ("displacement", "surrenders"):
            assert_hxl_sums_are_the_totals(client, kind, **params)
    assert assert_hxl_sums_are_the_totals(key_client, "displacement", **params)[("flow", "leaving")] == 16_100
    assert assert_hxl_sums_are_the_totals(staff, "displacement", **params)[("flow", "leaving")] == 16_100 + 1_200


def test_the_baghouz_demo_sums_to_its_totals_in_libhxl(db, key_client):
    ensure_groups()
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    for params in ({}, {"group_by": "month"}, {"group_by": "month,adm1"}, {"group_by": "week"}):
        for kind in ("displacement", "surrenders"):
            assert_hxl_sums_are_the_totals(key_client, kind, **params)
    data, content = report(key_client, "displacement", group_by="month")
    month = libhxl_sums(content, keys_of("displacement", "month"), BEST["displacement"])
    assert month[("2019-03", "flow", "leaving")] == 20_000  # docs/counting.md's Baghouz example


# --- lists ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["displacement", "surrenders"])
def test_a_list_summed_after_filtering_on_counted_gives_the_report_totals(world, key_client, reviewer, kind):
    """The lists hold a triangulation, a duplicate, an unquantified claim and (for staff) a draft: summed as they
    are, they overstate; summed after ``#meta+counted=true``, they give the report's flow totals."""
    for client in (key_client, token_client(reviewer)):
        params = {"category": "flow"} if kind == "displacement" else {}
        answer = client.get(f"/api/v1/{LIST[kind]}/", {**params, "format": "hxl"})
        assert answer.status_code == 200, answer.content
        content = body(answer)
        totals = json_bests(report(client, kind, **params)[0]["totals"], kind)
        keys, tag = keys_of(kind), BEST[kind]
        assert libhxl_sums(content, keys, tag, counted_only=True) == totals
        everything = libhxl_sums(content, keys, tag)
        assert all(everything[key] >= total for key, total in totals.items())
        assert everything != totals  # the uncounted records are there, and would be added


def test_counted_is_the_counting_rule_in_every_format(world, reviewer):
    """Staff see every record, drafts included: ``counted`` is true exactly for the records ``COUNTED`` selects,
    in JSON, CSV, HXL, XLSX and GeoJSON alike (PostgreSQL writes CSV and HXL with COPY, from SQL)."""
    staff = token_client(reviewer)
    for model, resource in ((DisplacementFigure, "displacement-figures"), (SurrenderFigure, "surrenders")):
        expected = set(model.objects.filter(COUNTED).values_list("pk", flat=True))
        assert expected and model.objects.exclude(COUNTED).exists()
        url = f"/api/v1/{resource}/"
        results = staff.get(url, {"page_size": 1000}).json()["results"]
        assert {item["id"] for item in results if item["counted"]} == expected
        assert {item["id"] for item in results} == set(model.objects.values_list("pk", flat=True))
        rows = list(hxl.data(io.BytesIO(body(staff.get(url, {"format": "hxl"})))))
        assert {int(row.get("#meta+id")) for row in rows if row.get("#meta+counted") == "true"} == expected
        assert {row.get("#meta+counted") for row in rows} == {"true", "false"}
        sheet = xlsx_rows(staff.get(url, {"format": "xlsx"}))
        assert {row["id"] for row in sheet if row["counted"] is True} == expected
        features = [f["properties"] for f in geojson(staff.get(url, {"format": "geojson"}))["features"]]
        assert features and all(isinstance(f["counted"], bool) for f in features)
        assert {f["id"] for f in features if f["counted"]} == expected & {f["id"] for f in features}


def test_the_draft_and_the_triangulation_are_visible_and_not_counted(world, reviewer):
    staff = token_client(reviewer)
    by_id = {item["id"]: item for item in staff.get("/api/v1/displacement-figures/",
                                                     {"page_size": 1000}).json()["results"]}
    assert by_id[world.f1.pk]["counted"] is True
    assert by_id[world.f8.pk]["counted"] is False  # in review
    assert by_id[world.f2.pk]["counted"] is False  # triangulation of f1
    assert by_id[world.f3.pk]["counted"] is False  # duplicate of f1
    assert by_id[world.f7.pk]["counted"] is False  # unquantified
    assert by_id[world.f4.pk]["counted"] is True  # confidential: counted in staff totals
    assert world.f9.term == DisplacementTerm.ARRIVED and by_id[world.f9.pk]["counted"] is True
