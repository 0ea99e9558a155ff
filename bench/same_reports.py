"""Hashes of what the report doors answer, to show that a change of code left every byte as it was.

Each line of the output is ``<sha256>  <what was asked>``: the API report endpoints (JSON, CSV and HXL, for an
API key and for a staff session) and, on the demo, the public pages and their CSV tables. Run it on two trees
(the ``--tree`` of the old code, then the new) and compare the files:

    git archive <ref> | tar -x -C /tmp/old
    .venv/bin/python bench/same_reports.py --demo --tree /tmp/old --out /tmp/old.txt
    .venv/bin/python bench/same_reports.py --demo --out /tmp/new.txt
    diff /tmp/old.txt /tmp/new.txt && echo same

``--demo`` builds a fresh database (``DATABASE_URL``, or a temporary SQLite file) from the tree's migrations and
the Baghouz demo fixtures; without it the reports of the bench database (a million synthetic records,
``BENCH_DATABASE_URL``) are hashed, read only but for an API key and a staff account made for the purpose.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"

DEMO_GROUPINGS = ["", "week", "month", "year", "country", "adm1", "adm2", "event", "term", "adm1,month",
                  "country,week", "year,term", "event,adm2,term,week", "country,adm1,adm2,event,term,month"]
BENCH_GROUPINGS = ["adm1,month", "event", "country,week", "year,term"]


def configure(tree: Path, database_url: str) -> None:
    sys.path.insert(0, str(tree))
    os.chdir(tree)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["REDIS_URL"] = ""  # caches in this process's memory: nothing from another run is served
    os.environ["REPORT_CACHE_SECONDS"] = "0"  # every report counted
    for rate in ("API_KEY_RATE", "API_USER_RATE", "API_ANON_RATE"):
        os.environ[rate] = ""
    import django

    django.setup()


def fresh_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def build_demo() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tracker.permissions import ensure_groups

    ensure_groups()
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)


def clients():
    """An API-key client and a staff-session client."""
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    out = StringIO()
    call_command("create_api_key", client="Same reports check", replace=True, quiet=True, stdout=out)
    key = Client(HTTP_AUTHORIZATION=f"Api-Key {out.getvalue().strip()}")
    staff_user, _ = get_user_model().objects.get_or_create(username="same-reports-check",
                                                           defaults={"is_staff": True, "is_superuser": True})
    staff = Client()
    staff.force_login(staff_user)
    return {"key": key, "staff": staff}


def hashes(demo: bool) -> list[str]:
    from tracker.models import DisplacementFigure, Event, Location

    lines = []

    def get(client, who: str, url: str, params: dict | None = None) -> None:
        response = client.get(url, params or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if os.environ.get("SAME_REPORTS_LF"):  # line ends aside (to compare a change of CSV dialect apart)
            body = body.replace(b"\r\n", b"\n")
        asked = url + ("?" + "&".join(f"{k}={v}" for k, v in sorted(params.items())) if params else "")
        lines.append(f"{hashlib.sha256(body).hexdigest()}  {response.status_code} {who} {asked}")
        print(lines[-1], flush=True)

    groupings = DEMO_GROUPINGS if demo else BENCH_GROUPINGS
    for who, client in clients().items():
        for kind in ("displacement", "surrenders") if demo else ("displacement",):
            for grouping in groupings:
                for fmt in ("json", "csv", "hxl"):
                    params = {"format": fmt, **({"group_by": grouping} if grouping else {})}
                    get(client, who, f"/api/v1/reports/{kind}/", params)
            if demo:
                get(client, who, f"/api/v1/reports/{kind}/", {"group_by": "month", "date_from": "2019-03-01"})
        if demo:
            for fmt in ("json", "csv", "hxl"):
                get(client, who, "/api/v1/reports/aid-capacity/", {"format": fmt, "as_of": "2019-06-01"})
        else:
            country = Location.objects.filter(level="country").order_by("pk").values_list("pk", flat=True).first()
            get(client, who, "/api/v1/reports/displacement/", {"group_by": "adm2,month", "location": country})
    if demo:
        from django.test import Client

        from tracker.pages.csv import CSV_TABLES

        public = Client()
        get(public, "public", "/")
        for table in ("events-displacement", "events-surrenders"):
            get(public, "public", f"/csv/{table}.csv")
        places = set(DisplacementFigure.objects.values_list("location__path", flat=True))
        place_ids = sorted(pk for pk, path in Location.objects.values_list("pk", "path")
                           if any(p.startswith(path) for p in places))
        for kind, ids in (("events", sorted(Event.objects.values_list("pk", flat=True))), ("places", place_ids)):
            for pk in ids:
                get(public, "public", f"/{kind}/{pk}/")
                for table in CSV_TABLES:
                    get(public, "public", f"/{kind}/{pk}/csv/{table}.csv")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the tree whose code answers (default: this one)")
    parser.add_argument("--demo", action="store_true", help="a fresh database with the Baghouz demo")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    tree = args.tree.resolve()
    if args.demo:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            fresh_postgres(url)
        else:
            url = "sqlite:///" + str(Path(tempfile.mkdtemp()) / "demo.sqlite3")
    else:
        url = os.environ.get("BENCH_DATABASE_URL", BENCH_URL)
    configure(tree, url)
    if args.demo:
        build_demo()
    lines = hashes(args.demo)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} responses hashed into {args.out}")


if __name__ == "__main__":
    main()
