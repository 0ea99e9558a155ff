"""What the records' indexes hold: the conditions of their partial indexes and the columns they carry.

Kept apart from the tables (:mod:`tracker.models.claims`) so that the counting rule's condition (``COUNTED``) and
the indexes that answer it are read in one place; ``tracker.reporting`` imports the same conditions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import ExpressionWrapper, Q

from tracker.choices import ReviewStatus, Role

# Approved figures that reports leave out and name in their warnings (triangulations, duplicates, unquantified
# claims), and what counting them reads: the partial index of each figure kind.
NOT_COUNTED = Q(review_status=ReviewStatus.APPROVED) & (
    Q(role=Role.TRIANGULATION) | Q(duplicate_of__isnull=False) | Q(low__isnull=True))
NOT_COUNTED_COLUMNS = ["id", "source", "is_confidential", "role", "duplicate_of", "low"]
# The figures that enter totals (tracker.reporting.counting.counted, before the audience), and what a report's
# GROUP BY reads of them: its keys (the place's area links among them), its sums and its lists. A partial index
# holding these answers the report without visiting the table.
COUNTED = Q(review_status=ReviewStatus.APPROVED, role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=False)
COUNTED_COLUMNS = ["id", "location", "adm1", "adm2", "term", "source", "is_confidential", "term_group", "event",
                   "start_date", "low", "best", "high", "high_open"]


def counted_expression() -> ExpressionWrapper:
    """``COUNTED`` as a true/false value of each row (the lists' ``counted`` column, in SQL)."""
    return ExpressionWrapper(COUNTED, output_field=models.BooleanField())


SPAN_COLUMNS = ["start_date", "end_date", "low", "high", "high_open", "source", "is_confidential"]
COUNTRY_NEWEST = ["country", "review_status", "end_date", "id", "start_date"]  # decisions.md, "A period's list"
# A record not confidential of its own: the condition of the indexes a page's cited sources are read from
PUBLIC_RECORD = Q(is_confidential=False)
# What a province's or a district's page reads of a quantified record besides its keys: whether it counts, what it
# sums, its source (the sources cited, the confidential ones left out) and its place (the stock rule)
AREA_QUANTIFIED_COLUMNS = ["location", "source", "is_confidential", "role", "duplicate_of", "term", "term_group",
                           "event", "start_date", "low", "best", "high", "high_open"]


def area_indexes(prefix: str, include: list[str]) -> list[models.Index]:
    """The records of a province (``adm1``) and of a district (``adm2``), by their stored links, approved ones
    newest first, with ``include``: everything such a page reads of them from one index range (docs/decisions.md,
    "A place's records by its stored links"). SQLite, which has no covering indexes, keeps the keys."""
    return [models.Index(fields=[area, "review_status", "end_date", "id"], include=include,
                         name=f"{prefix}_{area}_idx") for area in ("adm1", "adm2")]
