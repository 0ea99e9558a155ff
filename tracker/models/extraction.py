"""What the extraction assistant proposed for a source, and what analysts decided about each proposal.

Proposals are kept after their decision: accepted ones link the record they became, rejected ones keep the
reason, and together they measure the assistant's precision and recall on real use (docs/intake.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tracker.choices import ProposalStatus, RejectReason


class ProposalKind(models.TextChoices):
    DISPLACEMENT = "displacement", "Displacement figure"
    SURRENDER = "surrender", "Surrender figure"
    AID_CAPACITY = "aid_capacity", "Aid capacity report"


class Proposal(models.Model):
    """One record the assistant read in a source's text: its fields as the assistant would fill them."""

    source = models.ForeignKey("tracker.Source", on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    fields = models.JSONField(help_text="The proposed record, with the field names of extract_records' JSON.")
    excerpt = models.TextField()
    excerpt_start = models.PositiveIntegerField()
    excerpt_end = models.PositiveIntegerField()
    confidence = models.FloatField()
    rules_version = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    reject_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The record an accepted proposal became: "<model name>:<id>", e.g. "displacementfigure:12".
    claim_model = models.CharField(max_length=30, blank=True)
    claim_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "excerpt_start", "id"]
        indexes = [models.Index(fields=["status", "decided_at"], name="tracker_proposal_decided")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(excerpt_start__lt=models.F("excerpt_end")), name="tracker_proposal_offsets"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ProposalStatus.REJECTED) | ~models.Q(reject_reason=""),
                name="tracker_proposal_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal #{self.pk}: {self.get_kind_display().lower()} from source #{self.source_id}"
