"""The public pages at a million records: a repeat view is a cache read, a change shows on the next view, and on
PostgreSQL each page's records come through the index that fits them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import EventFactory, SourceFactory
from tests.reports.conftest import d, flow
from tracker.models import DisplacementFigure
from tracker.reporting.cache import data_version
from tracker.selectors.pages import claims_about, public_records
from tracker.services import reference_update

pytestmark = pytest.mark.django_db


def page_urls(world) -> list[str]:
    return [reverse("pages:event", args=[world.event.pk]), reverse("pages:place", args=[world.places.syria.pk]),
            reverse("pages:place", args=[world.places.deir_ez_zor.pk]), "/"]


def version_statements() -> set[str]:
    with CaptureQueriesContext(connection) as version:
        data_version()
    return {query["sql"] for query in version.captured_queries}


@pytest.mark.parametrize("paged", [False, True])
def test_a_repeat_view_reads_the_data_version_and_nothing_else(world, client, paged, settings):
    """Everything a page computes (its object, totals, charts, each page of records, sources and aid, the home's
    events and their totals) comes from the cache: the repeat asks the database only whether the data moved.

    (This process's own cache: with REDIS_URL set, another test worker's fresh_cache would empty a shared one
    between the two views.)"""
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "page-cache-test"}}
    allowed = version_statements()
    query = "?figures_page=2&sources_page=2&aid_page=1&page=1" if paged else ""
    for url in page_urls(world):
        first = client.get(url + query)
        with CaptureQueriesContext(connection) as repeat:
            second = client.get(url + query)
        assert first.status_code == second.status_code == 200
        assert second.content == first.content, url
        statements = [q["sql"] for q in repeat.captured_queries]
        assert statements and set(statements) <= allowed, (url, [s for s in statements if s not in allowed])


def test_another_page_of_records_is_computed_apart(world, client):
    url = reverse("pages:event", args=[world.event.pk])
    for n in range(12):
        flow(event=world.event, source=SourceFactory(), location=world.places.baghouz, reported_value=100 + n,
             start_date=d("2019-03-09"), end_date=d("2019-03-09"))
    first = client.get(url).content.decode()
    second = client.get(url + "?figures_page=2").content.decode()
    ids = re.compile(r'id="displacementfigure-(\d+)"')
    assert ids.findall(first) and ids.findall(second)
    assert not set(ids.findall(first)) & set(ids.findall(second))


def test_a_change_shows_on_the_next_view_of_every_part(world, client):
    event_url = reverse("pages:event", args=[world.event.pk])
    place_url = reverse("pages:place", args=[world.places.syria.pk])
    before = {url: client.get(url).content.decode() for url in (event_url, place_url, "/")}
    assert "15,100 (15,100 or more)" in before["/"]
    assert "Article Z" not in before[event_url] and "Article Z" not in before[place_url]

    version = data_version()
    flow(event=world.event, source=SourceFactory(title="Article Z"), location=world.places.baghouz,
         reported_value=900, start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    assert data_version() != version

    home = client.get("/").content.decode()
    assert "16,000 (16,000 or more)" in home  # the home's per-event totals moved
    for url in (event_url, place_url):
        html = client.get(url).content.decode()
        assert "Article Z" in html, url  # the sources
        assert "900" in html and 'data-best="900"' not in before[url]  # the newest record, first in its table


def test_a_renamed_crisis_shows_at_once_on_the_cached_pages(world, client, analyst):
    """The events are cached with their crises: a rename touches the crisis's events, which moves the data version,
    even for an event with no record."""
    quiet = EventFactory(name="Quiet week")
    urls = ["/", reverse("pages:event", args=[quiet.pk])]
    for url in urls:
        assert quiet.crisis.name in client.get(url).content.decode()
    reference_update(quiet.crisis, changed_by=analyst, data={"name": "Euphrates valley 2019"})
    for url in urls:
        assert "Euphrates valley 2019" in client.get(url).content.decode(), url


def test_an_unknown_page_is_not_cached_as_found(world, client):
    missing = reverse("pages:event", args=[999_999])
    assert client.get(missing).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.get(reverse("pages:place", args=[999_999]) + "?figures_page=x").status_code == 404


def test_bad_page_numbers_show_the_first_page(world, client):
    url = reverse("pages:event", args=[world.event.pk])
    shown = re.compile(r'id="(?:displacementfigure|surrenderfigure)-\d+"|<span class="muted">#\d+</span>')
    first = shown.findall(client.get(url).content.decode())
    assert first
    for value in ("x", "-3", "0", "9" * 40, "١"):
        response = client.get(f"{url}?figures_page={value}&sources_page={value}&aid_page={value}")
        assert response.status_code == 200 and shown.findall(response.content.decode()) == first, value
    assert client.get(f"/?page={'9' * 40}").status_code == 200


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_event_page_reads_its_records_through_the_event_index(world):
    """At a million records the planner scanned end_date backwards and discarded half a million rows to find an
    event's newest eleven; the (event, review status, end date, id) index hands them over in order. The test's
    tables are tiny, where a sort of a few rows wins: with sequential scans and sorts off, the planner is left
    the plans that read the page's order from an index, and must take the event's rather than end_date's."""
    for n in range(40):
        flow(source=world.article, location=world.places.baghouz, reported_value=10 + n,
             start_date=d("2019-03-01"), end_date=d("2019-03-02"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracker_displacementfigure")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        cursor.execute("SET enable_incremental_sort = off")  # end_date's index plus a sort of each date's few ids
    try:
        records = public_records(DisplacementFigure, claims_about(DisplacementFigure, event=world.event))[:11]
        plan = _plan(records)
        assert "Index Scan Backward using displacement_event_rev_idx" in plan, plan
        assert "end_date_" not in plan, plan
        # a country's records by the records' stored country, newest first
        country = public_records(DisplacementFigure, claims_about(DisplacementFigure, place=world.places.syria))[:11]
        plan = _plan(country)
        assert "Index Scan Backward using displacement_country_rev_idx" in plan, plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET enable_incremental_sort")
