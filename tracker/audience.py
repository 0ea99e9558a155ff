"""Who is looking: the one vocabulary every door uses to decide what a caller may see.

The rule itself lives on the querysets (``visible_to``): ``ClaimQuerySet``,
``SourceQuerySet`` and ``VisibleQuerySet`` for the rest. A door only works out
its caller's audience (``tracker.api.access.audience_of`` for the API, the pages
use ``PUBLIC``) and asks the queryset. Anything that cannot tell who is asking
gets ``NOBODY`` and sees nothing: the rule fails closed.
"""

from __future__ import annotations

import enum


class Audience(enum.Enum):
    NOBODY = "nobody"
    """No valid credentials: sees nothing."""
    PUBLIC = "public"
    """The public event and place pages: approved records that are not effectively confidential."""
    KEY = "key"
    """An NGO's API key: approved records that are not effectively confidential."""
    CONFIDENTIAL_KEY = "confidential_key"
    """An API key with the confidential scope: approved records, confidential ones included."""
    STAFF = "staff"
    """An active staff account (session or token): every record, as the admin shows it."""

    @property
    def sees_unapproved(self) -> bool:
        return self is Audience.STAFF

    @property
    def sees_confidential(self) -> bool:
        return self in (Audience.CONFIDENTIAL_KEY, Audience.STAFF)

    @property
    def sees_anything(self) -> bool:
        return self is not Audience.NOBODY


def key_audience(key) -> Audience:
    """What an API key sees, read from its row as it is now: the confidential scope or not."""
    return Audience.CONFIDENTIAL_KEY if key.confidential_scope else Audience.KEY
