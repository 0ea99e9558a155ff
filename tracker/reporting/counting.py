"""Which figures enter totals: the counted rule (docs/counting.md, rule 1), and the publisher rank that breaks ties.

``COUNTED`` (tracker/models/claims.py, beside the partial indexes that serve it) states what a figure must be
to count: approved, headline, not a duplicate, quantified. :func:`counted` adds who is asking: a report counts
only what its audience may see.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from tracker.audience import Audience
from tracker.choices import RELIABILITY_RANK, ReviewStatus
from tracker.models.claims import COUNTED


def counted(figures: QuerySet, *, audience: Audience = Audience.PUBLIC) -> QuerySet:
    """Figures that enter totals: approved, headline, non-duplicate, quantified, and visible to ``audience``."""
    return figures.filter(COUNTED).visible_to(audience)


def visible_approved(records: QuerySet, *, audience: Audience) -> QuerySet:
    """Approved records ``audience`` may see (for warnings about what was not counted, the aid capacity status
    and the public pages): even staff totals count approved records only."""
    return records.filter(review_status=ReviewStatus.APPROVED).visible_to(audience)


def reliability_rank(lookup: str = "source__publisher__reliability") -> Case:
    """The publisher's reliability as a number: higher wins ties between stocks."""
    return Case(
        *[When(**{lookup: value}, then=Value(rank)) for value, rank in RELIABILITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
