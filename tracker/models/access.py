"""Who may read the data API without an account: NGO clients holding an API key."""

from __future__ import annotations

from django.db import models
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords


class ApiKey(AbstractAPIKey):
    """An NGO client's key to the read-only data API.

    Only a hash is stored (``prefix.hash``); the key itself is shown once, when it
    is made (``manage.py create_api_key`` or the admin). A key may expire and can be
    revoked (for good). It sees approved records that are not effectively
    confidential, unless it carries the confidential scope.
    """

    client = models.CharField(max_length=200, help_text="The organization that holds the key (an NGO's name).")
    confidential_scope = models.BooleanField(
        default=False,
        help_text="Also sees confidential records and records from confidential sources. Off unless agreed.",
    )
    # Who made, scoped, renamed, revoked or changed the expiry of a key, and when. Like the key's row, history
    # holds its id (prefix and hash), never the key itself.
    history = HistoricalRecords(excluded_fields=["hashed_key"])

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        permissions = [
            # More than change_apikey: the scope shows confidential records to an outside organization.
            ("grant_confidential_scope", "Can grant an API key the confidential scope"),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.name} ({self.prefix})"
