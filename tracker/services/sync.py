"""What sync clients need after a delete: a tombstone naming the row that went."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tracker.models import Tombstone


def tombstone_write(instance: models.Model) -> Tombstone:
    """Record that ``instance`` is being deleted (call it in the deleting transaction, before ``delete()``)."""
    return Tombstone.objects.create(kind=instance._meta.model_name, record_id=instance.pk, deleted_at=timezone.now())
