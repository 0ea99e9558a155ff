"""The load test's read replica (issue 20, item 5): the bench data on a dedicated primary and its streaming replica
(``.ci/replica.sh``), the credentials the run needs there, and what clients get while that primary restarts.

The shared cluster is never stopped: the pair has its own ports and data folders. Its database is a copy of the
bench database (``pg_dump -Fc``, ``pg_restore -j 2``, then ``VACUUM ANALYZE`` so that its plans are the source's),
named ``tracker_loadtest_<source>`` and made again only when the source's fingerprint (row counts, last change and
migrations) differs from the one written on the copy when it was made; the replica follows by streaming, and the
run waits until it has replayed everything the primary wrote.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PAIR = ROOT / ".ci" / "replica.sh"
CLAIM_TABLES = ("tracker_displacementfigure", "tracker_surrenderfigure", "tracker_aidcapacityreport")
ANALYST = "loadtest_analyst"
# During the restart, the primary is down for these seconds (the 10 s), from this many seconds into a
# phase of this many seconds: long enough before to see the steady state and after to see the recovery.
DOWN_SECONDS, DOWN_AFTER, PHASE_SECONDS = 10, 5, 30
# Run from the project's folder, as the other commands of the pair.
RESTART_COMMAND = f"bash .ci/replica.sh primary-stop; sleep {DOWN_SECONDS}; bash .ci/replica.sh primary-start"


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def start_pair() -> tuple[str, str] | str:
    """Start the pair (idempotent): the URLs of its primary's and replica's ``postgres`` database, or the reason
    it cannot run (no server binaries, a failed start)."""
    if not shutil.which("bash"):
        return "no bash to run .ci/replica.sh"
    done = subprocess.run(["bash", str(PAIR), "start"], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode:
        return (done.stderr.strip().splitlines() or [f".ci/replica.sh start exited with {done.returncode}"])[-1]
    found = dict(line.removeprefix("export ").split("=", 1) for line in done.stdout.splitlines()
                 if line.startswith("export "))
    try:
        return found["REPLICA_TEST_PRIMARY_URL"], found["REPLICA_TEST_REPLICA_URL"]
    except KeyError:
        return f".ci/replica.sh start printed no URLs: {done.stdout.strip()[:200]}"


def fingerprint(url: str) -> str:
    """What says a copy still holds the source's data: each claim table's rows, last id and last change, and the
    migrations applied."""
    import psycopg

    parts = []
    with psycopg.connect(url) as connection:
        for table in CLAIM_TABLES:
            count, last_id, last_change = connection.execute(
                f'SELECT count(*), max(id), max(updated_at) FROM "{table}"').fetchone()
            parts.append(f"{table}:{count}:{last_id}:{last_change.isoformat() if last_change else '-'}")
        (migrations,) = connection.execute("SELECT count(*) FROM django_migrations").fetchone()
    return " ".join([*parts, f"migrations:{migrations}"])


def _comment(admin_url: str, name: str) -> str | None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        row = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                                 [name]).fetchone()
    return None if row is None else row[0] or ""


def _binary(name: str) -> str:
    """A PostgreSQL client program: the one beside the pair's server binaries, else the one on the PATH."""
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name)
                     if path.parent.name.isdigit() else 0)
    for folder in reversed(folders):
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name) or name


def ensure_copy(source_url: str, primary_admin: str, replica_admin: str) -> tuple[str, str]:
    """The source's data on the pair's primary (copied only when the copy is missing or stale), replayed by the
    replica: the URLs of that database on the primary and on the replica."""
    import psycopg
    from psycopg import sql

    name = "tracker_loadtest_" + database_name(source_url).removeprefix("tracker_")
    primary, replica = with_database(primary_admin, name), with_database(replica_admin, name)
    wanted = fingerprint(source_url)
    if _comment(primary_admin, name) != wanted:
        print(f"Copying {database_name(source_url)} to the replica pair's primary as {name} "
              "(pg_dump -Fc, pg_restore -j 2, VACUUM ANALYZE)...", flush=True)
        started = time.perf_counter()
        with psycopg.connect(primary_admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        folder = Path(tempfile.mkdtemp(prefix="loadtest-dump-", dir="/var/tmp" if Path("/var/tmp").is_dir()
                                       else None))
        try:
            dump = folder / "bench.dump"
            subprocess.run([_binary("pg_dump"), "-Fc", "-Z", "1", "-f", str(dump), "-d", source_url], check=True)
            subprocess.run([_binary("pg_restore"), "-j", "2", "--no-owner", "-d", primary, str(dump)], check=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([_binary("vacuumdb"), "-q", "--analyze", "-j", "2", "-d", primary], check=True)
        with psycopg.connect(primary_admin, autocommit=True) as connection:
            connection.execute("CHECKPOINT")  # the copy written out now, not under the first measurements
            # Written last: a copy interrupted before this line is made again by the next run.
            connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name),
                                                                              sql.Literal(wanted)))
        print(f"Copied in {time.perf_counter() - started:.0f} s.", flush=True)
    wait_replayed(primary, replica)
    return primary, replica


def wait_replayed(primary: str, replica: str, limit: float = 1800) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    import psycopg

    with psycopg.connect(primary, autocommit=True) as connection:
        (target,) = connection.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    deadline, said = time.monotonic() + limit, 0.0
    with psycopg.connect(replica, autocommit=True) as connection:
        while True:
            (behind,) = connection.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
                                           [target]).fetchone()
            if behind is not None and behind <= 0:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"The replica is still {behind} bytes of WAL behind the primary after {limit:.0f} s")
            if time.monotonic() - said > 10:
                print(f"Waiting for the replica to replay {int(behind or 0) / 1e6:,.0f} MB of WAL...", flush=True)
                said = time.monotonic()
            time.sleep(0.2)


SETUP = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from tracker.permissions import ANALYSTS, ensure_groups
ensure_groups()
user, _ = get_user_model().objects.get_or_create(username=%r)
user.is_staff, user.is_active, user.is_superuser = True, True, False
user.set_unusable_password()
user.save()
user.groups.set([Group.objects.get(name=ANALYSTS)])
"""


def credentials(env: dict) -> tuple[str, str]:
    """An API key and an analyst's write token on the pair's database (``env`` names its primary alone)."""
    env = {k: v for k, v in env.items() if k != "DATABASE_REPLICA_URL"}
    subprocess.run([sys.executable, "-c", SETUP % ANALYST], cwd=ROOT, env=env, check=True)

    def command(*args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args, "--quiet"], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip().splitlines()[-1]

    return command("create_api_key", "--client", "Load test (replica)"), command("create_api_token", "--user",
                                                                                   ANALYST)


def write_kind(token: str, weight: int = 1):
    """A kind of request for the restart phase: an analyst saves a query (a small write a token may make)."""
    from bench.loadtest import Ask

    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def save(rng) -> Ask:
        body = {"name": f"loadtest {rng.getrandbits(32):08x}", "resource": "locations", "query": ""}
        return Ask("/api/v1/saved-queries/", "POST", json.dumps(body).encode(), headers)

    return ("write", weight, save)


def forget_writes(primary: str) -> int:
    """Delete the queries the restart phase saved: the copy keeps the source's data and nothing else."""
    import psycopg

    with psycopg.connect(primary, autocommit=True) as connection:
        return connection.execute("DELETE FROM tracker_savedquery WHERE name LIKE 'loadtest %%' AND owner_id IN "
                                  "(SELECT id FROM auth_user WHERE username = %s)", [ANALYST]).rowcount



def prepare(source_url: str) -> tuple[str, str] | str:
    """The pair started and holding the source's data: (primary, replica) URLs of the copy, or why not."""
    pair = start_pair()
    if isinstance(pair, str):
        return f"the replica pair cannot start ({pair})"
    return ensure_copy(source_url, *pair)


def during_restart(server, kinds, clients: int, headers: dict, command: str, pair: tuple[str, str]) -> dict:
    """``clients`` clients for ``PHASE_SECONDS`` while ``command`` runs from ``DOWN_AFTER`` seconds in (the
    primary stopped for ``DOWN_SECONDS``): per kind, the statuses clients got and who answered. Writes and sync
    read the primary, so a 503 is what they should get while it is down; any other kind must keep answering."""
    import threading

    from bench.core import RESULTS_DIR
    from bench.loadtest import drive, print_statuses

    log = RESULTS_DIR / "server.log"
    offset = log.stat().st_size if log.exists() else 0

    def later():
        time.sleep(DOWN_AFTER)
        subprocess.run(command, shell=True, cwd=ROOT, check=False)  # noqa: S602 - the operator's own command

    thread = threading.Thread(target=later, daemon=True)
    thread.start()
    rows = drive(server.port, kinds, clients, PHASE_SECONDS, headers, timeout=PHASE_SECONDS,
                 tolerated=frozenset({"write", "sync"}))
    thread.join()
    subprocess.run(["bash", str(PAIR), "primary-start"], check=False)  # whatever the command did
    primary, replica = pair
    wait_replayed(primary, replica)
    saved = forget_writes(primary)
    text = log.read_text(errors="replace")[offset:] if log.exists() else ""
    tracebacks = text.split("Traceback (most recent call last):")[1:]
    print_statuses(f"during `{command}`, {clients} clients, {PHASE_SECONDS} s", rows)
    if tracebacks:
        print(f"The server logged {len(tracebacks)} traceback(s) meanwhile; the first:\n"
              f"Traceback (most recent call last):{tracebacks[0][:3000]}", flush=True)
    return {"command": command, "clients": clients, "seconds": PHASE_SECONDS, "down after": DOWN_AFTER,
            "down for": DOWN_SECONDS, "writes deleted after": saved, "rows": rows,
            "tracebacks": len(tracebacks), "first traceback": tracebacks[0][:3000] if tracebacks else ""}
