"""Which database a query reads: the primary, or its streaming replica (docs/decisions.md, "A read replica").

With ``DATABASE_REPLICA_URL`` set, the ``replica`` alias exists and :class:`ReplicaRouter` sends reads to the
alias that the current request chose (:mod:`tracker.db.middleware` decides, per request, and sets it here); a
query outside a request (a command, the shell, a test) reads the primary. Every write goes to the primary.
Django's router sees no request, so the choice travels in a context variable, which is per thread (each
gunicorn worker thread serves one request at a time) and per asyncio task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

_reads: ContextVar[str] = ContextVar("tracker_reads", default=PRIMARY)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias this request's reads go to: what a raw cursor (COPY, a snapshot) must open to read what the
    ORM's querysets read."""
    alias = _reads.get()
    return alias if alias == PRIMARY or has_replica() else PRIMARY


@contextmanager
def reading(alias: str) -> Iterator[None]:
    """Reads inside go to ``alias`` (``PRIMARY`` or ``REPLICA``)."""
    token = _reads.set(alias)
    try:
        yield
    finally:
        _reads.reset(token)


def pinned(content: Iterator[bytes], alias: str) -> Iterator[bytes]:
    """A streaming body whose queries (run while the server sends it, after the view returned) read ``alias``."""
    blocks = iter(content)
    try:
        while True:
            with reading(alias):
                try:
                    block = next(blocks)
                except StopIteration:
                    return
            yield block
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()


class ReplicaRouter:
    """Reads where the request chose (:func:`read_alias`), writes and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica is a copy of the primary: a row read from one may point at a row of the other.
        return True if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        # The replica replays the primary's migrations; it cannot run its own.
        return False if db == REPLICA else None
