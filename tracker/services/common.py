"""What every write service shares: validation, the audit columns, history and the optimistic lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone


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


def loaded_foreign_keys(instance: models.Model) -> list[str]:
    """The foreign keys whose related row ``instance`` holds as read from the database (what a form's or a
    serializer's choice, or a ``select_related``, attached), with no ``limit_choices_to``: Django's field
    validation would look each of them up again, only to learn that it exists. (Neither that lookup nor this
    skips a race with a delete: the table's foreign key refuses the insert either way.)"""
    loaded = []
    for field in instance._meta.concrete_fields:
        if not (isinstance(field, models.ForeignKey) and field.is_cached(instance)) or field.get_limit_choices_to():
            continue
        related, value = field.get_cached_value(instance), getattr(instance, field.attname)
        if (related is not None and value is not None and not related._state.adding
                and getattr(related, field.target_field.attname) == value):
            loaded.append(field.name)
    return loaded


def validate_for_save(instance: models.Model, *, exclude: list[str] | None = None, constraints: bool = True) -> None:
    """Field rules, ``clean()``, uniqueness, then the database constraints on the derived columns (``constraints``
    False: left to ``create_with_history``, which lets the database test them as it stores a new row).

    Django's ``full_clean`` less the lookups of foreign keys whose rows are already loaded
    (``loaded_foreign_keys``); uniqueness still covers every field the caller did not exclude."""
    errors: dict = {}
    try:
        instance.full_clean(exclude=[*(exclude or ()), *loaded_foreign_keys(instance)], validate_unique=False,
                            validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:  # as full_clean: not for a field that already failed
        instance.validate_unique(exclude={*(exclude or ()), *(name for name in errors if name != NON_FIELD_ERRORS)})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    derive = getattr(instance, "derive", None)
    if derive:
        derive()
    if constraints:
        instance.validate_constraints(exclude=exclude)


#: The length of simple-history's change reason column (``history_change_reason``, varchar(100)).
CHANGE_REASON_LENGTH = 100


def change_reason(reason: str | None) -> str | None:
    """``reason`` as a history row can hold it: a longer one (a merge of two long names, an import of a file with a
    long name) is cut to the column's length with an ellipsis, where PostgreSQL would refuse the whole change."""
    if reason is None or len(reason) <= CHANGE_REASON_LENGTH:
        return reason
    return reason[: CHANGE_REASON_LENGTH - 1] + "…"


def shorten_change_reason(sender, history_instance, **kwargs) -> None:
    """simple-history's ``pre_create_historical_record``: every history row written one by one, from any door,
    keeps a reason that fits (``history_copy`` shortens its own)."""
    history_instance.history_change_reason = change_reason(history_instance.history_change_reason)


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


@contextmanager
def storing(instance: models.Model) -> Iterator[None]:
    """The transaction (a savepoint inside another) in which ``create_with_history`` stores ``instance`` as a new
    row, with whatever else goes in with it.

    The database tests the row's check constraints as it stores it; when the table refuses (IntegrityError), this
    transaction is rolled back and then the row's constraints are validated as Django does, raising Django's
    message for the broken rule (the database's own error when none of the row's rules is broken). One INSERT,
    where testing every condition first took a query before it, and no savepoint of its own: the caller's
    transaction is the one rolled back. The batch's chunks are checked the same way."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        instance.validate_constraints()
        raise


def create_with_history(instance: models.Model, *, user: AbstractBaseUser | None, reason: str) -> None:
    """Store a new row that ``validate_for_save(instance, constraints=False)`` passed, with its "+" history row,
    inside ``storing(instance)``, which names a rule the table refuses. The history row is copied from the stored
    row (``history_copy``)."""
    instance.skip_history_when_saving = True
    try:
        save_with_history(instance, user=user, reason=reason)
    finally:
        del instance.skip_history_when_saving
    history_copy(type(instance), [instance.pk], user=user, reason=reason)


@cache
def history_model(model: type[models.Model]) -> type[models.Model]:
    """simple-history's historical model of ``model`` (its ``history`` manager builds a manager class at each
    access)."""
    return model.history.model


@cache
def history_copy_sql(model: type[models.Model]) -> str:
    """The start of the statement that copies rows of ``model`` into its history as "+" rows: the tracked columns
    as stored, then who, why and when (``history_params``); the caller adds ``FROM`` and the rows. Built once per
    model."""
    history = history_model(model)
    names = [field.name for field in history.tracked_fields]
    quote = connection.ops.quote_name
    into = ", ".join(quote(history._meta.get_field(name).column) for name in names)
    select = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    return (f"INSERT INTO {quote(history._meta.db_table)} "
            f"({into}, history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {select}, %s, %s, '+', %s")


def history_params(*, user: AbstractBaseUser | None, reason: str | None) -> list[Any]:
    """The values of ``history_copy_sql``'s who, why and when: now, the reason as its column holds it, the user."""
    return [connection.ops.adapt_datetimefield_value(timezone.now()), change_reason(reason),
            user.pk if user is not None else None]


def history_copy(model: type[models.Model], ids: list[int], *, user: AbstractBaseUser | None,
                 reason: str | None) -> None:
    """The "+" history rows that ``post_save`` writes for new rows, copied by the database from the stored rows
    (the tracked columns as stored, who, why, when): one statement per thousand rows, where simple-history builds,
    binds and inserts a history instance per row (and, for a model with many-to-many history, reads the new row's
    excluded columns and its links back, though a new row has none yet). The caller saved the rows with
    ``skip_history_when_saving``."""
    insert, params = history_copy_sql(model), history_params(user=user, reason=reason)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):
            listed = ", ".join(str(int(pk)) for pk in ids[start:start + 1000])
            cursor.execute(f"{insert} FROM {table} WHERE id IN ({listed}) ORDER BY id", params)


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
