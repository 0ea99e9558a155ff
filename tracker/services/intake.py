"""Sources from pasted text or an uploaded file, their near duplicates, and dropping texts not to be kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker.intake import IntakeError, IntakeText, Upload, near_duplicates, read_pasted, read_upload, signature
from tracker.models import Organization, Source
from tracker.services.common import WorkflowError, require_permission, save_with_history
from tracker.services.reference import source_create
from tracker.services.source_text import write_bands

#: the Source fields an intake form may give; anything else is refused by name
INTAKE_FIELDS = frozenset({
    "title", "url", "publisher", "publication_date", "kind", "language", "dateline", "archive_url", "accessed_on",
    "is_confidential", "notes", "text_may_be_kept", "author",
})
REASON_TEXT_DROPPED = "Text dropped: its licence does not allow keeping it"


@dataclass
class IntakeResult:
    source: Source
    near_duplicates: list[tuple[Source, float]] = field(default_factory=list)


def publisher_named(site: str) -> Organization | None:
    """The organization whose name, acronym or alias is the site's name (case aside), if exactly one is."""
    site = (site or "").strip()
    if not site:
        return None
    matches = list(Organization.objects.filter(
        Q(name__iexact=site) | Q(acronym__iexact=site) | Q(aliases__name__iexact=site)
    ).distinct()[:2])
    return matches[0] if len(matches) == 1 else None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_intake(*, text: str | None = None, upload: Upload | tuple | None = None) -> IntakeText:
    """The text from exactly one of pasted text or an upload; ValidationError naming the field otherwise."""
    if upload is not None and not isinstance(upload, Upload):
        upload = Upload(*upload)
    has_text = text is not None and text.strip() != ""
    if upload is not None and has_text:
        raise ValidationError({"file": "Upload a file or paste the text, not both."})
    if upload is None and not has_text:
        raise ValidationError({"text": "Paste the article's text or upload its file (HTML, PDF or text)."})
    try:
        return read_upload(upload.data, upload.filename, upload.content_type) if upload else read_pasted(text)
    except IntakeError as error:
        raise ValidationError({error.field: error.message}) from error


def fields_from_intake(intake: IntakeText, fields: dict[str, Any]) -> dict[str, Any]:
    """The form's non-empty fields, completed from the file's metadata; ValidationError naming what is missing.

    Title, publication date, author, URL and language come from the file where the form left them empty;
    the publisher is the organization the page's site name names (name, acronym or alias).
    """
    data = {name: value for name, value in fields.items() if not _empty(value)}
    for name in ("title", "publication_date", "author", "url", "language"):
        found = getattr(intake, name)
        if name not in data and not _empty(found):
            data[name] = found
    errors = {}
    if "publisher" not in data:
        publisher = publisher_named(intake.site)
        if publisher is not None:
            data["publisher"] = publisher
        elif intake.site:
            errors["publisher"] = (f'Choose the publisher: the page names its site "{intake.site}", '
                                   "which matches no organization's name, acronym or alias.")
        else:
            errors["publisher"] = "Choose the publisher: the file does not name one."
    if "title" not in data:
        errors["title"] = "Give the title: the file does not state one."
    if "publication_date" not in data:
        errors["publication_date"] = "Give the publication date: the file does not state one."
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def source_intake(
    *,
    created_by: AbstractBaseUser,
    text: str | None = None,
    upload: Upload | tuple | None = None,
    fields: dict[str, Any] | None = None,
    co_credited: Iterable[Organization] = (),
    instance: Source | None = None,
) -> IntakeResult:
    """Create a source from pasted text or an uploaded file, through ``source_create``.

    The form's fields win; where it left the title, publication date, author, URL or language empty, the
    file's metadata fills them, and the page's site name is matched to a publisher. The text is stored
    normalised and signed; exact duplicates (hash or URL) are refused by the model's rules; the result
    lists the near duplicates already stored. Nothing is saved when anything is refused. ``instance``: an
    unsaved source to fill and store (an admin form's), instead of a new one.
    """
    require_permission(created_by, "tracker.add_source", "add sources")
    fields = dict(fields or {})
    unknown = sorted(set(fields) - INTAKE_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    intake = read_intake(text=text, upload=upload)
    data = fields_from_intake(intake, fields)
    source = instance if instance is not None else Source()
    for name, value in data.items():
        setattr(source, name, value)
    source.text = intake.text
    source.intake_format = intake.format
    source_create(source, created_by=created_by, co_credited=co_credited)
    return IntakeResult(source=source, near_duplicates=near_duplicates(source.text_signature, exclude=source))


@transaction.atomic
def source_text_drop(source: Source, *, dropped_by: AbstractBaseUser | None, reason: str = REASON_TEXT_DROPPED,
                     check_permission: bool = True) -> Source:
    """Drop a source's stored text, keeping its hash, its signature and bands, and its records' excerpts and offsets.

    The drop is recorded in history (the text never is). The scheduled drop (``source_texts_drop_due``) runs
    without a user: the licence, not a person, decides it.
    """
    if check_permission:
        require_permission(dropped_by, "tracker.change_source", "drop a source's text")
    current = Source.objects.select_for_update().get(pk=source.pk)
    if not current.text:
        raise WorkflowError(f"Source #{current.pk} has no stored text to drop.")
    current.text = ""
    current.text_dropped_at = timezone.now()
    current.text_drop_after = None
    save_with_history(current, user=dropped_by, reason=reason)
    source.refresh_from_db()
    return current


def source_texts_drop_due(*, dropped_by: AbstractBaseUser | None = None, now=None) -> list[Source]:
    """Drop every text whose licence does not allow keeping it and whose working time is over."""
    due = Source.objects.filter(text_drop_after__lte=now or timezone.now(), text_may_be_kept=False).exclude(text="")
    return [
        source_text_drop(source, dropped_by=dropped_by, check_permission=False,
                         reason=f"{REASON_TEXT_DROPPED} (working time over)")
        for source in due.order_by("pk")
    ]


@transaction.atomic
def source_sign(source: Source) -> Source:
    """(Re)compute a source's signature from its text (or its bands from the kept signature after a drop).

    The signature is derived and kept out of history, so it is written without a new version.
    """
    if source.text:
        source.text_signature = signature(source.text)
        Source.objects.filter(pk=source.pk).update(text_signature=source.text_signature)
    write_bands(source)
    return source
