"""Stored possible double counts: pairs of counted figures of one kind that may describe the same people.

The services find and restate them (``tracker.services.claims``, ``tracker.services.batch``); the landing page, the
review queue and the reports read them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from tracker.models.claims import _name


class PossibleDoubleCount(models.Model):
    """Two counted figures of one kind that may describe the same people.

    Stored by the services at every save, so that the landing page and the
    reports read the pairs instead of recomputing them. A reviewer may record an
    overlap decision (why both stand); it lapses when either record's substance
    changes.
    """

    KINDS = (("displacementfigure", "Displacement figure"), ("surrenderfigure", "Surrender figure"))

    kind = models.CharField(max_length=20, choices=KINDS)
    first_id = models.BigIntegerField(help_text="The lower record id of the pair.")
    second_id = models.BigIntegerField()
    found_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    first_version = models.PositiveIntegerField(null=True, blank=True)
    second_version = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-found_at", "kind", "first_id", "second_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "first_id", "second_id"], name=_name("unique_pair")),
            models.CheckConstraint(condition=Q(first_id__lt=F("second_id")), name=_name("ordered_pair")),
        ]
        indexes = [models.Index(fields=["kind", "second_id"], name="doublecount_second_idx")]

    def __str__(self) -> str:
        return f"Possible double count: {self.kind} #{self.first_id} and #{self.second_id}"

    @property
    def is_resolved(self) -> bool:
        return self.decided_at is not None

    def other_id(self, figure_id: int) -> int:
        return self.second_id if figure_id == self.first_id else self.first_id
