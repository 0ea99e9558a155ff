"""Stored possible double counts: pairs of counted figures of one kind that may describe the same people.

The services find and restate them (``tracker.services.claims``, ``tracker.services.batch``); the landing page, the
review queue and the reports read them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models import F, Func, Q, Value
from simple_history.models import HistoricalRecords

from tracker.choices import ReviewStatus, Role
from tracker.models.claims import _name

# The figures that take part in the double-count check: not rejected, headline, not a duplicate, quantified, not
# zero. One Q for the set-based reads and the overlap index; ``counts_for_overlap`` (tracker.services.claims) says
# the same of one figure in memory.
OVERLAP_CANDIDATES = (
    Q(role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=False)
    & ~Q(review_status=ReviewStatus.REJECTED)
    & ~Q(high=0)
)
# Per figure kind, the PostgreSQL index of its candidates by place, term group and period (OverlapIndexes).
OVERLAP_INDEX_NAMES = {"displacementfigure": "displacement_overlap_idx", "surrenderfigure": "surrender_overlap_idx"}


def overlap_period() -> Func:
    """A figure's period as a closed date range (PostgreSQL): the overlap index's key and the check's filter."""
    from django.contrib.postgres.fields import DateRangeField

    return Func(F("start_date"), F("end_date"), Value("[]"), function="daterange", output_field=DateRangeField())


def overlap_index(name: str):
    """A GiST index of the double-count candidates over (place, term group, period): the candidates of one place
    whose period shares a day with a given one are read from the overlapping entries alone, whatever the period's
    length and the table's size (``btree_gist`` lets GiST hold the two plain columns)."""
    from django.contrib.postgres.indexes import GistIndex

    return GistIndex(F("location"), F("term_group"), overlap_period(), condition=OVERLAP_CANDIDATES, name=name)


class OverlapIndexes(Operation):
    """Makes the overlap indexes on PostgreSQL (SQLite has no GiST: its check reads the place's B-tree index).

    An operation of its own rather than ``Meta.indexes``, where SQLite would be asked for a GiST index."""

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def _each(self, app_label, schema_editor, to_state, action):
        if schema_editor.connection.vendor != "postgresql":
            return
        for model_name, name in OVERLAP_INDEX_NAMES.items():
            action(to_state.apps.get_model(app_label, model_name), overlap_index(name))

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._each(app_label, schema_editor, to_state, schema_editor.add_index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._each(app_label, schema_editor, from_state, schema_editor.remove_index)

    def describe(self):
        return "Create the double-count overlap indexes (PostgreSQL)"


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
        indexes = [
            models.Index(fields=["kind", "second_id"], name="doublecount_second_idx"),
            # the latest finding and decision, each the end of an index for the data version (tracker.reporting.cache)
            models.Index(fields=["found_at"], name="doublecount_found_idx"),
            models.Index(fields=["decided_at"], name="doublecount_decided_idx"),
        ]

    def __str__(self) -> str:
        return f"Possible double count: {self.kind} #{self.first_id} and #{self.second_id}"

    @property
    def is_resolved(self) -> bool:
        return self.decided_at is not None

    def other_id(self, figure_id: int) -> int:
        return self.second_id if figure_id == self.first_id else self.first_id
