"""What ``bench/compare_trees.py`` asks both trees and how it compares their answers: the requests (every list
in every format, reports, pages, tables), the bodies' digests (a workbook by its cells), and the explanation of a
difference by the commit that made it."""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

DIFFERENCES: Path | None = None  # where the two bodies of each difference are kept (set by compare_trees.main)
HOST = "testserver"  # sent with every request: the absolute links in bodies do not name the port

LISTS = ["sources", "organizations", "locations", "events", "displacement-figures", "surrenders", "aid-capacity"]
FORMATS = ["json", "csv", "hxl", "xlsx", "geojson"]
DEMO_GROUPINGS = ["", "event", "country", "adm1", "adm2", "month", "week", "year", "term", "adm1,month",
                  "country,week", "year,term", "event,term", "adm2,term,week", "country,adm1,adm2,event,term,month"]
SYNTHETIC_GROUPINGS = ["", "adm1,month", "event", "country,week", "year,term", "adm2"]
CSV_TABLES = ["displacement-weekly", "displacement-monthly", "surrenders-monthly", "aid-capacity",
              "displacement-figures", "surrender-figures", "sources"]
HOME_TABLES = ["events-displacement", "events-surrenders"]


# --- asking both ------------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    digest: str
    body: bytes
    kind: str  # "bytes" or "cells"


def generated_aside(row: list) -> list:
    """A workbook's "Generated" cell holds the time of the request: set aside, like the zip's timestamps."""
    return [row[0], "(the time of the request)", *row[2:]] if row and row[0] == "Generated" else row


def digest(status: int, body: bytes) -> Answer:
    if status == 200 and body[:4] == b"PK\x03\x04":  # a workbook: its cells, not its zip
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        cells = [[sheet.title, [generated_aside(list(row)) for row in sheet.iter_rows(values_only=True)]]
                 for sheet in book.worksheets]
        text = json.dumps(cells, default=str, ensure_ascii=False).encode()
        return Answer(status, hashlib.sha256(text).hexdigest(), text, "cells")
    return Answer(status, hashlib.sha256(body).hexdigest(), body, "bytes")


@dataclass
class Row:
    dataset: str
    who: str
    path: str
    old: Answer
    new: Answer

    @property
    def same(self) -> bool:
        return self.old.status == self.new.status and self.old.digest == self.new.digest


def headers_for(info: dict, who: str) -> dict:
    headers = {"Host": HOST}
    if who == "staff":
        headers["Cookie"] = info["cookie"]
    elif who != "public":
        headers["Authorization"] = f"Api-Key {info['keys'][who]}"
    return headers


def first_difference(old: bytes, new: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    start = max(0, at - 60)
    return (f"lengths {len(old)} / {len(new)}; first difference at byte {at}:\n"
            f"    old: {old[start:at + 120]!r}\n    new: {new[start:at + 120]!r}")


def json_paths(old, new, path="$", out=None, limit=12) -> list[str]:
    """Where two JSON documents differ (at most ``limit`` places)."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(dict.fromkeys([*old, *new])):
            if key not in old or key not in new:
                out.append(f"{path}.{key}: {'only new' if key not in old else 'only old'}")
            else:
                json_paths(old[key], new[key], f"{path}.{key}", out, limit)
        if list(old) != list(new) and set(old) == set(new):
            out.append(f"{path}: same keys, another order")
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            out.append(f"{path}: {len(old)} / {len(new)} items")
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            json_paths(a, b, f"{path}[{i}]", out, limit)
    elif old != new or type(old) is not type(new):
        out.append(f"{path}: {json.dumps(old)[:100]} -> {json.dumps(new)[:100]}")
    return out[:limit]


# Differences already known and attributed (a pattern in the differing schema path, or a kind below): the
# commit after the old ref that made them on purpose. Anything else is listed as unexplained.
SCHEMA_CHANGES = {
    "geo+json.schema": "3803435 (issue 14): CSV, XLSX and GeoJSON lists are downloads, not JSON pages",
    "responses.400.description": "3803435 (issue 14): a schema-valid id naming nothing is a 400",
    "responses.404.description": "3803435 (issue 14): a schema-valid id may name nothing",
    "SourceBrief.properties.url": "3803435 (issue 14): a source's URL may be empty",
}
KINDS = {
    "line ends only (CRLF in the old tree, LF in the new)":
        "b774f12 (issue 15 item 2, exports/: one CSV dialect): the public pages' CSV tables end rows in \\n as "
        "the API's downloads and COPY do (they ended in \\r\\n); said in the commit message and docs/decisions.md",
}


SCHEMA_CACHE: dict = {}


def schema_changes(old: bytes, new: bytes) -> list[str]:
    """The differing places of two OpenAPI documents (YAML or JSON), grouped by pattern, with their cause."""
    key = (hashlib.sha256(old).digest(), hashlib.sha256(new).digest())
    if key not in SCHEMA_CACHE:
        SCHEMA_CACHE[key] = schema_changes_uncached(old, new)
    return SCHEMA_CACHE[key]


def schema_changes_uncached(old: bytes, new: bytes) -> list[str]:
    import yaml

    found: list[tuple[str, str]] = []

    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in dict.fromkeys([*a, *b]):
                if key not in a or key not in b:
                    found.append((f"{path}.{key}", "only new" if key not in a else "only old"))
                else:
                    walk(a[key], b[key], f"{path}.{key}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{path}[{i}]")
        elif a != b:
            found.append((path, f"{json.dumps(a, default=str)[:80]} -> {json.dumps(b, default=str)[:80]}"))

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    walk(yaml.load(old, Loader=loader), yaml.load(new, Loader=loader), "$")  # noqa: S506 - a safe loader
    groups: dict[str, list] = {}
    for path, what in found:
        pattern = re.sub(r"\[\d+\]", "[]", re.sub(r"/api/v1/[a-z-]+/(\{[a-z_]+\}/)?", "/api/v1/*/", path))
        groups.setdefault(pattern, []).append(what)
    lines = []
    for pattern, whats in groups.items():
        cause = next((c for key, c in SCHEMA_CHANGES.items() if key in pattern), "UNEXPLAINED")
        lines.append(f"{len(whats)} × `{pattern}` ({whats[0][:120]}): {cause}")
    return lines


def kind_of_difference(row: Row) -> str:
    """What kind of difference this is, when it is one of the kinds recognised below (else "")."""
    old, new = row.old.body, row.new.body
    if row.old.status != row.new.status:
        return ""
    if old.replace(b"\r\n", b"\n") == new.replace(b"\r\n", b"\n"):
        return "line ends only (CRLF in the old tree, LF in the new)"
    if row.path.startswith("/api/v1/schema/"):
        causes = schema_changes(old, new)
        return "the OpenAPI schema" + (", every change explained" if causes and not any(
            "UNEXPLAINED" in cause for cause in causes) else ", UNEXPLAINED changes")
    return ""


def explain(row: Row) -> str:
    old, new = row.old.body, row.new.body
    kind = kind_of_difference(row)
    lines = [f"- **{row.dataset} · {row.who} · `{row.path}`**: status {row.old.status} / {row.new.status}, "
             f"compared by {row.old.kind}" + (f"; kind: {kind}" if kind else "")]
    if row.path.startswith("/api/v1/schema/"):
        lines += [f"    - {cause}" for cause in schema_changes(old, new)]
    elif kind in KINDS:
        lines.append(f"    - cause: {KINDS[kind]}")
    try:
        paths = json_paths(json.loads(old), json.loads(new))
        if not row.path.startswith("/api/v1/schema/"):
            lines += [f"    - `{p}`" for p in paths]
    except ValueError:
        if b"\n" in old[:200000] and old.count(b"\n") < 5000:
            diff = list(difflib.unified_diff(old.decode(errors="replace").splitlines(),
                                             new.decode(errors="replace").splitlines(), "old", "new", n=0,
                                             lineterm=""))
            if diff:
                lines += ["      ```", *[f"      {d[:300]}" for d in diff[:16]], "      ```"]
    lines.append("      " + first_difference(old, new).replace("\n", "\n      "))
    return "\n".join(lines)


def compare(servers: dict, dataset: str, requests: list[tuple[str, str]], rows: list[Row],
            follow: int = 0) -> None:
    """Ask each (who, path) of the old server then of the new; JSON lists follow ``follow`` next links."""
    for who, path in requests:
        answers, began = {}, time.perf_counter()
        for name in ("old", "new"):
            tree = servers[name].tree
            status, body = servers[name].get(path, headers_for(tree.info[dataset], who))
            answers[name] = (status, body)
        seconds = time.perf_counter() - began
        row = Row(dataset, who, path, digest(*answers["old"]), digest(*answers["new"]))
        rows.append(row)
        if not row.same and DIFFERENCES:
            number = len(list(DIFFERENCES.glob("*-old")))
            for name, answer in (("old", row.old), ("new", row.new)):
                (DIFFERENCES / f"{number:03d}-{name}").write_bytes(answer.body)
            with open(DIFFERENCES / "index.txt", "a") as index:
                index.write(f"{number:03d} {dataset} {who} {path}\n")
        print(f"{'same' if row.same else 'DIFFERENT':9} {row.old.status} {row.new.status} {seconds:6.1f}s {dataset:9} "
              f"{who:12} {path}", flush=True)
        if follow and "format=json" in path and row.old.status == 200:
            nexts = []
            for name in ("old", "new"):
                try:
                    nexts.append(json.loads(answers[name][1]).get("next"))
                except (ValueError, AttributeError):
                    nexts.append(None)
            if nexts[0]:
                parts = urlsplit(nexts[0])
                compare(servers, dataset, [(who, f"{parts.path}?{parts.query}")], rows, follow - 1)


def list_requests(audiences: list[str], filters: dict, page_size: int | None) -> list[tuple[str, str]]:
    requests = []
    for who in audiences:
        for resource in LISTS:
            params = dict(filters.get(resource, {}))
            for fmt in FORMATS:
                query = {**params, "format": fmt}
                requests.append((who, f"/api/v1/{resource}/?{urlencode(query)}"))
            if page_size:
                requests.append((who, f"/api/v1/{resource}/?{urlencode({**params, 'page_size': page_size})}"
                                      "&format=json"))
    return requests


def report_requests(audiences: list[str], groupings: list[str], extra: dict, formats_for: set[str],
                    kinds=("displacement", "surrenders")) -> list[tuple[str, str]]:
    requests = []
    for who in audiences:
        for kind in kinds:
            for grouping in groupings:
                for fmt in ("json", "csv", "hxl") if grouping in formats_for else ("json",):
                    query = {**extra, **({"group_by": grouping} if grouping else {}), "format": fmt}
                    requests.append((who, f"/api/v1/reports/{kind}/?{urlencode(query)}"))
    return requests


def demo_requests(info: dict) -> tuple[list, list]:
    audiences = ["ngo", "confidential", "staff"]
    paged = list_requests(audiences, {}, page_size=1)
    other = []
    for who in [*audiences, "public"]:
        other += [(who, "/api/v1/?format=json"), (who, "/api/v1/vocabularies/?format=json"),
                  (who, "/api/v1/deletions/?format=json"), (who, "/api/v1/schema/"),
                  (who, "/api/v1/schema/?format=json"), (who, "/health/")]
    other += report_requests(audiences, DEMO_GROUPINGS, {}, set(DEMO_GROUPINGS))
    for who in audiences:
        other += [(who, "/api/v1/reports/displacement/?group_by=month&date_from=2019-03-01&format=json"),
                  (who, "/api/v1/reports/displacement/?group_by=adm1&category=flow&term=fled&format=csv")]
        for fmt in ("json", "csv", "hxl"):
            other += [(who, f"/api/v1/reports/aid-capacity/?format={fmt}"),
                      (who, f"/api/v1/reports/aid-capacity/?as_of=2019-06-01&format={fmt}")]
    for who in [*audiences, "public"]:  # single records and what the doors answer to bad requests
        for resource in LISTS:
            other += [(who, f"/api/v1/{resource}/{pk}/?format=json") for pk in (1, 2, 999999)]
            other += [(who, f"/api/v1/{resource}/1/?format=csv"), (who, f"/api/v1/{resource}/abc/")]
        other += [(who, "/api/v1/displacement-figures/?bogus=1&format=json"),
                  (who, "/api/v1/displacement-figures/?date_from=2019-13-01&format=json"),
                  (who, "/api/v1/displacement-figures/?page_size=0&format=json"),
                  (who, "/api/v1/displacement-figures/?country=ZZZ&format=json"),
                  (who, "/api/v1/surrenders/?format=pdf"), (who, "/api/v1/nothing-here/"),
                  (who, "/api/v1/reports/displacement/?group_by=nope&format=json"),
                  (who, "/api/v1/reports/displacement/?group_by=month&date_from=bad&format=csv"),
                  (who, "/events/999999/"), (who, "/places/999999/csv/sources.csv"), (who, "/csv/nope.csv")]
    for who in ("public", "ngo", "staff"):
        other.append((who, "/"))
        other += [(who, f"/csv/{table}.csv") for table in HOME_TABLES]
        for kind, ids in (("events", info["events"]), ("places", info["places"])):
            for pk in ids:
                other.append((who, f"/{kind}/{pk}/"))
                other += [(who, f"/{kind}/{pk}/csv/{table}.csv") for table in CSV_TABLES]
    return paged, other


def synthetic_requests(info: dict) -> tuple[list, list]:
    iso3, country = info["country"]["iso3"], info["country"]["pk"]
    period = {"country": iso3, "date_from": "2019-01-01", "date_to": "2019-01-31"}
    filters = {"sources": {"published_from": "2019-01-01", "published_to": "2019-01-05"},
               "organizations": {"country": iso3}, "locations": {"location": info["adm1"]},
               "events": {"country": iso3}, "displacement-figures": period, "surrenders": period,
               "aid-capacity": period}
    audiences = ["ngo", "staff"]
    paged = list_requests(audiences, filters, page_size=None)
    for who in audiences:  # the first unfiltered pages
        paged += [(who, f"/api/v1/{resource}/?page_size=100&format=json") for resource in LISTS]
    other = []
    for who in audiences:
        other += [(who, "/api/v1/?format=json"), (who, "/api/v1/vocabularies/?format=json"),
                  (who, "/api/v1/deletions/?format=json"), (who, "/api/v1/schema/")]
        other += [(who, f"/api/v1/displacement-figures/?location={country}&page_size=100&format=json"),
                  (who, f"/api/v1/displacement-figures/?{urlencode({**period, 'term': 'fled'})}&page_size=100"
                        "&format=json")]
    other += report_requests(audiences, SYNTHETIC_GROUPINGS, {"country": iso3}, {"adm1,month"})
    for who in audiences:
        other += [(who, f"/api/v1/reports/aid-capacity/?country={iso3}&format={fmt}") for fmt in ("json", "csv")]
        other.append((who, "/api/v1/reports/displacement/?group_by=adm1,month&format=json"))  # the whole set
    for pk in info["events"]:
        other += [("public", f"/events/{pk}/"), ("public", f"/events/{pk}/csv/displacement-monthly.csv")]
    other += [("public", f"/places/{info['adm1']}/"), ("public", f"/places/{info['adm1']}/csv/sources.csv")]
    return paged, other
