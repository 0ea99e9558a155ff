"""What sync clients need to know that the tables no longer hold: deleted rows."""

from __future__ import annotations

from django.db import models


class Tombstone(models.Model):
    """A row that was deleted: its kind (model name), its id and when.

    Written by the services that delete (a draft's deletion, a reference row's
    deletion, an organization merged into another), and read by
    ``/api/v1/deletions/`` so that clients mirroring the data drop it too.
    """

    kind = models.CharField(max_length=40, help_text="The model name: displacementfigure, source, organization...")
    record_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["deleted_at", "kind", "record_id"]
        indexes = [models.Index(fields=["deleted_at", "kind", "record_id"], name="tombstone_sync_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.record_id} deleted {self.deleted_at:%Y-%m-%d %H:%M}"
