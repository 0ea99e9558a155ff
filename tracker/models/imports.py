"""Spreadsheet imports: each upload, what it wrote, and the header mappings teams save for their next file.

An import batch keeps the uploaded file (so the analyst can preview, then confirm, then withdraw it) and one item
per row it created or updated, with the version it found: withdrawing the batch reads them back
(``tracker.services.imports``). History rows written by a batch carry its number in their reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    DISPLACEMENT = "displacement", "Displacement figures"
    SURRENDER = "surrender", "Surrender figures"
    AID_CAPACITY = "aid_capacity", "Aid capacity reports"
    SOURCE = "source", "Sources"
    LOCATION = "location", "Places"
    ORGANIZATION = "organization", "Organizations"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed, not written"
    COMMITTED = "committed", "Written"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ImportBatch(models.Model):
    """One uploaded file: previewed, then written in one transaction, and perhaps withdrawn as a whole."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    file = models.BinaryField(editable=False, help_text="The uploaded bytes, kept to confirm and to audit.")
    options = models.JSONField(default=dict, blank=True,
                               help_text="The header mapping, the day-first flag and the file source's publisher.")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    valid_rows_only = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True, help_text="Rows created, updated, unchanged and failed.")
    skipped_csv = models.TextField(blank=True, help_text="The rows left out, with their errors, as CSV.")
    source = models.ForeignKey("tracker.Source", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", help_text="The file itself, where its rows named no source.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.file_name} ({self.get_kind_display().lower()})"

    @property
    def reason(self) -> str:
        """The history reason of every row this batch writes."""
        return f"Imported (batch #{self.pk}, {self.file_name})"[:100]


class ImportItem(models.Model):
    """A row a batch created or updated, and the version it found (for an update) to go back to."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    model = models.CharField(max_length=40, help_text="The model's name: displacementfigure, location, ...")
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    prior_version = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(help_text="The version the batch left.")
    row = models.PositiveIntegerField(help_text="The file's row number.")

    class Meta:
        ordering = ["batch", "row", "id"]
        indexes = [models.Index(fields=["model", "object_id"], name="importitem_object_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model} #{self.object_id} (row {self.row})"


class ImportMapping(models.Model):
    """A team's own header, mapped once to one of our columns (or to nothing: ignored) for the next file."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    header = models.CharField(max_length=200, help_text="The team's header, compared without case or spaces.")
    column = models.CharField(max_length=100, blank=True, help_text="Our column; empty: ignore this column.")
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "header"]
        constraints = [models.UniqueConstraint(fields=["kind", "header"], name="tracker_importmapping_unique")]

    def __str__(self) -> str:
        return f"{self.header} → {self.column or '(ignored)'}"
