"""One snapshot for every query of a report, and a second connection that reads it.

PostgreSQL: a read-only REPEATABLE READ transaction whose snapshot is exported, so that a second connection
(:func:`alongside`) reads the same data on the other core. SQLite (the portable twin): its read transaction
gives one connection the same guarantee, and the work meant for the second connection runs in line.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from django.db import connections, transaction

T = TypeVar("T")

logger = logging.getLogger(__name__)


def begin_report(cursor, snapshot: str | None = None, *, export: bool = False,
                 settings: Sequence[tuple[str, str]] = ()) -> str | None:
    """Open a report's transaction on PostgreSQL, in one round trip: read only, one snapshot (``snapshot``, when
    another connection exported it; ``export``: this one's, named and returned). A report's two connections run
    on two cores already, so neither plans parallel workers of its own; and its sorts (the stocks in rank order,
    the flows' groups) stay in memory rather than spilling to disk. ``settings``: more of the planner's, (name,
    value), for this transaction only."""
    statements = ["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"]
    if snapshot:
        statements.append("SET TRANSACTION SNAPSHOT %s")
    statements += ["SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL work_mem = '64MB'"]
    statements += [f"SET LOCAL {name} = {value}" for name, value in settings]
    if export:
        statements.append("SELECT pg_export_snapshot()")
    cursor.execute("; ".join(statements), [snapshot] if snapshot else None)
    if not export:
        return None
    while cursor.nextset():  # to the last statement's result
        pass
    return cursor.fetchone()[0]


# For a connection that runs a report's GROUP BY and nothing else: its groups hashed, not its rows sorted.
# PostgreSQL reckons a hash of the groups' id and source arrays far larger than it is, so it sorted every counted
# figure by its group key and aggregated them in order; hashed (spilling to disk where the groups outgrow
# work_mem), the flows' GROUP BY took 35 ms where it took 47 at 100,000 records, and 413 and 564 ms where it took
# 557 and 680 at a million (adm1 x month, adm2 x week). Not for a connection that also reads in order (the stocks).
GROUPS_HASHED = ("enable_sort", "off")


@contextmanager
def one_snapshot(using: str, *, export: bool = True) -> Iterator[str | None]:
    """Every query inside reads the database as it was at the first one.

    A report is several queries (the stocks, the grouped rows, the totals' stocks, the warnings); a change
    committed between two of them must not show in one and not the other (a holder stock rejected after the
    stocks were read would leave a nested stock dropped and its holder uncounted). On PostgreSQL a read-only
    REPEATABLE READ transaction gives them one snapshot, and yields its name (``pg_export_snapshot()``) so that
    a second connection can read the same one (:func:`alongside`); SQLite's read transaction does the same,
    for one connection. Inside a transaction already, the caller's own isolation applies and nothing is shared
    (yields None): another connection could not see the caller's uncommitted changes. ``export=False``: for
    what never shares it (a page, whose reports run inside its transaction), nothing is exported (yields None).
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield None
        return
    with transaction.atomic(using=using):
        snapshot = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                snapshot = begin_report(cursor, export=export)
        yield snapshot


@contextmanager
def joins_as_written(using: str) -> Iterator[None]:
    """Inside a transaction on PostgreSQL, plan the queries inside with their joins in the order the ORM wrote
    them (``join_collapse_limit = 1``): for a page of a few rows read from its scope's index, then their source,
    publisher, place and claimant by primary key, the planner's search among every order of six tables cost
    more than the query (a page of records: 2.0 ms planned, 0.5 ms run; 0.8 ms planned as written, the same
    plan). Only for queries whose first table is the one to start from: queries joining id lists are not.
    Outside a transaction, or elsewhere, it does nothing."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = 1")
    yield
    # after an error the transaction is rolled back, and the setting with it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = DEFAULT")


@contextmanager
def alongside(using: str, snapshot: str | None, work: Callable[[], T], *,
              settings: Sequence[tuple[str, str]] = ()) -> Iterator[Callable[[], T]]:
    """Start ``work`` (queries) on a second connection that reads ``snapshot`` (planned with ``settings``, as
    :func:`begin_report` takes them), and give a function that waits for its result; meanwhile this thread goes on
    with other queries. PostgreSQL runs the two on two cores. Without a snapshot to share, ``work`` runs here and
    now, as planned here.

    Leaving the block waits for ``work`` to end, so its connection is always closed first, and no error is
    lost: an error of ``work`` is raised here when the block ended without asking for the result; when the
    block itself failed, its error is raised with a note naming the error of ``work`` (logged in full).
    """
    if snapshot is None:
        result = work()
        yield lambda: result
        return

    def run() -> T:
        connection = connections[using]  # this thread's own connection
        try:
            with transaction.atomic(using=using):
                with connection.cursor() as cursor:
                    begin_report(cursor, snapshot, settings=settings)
                return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report") as executor:
        # In this thread's context: its queries read the database this request reads (tracker.db.routers).
        future = executor.submit(contextvars.copy_context().run, run)
        try:
            yield future.result
        except BaseException as error:
            failed = future.exception()  # waits for the second connection to finish and close
            if failed is not None and failed is not error:
                logger.error("A report's second connection failed while the first did too", exc_info=failed)
                error.add_note(f"The report's second connection failed too: {failed!r}")
            raise
        future.result()  # the error of work, if the block never asked for the result
