"""Saved queries: made, changed, deleted, their feed tokens made, rotated and revoked, by every door (the admin,
``/api/v1/saved-queries/``, the shell), and what changed under one (its feed and its digest read the same).

Who a saved query reads as is decided at every use, never copied: on an NGO key's behalf, what that key sees now
(``key_audience``: its confidential scope as it is; nobody once the key is revoked or expired, and a deleted key
takes its queries with it); for its owner, what the owner sees while an active staff account allowed to view the
resource. The list's own FilterSet checks the filters, for that audience, so a filter a list refuses is refused
here too, on the ``query`` field.

Feed tokens are 256 random bits (``secrets``), shown once; only their SHA-256 and first characters are stored. A
token reads its own query's feed and is no credential anywhere else: the API's authentication knows only API keys,
personal tokens and sessions.

``user=None`` is the shell or a command: whoever holds the server holds every permission.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from tracker import filtersets
from tracker.audience import Audience, key_audience
from tracker.choices import ReviewStatus
from tracker.models import (
    AidCapacityReport,
    ApiKey,
    Claim,
    DigestFrequency,
    SavedQuery,
    SavedQueryResource,
    Source,
    Tombstone,
)
from tracker.services.common import has_permission, require_permission, save_with_history

#: each resource a saved query may follow, and the FilterSet its list uses (tests/feeds check it is the API's)
FILTERSETS: dict[str, type[filtersets.StrictFilterSet]] = {
    SavedQueryResource.SOURCES: filtersets.SourceFilterSet,
    SavedQueryResource.ORGANIZATIONS: filtersets.OrganizationFilterSet,
    SavedQueryResource.LOCATIONS: filtersets.LocationFilterSet,
    SavedQueryResource.EVENTS: filtersets.EventFilterSet,
    SavedQueryResource.DISPLACEMENT_FIGURES: filtersets.DisplacementFigureFilterSet,
    SavedQueryResource.SURRENDERS: filtersets.SurrenderFigureFilterSet,
    SavedQueryResource.AID_CAPACITY: filtersets.AidCapacityReportFilterSet,
}
#: list parameters a saved query cannot hold: it is read as changes, newest first, whole
NOT_SAVED = {
    "format": "a feed is Atom and a digest is email",
    "cursor": "a feed starts from the newest change",
    "page_size": "a feed holds the latest 50 changes",
    "ordering": "changes come newest first",
    "updated_since": "a feed and a digest follow changes themselves",
}
#: what each kind of record selects with it for its title and summary
RELATED: dict[type, tuple[str, ...]] = {
    Source: ("publisher",),
}
UPDATABLE = ("name", "resource", "query", "digest", "email")
FEED_ENTRIES = 50
MANAGE_KEYS = "tracker.change_apikey"

TOKEN_BYTES = 32
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) gives
PREFIX_LENGTH = 8


# --- who a saved query reads as -----------------------------------------------------------------


def model_of(resource: str) -> type[models.Model]:
    return FILTERSETS[resource]._meta.model


def saved_query_audience(saved_query: SavedQuery) -> Audience:
    """What the query sees now: its key's current audience, or its owner's; nobody when either has gone."""
    if saved_query.api_key_id is not None:
        key = ApiKey.objects.filter(pk=saved_query.api_key_id).first()  # read now: scope and revocation as they are
        if key is None or key.revoked or key.has_expired:
            return Audience.NOBODY
        return key_audience(key)
    owner = saved_query.owner
    model = model_of(saved_query.resource)
    if owner.is_active and owner.is_staff and owner.has_perm(f"tracker.view_{model._meta.model_name}"):
        return Audience.STAFF
    return Audience.NOBODY


def checking_audience(api_key: ApiKey | None) -> Audience:
    """The audience a query's filters are checked for when it is saved: its key's, or staff's (its owner)."""
    return key_audience(api_key) if api_key is not None else Audience.STAFF


def _query_data(query: str) -> QueryDict:
    return QueryDict(query, mutable=False)


def clean_query_text(query: str) -> str:
    """The query string as stored: a pasted list URL gives its query; a leading '?' and spaces go."""
    text = (query or "").strip()
    if "?" in text:
        text = text.split("?", 1)[1] if urlsplit(text).scheme or text.startswith("/") else text.lstrip("?")
    return text.strip()


def query_errors(resource: str, query: str, audience: Audience) -> list[str]:
    """Why the list would refuse ``query`` for ``audience`` (its own FilterSet's messages), or nothing."""
    filterset_class = FILTERSETS.get(resource)
    if filterset_class is None:
        return []  # the resource field itself says what is wrong
    data = _query_data(query)
    errors = [f"{name}: a saved query cannot hold it ({why})." for name, why in NOT_SAVED.items() if name in data]
    model = filterset_class._meta.model
    filterset = filterset_class(data, model.objects.visible_to(audience), audience=audience)
    if not filterset.is_valid():
        errors += [f"{name}: {message}" for name, messages in filterset.errors.items() for message in messages
                   if name not in NOT_SAVED]
    return errors


def _filtered(saved_query: SavedQuery, queryset: models.QuerySet, audience: Audience) -> models.QuerySet:
    filterset = FILTERSETS[saved_query.resource](_query_data(saved_query.query), queryset, audience=audience)
    if not filterset.is_valid():
        raise ValidationError({"query": [f"{name}: {message}" for name, messages in filterset.errors.items()
                                         for message in messages]})
    return filterset.qs


# --- writes -------------------------------------------------------------------------------------


def _require_manage(user: AbstractBaseUser | None, saved_query: SavedQuery, perm: str, action: str) -> None:
    """Its owner, or whoever manages NGO keys, holding ``perm``."""
    if user is None:
        return
    require_permission(user, perm, action)
    if saved_query.owner_id != user.pk and not has_permission(user, MANAGE_KEYS):
        raise PermissionDenied(f"You may not {action}: it is {saved_query.owner}'s.")


def _check_key(key: ApiKey | None) -> None:
    if key is not None and (key.revoked or key.has_expired):
        raise ValidationError({"api_key": "This key is revoked or expired: its queries would see nothing."})


def _issue_token(saved_query: SavedQuery) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    saved_query.token_prefix = token[:PREFIX_LENGTH]
    saved_query.token_hash = token_hash(token)
    saved_query.token_created_at = timezone.now()
    return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_path(token: str) -> str:
    """The path of the feed a token reads (``/feeds/<token>/``)."""
    return reverse("saved-query-feed", args=[token])


def _validate(saved_query: SavedQuery, audience: Audience) -> None:
    errors: dict[str, list[str]] = {}
    try:
        saved_query.full_clean()
    except ValidationError as error:
        errors = error.message_dict
    if "resource" not in errors and "query" not in errors:
        found = query_errors(saved_query.resource, saved_query.query, audience)
        if found:
            errors["query"] = found
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def saved_query_create(
    *, user: AbstractBaseUser | None, name: str, resource: str, query: str = "", api_key: ApiKey | None = None,
    digest: str = DigestFrequency.NONE, email: str = "", owner: AbstractBaseUser | None = None,
) -> tuple[SavedQuery, str]:
    """A new saved query and its feed token; returns the row and the token, which is shown once and never stored.

    ``api_key``: read on that key's behalf (needs the permission to manage keys); otherwise as its owner (``user``).
    """
    if user is not None:
        require_permission(user, "tracker.add_savedquery", "make saved queries")
        if api_key is not None:
            require_permission(user, MANAGE_KEYS, "make saved queries on an NGO key's behalf")
    owner = owner or user
    if owner is None:
        raise ValidationError({"owner": "A saved query needs an owner (a staff account)."})
    _check_key(api_key)
    saved_query = SavedQuery(name=(name or "").strip(), resource=resource, query=clean_query_text(query),
                             owner=owner, api_key=api_key, digest=digest or DigestFrequency.NONE,
                             email=(email or "").strip())
    if saved_query.digest != DigestFrequency.NONE:
        saved_query.email = saved_query.email or owner.email
        saved_query.digest_through = timezone.now()
    _validate(saved_query, checking_audience(api_key))
    token = _issue_token(saved_query)
    save_with_history(saved_query, user=user, reason="Created")
    return saved_query, token


@transaction.atomic
def saved_query_update(*, saved_query: SavedQuery, user: AbstractBaseUser | None, data: dict[str, Any]) -> SavedQuery:
    """Change a saved query's name, list, filters or digest (not its key: make another query for that)."""
    current = SavedQuery.objects.select_for_update().select_related("owner").get(pk=saved_query.pk)
    _require_manage(user, current, "tracker.change_savedquery", "change this saved query")
    unknown = sorted(set(data) - set(UPDATABLE))
    if unknown:
        raise ValidationError({name: "Not changed here: make another saved query." if name in ("api_key", "owner")
                               else "Not a changeable field of a saved query." for name in unknown})
    data = dict(data)
    if "query" in data:
        data["query"] = clean_query_text(data["query"])
    changes = {name: value for name, value in data.items() if getattr(current, name) != value}
    if not changes:
        return current
    digest_was = current.digest
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) and name in ("name", "email") else value)
    if current.digest != DigestFrequency.NONE:
        current.email = current.email or current.owner.email
        if digest_was == DigestFrequency.NONE:
            current.digest_through = timezone.now()  # a digest starts with what changes from now
    if current.api_key_id is not None and not saved_query_audience(current).sees_anything:
        raise ValidationError({"api_key": "This key is revoked or expired: delete the saved query instead."})
    _validate(current, checking_audience(current.api_key))
    save_with_history(current, user=user, reason="Changed " + ", ".join(sorted(changes)))
    return current


@transaction.atomic
def saved_query_delete(*, saved_query: SavedQuery, user: AbstractBaseUser | None) -> None:
    current = SavedQuery.objects.select_for_update().get(pk=saved_query.pk)
    _require_manage(user, current, "tracker.delete_savedquery", "delete this saved query")
    current._history_user = user
    current._change_reason = "Deleted"
    current.delete()


@transaction.atomic
def saved_query_rotate_token(*, saved_query: SavedQuery, user: AbstractBaseUser | None) -> tuple[SavedQuery, str]:
    """A new feed token (shown once); the old one stops working at once."""
    current = SavedQuery.objects.select_for_update().get(pk=saved_query.pk)
    _require_manage(user, current, "tracker.change_savedquery", "rotate this saved query's feed")
    token = _issue_token(current)
    save_with_history(current, user=user, reason="Feed token rotated")
    return current, token


@transaction.atomic
def saved_query_revoke_token(*, saved_query: SavedQuery, user: AbstractBaseUser | None) -> SavedQuery:
    """The feed stops answering (404) until a new token is made by rotating."""
    current = SavedQuery.objects.select_for_update().get(pk=saved_query.pk)
    _require_manage(user, current, "tracker.change_savedquery", "revoke this saved query's feed")
    if not current.token_hash:
        return current
    current.token_prefix = current.token_hash = ""
    current.token_created_at = None
    save_with_history(current, user=user, reason="Feed token revoked")
    return current


def saved_query_for_token(token: str) -> SavedQuery | None:
    """The saved query whose live feed token this is, or None (compared in constant time)."""
    if not TOKEN_FORMAT.fullmatch(token or ""):
        return None
    digest = token_hash(token)
    for candidate in SavedQuery.objects.filter(token_prefix=token[:PREFIX_LENGTH]).select_related("owner"):
        if candidate.token_hash and hmac.compare_digest(candidate.token_hash, digest):
            return candidate
    return None


# --- what changed under a saved query -----------------------------------------------------------


class State(models.TextChoices):
    CURRENT = "current", "new or changed"
    WITHDRAWN = "withdrawn", "withdrawn"
    DELETED = "deleted", "deleted"


@dataclass(frozen=True)
class Change:
    """One entry of a feed or digest: a record as it is now, or the news that one left the query's view."""

    resource: str
    kind: str
    record_id: int
    at: datetime
    state: str
    record: models.Model | None = None
    public: bool = False  # shown on the public pages (its place's page)
    confidential: bool = False  # effectively confidential (only audiences that see such records get it)

    @property
    def version(self) -> int | None:
        return getattr(self.record, "version", None)


def seen_versions(model: type[models.Model], audience: Audience, record: str) -> models.QuerySet:
    """History rows of the record ``record`` (an outer column naming its id) that ``audience`` could see then.

    The visibility rule (``visible_to``) read on a version: a record's own review status and confidentiality as
    its history row holds them, and its source's confidentiality as the source's history held it at that time
    (a source with no history then, loaded from a fixture, counts as it is now).
    """
    condition = Q()
    if issubclass(model, Claim):
        condition &= Q(review_status=ReviewStatus.APPROVED)
    if not audience.sees_confidential and any(f.name == "is_confidential" for f in model._meta.concrete_fields):
        condition &= Q(is_confidential=False)
    versions = model.history.model.objects.filter(condition, id=OuterRef(record))
    if issubclass(model, Claim) and not audience.sees_confidential:
        source_then = Source.history.model.objects.filter(
            id=OuterRef("source_id"), history_date__lte=OuterRef("history_date"),
        ).order_by("-history_date", "-history_id").values("is_confidential")[:1]
        source_now = Source.objects.filter(pk=OuterRef("source_id")).values("is_confidential")[:1]
        versions = versions.annotate(
            source_secret=Coalesce(Subquery(source_then), Subquery(source_now), Value(True)),
        ).filter(source_secret=False)
    return versions


def _window(field: str, since: datetime | None, until: datetime | None) -> Q:
    condition = Q()
    if since is not None:
        condition &= Q(**{f"{field}__gt": since})
    if until is not None:
        condition &= Q(**{f"{field}__lte": until})
    return condition


def saved_query_changes(
    saved_query: SavedQuery, *, audience: Audience | None = None, since: datetime | None = None,
    until: datetime | None = None, limit: int = FEED_ENTRIES,
) -> list[Change]:
    """The latest ``limit`` changes under the query, newest first, within (``since``, ``until``].

    - every record the audience sees now that matches the filters, at its last change;
    - for audiences that do not see every row: records that match the filters, that the audience once saw (their
      history says so) and sees no longer (no longer approved, made confidential, hidden with their source), at
      the change that hid them: withdrawn;
    - deletions of the resource's rows (tombstones), for audiences that do not see every row only those of rows
      they once saw.

    A record that only stops matching the filters is not an entry. Raises ValidationError (on ``query``) when the
    stored filters no longer pass (a place named in them was deleted, a key lost the scope a filter needs).
    """
    audience = saved_query_audience(saved_query) if audience is None else audience
    if not audience.sees_anything:
        return []
    model = model_of(saved_query.resource)
    kind = model._meta.model_name
    resource = saved_query.resource
    current = _filtered(saved_query, model.objects.visible_to(audience), audience)
    current = current.filter(_window("updated_at", since, until)).order_by("-updated_at", "-id")
    if issubclass(model, Claim):
        related = ["location", "source"] + (["surrendering_group"] if hasattr(model, "surrendering_group") else [])
        related += ["provider"] if issubclass(model, AidCapacityReport) else []
        current = current.select_related(*related)
    elif model in RELATED:
        current = current.select_related(*RELATED[model])
    records = list(current[:limit])
    public = set(model.objects.visible_to(Audience.PUBLIC).filter(pk__in=[r.pk for r in records])
                 .values_list("pk", flat=True)) if records else set()
    confidential = set()
    if records and audience.sees_confidential and model.objects.visibility(Audience.KEY) is not None:
        # approved but effectively confidential: what a key with the scope sees and one without does not
        ids = [r.pk for r in records]
        confidential = set(model.objects.visible_to(Audience.CONFIDENTIAL_KEY).filter(pk__in=ids)
                           .values_list("pk", flat=True)) - set(model.objects.visible_to(Audience.KEY)
                                                               .filter(pk__in=ids).values_list("pk", flat=True))
    changes = [Change(resource, kind, r.pk, r.updated_at, State.CURRENT, r, r.pk in public, r.pk in confidential)
               for r in records]
    if audience is Audience.STAFF:
        tombstones = Tombstone.objects.filter(kind=kind)
    else:
        if model.objects.visibility(audience) is not None:
            seen = seen_versions(model, audience, "pk")
            hidden = _filtered(saved_query, model.objects.hidden_from(audience), audience).filter(
                Exists(seen), _window("updated_at", since, until)).order_by("-updated_at", "-id")
            changes += [Change(resource, kind, pk, at, State.WITHDRAWN)
                        for pk, at in hidden.values_list("pk", "updated_at")[:limit]]
        seen = seen_versions(model, audience, "record_id")
        tombstones = Tombstone.objects.filter(kind=kind).filter(Exists(seen))
    tombstones = tombstones.filter(_window("deleted_at", since, until)).order_by("-deleted_at", "-record_id")
    changes += [Change(resource, kind, pk, at, State.DELETED)
                for pk, at in tombstones.values_list("record_id", "deleted_at")[:limit]]
    changes.sort(key=lambda change: (change.at, change.record_id), reverse=True)
    return changes[:limit]
