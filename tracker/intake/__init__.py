"""Intake: a source's text from pasted text, an HTML page or a PDF, and its near duplicates.

Reading is pure (``reading``); the MinHash signature and its bands are pure (``signatures``);
``near_duplicates`` reads the stored bands. Writes go through ``tracker.services.intake``.
"""

from tracker.intake.duplicates import near_duplicates
from tracker.intake.reading import IntakeError, IntakeText, Upload, read_pasted, read_upload, sniff_format
from tracker.intake.signatures import NEAR_DUPLICATE_THRESHOLD, bands, signature, similarity

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "IntakeError",
    "IntakeText",
    "Upload",
    "bands",
    "near_duplicates",
    "read_pasted",
    "read_upload",
    "signature",
    "similarity",
    "sniff_format",
]
