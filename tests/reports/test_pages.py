"""The public pages: what they show agrees with the API, hides what the public may not see, and stays fast."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api.conftest import body, client_with, make_key
from tests.factories import SourceFactory
from tests.reports.conftest import d, flow
from tests.reports.pages import api_numbers, elements, numbers
from tracker.models import PossibleDoubleCount
from tracker.reporting.cache import _statement, data_version
from tracker.services import claim_delete, claim_reject, double_count_decide, reference_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(db):
    return client_with(f"Api-Key {make_key()[1]}")


def event_url(world) -> str:
    return reverse("pages:event", args=[world.event.pk])


def test_home_lists_events_with_their_headline_totals(world, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Battle of Baghouz" in html and event_url(world) in html
    # leaving flows of the event: F1 10,000 + F5 1,100 + F6 more than 4,000 (F10 has no event)
    assert "15,100 (15,100 or more)" in html
    assert "4,300 (4,300 or more)" in html  # surrenders
    assert reverse("pages:place", args=[world.places.syria.pk]) in html


def test_home_of_a_new_site_without_events_answers(client):
    """A fresh database has no events: the home page is empty, not a 500 (it was on PostgreSQL)."""
    response = client.get("/")
    assert response.status_code == 200
    assert "Displacement Tracker" in response.content.decode()


def test_the_event_page_and_the_api_agree(world, client, key_client):
    html = client.get(event_url(world)).content
    api = key_client.get("/api/v1/reports/displacement/", {"event": world.event.pk, "group_by": "month"}).json()
    page_rows = {(r["data-month"], r["data-category"], r["data-term-group"]): numbers(r)
                 for r in elements(html, "tr", "data-month") if "data-category" in r}
    api_rows = {(r["month"], r["category"], r["term_group"]): api_numbers(r) for r in api["rows"]}
    assert page_rows == api_rows
    assert page_rows[("2019-03", "flow", "leaving")] == (10_000, 10_000, 10_000, False)
    cards = {(c["data-kind"], c["data-term-group"]): numbers(c) for c in elements(html, "div", "data-kind")}
    assert cards[("displacement", "leaving")] == api_numbers(
        next(t for t in api["totals"] if t["term_group"] == "leaving"))
    assert cards[("displacement", "leaving")] == (15_100, 15_100, None, True)
    surrenders = key_client.get("/api/v1/reports/surrenders/", {"event": world.event.pk}).json()
    assert cards[("surrenders", "surrendered")] == api_numbers(surrenders["totals"][0])


def test_the_place_page_covers_the_place_and_everything_under_it(world, client, key_client):
    deir = world.places.deir_ez_zor
    html = client.get(reverse("pages:place", args=[deir.pk])).content
    api = key_client.get("/api/v1/reports/displacement/", {"location": "SY09", "group_by": "month"}).json()
    page_rows = {(r["data-month"], r["data-term-group"]): numbers(r)
                 for r in elements(html, "tr", "data-month") if "data-category" in r}
    assert page_rows == {(r["month"], r["term_group"]): api_numbers(r) for r in api["rows"]}
    assert ("2019-02", "leaving") in page_rows and page_rows[("2019-02", "leaving")][1] == 4_000  # F6, not F5
    shown = {int(r["data-id"]) for r in elements(html, "tr", "data-id")}
    assert world.f1.pk in shown and world.f5.pk not in shown  # Abu Kamal is inside; Al-Hasakeh is not


def test_pages_show_only_approved_non_confidential_records(world, client):
    html = client.get(event_url(world)).content.decode()
    shown = {int(r["data-id"]) for r in elements(html, "tr", "data-id")}
    assert world.f1.pk in shown and world.f2.pk in shown  # the triangulation is evidence, shown as not counted
    assert not shown & {world.f4.pk, world.f4b.pk, world.f8.pk}
    assert "Confidential briefing" not in html
    assert f"triangulation of #{world.f1.pk}: not counted" in html
    strains = [r["data-strain"] for r in elements(html, "tr", "data-strain")]
    assert sorted(strains) == ["overwhelmed", "strained"]  # latest per provider, place, sector; a5 is confidential


def test_the_weekly_chart_is_an_accessible_svg(world, client):
    html = client.get(event_url(world)).content.decode()
    svg = re.search(r'<svg[^>]*id="chart-leaving"[^>]*>', html).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-leaving-title chart-leaving-desc"' in svg
    assert '<title id="chart-leaving-title">People leaving per week: Battle of Baghouz</title>' in html
    assert "Weeks without a bar have no report" in html
    chart = html[html.index('id="chart-leaving"'):]
    chart = chart[: chart.index("</svg>")]
    bars = {b["data-week"]: b for b in elements("<svg " + chart, "g", "data-week") if "reported" in b["class"]}
    assert set(bars) == {"2019-02-11", "2019-02-25"}
    assert "open" in bars["2019-02-25"]["class"]  # more than 4,000
    (f1,) = elements("<svg " + chart, "g", "data-start")  # F1 began on 20 February: drawn across its period
    assert (f1["data-start"], f1["data-end"]) == ("2019-02-20", "2019-03-10")
    assert numbers(f1) == (10_000, 10_000, 10_000, False)
    assert "Week (starting Monday)" in html and "People per week" in html
    assert "cdn" not in html.lower() and "<script" not in html.lower()


def test_every_csv_link_works_and_matches_the_page(world, client):
    html = client.get(event_url(world)).content.decode()
    links = sorted(set(re.findall(r'href="([^"]+\.csv)"', html)))
    assert len(links) == 7
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response["Content-Type"].startswith("text/csv")
        assert body(response).decode().count("\n") >= 2, link
    monthly = body(client.get(reverse("pages:event_csv", args=[world.event.pk, "displacement-monthly"]))).decode()
    assert "2019-03,2019-03-01,flow,Flow,leaving,Leaving,1,1,10000,10000,10000,false" in monthly
    home = client.get("/").content.decode()
    for link in set(re.findall(r'href="([^"]+\.csv)"', home)):
        assert client.get(link).status_code == 200
    assert client.get(reverse("pages:event_csv", args=[world.event.pk, "nothing"])).status_code == 404


def test_csv_cells_that_look_like_formulas_are_escaped(world, client):
    world.article.title = "=HYPERLINK(\"http://evil.example\")"
    world.article.save()
    text = body(client.get(reverse("pages:event_csv", args=[world.event.pk, "sources"]))).decode()
    assert "'=HYPERLINK" in text


def test_the_query_count_does_not_grow_with_the_data(world, client):
    url = event_url(world)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for n in range(25):
        flow(event=world.event, source=SourceFactory(), location=world.places.baghouz, reported_value=10 + n,
             start_date=d("2019-03-09"), end_date=d("2019-03-09"))
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)
    # the weekly charts of displacement and of surrenders included (each asks its first and last end date alone:
    # two reads of an index rather than one aggregate over every figure)
    assert len(before.captured_queries) < 48


def test_a_setting_can_require_a_login(world, client, analyst, settings):
    settings.PAGES_REQUIRE_LOGIN = True
    for url in ("/", event_url(world), reverse("pages:place", args=[world.places.syria.pk]),
                reverse("pages:event_csv", args=[world.event.pk, "displacement-monthly"])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    client.force_login(analyst)
    assert client.get(event_url(world)).status_code == 200


def test_unknown_pages_are_404(world, client):
    assert client.get(reverse("pages:event", args=[999_999])).status_code == 404
    assert client.get(reverse("pages:place", args=[999_999])).status_code == 404


def test_an_event_without_figures_says_so(client):
    from tests.factories import EventFactory

    event = EventFactory(name="Quiet week")
    html = client.get(reverse("pages:event", args=[event.pk])).content.decode()
    assert "No counted figures: an empty period means no report, not zero." in html
    assert "No counted displacement flows" in html


def test_an_edit_shows_at_once_although_totals_are_cached(world, client):
    url = event_url(world)
    march = ("2019-03", "flow", "leaving")

    def march_best() -> int:
        rows = elements(client.get(url).content, "tr", "data-month")
        return {(r["data-month"], r["data-category"], r["data-term-group"]): numbers(r)
                for r in rows if "data-category" in r}[march][1]

    with CaptureQueriesContext(connection) as computed:
        assert march_best() == 10_000
    with CaptureQueriesContext(connection) as cached:
        assert march_best() == 10_000
    assert len(cached.captured_queries) < len(computed.captured_queries)  # the totals came from the cache
    world.f1.reported_value = 12_000
    world.f1.save()
    assert march_best() == 12_000


def test_the_data_version_moves_with_every_change_a_total_or_a_page_shows(world, draft, analyst, reviewer):
    seen = [data_version()]

    def moved() -> None:
        version = data_version()
        assert version not in seen
        seen.append(version)

    assert data_version() == seen[0]  # nothing changed, nothing moved
    flow(location=world.places.iraq, reported_value=40, start_date=d("2019-03-01"), end_date=d("2019-03-02"))
    moved()
    claim_delete(draft, deleted_by=analyst)
    moved()
    double_count_decide(world.pair, decided_by=reviewer, reason="Different camps.")
    moved()
    reference_update(world.places.anbar, changed_by=analyst, data={"name": "Anbar"})
    moved()
    # a pair goes only with a change to one of its figures, which moves the version (the pairs are not counted)
    claim_reject(world.f6, rejected_by=reviewer, reason="Counted in the governorate's figure.")
    assert not PossibleDoubleCount.objects.filter(pk=world.pair.pk).exists()
    moved()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_every_part_of_the_data_version_is_the_end_of_an_index(world):
    """Read at every repeated page and report: no part of it may scan a table (a million pairs counted took about
    100 ms), whatever the table's size."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + _statement(connection.alias))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "Aggregate" not in plan, plan
