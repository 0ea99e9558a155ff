"""Withdrawing an import batch as a whole, through the same services as every other write.

Records the batch created are deleted while they are still drafts (``claim_delete``); records it updated go back
to the version they had before (``claim_update``, with that version's values); places, organizations and sources
it created are deleted when nothing else uses them (``reference_delete``), and kept, named, when something does
or when the person withdrawing may not delete them (analysts add reference rows; administrators delete them).
Everything is checked first: when anything the batch wrote was submitted, approved or edited since, nothing is
withdrawn and the refusal names each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tracker.choices import ReviewStatus
from tracker.models import Claim, ImportBatch, ImportItem, ImportStatus
from tracker.services.claims import claim_delete, claim_update
from tracker.services.common import WorkflowError
from tracker.services.reference import reference_delete, reference_update


@dataclass
class Withdrawal:
    deleted: list[str] = field(default_factory=list)
    reverted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _label(model, pk: int, item: ImportItem) -> str:
    where = f" (row {item.row})" if item.row else ""
    return f"{model._meta.verbose_name} #{pk}{where}"


def _current_rows(items: list[ImportItem]) -> dict[tuple[str, int], object]:
    """The rows the items name as they are now, read 500 at a time per model (an import of 10,000 rows would
    otherwise cost 10,000 queries before anything is undone)."""
    ids: dict[str, list[int]] = {}
    for item in items:
        ids.setdefault(item.model, []).append(item.object_id)
    found = {}
    for name, pks in ids.items():
        model = apps.get_model("tracker", name)
        fields = ["pk", "version", *(["review_status"] if issubclass(model, Claim) else [])]
        for start in range(0, len(pks), 500):
            for row in model.objects.filter(pk__in=pks[start:start + 500]).only(*fields):
                found[(name, row.pk)] = row
    return found


def withdraw_blockers(batch: ImportBatch) -> list[str]:
    """Why the batch cannot be withdrawn now: each row it wrote that moved on since (empty when it can)."""
    if batch.status != ImportStatus.COMMITTED:
        return [f"Import #{batch.pk} is {batch.get_status_display().lower()}: only a written import is withdrawn."]
    reasons = []
    items = list(batch.items.all())
    current = _current_rows(items)
    for item in items:
        model = apps.get_model("tracker", item.model)
        row = current.get((item.model, item.object_id))
        if row is None:
            if item.action == ImportItem.Action.UPDATED:
                reasons.append(f"{_label(model, item.object_id, item)} was deleted since.")
            continue
        if issubclass(model, Claim) and item.action == ImportItem.Action.CREATED \
                and row.review_status != ReviewStatus.DRAFT:
            reasons.append(f"{_label(model, item.object_id, item)} is {row.get_review_status_display().lower()} "
                           "since the import.")
        elif row.version != item.version:
            reasons.append(f"{_label(model, item.object_id, item)} was changed since the import (version "
                           f"{row.version}, the import left {item.version}).")
    return reasons


#: the many-to-many fields an import writes (a record's cited sources, a source's co-credited organizations)
WRITTEN_LINKS = ("cited_sources", "co_credited")


def _prior_row(model, item: ImportItem):
    """The row's history at the version the import found (its last row of that version: the one with its links)."""
    old = (model.history.filter(id=item.object_id, version=item.prior_version)
           .order_by("-history_date", "-history_id").first())
    if old is None:
        raise WorkflowError(f"{_label(model, item.object_id, item)}: its version {item.prior_version} is not in "
                            "its history, so it cannot be put back.")
    return old


def _prior_values(model, old) -> dict:
    """The editable values the row had at that version."""
    excluded = {"review_status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_comment",
                "version", "created_by", "created_at", "updated_by", "updated_at"}
    return {f.attname: getattr(old, f.attname) for f in model._meta.concrete_fields
            if f.editable and not f.primary_key and f.name not in excluded and hasattr(old, f.attname)}


def _prior_links(model, old) -> dict[str, list]:
    """The rows each many-to-many field an import writes linked at that version (history keeps the links)."""
    links = {}
    for name in WRITTEN_LINKS:
        if not hasattr(old, name):
            continue
        field = model._meta.get_field(name)
        column = f"{field.m2m_reverse_field_name()}_id"
        links[name] = list(field.related_model.objects.filter(
            pk__in=[getattr(link, column) for link in getattr(old, name).all()]))
    return links


@transaction.atomic
def import_withdraw(batch: ImportBatch, *, withdrawn_by: AbstractBaseUser) -> Withdrawal:
    """Undo a written import as a whole, or refuse (``WorkflowError``, listing every reason) writing nothing."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    blockers = withdraw_blockers(batch)
    if blockers:
        raise WorkflowError(blockers)
    reason = f"Import #{batch.pk} withdrawn"
    done = Withdrawal()
    items = list(batch.items.order_by("-row", "-id"))
    # Records first (they point to the places, organizations and sources), then the reference rows.
    items.sort(key=lambda item: not issubclass(apps.get_model("tracker", item.model), Claim))
    for item in items:
        model = apps.get_model("tracker", item.model)
        current = model.objects.filter(pk=item.object_id).first()
        if current is None:
            continue
        label = _label(model, item.object_id, item)
        is_claim = issubclass(model, Claim)
        if item.action == ImportItem.Action.UPDATED:
            old = _prior_row(model, item)
            data, links = _prior_values(model, old), _prior_links(model, old)
            if is_claim:
                claim_update(current, changed_by=withdrawn_by, data=data, cited_sources=links.get("cited_sources"),
                             reason=reason)
            else:
                reference_update(current, changed_by=withdrawn_by, data=data, m2m=links or None, reason=reason)
            done.reverted.append(label)
        elif is_claim:
            claim_delete(current, deleted_by=withdrawn_by)
            done.deleted.append(label)
        else:
            try:
                with transaction.atomic():
                    reference_delete(current, deleted_by=withdrawn_by)
                done.deleted.append(label)
            except WorkflowError:
                done.kept.append(f"{label}: still used")
            except PermissionDenied as error:  # an analyst may add places, organizations and sources, not delete
                done.kept.append(f"{label}: {error}")
    batch.status = ImportStatus.WITHDRAWN
    batch.withdrawn_by = withdrawn_by
    batch.withdrawn_at = timezone.now()
    batch.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
    return done
