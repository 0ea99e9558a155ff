"""Through PgBouncer in transaction pooling (``DATABASE_POOLED``): a server connection is ours for one transaction
only, and the next may be another. Streamed queries and the report's shared snapshot must still read right.
These run when the tests run through a pooler (.ci/run starts one with .ci/pgbouncer.sh)."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import SourceFactory
from tracker.db.snapshot import alongside, one_snapshot
from tracker.models import Source

pytestmark = [
    pytest.mark.skipif(not settings.DATABASE_POOLED, reason="through a transaction pooler only (DATABASE_POOLED)"),
    pytest.mark.django_db(transaction=True),
]


def client_connection() -> psycopg.Connection:
    """Another client of the pooler, as a second app server would be."""
    database = connection.settings_dict
    return psycopg.connect(dbname=database["NAME"], user=database["USER"], host=database["HOST"],
                           port=database["PORT"], password=database["PASSWORD"] or None, autocommit=True)


def backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_streamed_query_survives_another_client_taking_its_server_connection():
    """Outside a transaction, Django's server-side cursor (DECLARE ... WITH HOLD) lives on the server connection
    that declared it; once another client holds that one, the next FETCH lands elsewhere and finds no cursor.
    Pooled, the rows come in one result, read chunk by chunk on our side."""
    titles = [f"source {n}" for n in range(7)]
    for title in titles:
        SourceFactory(title=title)
    rows = Source.objects.order_by("title").values_list("title", flat=True).iterator(chunk_size=2)
    read = [next(rows), next(rows)]
    with client_connection() as other:
        other.execute("BEGIN")
        other.execute("SELECT 1")  # holds the server connection we last released until it ends
        read += list(rows)
        other.execute("COMMIT")
    assert read == titles


def test_the_reports_second_connection_reads_the_snapshot_from_another_server_connection():
    """An exported snapshot can be imported while the transaction that exported it is open: the report's first
    connection keeps its transaction, and so its server connection, until the second has read."""
    SourceFactory(title="before")
    with one_snapshot("default") as snapshot:
        assert snapshot
        first = backend()
        with client_connection() as writer:
            writer.execute("UPDATE tracker_source SET title = 'after'")

        def read() -> tuple[int, list[str]]:
            return backend(), list(Source.objects.values_list("title", flat=True))

        with alongside("default", snapshot, read) as result:
            second, seen = result()
    assert second != first
    assert seen == ["before"]
    assert list(Source.objects.values_list("title", flat=True)) == ["after"]
