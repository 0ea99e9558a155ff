"""Pages a user waits on: the API list (filtered, under a place, searched), the admin changelist (filtered and
searched), the public event, place and home pages. Each beside the same SQL run raw, or, for the public pages, the
list page's time in the same run."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bench.core import (
    Result,
    Server,
    adaptive_ms,
    captured,
    data_statements,
    empty_cache,
    latency,
    prepared_ms,
    raw_ms,
    redis_available,
)


def list_path(filters: dict) -> str:
    query = urlencode({"country": filters["iso3"], "date_from": filters["date_from"], "date_to": filters["date_to"],
                       "term": filters["term"], "page_size": 100, "format": "json"})
    return f"/api/v1/displacement-figures/?{query}"


def timed_page(server: Server, path: str, headers: dict, runs: int, *, key: str | None = None, user=None):
    """(median ms, runs, SQL statements of the request, raw SQL median ms, body of the first answer)."""
    status, body = server.get(path, headers)
    assert status == 200, (path, status, body[:500])
    median, runs = adaptive_ms(lambda: server.get(path, headers), runs)
    statements = captured(path, key=key, user=user)
    limit = raw_ms(data_statements(statements), min(runs, 15))
    return median, runs, statements, limit, body


def bench_list(server: Server, creds: dict, filters: dict, runs: int) -> Result:
    path = list_path(filters)
    median, runs, statements, limit, body = timed_page(server, path, creds["api_headers"], runs, key=creds["key"])
    rows = len(json.loads(body).get("results", []))
    return latency("list page", "median latency, JSON, 100 rows (country + period + term)", median, limit,
                   "same SQL, raw", "< 50 ms", median < 50,
                   {"queries per request": len(statements), "rows": rows, "runs": runs, "path": path})


def bench_descendants(server: Server, creds: dict, filters: dict, runs: int) -> Result:
    country = filters["country"]
    path = f"/api/v1/displacement-figures/?location={country.pk}&page_size=100"
    median, runs, statements, limit, _ = timed_page(server, path, creds["api_headers"], runs, key=creds["key"])
    return latency("descendant filter", f"median latency, JSON, 100 rows under a country ({country.iso3})", median,
                   limit, "same SQL, raw", "< 50 ms", median < 50,
                   {"queries per request": len(statements), "runs": runs, "path": path})


def bench_admin(server: Server, creds: dict, filters: dict, runs: int) -> Result:
    query = urlencode({"review_status__exact": "approved", "country": filters["iso3"]})
    path = f"/admin/tracker/displacementfigure/?{query}"
    median, runs, statements, limit, _ = timed_page(server, path, creds["admin_headers"], runs, user=creds["user"])
    return latency("admin changelist", "median latency, displacement figures, approved in one country", median,
                   limit, "same SQL, raw", "< 300 ms", median < 300,
                   {"queries per request": len(statements), "runs": runs, "path": path})


def bench_search(server: Server, creds: dict, words: list[dict], runs: int) -> list[Result]:
    """``?q=`` on the list (API key, first page of 100) and in the admin changelist (staff), for each word."""
    results = []
    for entry in words:
        word, share = entry["word"], entry["share"]
        found = f"{entry['records']:,} records ({entry['percent']} %)"
        path = f"/api/v1/displacement-figures/?{urlencode({'q': word, 'page_size': 100})}"
        median, n, statements, limit, body = timed_page(server, path, creds["api_headers"], runs, key=creds["key"])
        results.append(latency(
            f"search, list: {share}", f"median latency, JSON, first page of ?q={word} (a word in {found})",
            median, limit, "same SQL, raw", "< 50 ms at 1M; growth < 1.5x", median < 50,
            {"queries per request": len(statements), "rows": len(json.loads(body).get("results", [])), "runs": n,
             "word": word, "records with it": entry["records"], "path": path}))
    for entry in words:
        word, share = entry["word"], entry["share"]
        path = f"/admin/tracker/displacementfigure/?{urlencode({'q': word})}"
        median, n, statements, limit, _ = timed_page(server, path, creds["admin_headers"], max(5, runs // 2),
                                                     user=creds["user"])
        results.append(latency(
            f"search, admin: {share}", f"median latency, displacement figures changelist searched for {word!r}",
            median, limit, "same SQL, raw", "< 150 ms", median < 150,
            {"queries per request": len(statements), "runs": n, "word": word, "path": path}))
    return results


def bench_pages(server: Server, creds: dict, filters: dict, list_ms: float | None, runs: int) -> list[Result]:
    """The public event page (the event with the most records), the country's place page and the home page, each
    with the shared cache emptied before every request (computed afresh) and again served from the cache.

    The limit of the uncached pages: the API list page measured in the same run (goal: within 3x). Each uncached
    page's own SQL, run raw, is shown beside it: the floor of that page whatever the Python does."""
    headers: dict = {}
    pages = [("home page", "/")]
    if filters.get("event"):
        pages.insert(0, ("event page", f"/events/{filters['event']}/"))
    pages.insert(1 if filters.get("event") else 0, ("place page", f"/places/{filters['country'].pk}/"))
    results = []
    for name, path in pages:
        status, body = server.get(path, headers)
        assert status == 200, (path, status, body[:300])
        empty_cache()
        statements = captured(path)
        if redis_available():
            uncached, times = prepared_ms(empty_cache, lambda path=path: server.get(path, headers), max(5, runs // 3))
        else:
            uncached, times = prepared_ms(lambda: None, lambda path=path: server.get(path, headers), max(5, runs // 3))
        goal = name != "home page"
        # the page's own queries run raw: what no rendering or shaping could go below
        sql_ms = raw_ms(data_statements(statements), 5)
        detail = (f"the event with the most records ({filters['event_records']:,} displacement figures), "
                  if name == "event page" else f"the country {filters['iso3']}, " if name == "place page" else "")
        results.append(latency(
            f"{name}, uncached", f"median latency, {detail}the shared cache emptied before each request",
            uncached, list_ms, "the list page in this run", "within 3x the list page" if goal else "none (shown)",
            bool(list_ms and uncached <= 3 * list_ms) if goal else None,
            {"queries (uncached)": len(statements), "its SQL alone, raw (ms)": round(sql_ms, 1),
             "its SQL alone, x the list page": round(sql_ms / list_ms, 2) if list_ms else None,
             "runs (ms)": [round(t) for t in times], "path": path},
            ratio_label="x the list page"))
        if redis_available():
            server.get(path, headers)
            cached, n = adaptive_ms(lambda path=path: server.get(path, headers), runs)
            repeat = captured(path)
            results.append(latency(
                f"{name}, cached", "median latency of the same page again (from the shared cache)", cached, list_ms,
                "the list page in this run", "none (shown)", None,
                {"queries (cached)": len(repeat), "runs": n, "path": path}, ratio_label="x the list page"))
    return results
