"""``manage.py send_digests``: each due digest mailed once with what changed, empty ones skipped, ended keys too."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests.api.conftest import make_key
from tests.api.feeds import administrator, save_query
from tests.factories import DisplacementFigureFactory, SourceFactory
from tracker import services
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, SavedQuery


def send() -> str:
    out = StringIO()
    call_command("send_digests", stdout=out)
    return out.getvalue()


def backdate(saved_query: SavedQuery, days: int) -> None:
    """As if the previous digest had gone ``days`` ago."""
    SavedQuery.objects.filter(pk=saved_query.pk).update(digest_through=timezone.now() - timedelta(days=days))


def figure(places, minutes_ago: int = 10, **fields):
    """An approved figure changed ``minutes_ago`` (a digest takes changes up to a minute before it runs)."""
    fields.setdefault("review_status", ReviewStatus.APPROVED)
    record = DisplacementFigureFactory(location=places.baghouz, **fields)
    DisplacementFigure.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(minutes=minutes_ago))
    return record


@pytest.fixture
def key(db):
    return make_key(client="Relief NGO")[0]


def test_a_due_digest_is_sent_once_with_what_changed(places, key):
    saved_query, _ = save_query(administrator(), api_key=key, digest="daily", email="data@relief.example")
    backdate(saved_query, 1)
    shown = figure(places)
    figure(places, review_status=ReviewStatus.DRAFT)  # never the key's business
    secret = figure(places, source=SourceFactory(is_confidential=True))

    output = send()
    assert f"Sent to data@relief.example: Baghouz follow-up (#{saved_query.pk}), 1 change(s)." in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["data@relief.example"]
    assert message.subject.startswith("Baghouz follow-up: 1 change since ")
    assert "Displacement figure: 1,000 fled, Baghouz, 2019-03-03 to 2019-03-10" in message.body
    assert f"http://localhost:8000/api/v1/displacement-figures/{shown.pk}/" in message.body
    assert f"/displacement-figures/{secret.pk}/" not in message.body

    assert "0 digest(s) sent" in send()  # at once again: not due
    assert len(mail.outbox) == 1
    saved_query.refresh_from_db()
    assert saved_query.digest_sent_at is not None


def test_a_digest_holds_only_what_changed_since_the_last_and_withdrawals(places, key, reviewer):
    saved_query, _ = save_query(administrator(), api_key=key, digest="weekly", email="data@relief.example")
    old = figure(places, minutes_ago=60 * 24 * 10)
    backdate(saved_query, 7)
    assert "No changes, not sent" in send()  # due, but nothing changed in the week: no mail
    assert mail.outbox == []
    saved_query.refresh_from_db()
    assert saved_query.digest_sent_at is None and saved_query.digest_through > timezone.now() - timedelta(minutes=2)
    backdate(saved_query, 7)
    services.claim_update(old, changed_by=reviewer, data={"is_confidential": True})
    DisplacementFigure.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    send()
    assert len(mail.outbox) == 1
    assert f"Displacement figure #{old.pk} withdrawn" in mail.outbox[0].body
    assert old.excerpt not in mail.outbox[0].body


def test_weekly_digests_wait_a_week(places, reviewer):
    saved_query, _ = save_query(reviewer, digest="weekly")
    assert saved_query.email == reviewer.email  # the owner's address by default
    backdate(saved_query, 3)
    figure(places)
    assert "0 digest(s) sent, 0 without changes" in send()
    backdate(saved_query, 7)
    assert "1 digest(s) sent" in send()
    assert mail.outbox[0].to == [reviewer.email]


def test_a_revoked_keys_digest_is_skipped(places, key):
    saved_query, _ = save_query(administrator(), api_key=key, digest="daily", email="data@relief.example")
    backdate(saved_query, 1)
    figure(places)
    services.api_key_revoke(key=key, user=None)
    output = send()
    assert "Skipped: Baghouz follow-up" in output and "revoked" in output
    assert mail.outbox == []


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                   EMAIL_PORT=9, EMAIL_TIMEOUT=2)
def test_a_refused_digest_stays_due_and_the_command_fails(places, reviewer):
    saved_query, _ = save_query(reviewer, digest="daily")
    backdate(saved_query, 1)
    figure(places)
    with pytest.raises(CommandError, match="stay due"):
        send()
    before = saved_query.digest_through
    saved_query.refresh_from_db()
    assert saved_query.digest_sent_at is None and saved_query.digest_through != before
    assert services.digests_send()[0].outcome == "failed"  # still due
