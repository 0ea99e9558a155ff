"""NGO API keys: made, changed and revoked here, by every door (the admin, ``create_api_key``, the shell).

Each change is saved with its author in the key's history. Two rules hold:

- Granting the confidential scope (at creation or later) needs the
  ``tracker.grant_confidential_scope`` permission (superusers and the
  Administrators group), beyond the permission to add or change keys: the scope
  shows confidential records to an outside organization.
- Revocation is for good: a revoked key is never changed again, nor un-revoked.

``user=None`` is the shell or a command run without ``--user``: whoever holds
the server holds every permission, and history records no account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tracker.models import ApiKey
from tracker.services.common import has_permission, require_permission, save_with_history

API_KEY_CHANGEABLE = ("client", "name", "confidential_scope", "expiry_date")
GRANT_SCOPE = "tracker.grant_confidential_scope"


def may_grant_confidential_scope(user: AbstractBaseUser | None) -> bool:
    """None is the shell; otherwise an active account holding the permission (superusers, Administrators)."""
    return user is None or has_permission(user, GRANT_SCOPE)


def _check_scope_grant(user: AbstractBaseUser | None, before: bool, after: bool) -> None:
    if after and not before and not may_grant_confidential_scope(user):
        raise PermissionDenied(
            "Only an administrator may grant the confidential scope: it shows confidential records to the key's "
            "holder."
        )


def _reason(changes: dict[str, tuple[Any, Any]]) -> str:
    parts = []
    if "confidential_scope" in changes:
        parts.append("Confidential scope " + ("granted" if changes["confidential_scope"][1] else "removed"))
    if "expiry_date" in changes:
        new = changes["expiry_date"][1]
        parts.append(f"Expiry set to {new:%Y-%m-%d %H:%M} UTC" if new else "Expiry removed")
    if "client" in changes or "name" in changes:
        parts.append("Renamed")
    return "; ".join(parts)[:100] or "Saved"


@transaction.atomic
def api_key_create(
    *, user: AbstractBaseUser | None, client: str, name: str = "", confidential_scope: bool = False,
    expiry_date: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key; returns the row and the key itself, which is shown once and never stored."""
    if user is not None:
        require_permission(user, "tracker.add_apikey", "make API keys")
    _check_scope_grant(user, False, confidential_scope)
    client = (client or "").strip()
    key = ApiKey(client=client, name=(name.strip() or f"{client} key")[:50], confidential_scope=confidential_scope,
                 expiry_date=expiry_date)
    raw = ApiKey.objects.assign_key(key)
    key.full_clean()
    save_with_history(key, user=user, reason="Created")
    return key, raw


@transaction.atomic
def api_key_update(*, key: ApiKey, user: AbstractBaseUser | None, data: dict[str, Any]) -> ApiKey:
    """Change a key's client, name, confidential scope or expiry (not its secret: make a new key for that)."""
    if user is not None:
        require_permission(user, "tracker.change_apikey", "change API keys")
    unknown = sorted(set(data) - set(API_KEY_CHANGEABLE))
    if unknown:
        raise ValidationError({name: "Not changed here (revoke with api_key_revoke)." if name == "revoked"
                               else "Not a changeable field of an API key." for name in unknown})
    current = ApiKey.objects.select_for_update().get(pk=key.pk)
    if current.revoked:
        raise ValidationError("This key is revoked, for good: make a new one instead.")
    changes = {name: (getattr(current, name), value) for name, value in data.items() if getattr(current, name) != value}
    if not changes:
        return current
    if "confidential_scope" in changes:
        _check_scope_grant(user, *changes["confidential_scope"])
    for name, (_, value) in changes.items():
        setattr(current, name, value)
    current.full_clean()
    save_with_history(current, user=user, reason=_reason(changes))
    return current


@transaction.atomic
def api_key_revoke(*, key: ApiKey, user: AbstractBaseUser | None, reason: str = "Revoked") -> ApiKey:
    """Revoke a key for good: every request with it is refused from now on."""
    if user is not None:
        require_permission(user, "tracker.change_apikey", "revoke API keys")
    current = ApiKey.objects.select_for_update().get(pk=key.pk)
    if current.revoked:
        return current
    current.revoked = True
    save_with_history(current, user=user, reason=reason[:100])
    return current
