"""One synthetic data set, from a clean slate to analysed tables: the order of the generator's parts.

The reference rows (``world``) are inserted first, then the records (``records``), drawn here or by forked
workers (``workers``) and written as COPY text or inserts (``database``), all in one transaction, so that a
failure leaves the database as it was. The same seed gives the same rows whatever the batch size and workers.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import TextIO

from django.db import connection, transaction
from tqdm import tqdm

from tracker.models import CLAIM_MODELS, Source
from tracker.synthetic.database import Inserter, bulk_loading, next_id, remove_previous, reset_sequences, vacuum
from tracker.synthetic.prose import Prose
from tracker.synthetic.records import KIND_SHARES, RECORD_COLUMNS, Records
from tracker.synthetic.shared import BLOCK
from tracker.synthetic.workers import block_mapper
from tracker.synthetic.world import World, scale


class RealRecordsPresent(Exception):
    """The database holds real records and the caller did not ask to add synthetic ones beside them."""


class Generator:
    """Generates ``figures`` records and their world with ``seed``; ``say`` reports progress (a line at a time),
    ``progress`` is where the records' progress bar goes (None: no bar).

    After :meth:`run`: ``kind_counts`` (records of each kind), ``insert_rate`` (records inserted a second, without
    indexes) and ``rate`` (records ready to query a second: indexes rebuilt, foreign keys checked), ``world`` and
    ``records`` (the drawer, which can draw any block again).
    """

    def __init__(self, *, figures: int, seed: int, batch_size: int, workers: int, force: bool = False,
                 say: Callable[[str], object] = lambda message: None, progress: TextIO | None = None):
        self.figures, self.seed, self.batch_size, self.workers, self.force = figures, seed, batch_size, workers, force
        self.say, self.progress = say, progress

    def run(self) -> str:
        """Replace earlier synthetic data with a new set; return the closing summary."""
        figures, seed = self.figures, self.seed
        real = sum(model.objects.filter(is_synthetic=False).count() for model in CLAIM_MODELS)
        if real and not self.force:
            raise RealRecordsPresent(
                f"This database holds {real:,} real (non-synthetic) records. Synthetic data belongs in a separate "
                "database; pass --force to add it here anyway."
            )
        sizes = scale(figures)
        started = time.perf_counter()
        with transaction.atomic():
            remove_previous(self.say)
            self.world = world = World(seed, self.batch_size, self.say)
            self.prose = Prose(seed, figures)
            world.make_users()
            world.make_places(sizes["places"])
            world.make_organizations(sizes["organizations"])
            world.make_events(sizes["crises"], sizes["events"])
            with bulk_loading([Source]):
                world.make_sources(sizes["sources"], self.prose)
            reference_done = time.perf_counter()
            with bulk_loading(list(CLAIM_MODELS)):
                self.make_records(figures)
                written = time.perf_counter()
                if connection.vendor == "postgresql":
                    self.say("Rebuilding indexes and checking foreign keys...")
            records_done = time.perf_counter()
            reset_sequences()
        vacuum(self.say)
        finished = time.perf_counter()
        # Two rates: rows inserted (COPY, without indexes), and records ready to query (indexes rebuilt,
        # foreign keys checked, statistics taken).
        self.insert_rate = figures / max(written - reference_done, 1e-9)
        self.rate = figures / max(records_done - reference_done, 1e-9)
        return (
            f"Generated {figures:,} records ({self.counts_text()}) over {len(world.places):,} places, "
            f"{sizes['organizations']:,} organizations, {sizes['events']:,} events and {sizes['sources']:,} "
            f"sources on {connection.vendor} with seed {seed}: reference data {reference_done - started:.1f} s, "
            f"records inserted in {written - reference_done:.1f} s ({self.insert_rate:,.0f} records/second), "
            f"indexed and checked after {records_done - reference_done:.1f} s ({self.rate:,.0f} records/second), "
            f"total {finished - started:.1f} s."
        )

    def counts_text(self) -> str:
        return ", ".join(f"{n:,} {model._meta.verbose_name_plural}" for model, n in self.kind_counts.items())

    def make_records(self, figures: int) -> None:
        """N records across the three kinds, in blocks of ``BLOCK`` rows each drawn from its own generator.

        On PostgreSQL, ``workers`` processes generate the blocks and format them as COPY text while this
        process sends them, in order; elsewhere (and with no workers) this process does all of it.
        """
        self.kind_counts = {}
        remaining = figures
        for index, (model, share) in enumerate(KIND_SHARES):
            n = remaining if index == len(KIND_SHARES) - 1 else min(remaining, round(figures * share))
            self.kind_counts[model] = n
            remaining -= n
        self.records = records = Records(self.world, self.seed, self.batch_size, self.prose)
        firsts = {model: next_id(model) for model in self.kind_counts}
        blocks = [(model, firsts[model], offset, min(BLOCK, n - offset))
                  for model, n in self.kind_counts.items() for offset in range(0, n, BLOCK)]
        postgres = connection.vendor == "postgresql"
        with block_mapper(records, self.workers if postgres else 0) as mapped:
            progress = tqdm(total=figures, unit="records", disable=self.progress is None, mininterval=0.5,
                            desc="Records", file=self.progress)
            if postgres:
                chunks = zip(blocks, mapped("copy_chunks", blocks), strict=True)
                for model, of_model in itertools.groupby(chunks, key=lambda pair: pair[0][0]):
                    Inserter(model, RECORD_COLUMNS[model]).send_copy_text(
                        itertools.chain.from_iterable(block_chunks for _, block_chunks in of_model),
                        self.batch_size, progress.update)
            else:
                for model, of_model in itertools.groupby(blocks, key=lambda block: block[0]):
                    inserter = Inserter(model, RECORD_COLUMNS[model])
                    pending: list[tuple] = []
                    for block in of_model:
                        pending += records.record_values(records.block_rows(*block))
                        while len(pending) >= self.batch_size:
                            inserter.send_tuples(pending[: self.batch_size])
                            progress.update(self.batch_size)
                            pending = pending[self.batch_size :]
                    inserter.send_tuples(pending)
                    progress.update(len(pending))
            progress.close()
