"""Drawing record blocks in forked worker processes while this one sends them to the database.

On PostgreSQL the records are the bulk of the work, and Python's: ``--workers`` forked processes draw the blocks
and write them as COPY text while the main process sends them in order; the database parses them on its own
processor. The rows do not depend on how many workers draw them (each block has its own generator).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from tracker.synthetic.records import Records

# Workers are forked, so that they start with the reference data in memory. Not on macOS, where a forked process
# may crash in the system's libraries (spawn is Python's default there).
CAN_FORK = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
_FORKED_RECORDS: Records | None = None  # the drawer whose blocks forked workers compute


def default_workers() -> int:
    """Two record workers when this process can run on two processors or more; none on one."""
    processors = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 if processors > 1 else 0


@contextmanager
def block_mapper(records: Records, workers: int) -> Iterator[Callable]:
    """``mapped(method, blocks)``: ``records.method(*block)`` for each block, in order, computed by ``workers``
    forked processes (each with a copy of ``records`` and the world it holds; they never touch the database), at
    most two blocks a worker ahead of the consumer; or here, one at a time, with no workers or no ``fork``."""
    if workers < 1 or not CAN_FORK:
        yield lambda method, blocks: (getattr(records, method)(*block) for block in blocks)
        return
    global _FORKED_RECORDS
    _FORKED_RECORDS = records
    # The world and the prose pools live as long as the workers: frozen, the collector's passes in each worker skip
    # them (and leave the pages the workers share with this process unwritten).
    gc.freeze()
    # A worker that dies (killed, out of memory) breaks the pool and the next result raises BrokenProcessPool: the
    # generator's transaction rolls back instead of waiting forever for a block that will never come.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        yield lambda method, blocks: ordered_map(pool, method, blocks, ahead=2 * workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED_RECORDS = None
        gc.unfreeze()


def call_forked(method: str, block: tuple):
    """In a worker: the forking drawer's ``method(*block)``."""
    return getattr(_FORKED_RECORDS, method)(*block)


def ordered_map(pool: ProcessPoolExecutor, method: str, blocks: Iterable[tuple], ahead: int) -> Iterator:
    """``call_forked(method, block)`` for each block in the pool, results in order, ``ahead`` blocks queued."""
    blocks = iter(blocks)
    pending = deque(pool.submit(call_forked, method, block) for block in itertools.islice(blocks, ahead))
    while pending:
        result = pending.popleft().result()
        pending.extend(pool.submit(call_forked, method, block) for block in itertools.islice(blocks, 1))
        yield result
