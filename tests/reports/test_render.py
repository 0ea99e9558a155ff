"""A report's rows as a client reads them: names with line separators, many rows of one place and many buckets."""

from __future__ import annotations

import pytest
from rest_framework.renderers import JSONRenderer

from tests.api.conftest import client_with, make_key
from tests.reports.conftest import d, flow, stock
from tracker.models import Location

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/displacement/"


@pytest.fixture
def key_client(db):
    return client_with(f"Api-Key {make_key()[1]}")


def test_a_name_with_line_separators_is_escaped_as_drf_escapes_it(places, key_client):
    """U+2028 and U+2029 end a line in JavaScript: DRF writes them escaped, and so does the report."""
    Location.objects.filter(pk=places.deir_ez_zor.pk).update(name="Deir\u2028ez\u2029Zor \u2013 east")
    flow(location=places.abu_kamal, reported_value=1_000, end_date=d("2019-03-05"))
    response = key_client.get(URL, {"group_by": "adm1,week"})
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(response.data)
    assert b'"adm1_name":"Deir\\u2028ez\\u2029Zor \xe2\x80\x93 east"' in response.content
    assert response.json()["rows"][0]["adm1_name"] == "Deir\u2028ez\u2029Zor \u2013 east"


def test_rows_of_one_place_share_its_names_and_keep_their_own_numbers(places, key_client):
    """Names are looked up once per place, however many buckets it has; each bucket keeps its own sums, ids
    and spanning count, stocks beside flows, and the empty place key sorts last in each bucket."""
    figures = [flow(location=places.abu_kamal, reported_value=100 * (week + 1), start_date=d("2019-01-01"),
                    end_date=d("2019-03-04").replace(day=4 + 7 * week)) for week in range(3)]
    held = stock(location=places.camp, reported_value=500, start_date=d("2019-03-12"), end_date=d("2019-03-12"))
    country = flow(location=places.syria, reported_value=7, start_date=d("2019-03-05"), end_date=d("2019-03-05"))
    rows = key_client.get(URL, {"group_by": "adm2,week"}).json()["rows"]
    assert [(row["week"], row["adm2_name"], row["category"], row["best"], row["ids"],
             row["multi_bucket_count"]) for row in rows] == [
        ("2019-W10", "Abu Kamal", "flow", 100, [figures[0].pk], 1),
        ("2019-W10", None, "flow", 7, [country.pk], 0),
        ("2019-W11", "Abu Kamal", "flow", 200, [figures[1].pk], 1),
        ("2019-W11", "Abu Kamal", "stock", 500, [held.pk], 0),
        ("2019-W12", "Abu Kamal", "flow", 300, [figures[2].pk], 1),
    ]
    assert {row["adm2_id"] for row in rows} == {places.abu_kamal.pk, None}
