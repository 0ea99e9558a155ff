"""What every write service shares: validation, the audit columns, history and the optimistic lock."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models


class ConcurrentEditError(Exception):
    """The record changed since the editor read it: their save is refused, nothing is written."""

    def __init__(self, current: models.Model, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        who = getattr(current, "updated_by", None)
        super().__init__(
            f"{current._meta.verbose_name.capitalize()} #{current.pk} was changed by {who or 'someone else'} "
            f"(version {current.version}) after you opened version {expected_version}."
        )


class WorkflowError(ValidationError):
    """A review transition that its conditions refuse; the message says why."""


def has_permission(user: AbstractBaseUser | None, perm: str) -> bool:
    """An active account holding ``perm``: the one test every service's permission check makes."""
    return user is not None and user.is_active and user.has_perm(perm)


def require_permission(user: AbstractBaseUser | None, perm: str, action: str) -> None:
    if not has_permission(user, perm):
        raise PermissionDenied(f"You do not have permission to {action}.")


PUBLISH_PERMISSION = "tracker.review_claim"


class PublishingDenied(PermissionDenied):
    """Somebody without the reviewer's permission tried to lower confidentiality; ``field`` names the field."""

    field = "is_confidential"


def check_publishing(user: AbstractBaseUser | None, before: models.Model, after: models.Model) -> bool:
    """Lowering confidentiality publishes (a record, or a source and its approved records): a reviewer's act.

    Raises PermissionDenied, naming the field, for anybody else; True when this change publishes.
    """
    if not (getattr(before, "is_confidential", False) and not getattr(after, "is_confidential", True)):
        return False
    if not has_permission(user, PUBLISH_PERMISSION):
        raise PublishingDenied(
            f"Only a reviewer may make a confidential {after._meta.verbose_name} public: publishing is a review act."
        )
    return True


def validate_for_save(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Field rules, ``clean()``, uniqueness, then the database constraints on the derived columns."""
    instance.full_clean(exclude=exclude, validate_constraints=False)
    derive = getattr(instance, "derive", None)
    if derive:
        derive()
    instance.validate_constraints(exclude=exclude)


def save_with_history(
    instance: models.Model, *, user: AbstractBaseUser | None, reason: str, **save_kwargs: Any
) -> None:
    """Save through ``save()`` (derived columns, version), recording who and why in history."""
    if hasattr(instance, "updated_by_id"):
        if instance._state.adding and not instance.created_by_id:
            instance.created_by = user
        instance.updated_by = user
    instance._history_user = user
    instance._change_reason = reason
    instance.save(**save_kwargs)


def check_version(current: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(current, expected_version)


def changed_fields(before: models.Model, after: models.Model) -> set[str]:
    """Names of the editable concrete fields whose values differ."""
    return {
        field.name
        for field in after._meta.concrete_fields
        if field.editable and not field.primary_key and getattr(before, field.attname) != getattr(after, field.attname)
    }


def apply_data(instance: models.Model, data: dict[str, Any] | None) -> None:
    """Set fields from a mapping, refusing names the model does not have."""
    if not data:
        return
    names = {f.name for f in instance._meta.concrete_fields} | {f.attname for f in instance._meta.concrete_fields}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    for name, value in data.items():
        setattr(instance, name, value)
