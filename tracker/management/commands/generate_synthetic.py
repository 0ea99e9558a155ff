"""``python manage.py generate_synthetic --figures N --seed S``: the door to ``tracker/synthetic/``.

It checks the arguments, runs the generator and prints its progress and summary.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracker.synthetic.generator import Generator, RealRecordsPresent
from tracker.synthetic.workers import default_workers


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic data set (places, organizations, events, sources and N records), "
        "marked synthetic. Replaces earlier synthetic data; refuses a database holding real records unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--figures", type=int, required=True, help="How many records (all three kinds).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same rows.")
        parser.add_argument("--force", action="store_true", help="Add synthetic data beside real records.")
        parser.add_argument("--batch-size", type=int, default=20_000, help="Rows per insert batch.")
        parser.add_argument(
            "--workers", type=int, default=default_workers(),
            help="Processes that generate records while this one sends them to PostgreSQL (0: this one does it "
                 "all; the default is 2 with two processors or more, else 0; none where processes cannot fork). "
                 "The rows do not depend on it.",
        )

    def handle(self, *args, figures: int, seed: int, force: bool, batch_size: int, workers: int, **options):
        if figures < 1:
            raise CommandError("--figures must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers < 0:
            raise CommandError("--workers must be 0 or more.")
        verbose = options.get("verbosity", 1) >= 1
        say = self.stdout.write if verbose else (lambda message: None)
        # The generator's result (its counts, rates and drawer) stays on the command for the benchmark and tests.
        self.generator = Generator(figures=figures, seed=seed, batch_size=batch_size, workers=workers, force=force,
                                   say=say, progress=self.stdout._out if verbose else None)
        try:
            summary = self.generator.run()
        except RealRecordsPresent as refusal:
            raise CommandError(str(refusal)) from refusal
        say(summary)
