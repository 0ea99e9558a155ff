"""What a saved query's changes say (the feed's entries and the digest's lines, one wording), and sending the
digests that are due (``manage.py send_digests``, from cron).

A digest holds what changed under its query since the previous one, by the feed's rule
(``saved_query_changes``), up to a minute before it is sent (changes still being written go in the next one).
An empty digest is not sent: the check is recorded, so the next digest starts from it. Running the command twice
in a row sends nothing the second time: a daily digest is due a day after the last (less an hour, so that a cron
job running a little early still finds it due), a weekly one a week after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracker.audience import Audience
from tracker.models import AidCapacityReport, Claim, DigestFrequency, QuantifiedClaim, SavedQuery, Source
from tracker.services.saved_queries import Change, State, model_of, saved_query_audience, saved_query_changes

DIGEST_PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
DIGEST_EARLY = timedelta(hours=1)
DIGEST_MARGIN = timedelta(minutes=1)
DIGEST_ENTRIES = 200
EXCERPT_CHARACTERS = 300


# --- what an entry says -------------------------------------------------------------------------


def _period(record: Claim) -> str:
    if record.start_date == record.end_date:
        return f"{record.end_date:%Y-%m-%d}"
    return f"{record.start_date:%Y-%m-%d} to {record.end_date:%Y-%m-%d}"


def _figure(record: QuantifiedClaim) -> str:
    if record.reported_phrase:
        return record.reported_phrase
    return f"{record.best:,}" if record.best is not None else "an unknown number"


def change_title(change: Change) -> str:
    """A record's kind, figure, place and dates; for one that left the view, its kind, id and what happened."""
    model = model_of(change.resource)
    noun = model._meta.verbose_name
    if change.state != State.CURRENT:
        return f"{noun.capitalize()} #{change.record_id} {State(change.state).label}"
    record = change.record
    if isinstance(record, QuantifiedClaim):
        what = f"{_figure(record)} {record.get_term_display().lower()}"
    elif isinstance(record, AidCapacityReport):
        who = record.provider or record.provider_description
        what = f"{who}, {record.get_sector_display().lower()}, {record.get_strain_display().lower()}"
    elif isinstance(record, Source):
        return f"Source: {record.title} ({record.publisher}, {record.publication_date:%Y-%m-%d})"
    else:
        return f"{noun.capitalize()}: {record}"
    return f"{noun.capitalize()}: {what}, {record.location.name}, {_period(record)}"


def change_summary(change: Change, audience: Audience) -> str:
    model = model_of(change.resource)
    noun = model._meta.verbose_name
    when = f"{change.at:%Y-%m-%d %H:%M} UTC"
    if change.state == State.DELETED:
        return f"{noun.capitalize()} #{change.record_id} was deleted ({when}): drop it from your copy."
    if change.state == State.WITHDRAWN:
        return (f"{noun.capitalize()} #{change.record_id} was withdrawn ({when}): it is no longer published to this "
                "query's reader. Drop it from your copy.")
    record = change.record
    parts = [f"Changed {when}, version {change.version}."]
    if audience.sees_unapproved and isinstance(record, Claim):
        parts.append(f"Review: {record.get_review_status_display().lower()}.")
    if change.confidential:
        parts.append("Confidential: not for publication.")
    if isinstance(record, Claim):
        excerpt = record.excerpt if len(record.excerpt) <= EXCERPT_CHARACTERS else (
            record.excerpt[:EXCERPT_CHARACTERS].rsplit(" ", 1)[0] + " …")
        parts.append(f"Source: {record.source.title}. “{excerpt}”")
    return " ".join(parts)


def change_path(change: Change) -> str:
    """The record in the API (``/api/v1/<resource>/<id>/``)."""
    return reverse(f"api:{change.resource}-detail", args=[change.record_id])


def list_path(saved_query: SavedQuery) -> str:
    """The API list the query filters, with its filters (``/api/v1/<resource>/?<query>``)."""
    path = reverse(f"api:{saved_query.resource}-list")
    return f"{path}?{saved_query.query}" if saved_query.query else path


def change_public_path(change: Change) -> str | None:
    """The public page that shows the record (its place's), when it is shown there."""
    if change.state == State.CURRENT and change.public and isinstance(change.record, Claim):
        return reverse("pages:place", args=[change.record.location_id])
    return None


def change_id(change: Change, base_url: str) -> str:
    """A stable entry id: the record's API URL and its version, or what happened to it and when."""
    url = base_url.rstrip("/") + change_path(change)
    if change.state == State.CURRENT:
        return f"{url}#version-{change.version or change.at.isoformat()}"
    return f"{url}#{change.state}-{change.at.isoformat()}"


def entry_of(change: Change, audience: Audience, base_url: str) -> dict:
    base = base_url.rstrip("/")
    public = change_public_path(change)
    return {
        "title": change_title(change), "summary": change_summary(change, audience),
        "link": base + change_path(change), "public_link": base + public if public else None,
        "id": change_id(change, base), "at": change.at, "state": change.state,
    }


# --- digests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestResult:
    saved_query: SavedQuery
    outcome: str  # sent, empty, skipped
    changes: int = 0
    detail: str = ""


def digests_due(now: datetime) -> QuerySet:
    """Saved queries whose daily or weekly digest is due at ``now``."""
    due = Q()
    for frequency, period in DIGEST_PERIODS.items():
        last = Q(digest_through__isnull=True) | Q(digest_through__lte=now - period + DIGEST_EARLY)
        due |= Q(digest=frequency) & last
    return SavedQuery.objects.filter(due).order_by("id")


def digest_send(saved_query: SavedQuery, *, now: datetime | None = None, base_url: str | None = None) -> DigestResult:
    """Send one saved query's digest if it is due and holds changes; record how far it went."""
    now = now or timezone.now()
    base_url = base_url or settings.SITE_URL
    with transaction.atomic():
        current = digests_due(now).select_for_update().filter(pk=saved_query.pk).select_related("owner").first()
        if current is None:
            return DigestResult(saved_query, "skipped", detail="not due")
        audience = saved_query_audience(current)
        if not audience.sees_anything:
            return DigestResult(current, "skipped", detail="its key is revoked or expired, or its owner has no access")
        since = current.digest_through or current.created_at
        through = now - DIGEST_MARGIN
        try:
            changes = saved_query_changes(current, audience=audience, since=since, until=through,
                                          limit=DIGEST_ENTRIES + 1)
        except ValidationError as error:
            return DigestResult(current, "skipped", detail="its filters no longer pass: " + "; ".join(error.messages))
        if not changes:
            SavedQuery.objects.filter(pk=current.pk).update(digest_through=through)
            return DigestResult(current, "empty")
        shown = changes[:DIGEST_ENTRIES]
        context = {
            "saved_query": current, "since": since, "through": through, "more": len(changes) > DIGEST_ENTRIES,
            "entries": [entry_of(change, audience, base_url) for change in shown],
            "count": len(shown), "list_url": base_url.rstrip("/") + list_path(current),
        }
        subject = render_to_string("email/saved_query_digest_subject.txt", context).strip()
        body = render_to_string("email/saved_query_digest.txt", context)
        EmailMessage(subject, body, to=[current.email]).send()
        # Bookkeeping, not a change of the query: no history row for each digest.
        SavedQuery.objects.filter(pk=current.pk).update(digest_through=through, digest_sent_at=now)
        return DigestResult(current, "sent", changes=len(shown))


def digests_send(*, now: datetime | None = None, base_url: str | None = None) -> list[DigestResult]:
    """Every digest due now, each in a transaction of its own; one the mail server refuses stays due."""
    now = now or timezone.now()
    results = []
    for saved_query in digests_due(now):
        try:
            results.append(digest_send(saved_query, now=now, base_url=base_url))
        except OSError as error:  # the mail server refused or is down (smtplib's errors are OSErrors)
            results.append(DigestResult(saved_query, "failed", detail=str(error) or type(error).__name__))
    return results
