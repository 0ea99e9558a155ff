"""A report's second connection: it reads the first one's snapshot, it is always closed, and no error of either
connection is lost. The two-connection path exists on PostgreSQL only; on SQLite the work runs in line."""

from __future__ import annotations

import logging

import pytest
from django.db import connection, connections
from django.db.utils import DataError

from tests.factories import SourceFactory
from tracker.db.snapshot import GROUPS_HASHED, alongside, joins_as_written, one_snapshot
from tracker.models import Source

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="one snapshot on two connections is PostgreSQL's (SQLite runs in line)")


def failing_query() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1 / 0")


def worker(seen: list):
    """Work for the second connection that records the connection it ran on, then fails in the database."""
    def work():
        seen.append(connections["default"])
        failing_query()
    return work


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_second_connection_reads_the_first_ones_snapshot():
    SourceFactory(title="before")
    with one_snapshot("default") as snapshot:
        assert snapshot
        counted_here = Source.objects.count()
        with _Writer() as writer:
            writer.execute("UPDATE tracker_source SET title = 'after'")
        with alongside("default", snapshot, lambda: list(Source.objects.values_list("title", flat=True))) as titles:
            assert titles() == ["before"] and counted_here == 1


def show(setting: str) -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_second_connection_is_planned_with_its_own_settings_and_the_first_as_usual():
    """The report's GROUP BY connection hashes its groups (``GROUPS_HASHED``), read only, in the snapshot; the
    first connection, which also reads stocks in order, keeps sorting."""
    def asked() -> tuple[str, str, str]:
        return show("enable_sort"), show("transaction_read_only"), show("transaction_isolation")

    with one_snapshot("default") as snapshot:
        with alongside("default", snapshot, asked, settings=[GROUPS_HASHED]) as second:
            assert second() == ("off", "on", "repeatable read")
        assert show("enable_sort") == "on"
    assert show("enable_sort") == "on"


class _Writer:
    """A third, independent connection that commits a change while the snapshot is open."""

    def __enter__(self):
        import psycopg

        settings = connection.settings_dict
        self.connection = psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432,
            password=settings["PASSWORD"] or None, autocommit=True)
        return self.connection.cursor()

    def __exit__(self, *exc):
        self.connection.close()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_when_both_connections_fail_both_errors_are_told(caplog):
    seen: list = []
    with pytest.raises(LookupError) as raised, caplog.at_level(logging.ERROR, logger="tracker.db.snapshot"):
        with one_snapshot("default") as snapshot, alongside("default", snapshot, worker(seen)):
            raise LookupError("the first connection failed")
    assert "The report's second connection failed too" in "\n".join(raised.value.__notes__)
    assert "division by zero" in "\n".join(raised.value.__notes__)
    assert any(isinstance(record.exc_info[1], DataError) for record in caplog.records if record.exc_info)
    assert seen and seen[0].connection is None  # closed before the error reached the caller


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_error_of_the_second_connection_is_raised_even_unasked():
    seen: list = []
    with pytest.raises(DataError, match="division by zero"):
        with one_snapshot("default") as snapshot, alongside("default", snapshot, worker(seen)):
            pass  # the first connection went on without asking for the result
    assert seen and seen[0].connection is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_an_error_of_the_second_connection_is_raised_when_asked():
    seen: list = []
    with pytest.raises(DataError, match="division by zero"):
        with one_snapshot("default") as snapshot, alongside("default", snapshot, worker(seen)) as result:
            result()
    assert seen and seen[0].connection is None


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_first_connections_error_waits_for_the_second_to_close():
    seen: list = []

    def slow():
        seen.append(connections["default"])
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.5)")
        return "done"

    with pytest.raises(LookupError) as raised:
        with one_snapshot("default") as snapshot, alongside("default", snapshot, slow):
            raise LookupError("the first connection failed")
    assert not getattr(raised.value, "__notes__", None)  # the second connection did not fail
    assert seen and seen[0].connection is None


@pytest.mark.django_db(transaction=True)
def test_without_a_snapshot_to_share_the_work_runs_in_line_and_its_error_is_raised():
    ran: list = []

    def work():
        ran.append(connections["default"])
        raise LookupError("the work failed")

    with pytest.raises(LookupError, match="the work failed"):
        with alongside("default", None, work):
            pytest.fail("the block must not run when the work failed")
    assert ran == [connections["default"]]  # this thread's own connection: nothing ran beside it


def join_collapse_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_joins_are_planned_as_written_inside_the_block_only():
    default = join_collapse_limit()
    with one_snapshot("default"):
        with joins_as_written("default"):
            assert join_collapse_limit() == "1"
        assert join_collapse_limit() == default  # the rest of the page's transaction plans as usual
    assert join_collapse_limit() == default
    with joins_as_written("default"):  # outside a transaction a setting would outlive the block: nothing is set
        assert join_collapse_limit() == default


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_after_an_error_in_the_block_the_setting_goes_with_the_transaction():
    default = join_collapse_limit()
    with pytest.raises(DataError):
        with one_snapshot("default"), joins_as_written("default"):
            failing_query()
    assert join_collapse_limit() == default
