"""What the schemathesis runs share: approved data to find, and a token, over the real WSGI handler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from knox.models import AuthToken


def seed_approved_records(source, location) -> dict:
    """One approved record of each kind, so that generated ids and filters meet data; with the source, the place,
    the publisher and an event, by the API resource each belongs to."""
    from tests.factories import (
        AidCapacityReportFactory,
        DisplacementFigureFactory,
        EventFactory,
        SurrenderFigureFactory,
    )

    event = EventFactory()
    records = {"sources": source, "locations": location, "organizations": source.publisher, "events": event}
    for resource, factory in (("displacement-figures", DisplacementFigureFactory), ("surrenders",
                              SurrenderFigureFactory), ("aid-capacity", AidCapacityReportFactory)):
        records[resource] = factory(source=source, location=location, event=event, review_status="approved")
    return records


@contextmanager
def token_headers(user) -> Iterator[dict[str, str]]:
    """Authorization headers for ``user``, with rate limits off.

    Requests go through the real WSGI handler, whose request signals would close the test's database
    connection (and its transaction) on PostgreSQL; Django's own test client disconnects them the same way.
    """
    _, token = AuthToken.objects.create(user=user)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with override_settings(API_THROTTLE_RATES={}):
            yield {"Authorization": f"Token {token}"}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
