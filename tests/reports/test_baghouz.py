"""The demo's promise: March 2019 has one leaving row, 20,000 / 20,000 / 99,999, on the API and the event page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.api.conftest import client_with, csv_rows, make_key
from tests.reports.pages import elements, numbers
from tracker.models import DisplacementFigure, Event
from tracker.permissions import ensure_groups
from tracker.reporting.report import displacement_report

pytestmark = pytest.mark.django_db

BAGHOUZ_MARCH = (20_000, 20_000, 99_999, False)
# What counting record 3 (the "thousands" triangulation) by mistake would give:
WITH_TRIANGULATION = (22_000, 22_000, 109_998, False)


@pytest.fixture
def demo(db):
    ensure_groups()
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    return Event.objects.get(name="Battle of Baghouz")


@pytest.fixture
def key_client(db):
    return client_with(f"Api-Key {make_key()[1]}")


def test_the_api_gives_one_leaving_row_for_march_2019(demo, key_client):
    response = key_client.get("/api/v1/reports/displacement/", {"group_by": "month"})
    assert response.status_code == 200, response.content
    data = response.json()
    march = [row for row in data["rows"] if row["month"] == "2019-03"]
    assert len(march) == 1
    row = march[0]
    assert (row["category"], row["term_group"]) == ("flow", "leaving")
    assert (row["low"], row["best"], row["high"], row["high_open"]) == BAGHOUZ_MARCH
    assert row["ids"] == [1, 3]  # the tens-of-thousands flow and the zero, not the triangulation
    assert row["multi_bucket_count"] == 1  # record 1 began in December 2018
    triangulation = next(w for w in data["warnings"] if w["code"] == "excluded_triangulation")
    assert triangulation["ids"] == [2]
    csv_march = [r for r in csv_rows(key_client.get("/api/v1/reports/displacement/",
                                                    {"group_by": "month", "format": "csv"}))]
    assert [(r["low"], r["best"], r["high"]) for r in csv_march] == [("20000", "20000", "99999")]


def test_counting_the_triangulation_by_mistake_would_give_another_total(demo):
    everything = DisplacementFigure.objects.filter(pk__in=[1, 2, 3])
    assert sum(f.low for f in everything) == WITH_TRIANGULATION[0]
    assert sum(f.high for f in everything) == WITH_TRIANGULATION[2]
    row = displacement_report(group_by="month").rows[0]
    assert (row["low"], row["best"], row["high"], row["high_open"]) == BAGHOUZ_MARCH


def test_the_event_page_shows_the_same_march_total(demo, client):
    response = client.get(reverse("pages:event", args=[demo.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    monthly = [r for r in elements(html, "tr", "data-month") if "data-category" in r]
    assert [(r["data-month"], r["data-term-group"], numbers(r)) for r in monthly] == [
        ("2019-03", "leaving", BAGHOUZ_MARCH)]
    assert "March 2019" in html and "20,000–99,999" in html
    # the weekly chart: the tens of thousands across 10 December to 10 March, the zero as the one bar
    spans = elements(html, "g", "data-start")
    assert {(s["data-start"], s["data-end"], numbers(s)) for s in spans} >= {
        ("2018-12-10", "2019-03-10", BAGHOUZ_MARCH)}
    bars = [b for b in elements(html, "g", "data-week") if "reported" in b["class"]]
    assert {(b["data-week"], numbers(b)) for b in bars} == {("2019-03-04", (0, 0, 0, False))}
    assert "10 Dec 2018 – 10 Mar 2019" in html
    # surrenders: more than 4,000, open
    assert "4,000 or more" in html
    # aid capacity: strained, and the source with its publisher
    assert "Strained (struggling to cope)" in html and "aid agencies in the area" in html
    assert "Al Jazeera" in html and "US-backed Syrian forces resume attacks on final ISIL enclave" in html
    assert "a party’s claim" in html  # the SDF's figures


def test_the_place_pages_of_the_demo(demo, client):
    from tracker.models import Location

    baghouz = Location.objects.get(name="Baghouz")
    html = client.get(reverse("pages:place", args=[baghouz.pk])).content.decode()
    monthly = [r for r in elements(html, "tr", "data-month") if "data-category" in r]
    # at Baghouz itself only the zero counts: the tens of thousands are placed at Abu Kamal district
    assert [(r["data-month"], numbers(r)) for r in monthly] == [("2019-03", (0, 0, 0, False))]
    abu_kamal = Location.objects.get(name="Abu Kamal")
    html = client.get(reverse("pages:place", args=[abu_kamal.pk])).content.decode()
    monthly = [r for r in elements(html, "tr", "data-month") if "data-category" in r]
    assert [(r["data-month"], numbers(r)) for r in monthly] == [("2019-03", BAGHOUZ_MARCH)]
