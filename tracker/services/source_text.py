"""A source's stored text: the one place that normalises it, signs it and schedules its drop.

``reference_create``, ``reference_update`` and the intake service call these, so that every door that
stores text (admin, API, intake, shell) stores it in the same form with a current signature.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tracker.choices import IntakeFormat
from tracker.intake.signatures import bands, signature
from tracker.models import Source, SourceSignatureBand
from tracker.rules.normalise import normalise_stored_text


def prepare_source_text(source: Source, previous: Source | None = None) -> bool:
    """Normalise the text and, when it changed, sign it; schedule its drop when its licence forbids keeping it.

    Returns whether the text changed (then the bands must be written after the save: ``write_bands``).
    """
    source.text = normalise_stored_text(source.text or "")
    changed = previous is None or normalise_stored_text(previous.text or "") != source.text
    if not changed:
        # The same text (a form sends it back with CRLF line ends): stored as it was, so that the offsets of
        # its records, counted in it, stay right even for a text stored before this normal form.
        source.text = previous.text
    if source.text:
        if changed:
            source.text_signature = signature(source.text)
            source.intake_format = source.intake_format or IntakeFormat.PASTED
            source.text_dropped_at = None  # a text given again after a drop is held again
        if source.text_may_be_kept:
            source.text_drop_after = None
        elif changed or source.text_drop_after is None:
            source.text_drop_after = timezone.now() + timedelta(hours=settings.SOURCE_TEXT_WORKING_HOURS)
    else:
        source.text_drop_after = None
        if changed and previous is not None and previous.text and not source.text_dropped_at:
            source.text_signature = None  # the text was removed by an edit, not dropped: nothing to compare
    return changed


def write_bands(source: Source) -> None:
    """Replace the source's signature bands with those of its current signature (none without one)."""
    SourceSignatureBand.objects.filter(source=source).delete()
    if source.text_signature:
        SourceSignatureBand.objects.bulk_create(
            SourceSignatureBand(source=source, band=band, value=value) for band, value in bands(source.text_signature)
        )
