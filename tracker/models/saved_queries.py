"""Following changes: a list filter saved under a name, read as a private Atom feed and, if chosen, a digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tracker.models.access import ApiKey


class SavedQueryResource(models.TextChoices):
    """The lists a saved query may follow: the API's resource names (``tracker.api.resources``)."""

    SOURCES = "sources", "Sources"
    ORGANIZATIONS = "organizations", "Organizations"
    LOCATIONS = "locations", "Places"
    EVENTS = "events", "Events"
    DISPLACEMENT_FIGURES = "displacement-figures", "Displacement figures"
    SURRENDERS = "surrenders", "Surrender figures"
    AID_CAPACITY = "aid-capacity", "Aid capacity reports"


class DigestFrequency(models.TextChoices):
    NONE = "none", "No email"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class SavedQuery(models.Model):
    """A named list filter (a resource and the query string of its filters) that somebody follows.

    Made by staff, for themselves (it then sees what its owner sees) or on an NGO API key's behalf (it then sees
    what that key sees, read from the key at every use: a revoked or expired key's queries see nothing). Its feed
    is read at a private URL holding a token that reads this query and nothing else: only the token's SHA-256 and
    its first characters (for lookup) are stored; revoking blanks them, rotating makes a new token.
    """

    name = models.CharField(max_length=200)
    resource = models.CharField(max_length=30, choices=SavedQueryResource.choices)
    query = models.CharField(
        max_length=2000, blank=True,
        help_text="The list's filters as in its URL, e.g. location=SY09&category=flow (checked by that list's "
        "filters, for the audience the query reads as).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_queries",
        help_text="The staff account that made it.",
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="saved_queries",
        verbose_name="API key",
        help_text="Read on this NGO key's behalf, with what the key sees; empty: with what the owner sees.",
    )
    token_prefix = models.CharField(max_length=12, blank=True, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    digest = models.CharField(max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.NONE)
    email = models.EmailField(blank=True, help_text="Where the digest goes; by default the owner's address.")
    digest_through = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Changes up to this time have been digested.",
    )
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who made, changed, rotated or revoked a feed, and when; never the token's hash.
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "saved query"
        verbose_name_plural = "saved queries"
        constraints = [
            models.CheckConstraint(
                condition=Q(digest=DigestFrequency.NONE) | ~Q(email=""),
                name="%(app_label)s_%(class)s_digest_has_email",
                violation_error_message="A digest needs an email address.",
            ),
            models.CheckConstraint(
                condition=Q(token_prefix="", token_hash="") | (~Q(token_prefix="") & ~Q(token_hash="")),
                name="%(app_label)s_%(class)s_token_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def feed_active(self) -> bool:
        return bool(self.token_hash)
