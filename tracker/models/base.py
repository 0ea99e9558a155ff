"""Audit fields every curated table carries."""

from django.conf import settings
from django.db import models


class Audited(models.Model):
    """Who made and last changed a row, when, and a version bumped on every save.

    The version is the optimistic lock: a write names the version it read and is
    refused when the row has moved on since.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # No index on who created or changed a row: nothing lists rows by their author at scale (the review
    # queues start from the status), and at a million records each such index cost every write and
    # seconds of every bulk load. Deleting an account scans instead, rarely.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def bump_version(self) -> None:
        """Derived column: a row saved again is a new version."""
        if not self._state.adding:
            self.version = (self.version or 0) + 1
