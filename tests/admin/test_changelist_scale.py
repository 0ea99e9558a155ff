"""The big lists of the admin (records, sources) at any size: search through the FilterSets with no DISTINCT, counts
that stop early and say so, a date hierarchy that reads no rows, and every page still reachable."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    LocalityFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
)
from tracker.admin.changelists import CappedCountPaginator
from tracker.admin.claims import DisplacementFigureAdmin
from tracker.choices import OrganizationKind
from tracker.models import DisplacementFigure, OrganizationAlias

pytestmark = pytest.mark.django_db

LISTS = ["displacementfigure", "surrenderfigure", "aidcapacityreport", "source"]


@pytest.fixture
def boss(client, groups):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(user)
    return user


@pytest.fixture
def world(places):
    """A record of each kind by the Baghouz camp (P-code SY090301), its source by a publisher known as "Daesh
    Watch" too, over three years; and one record elsewhere that no search below finds."""
    publisher = OrganizationFactory(name="Levant Monitor", kind=OrganizationKind.MEDIA)
    OrganizationAlias.objects.create(organization=publisher, name="Daesh Watch")
    camp = LocalityFactory(name="Hajin camp", parent=places.abu_kamal, pcode="SY090301")
    source = SourceFactory(title="Families leave the last enclave", publisher=publisher)
    figures = [
        DisplacementFigureFactory(source=source, location=camp, start_date=date(2017, 5, 2), end_date=date(2017, 5, 9)),
        DisplacementFigureFactory(source=source, location=camp, start_date=date(2019, 3, 1), end_date=date(2019, 3, 10),
                                  excerpt="Thousands were displaced towards the camp."),
    ]
    other = DisplacementFigureFactory(location=places.anbar, start_date=date(2018, 1, 1), end_date=date(2018, 1, 2),
                                      excerpt="Nobody moved.")
    return {
        "figures": figures, "other": other, "source": source,
        "surrender": SurrenderFigureFactory(source=source, location=camp),
        "aid": AidCapacityReportFactory(source=source, location=camp),
    }


def changelist(client, name: str, params: dict | None = None):
    response = client.get(reverse(f"admin:tracker_{name}_changelist"), params or {})
    assert response.status_code == 200, response.get("Location")
    return response


def shown(response) -> set:
    return set(response.context["cl"].result_list)


def assert_no_distinct(queries) -> None:
    for query in queries:
        assert not re.search(r"\bDISTINCT\b", query["sql"], re.IGNORECASE), query["sql"]


# --- search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "record"), [("displacementfigure", 0), ("surrenderfigure", "surrender"),
                                              ("aidcapacityreport", "aid")])
@pytest.mark.parametrize("words", ["Daesh", "daesh watch", "SY090301", "SY0903", "Hajin", "enclave"])
def test_the_record_lists_search_names_aliases_and_p_codes_without_distinct(client, boss, world, name, record,
                                                                             words):
    """The publisher's alias, a P-code or its beginning, the place's name, a word of the source's title."""
    expected = world["figures"] if record == 0 else [world[record]]
    with CaptureQueriesContext(connection) as queries:
        response = changelist(client, name, {"q": words})
    assert shown(response) == set(expected)
    assert_no_distinct(queries)


def test_excerpt_words_are_found_in_any_form_and_every_word_must_match(client, boss, world):
    displaced = world["figures"][1]
    assert shown(changelist(client, "displacementfigure", {"q": "displacement"})) == {displaced}
    assert shown(changelist(client, "displacementfigure", {"q": "displaced Hajin"})) == {displaced}
    assert shown(changelist(client, "displacementfigure", {"q": "displaced Anbar"})) == set()


@pytest.mark.parametrize("words", ["", "   ", "?!", "«»", "\u200b"])
def test_a_search_without_a_word_lists_everything(client, boss, world, words):
    assert len(shown(changelist(client, "displacementfigure", {"q": words}))) == 3


def test_the_sources_list_searches_the_publishers_aliases_without_distinct(client, boss, world):
    changelist(client, "source")  # the languages' list is read once per data version, then cached
    with CaptureQueriesContext(connection) as queries:
        response = changelist(client, "source", {"q": "Daesh"})
    assert shown(response) == {world["source"]}
    assert_no_distinct(queries)
    assert shown(changelist(client, "source", {"q": "enclave families"})) == {world["source"]}
    assert shown(changelist(client, "source", {"publisher": world["source"].publisher_id})) == {world["source"]}
    assert world["source"] in shown(changelist(client, "source", {"language": "en"}))
    assert shown(changelist(client, "source", {"language": "ar"})) == set()


def test_the_autocomplete_of_records_searches_the_same_way(client, boss, world):
    """The supports and duplicate_of fields look figures up through the figures' admin search."""
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "tracker", "model_name": "displacementfigure", "field_name": "supports", "term": "Daesh"})
    assert response.status_code == 200
    assert {int(item["id"]) for item in response.json()["results"]} == {f.pk for f in world["figures"]}


# --- counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_a_searched_or_filtered_list_counts_no_further_than_its_cap(client, boss, world, name):
    params = {"q": "Levant"} if name != "source" else {"q": "Levant", "kind__exact": "news_article"}
    changelist(client, name)
    with CaptureQueriesContext(connection) as queries:
        changelist(client, name, params)
    table = "tracker_source" if name == "source" else f"tracker_{name}"
    counting = [q["sql"] for q in queries if re.match(rf'\s*SELECT "{table}"."id" AS "pk" FROM', q["sql"])]
    assert len(counting) == 1, "the list counts its rows by reading their ids"
    limit = re.search(r"LIMIT (\d+)$", counting[0])
    assert limit and CappedCountPaginator.CAP < int(limit.group(1)) <= 20 * CappedCountPaginator.CAP, counting[0]
    assert not any(re.search(r"COUNT\(\*\)", q["sql"]) for q in queries)
    assert_no_distinct(queries)


@pytest.fixture
def small_pages(monkeypatch):
    """Two rows a page, and a count that stops after four rows, or one page past the page asked for."""
    monkeypatch.setattr(DisplacementFigureAdmin, "list_per_page", 2)
    monkeypatch.setattr(CappedCountPaginator, "CAP", 4)
    monkeypatch.setattr(CappedCountPaginator, "AHEAD", 1)


def test_past_the_cap_the_list_says_more_than_and_every_page_is_still_reachable(client, boss, world, small_pages):
    source = world["source"]
    for _ in range(5):
        DisplacementFigureFactory(source=source)
    matching = set(DisplacementFigure.objects.filter(source=source))
    assert len(matching) == 7

    first = changelist(client, "displacementfigure", {"q": "Levant"})
    page = first.content.decode()
    assert "More than 4 displacement figures" in page and "more than 4 results" in page
    assert first.context["cl"].paginator.num_pages == 2  # a link onward, past what was counted
    seen, number = [], 1
    while True:
        cl = changelist(client, "displacementfigure", {"q": "Levant", "p": number}).context["cl"]
        seen += list(cl.result_list)
        if number >= cl.paginator.num_pages:
            break
        number += 1
    assert not cl.paginator.capped and cl.result_count == 7  # near the end, the count is exact
    assert set(seen) == matching and len(seen) == 7


@pytest.mark.parametrize("sort", [{}, {"o": "3"}, {"o": "-1"}])  # the default; by persons (best); by id, descending
def test_each_page_is_read_by_id_in_the_lists_order_counted_or_capped(client, boss, world, small_pages, sort):
    """The count reads the ids in the list's order; each page, before and past the cap, is the next of them."""
    source = world["source"]
    for value in (5, 300, 5, 40, 1200):
        DisplacementFigureFactory(source=source, reported_value=value)
    seen, number = [], 1
    while True:
        with CaptureQueriesContext(connection) as queries:
            cl = changelist(client, "displacementfigure", {"q": "Levant", "p": number, **sort}).context["cl"]
        seen += list(cl.result_list)
        page = [q["sql"] for q in queries if q["sql"].startswith('SELECT "tracker_displacementfigure"."id", ')]
        assert len(page) == 1 and "search_" not in page[0].split("WHERE", 1)[1], page
        if number >= cl.paginator.num_pages:
            break
        number += 1
    order = cl.queryset.query.order_by
    assert ("best" in order) == (sort == {"o": "3"})
    assert seen == list(DisplacementFigure.objects.filter(source=source).order_by(*order)) and len(seen) == 7


def test_a_count_under_the_cap_is_exact(client, boss, world, small_pages):
    response = changelist(client, "displacementfigure", {"q": "Levant"})
    cl = response.context["cl"]
    assert not cl.paginator.capped and cl.result_count == 2
    page = response.content.decode()
    assert "2 displacement figures" in page and "count-capped" not in page


@pytest.mark.parametrize("page", ["abc", "²", "0", "-1", "99", "9" * 40])
def test_a_page_that_is_not_there_is_refused_not_a_500(client, boss, world, small_pages, page):
    response = client.get(reverse("admin:tracker_displacementfigure_changelist"), {"q": "Levant", "p": page})
    assert response.status_code in (200, 302)


# --- the date hierarchy ----------------------------------------------------------------------------


def hierarchy(response) -> list[str]:
    block = re.search(r'<nav class="toplinks">(.*?)</nav>', response.content.decode(), re.S)
    return re.findall(r">([^<>]+?)</a>", block.group(1)) if block else []


def test_the_date_hierarchy_lists_years_months_and_days_without_reading_the_rows(client, boss, world):
    with CaptureQueriesContext(connection) as queries:
        top = changelist(client, "displacementfigure")
    assert hierarchy(top) == ["2017", "2018", "2019"]
    assert_no_distinct(queries)
    assert not any(re.search(r"date_trunc|django_date_trunc|strftime", q["sql"], re.I) for q in queries)

    year = changelist(client, "displacementfigure", {"end_date__year": "2019"})
    assert hierarchy(year)[1:] == ["January 2019", "February 2019", "March 2019"]  # up to the last date
    month = changelist(client, "displacementfigure", {"end_date__year": "2019", "end_date__month": "3"})
    assert hierarchy(month)[1:] == [formats.date_format(date(2019, 3, day), "MONTH_DAY_FORMAT") for day in range(1, 11)]
    assert shown(month) == {world["figures"][1]}
    day = changelist(client, "displacementfigure", {"end_date__year": "2019", "end_date__month": "3",
                                                    "end_date__day": "10"})
    assert shown(day) == {world["figures"][1]}


def test_the_date_hierarchy_starts_at_the_months_when_every_date_is_in_one_year(client, boss, places):
    DisplacementFigureFactory(start_date=date(2020, 2, 1), end_date=date(2020, 2, 3))
    DisplacementFigureFactory(start_date=date(2020, 4, 1), end_date=date(2020, 4, 30))
    assert hierarchy(changelist(client, "displacementfigure"))[1:] == ["February 2020", "March 2020", "April 2020"]


def test_an_empty_list_has_no_date_hierarchy_and_a_bad_date_is_refused(client, boss):
    assert hierarchy(changelist(client, "displacementfigure")) == []
    for params in ({"end_date__year": "abc"}, {"end_date__year": "2019", "end_date__month": "13"},
                   {"end_date__year": "99999"}):
        response = client.get(reverse("admin:tracker_displacementfigure_changelist"), params)
        assert response.status_code in (200, 302)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_runs_a_fixed_few_queries_whatever_it_is_asked(client, boss, world, name):
    """Searched, filtered and drilled down: the same handful of queries, none with DISTINCT."""
    field = "publication_date" if name == "source" else "end_date"
    asked = [{}, {"q": "Levant"}, {"q": "Levant", f"{field}__year": "2019"},
             {"q": "Levant", f"{field}__year": "2019", f"{field}__month": "3"}]
    counts = []
    for params in asked:
        changelist(client, name, params)
        with CaptureQueriesContext(connection) as queries:
            changelist(client, name, params)
        assert_no_distinct(queries)
        counts.append(len(queries))
    # Unfiltered, PostgreSQL first reads the table's estimated size (and counts exactly below 100,000 rows).
    assert len(set(counts[1:])) == 1 and counts[0] - counts[1] in (0, int(connection.vendor == "postgresql")), counts


def test_when_every_match_is_counted_the_page_is_read_by_id(client, boss, world):
    """The ids the count read are the page's: the page query names them and does not test the search again."""
    changelist(client, "displacementfigure", {"q": "Hajin"})
    with CaptureQueriesContext(connection) as queries:
        response = changelist(client, "displacementfigure", {"q": "Hajin"})
    assert shown(response) == set(world["figures"])
    page = [q["sql"] for q in queries if q["sql"].startswith('SELECT "tracker_displacementfigure"."id", ')]
    assert len(page) == 1 and '"tracker_displacementfigure"."id" IN (' in page[0], page
    assert "search_" not in page[0].split("WHERE", 1)[1], page[0]
