"""``q`` on the record lists: every word must match, as a stem of the prose or the beginning of a name; the same
records on PostgreSQL and SQLite, in the list's order, on every page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import API, list_ids
from tracker.models import DisplacementFigure
from tracker.search.query import search_q

pytestmark = pytest.mark.django_db

# query -> the records (of the world's) it finds
CASES = {
    "dying": {"dying", "died"},  # both stem to "die" (Porter would part them)
    "DIED": {"dying", "died"},
    "generously": {"generously", "generous"},  # the notes are prose too
    "fleeing": {"fleeing"},  # "fled" is not a stem of "flee"
    "fled": {"fled"},
    "Bagh": {"died"},  # the beginning of a place's name
    "baghouz": {"died"},
    "الباغوز": {"died"},  # an alternate name in Arabic
    "فوقاني": {"died"},
    "SY02": {"accented"},  # the beginning of a P-code
    "sy0203": {"accented"},
    "Shadd": {"accented"},
    "Daesh": {"claimed"},  # an alias of the claimant
    "isil": {"claimed"},
    "UNHCR": {"cited"},  # a cited organization
    "refug": {"cited"},  # ...by the beginning of a word of its name (UN Refugee Agency)
    "réfugiés": {"accented"},
    "REFUGIES": {"accented"},
    "hassake": {"accented"},
    "camp": {"dying"},  # prose ("the camp") and the place's name (Al-Hol camp)
    "hol": {"dying"},
    "Deir-ez-Zor": {"fleeing", "fled"},  # three words, each the beginning of the place's name
    "fled deir": {"fled"},
    "dying baghouz": {"died"},
    "Daesh dying": set(),
    "jazeera": {"dying", "died", "generously", "generous", "fleeing", "fled", "claimed", "cited", "accented"},
    "nowhere": set(),
    "ying": set(),  # a word's middle is no match
}


def found(world, client, q, **params) -> list[int]:
    return list_ids(client, "displacement-figures", q=q, **params)


def names_of(world, ids) -> set[str]:
    by_id = {record.pk: name for name, record in vars(world.records).items()}
    return {by_id[pk] for pk in ids}


@pytest.fixture(params=["ids first", "tested on each row"])
def either_way(request, monkeypatch):
    """PostgreSQL reads a search's ids first when it reckons them few, else tests the words row by row as the list
    walks its order (``SearchMatch.is_sparse``): both ways find the same records in the same order."""
    monkeypatch.setattr("tracker.search.query.SPARSE_MATCHES", 10**9 if request.param == "ids first" else -1)
    return request.param


def test_each_query_finds_its_records(world, staff_client, either_way):
    results = {q: names_of(world, found(world, staff_client, q)) for q in CASES}
    assert results == CASES


@pytest.mark.parametrize("q", ["", "   ", "!!!", "-- ; ,", "_"])
def test_a_query_without_a_word_filters_nothing(world, staff_client, q):
    response = staff_client.get(f"{API}/displacement-figures/", {"q": q})
    assert response.status_code == 200
    assert len(found(world, staff_client, q)) == len(vars(world.records))


def test_results_keep_the_lists_order_on_every_cursor_page(world, staff_client, either_way):
    everything = set(found(world, staff_client, "jazeera"))
    for ordering in ("-id", "end_date,id", "-updated_at,-id"):
        paged = found(world, staff_client, "jazeera", ordering=ordering, page_size=2)
        whole = found(world, staff_client, "", ordering=ordering)
        assert set(paged) == everything and paged == whole
    assert found(world, staff_client, "died", ordering="-id", page_size=1) == sorted(
        (world.records.died.pk, world.records.dying.pk), reverse=True)


def test_a_query_of_more_than_ten_words_matches_on_the_first_ten(world, staff_client):
    ten = "died two elderly people road baghouz weekly situation report jazeera"  # each word finds "died"
    assert names_of(world, found(world, staff_client, ten)) == {"died"}
    assert names_of(world, found(world, staff_client, f"{ten} died nowhere")) == {"died"}  # the eleventh is left


def test_keys_find_only_what_they_may_see(world, key_client):
    assert found(world, key_client, "dying") == []  # drafts


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_the_search_condition_is_the_expression_its_indexes_hold(world):
    """Were the filter's expression to drift from the indexes' by a character, every search would scan the table."""
    queryset = DisplacementFigure.objects.filter(search_q(DisplacementFigure, "dying bagh"))
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "displacement_search_text_idx" in plan and "displacement_search_names_idx" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate")
def test_a_search_reckoned_rare_reads_its_ids_first_and_a_frequent_one_is_tested_row_by_row(world, monkeypatch):
    def plan(limit: int) -> str:
        monkeypatch.setattr("tracker.search.query.SPARSE_MATCHES", limit)
        queryset = DisplacementFigure.objects.filter(search_q(DisplacementFigure, "dying")).order_by("-end_date")
        sql, params = queryset.values("pk")[:10].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row for (row,) in cursor.fetchall())

    assert "InitPlan" in plan(10**9)  # the ids, read once through the indexes
    assert "InitPlan" not in plan(-1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate")
def test_the_planner_is_asked_once_for_a_list_and_its_count(world):
    queryset = DisplacementFigure.objects.filter(search_q(DisplacementFigure, "dying")).order_by("-end_date")
    with CaptureQueriesContext(connection) as queries:
        assert queryset.count() == len(list(queryset[:10])) == 2
    assert sum(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's three ways")
def test_a_frequent_words_page_looks_for_the_words_in_the_stored_text_and_finds_what_the_indexes_find(
        world, monkeypatch):
    """A page of a word reckoned frequent walks the list's order and finds the words in the stored text, without
    making each row's documents; a whole set (a count, a report) is read through the indexes; rare, through the
    ids. For every query, the three find the same records."""
    def sql(queryset) -> str:
        return queryset.query.sql_with_params()[0]

    monkeypatch.setattr("tracker.search.query.SPARSE_MATCHES", -1)
    for q in CASES:
        ordered = DisplacementFigure.objects.filter(search_q(DisplacementFigure, q)).order_by("-end_date", "-id")
        page, whole = ordered.values_list("pk", flat=True)[:100], ordered.values_list("pk", flat=True)
        assert "strpos(" in sql(page) and "to_tsvector" not in sql(page)
        assert "to_tsvector" in sql(whole) and "strpos(" not in sql(whole)
        monkeypatch.setattr("tracker.search.query.SPARSE_MATCHES", 10**9)
        by_ids = list(DisplacementFigure.objects.filter(search_q(DisplacementFigure, q)).order_by("-end_date", "-id")
                      .values_list("pk", flat=True)[:100])
        monkeypatch.setattr("tracker.search.query.SPARSE_MATCHES", -1)
        assert list(page) == list(whole) == by_ids, q
        assert names_of(world, by_ids) == CASES[q], q
