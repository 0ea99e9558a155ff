"""A small event made to test the charts' honesty, built in code (the places come from ``tests/conftest.py``).

Winter offensive, 1 December 2025 - 31 March 2026, approved public figures, people leaving (low / best / high):
  LONG   12,000 exactly, 8 December 2025 - 20 March 2026: spans December to March (15 weeks)
  OPEN   "more than 1,000", 2-5 February 2026: an open upper bound, within one week
  RANGE  2,500-4,000, 12-14 January 2026
  EARLY  1,500 exactly, 15-18 December 2025
  LATE   800 exactly, 2-4 March 2026
Surrenders: 250 exactly, 20-21 January 2026; "more than 100", 9 February - 1 March 2026 (spans 3 weeks, open).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from tests.factories import DisplacementFigureFactory, EventFactory, SourceFactory, SurrenderFigureFactory
from tracker.choices import Quantifier, ReviewStatus


def charts_probe(places) -> SimpleNamespace:
    event = EventFactory(name="Winter offensive", start_date=date(2025, 12, 1), end_date=date(2026, 3, 31))
    source = SourceFactory(title="Winter offensive: three months on", publication_date=date(2026, 3, 25))
    common = {"event": event, "source": source, "location": places.abu_kamal, "review_status": ReviewStatus.APPROVED}

    def flow(value: int, start: date, end: date, quantifier: str = Quantifier.EXACT, **fields):
        return DisplacementFigureFactory(**common, quantifier=quantifier, reported_value=value, start_date=start,
                                         end_date=end, **fields)

    probe = SimpleNamespace(event=event, source=source)
    probe.long = flow(12_000, date(2025, 12, 8), date(2026, 3, 20))
    probe.open = flow(1_000, date(2026, 2, 2), date(2026, 2, 5), Quantifier.MORE_THAN)
    probe.range = flow(2_500, date(2026, 1, 12), date(2026, 1, 14), Quantifier.RANGE, reported_value_max=4_000)
    probe.early = flow(1_500, date(2025, 12, 15), date(2025, 12, 18))
    probe.late = flow(800, date(2026, 3, 2), date(2026, 3, 4))
    probe.surrendered = SurrenderFigureFactory(**common, reported_value=250, start_date=date(2026, 1, 20),
                                               end_date=date(2026, 1, 21))
    probe.surrendered_open = SurrenderFigureFactory(**common, quantifier=Quantifier.MORE_THAN, reported_value=100,
                                                    start_date=date(2026, 2, 9), end_date=date(2026, 3, 1))
    return probe
