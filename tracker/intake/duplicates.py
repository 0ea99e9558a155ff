"""Finding a source's near duplicates (a wire story reprinted under another URL) from the stored bands."""

from __future__ import annotations

from django.db.models import Q

from tracker.intake.signatures import NEAR_DUPLICATE_THRESHOLD, bands, signature, similarity
from tracker.models import Source, SourceSignatureBand


def near_duplicates(
    text_or_signature: str | bytes | memoryview | None,
    *,
    exclude: Source | int | None = None,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    queryset=None,
) -> list[tuple[Source, float]]:
    """Sources whose text is at least ``threshold`` similar, most similar first.

    Candidates are the sources sharing a band with the signature (one query on the indexed bands); their
    stored signatures then estimate the similarity. ``queryset`` narrows the sources (a caller's view).
    """
    if text_or_signature is None:
        return []
    sig = signature(text_or_signature) if isinstance(text_or_signature, str) else bytes(text_or_signature)
    if not sig:
        return []
    matching = Q()
    for band, value in bands(sig):
        matching |= Q(band=band, value=value)
    candidates = (queryset if queryset is not None else Source.objects.all()).filter(
        pk__in=SourceSignatureBand.objects.filter(matching).values("source_id"), text_signature__isnull=False,
    ).select_related("publisher")
    if exclude is not None:
        candidates = candidates.exclude(pk=getattr(exclude, "pk", exclude))
    found = [(source, similarity(sig, source.text_signature)) for source in candidates]
    found = [(source, score) for source, score in found if score >= threshold]
    return sorted(found, key=lambda pair: (-pair[1], pair[0].pk))
