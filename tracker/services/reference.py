"""Writes to reference data: sources, organizations, places, crises and events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from tracker.models import (
    CLAIM_MODELS,
    Crisis,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    OrganizationAlias,
    Source,
)
from tracker.models.reference import path_prefix_q
from tracker.search.documents import search_names_refresh
from tracker.services.claims import double_counts_after_move
from tracker.services.common import (
    WorkflowError,
    apply_data,
    changed_fields,
    check_publishing,
    check_version,
    require_permission,
    save_with_history,
    validate_for_save,
)
from tracker.services.source_text import prepare_source_text, write_bands
from tracker.services.sync import tombstone_write

M = TypeVar("M", bound=models.Model)

# Fields of reference rows that records show in their nested representations:
# a change to one marks those records updated, so that sync clients see it.
SHOWN_FIELDS = {
    Source: {"title", "url", "publisher", "publication_date", "kind", "is_confidential"},
    Organization: {"name", "acronym", "kind"},
    Location: {"name", "pcode", "iso3", "latitude", "longitude", "parent", "level"},
    Event: {"name", "crisis"},
    Crisis: {"name"},
}
# Fields whose words the records' search documents hold (tracker.search.documents): a change refreshes them.
SEARCHED_FIELDS = {
    Source: {"title", "publisher"},
    Organization: {"name", "acronym"},
    Location: {"name", "pcode"},
    Event: {"name"},
}


def _perm(instance: models.Model, action: str) -> str:
    return f"tracker.{action}_{instance._meta.model_name}"


def _set_m2m(instance: models.Model, m2m: dict[str, Iterable[models.Model]] | None) -> None:
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)


def figures_showing(instance: models.Model) -> list[models.QuerySet]:
    """Querysets of every record that shows ``instance`` in its representation."""
    if isinstance(instance, Source):
        return [model.objects.filter(source=instance) for model in CLAIM_MODELS]
    if isinstance(instance, Location):
        subtree = path_prefix_q("location__path", instance.path)
        # A move that changed their area links already bumped these when it restated them (Location.save).
        restated = getattr(instance, "claims_restated", False)
        querysets = [] if restated else [model.objects.filter(subtree) for model in CLAIM_MODELS]
        querysets += [DisplacementFigure.objects.filter(path_prefix_q(f"{end}__path", instance.path))
                      for end in ("origin", "destination")]
        return querysets
    if isinstance(instance, Organization):
        querysets = []
        for model in CLAIM_MODELS:
            fk_names = [f.name for f in model._meta.concrete_fields
                        if f.is_relation and f.related_model is Organization]
            query = models.Q(source__publisher=instance)
            for name in fk_names:
                query |= models.Q(**{name: instance})
            querysets.append(model.objects.filter(query))
            querysets.append(model.objects.filter(cited_sources=instance))
        return querysets
    if isinstance(instance, Event):
        return [model.objects.filter(event=instance) for model in CLAIM_MODELS]
    if isinstance(instance, Crisis):
        return [model.objects.filter(event__crisis=instance) for model in CLAIM_MODELS]
    return []


def reference_rows_showing(instance: models.Model) -> list[models.QuerySet]:
    """Querysets of the sources, organizations, places and events that show ``instance`` nested."""
    if isinstance(instance, Organization):
        return [Source.objects.filter(publisher=instance), Source.objects.filter(co_credited=instance),
                Event.objects.filter(parties=instance)]
    if isinstance(instance, Location):
        return [Organization.objects.filter(country=instance), Event.objects.filter(countries=instance),
                Source.objects.filter(path_prefix_q("dateline__path", instance.path)),
                Location.objects.filter(path_prefix_q("path", instance.path)).exclude(pk=instance.pk)]
    if isinstance(instance, Crisis):
        return [Event.objects.filter(crisis=instance)]
    return []


def mark_figures_updated(instance: models.Model) -> int:
    """Bump ``updated_at`` of every row that shows ``instance`` (records first): its history lives on ``instance``.

    Sync clients (``updated_since``) then fetch the rows again with the new nested values.
    """
    now = timezone.now()
    return sum(qs.update(updated_at=now) for qs in [*figures_showing(instance), *reference_rows_showing(instance)])


@transaction.atomic
def reference_create(
    instance: M, *, created_by: AbstractBaseUser, m2m: dict[str, Iterable[models.Model]] | None = None
) -> M:
    """Validate and store a new source, organization, place, crisis or event."""
    require_permission(created_by, _perm(instance, "add"), f"add {instance._meta.verbose_name_plural}")
    signed = isinstance(instance, Source) and prepare_source_text(instance)
    validate_for_save(instance)
    save_with_history(instance, user=created_by, reason="Created")
    _set_m2m(instance, m2m)
    if signed:
        write_bands(instance)
    return instance


@transaction.atomic
def reference_update(
    instance: M,
    *,
    changed_by: AbstractBaseUser,
    data: dict[str, Any] | None = None,
    m2m: dict[str, Iterable[models.Model]] | None = None,
    expected_version: int | None = None,
    reason: str = "Edited",
) -> M:
    """Store an edit (a place's move rewrites its subtree), refused when stale."""
    require_permission(changed_by, _perm(instance, "change"), f"change {instance._meta.verbose_name_plural}")
    apply_data(instance, data)
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    check_version(current, expected_version)
    check_publishing(changed_by, current, instance)
    instance.version = current.version
    signed = isinstance(instance, Source) and prepare_source_text(instance, previous=current)
    changed = changed_fields(current, instance)
    validate_for_save(instance)
    save_with_history(instance, user=changed_by, reason=reason)
    _set_m2m(instance, m2m)
    if signed:
        write_bands(instance)
    if isinstance(instance, Location) and "parent" in changed:
        # The subtree's places now nest with other places: its figures' possible double counts follow.
        double_counts_after_move(instance)
    # An event's parties decide which records are a party's claim.
    if changed & SHOWN_FIELDS.get(type(instance), set()) or (isinstance(instance, Event) and "parties" in (m2m or {})):
        mark_figures_updated(instance)
    if changed & SEARCHED_FIELDS.get(type(instance), set()):
        search_names_refresh(instance)
    return instance


@transaction.atomic
def reference_delete(instance: models.Model, *, deleted_by: AbstractBaseUser) -> None:
    """Delete a source, organization, place, crisis or event that nothing refers to, leaving a tombstone.

    Refused (nothing deleted) while records or other rows still point to it.
    """
    require_permission(deleted_by, _perm(instance, "delete"), f"delete {instance._meta.verbose_name_plural}")
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    tombstone_write(current)
    current._history_user = deleted_by
    current._change_reason = "Deleted"
    try:
        with transaction.atomic():
            if isinstance(current, Location):
                # A country, adm1 or adm2 is its own ancestor link (``country``, ``adm1``, ``adm2``): protected by
                # itself, it could never be deleted. Its own links go first; a child or a record still blocks it.
                Location.objects.filter(pk=current.pk).update(country=None, adm1=None, adm2=None)
            current.delete()
    except models.ProtectedError as error:
        users = sorted({f"{obj._meta.verbose_name} #{obj.pk}" for obj in error.protected_objects})
        listed = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        raise WorkflowError(f"{instance._meta.verbose_name.capitalize()} #{instance.pk} is still used by {listed}: "
                            "change those first.") from error


def location_move(location: Location, *, parent: Location | None, moved_by: AbstractBaseUser) -> Location:
    """Put a place (and everything under it) under another parent, in one transaction."""
    return reference_update(location, changed_by=moved_by, data={"parent": parent})


def source_create(source: Source, *, created_by: AbstractBaseUser, co_credited: Iterable[Organization] = ()) -> Source:
    return reference_create(source, created_by=created_by, m2m={"co_credited": list(co_credited)})


@transaction.atomic
def organization_merge(*, keep: Organization, merge: Organization, merged_by: AbstractBaseUser) -> Organization:
    """Fold ``merge`` into ``keep``: every reference re-pointed, its names kept as aliases, then it is deleted.

    One transaction: a failure leaves both organizations as they were.
    """
    require_permission(merged_by, "tracker.change_organization", "merge organizations")
    require_permission(merged_by, "tracker.delete_organization", "merge organizations")
    if keep.pk == merge.pk:
        raise ValueError("An organization cannot be merged into itself.")
    reason = f"Organization '{merge.name}' merged into '{keep.name}'"
    for relation in Organization._meta.related_objects:
        model, field = relation.related_model, relation.field
        if model is OrganizationAlias:
            continue
        rows = model.objects.filter(**{field.name: merge})
        if relation.many_to_many:
            for row in rows:
                row._history_user, row._change_reason = merged_by, reason
                getattr(row, field.name).remove(merge)
                getattr(row, field.name).add(keep)
        else:
            for row in rows:
                setattr(row, field.name, keep)
                save_with_history(row, user=merged_by, reason=reason)
    known = {name.lower() for name in keep.aliases.values_list("name", flat=True)} | {keep.name.lower()}
    for name in [merge.name, merge.acronym, *merge.aliases.values_list("name", flat=True)]:
        if name and name.lower() not in known:
            alias = OrganizationAlias(organization=keep, name=name)
            alias._history_user = merged_by
            alias.save()
            known.add(name.lower())
    merge._history_user, merge._change_reason = merged_by, reason
    tombstone_write(merge)
    merge.delete()
    save_with_history(keep, user=merged_by, reason=reason)  # its aliases changed: sync clients fetch it again
    mark_figures_updated(keep)
    search_names_refresh(keep)  # its records, the merged one's now among them, find it by every name
    return keep
