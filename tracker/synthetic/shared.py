"""What the generator's parts share: the fixed window, the markers of synthetic rows, weighted draws."""

from __future__ import annotations

import bisect
import random
from datetime import UTC, date, datetime
from decimal import Decimal

# A fixed window, so that the same seed gives the same rows on any day (and no date lies in the future).
WINDOW_START = date(2016, 1, 1)
WINDOW_END = date(2025, 12, 31)
CREATED_CAP = datetime(2026, 1, 31, tzinfo=UTC)
WINDOW_START_ORDINAL, WINDOW_END_ORDINAL = WINDOW_START.toordinal(), WINDOW_END.toordinal()
BLOCK = 10_000  # records per random generator: the unit of determinism
CRISIS_PREFIX = "Synthetic crisis"
USER_PREFIX = "synthetic-"
HOUSEHOLD_SIZES = tuple(Decimal(s) for s in ("4.50", "5.00", "5.50", "6.00", "6.50", "7.00"))


def weighted(pairs):
    """(values, cumulative weights) for ``random.choices``."""
    values = [value for value, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def pick(rng: random.Random, table) -> object:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def expand(pairs) -> list[str]:
    """A weighted choice as a flat list: each value repeated by its weight."""
    return [str(value) for value, weight in pairs for _ in range(weight)]
