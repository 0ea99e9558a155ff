"""The extraction assistant's proposals for a source: read them, accept one as a draft, reject one with a reason,
fill a record's form from a proposal or a selected sentence, and measure how often analysts agree.

The rules live in ``tracker.extraction`` (no database writes there); this module stores what they propose and
what analysts decide. An accepted proposal becomes a draft through ``claim_create``, as every record does::

    proposals = proposals_refresh(source, user=analyst)
    figure = proposal_accept(proposals[0], user=analyst)
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tracker.choices import (
    DatePrecision,
    LocationLevel,
    LocationPrecision,
    ProposalStatus,
    RejectReason,
)
from tracker.models import (
    AidCapacityReport,
    Claim,
    DisplacementFigure,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)
from tracker.models.extraction import Proposal, ProposalKind
from tracker.services.claims import claim_create
from tracker.services.common import has_permission, require_permission

PROPOSAL_MODELS: dict[str, type[Claim]] = {
    ProposalKind.DISPLACEMENT: DisplacementFigure,
    ProposalKind.SURRENDER: SurrenderFigure,
    ProposalKind.AID_CAPACITY: AidCapacityReport,
}
KIND_OF_MODEL = {model._meta.model_name: kind for kind, model in PROPOSAL_MODELS.items()}

# The form fields each kind takes from a proposal, beside those every record takes (``_initial``).
QUANTITY_KEYS = ("quantifier", "reported_value", "reported_value_max", "magnitude_word", "reported_phrase", "unit")
KIND_KEYS = {
    ProposalKind.DISPLACEMENT: (*QUANTITY_KEYS, "term", "category"),
    ProposalKind.SURRENDER: (*QUANTITY_KEYS, "term", "combatant_status"),
    ProposalKind.AID_CAPACITY: ("provider_description", "sector", "strain"),
}
# Organization fields, each read from the proposal's {"id", "name"} of the same key.
KIND_ORGANIZATIONS = {
    ProposalKind.DISPLACEMENT: ("attributed_to",),
    ProposalKind.SURRENDER: ("attributed_to", "surrendering_group", "received_by"),
    ProposalKind.AID_CAPACITY: ("attributed_to", "provider"),
}
# A place proposed at a level gives the record that level's precision; a town, a camp or a feature is exact.
PRECISION_OF_LEVEL = {
    LocationLevel.COUNTRY: LocationPrecision.COUNTRY,
    LocationLevel.ADM1: LocationPrecision.ADM1,
    LocationLevel.ADM2: LocationPrecision.ADM2,
    LocationLevel.ADM3: LocationPrecision.ADM3,
}
# What an analyst changed when they accepted a proposal after editing it (``extraction_quality``).
COMPARED_FIELDS = {
    ProposalKind.DISPLACEMENT: ("quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit",
                                "term", "location", "start_date", "end_date"),
    ProposalKind.SURRENDER: ("quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit", "term",
                             "location", "start_date", "end_date"),
    ProposalKind.AID_CAPACITY: ("strain", "sector", "location", "start_date", "end_date"),
}

TEXT_MISSING = "This source has no stored text to read: paste or upload it first."
TEXT_DROPPED = "This source's text was dropped (its licence does not let us keep it): there is nothing to read."


class ProposalList(list):
    """The proposals a reading stored, with the assistant's notice (a language it does not read yet), or None."""

    notice: str | None = None


def proposal_model(proposal: Proposal | str) -> type[Claim]:
    """The record model a proposal (or a proposal kind) becomes."""
    kind = proposal.kind if isinstance(proposal, Proposal) else proposal
    return PROPOSAL_MODELS[kind]


def _add_permission(kind: str) -> str:
    return f"tracker.add_{proposal_model(kind)._meta.model_name}"


def may_work_on_proposals(user: AbstractBaseUser | None) -> bool:
    """Analysts (anybody who may add records of some kind) read sources for proposals and decide them."""
    return any(has_permission(user, _add_permission(kind)) for kind in PROPOSAL_MODELS)


def _require_analyst(user: AbstractBaseUser | None, action: str) -> None:
    if not may_work_on_proposals(user):
        raise PermissionDenied(f"You do not have permission to {action}.")


def source_text_refusal(source: Source) -> str | None:
    """Why the assistant cannot read this source's text, or None when it can."""
    if source.text_dropped_at:
        return TEXT_DROPPED
    if not (source.text or "").strip():
        return TEXT_MISSING
    return None


# --- reading ----------------------------------------------------------------------------------


def _decision_key(kind: str, start: int | None, end: int | None, phrase: str | None) -> tuple:
    """Two proposals are the same when their kind, sentence and reported phrase agree: a sentence may hold two
    figures of one kind ("3,000 fled and 200 returned"), and deciding one must not hide the other. Aid capacity
    reports carry no phrase of ours: one per sentence."""
    phrase = "" if kind == ProposalKind.AID_CAPACITY else (phrase or "").strip().lower()
    return (kind, start, end, phrase)


def _known(source: Source) -> set[tuple]:
    """What the source already holds, as proposal keys: decided proposals, and records taken from a sentence
    (by hand, or from a proposal), which a new reading does not propose again."""
    known = {
        _decision_key(p.kind, p.excerpt_start, p.excerpt_end, (p.fields or {}).get("reported_phrase"))
        for p in source.proposals.exclude(status=ProposalStatus.OPEN)
    }
    for kind, model in PROPOSAL_MODELS.items():
        records = model.objects.filter(source=source, excerpt_start__isnull=False)
        if kind == ProposalKind.AID_CAPACITY:
            known |= {_decision_key(kind, start, end, "")
                      for start, end in records.values_list("excerpt_start", "excerpt_end")}
        else:
            known |= {_decision_key(kind, start, end, phrase)
                      for start, end, phrase in records.values_list("excerpt_start", "excerpt_end", "reported_phrase")}
    return known


@transaction.atomic
def proposals_refresh(source: Source, *, user: AbstractBaseUser) -> ProposalList:
    """Read the source's stored text again and replace its open proposals; decided ones are kept, and a reading
    that proposes a decided one again, or a figure already recorded from the same sentence, does not add it.

    Refused (ValidationError on ``text``) when there is no text to read. For a language the assistant does not
    read, nothing is proposed and the result's ``notice`` says so.
    """
    _require_analyst(user, "read sources for proposals")
    from tracker.extraction import Gazetteer, extract

    source = Source.objects.select_for_update().get(pk=source.pk)  # two readings of one source wait in turn
    refusal = source_text_refusal(source)
    if refusal:
        raise ValidationError({"text": refusal})
    extraction = extract(source.text, published=source.publication_date, gazetteer=Gazetteer.from_database(),
                         language=source.language or "en")
    seen = _known(source)
    # An open proposal read again keeps its row (and its id, which an add form opened for edits may carry),
    # with what the rules say now; the open ones not read again are deleted.
    still_open = {
        _decision_key(p.kind, p.excerpt_start, p.excerpt_end, (p.fields or {}).get("reported_phrase")): p
        for p in source.proposals.filter(status=ProposalStatus.OPEN)
    }
    stored = ProposalList()
    stored.notice = extraction.notice
    for proposed in extraction.proposals:
        fields = proposed.as_json()
        key = _decision_key(fields["kind"], fields["excerpt_start"], fields["excerpt_end"],
                            fields.get("reported_phrase"))
        if key in seen:
            continue
        seen.add(key)
        proposal = still_open.pop(key, None) or Proposal(source=source)
        proposal.kind, proposal.fields, proposal.excerpt = fields["kind"], fields, fields["excerpt"]
        proposal.excerpt_start, proposal.excerpt_end = fields["excerpt_start"], fields["excerpt_end"]
        proposal.confidence = float(fields.get("confidence") or 0)
        proposal.rules_version = fields.get("rules_version") or ""
        proposal.full_clean()
        proposal.save()
        stored.append(proposal)
    Proposal.objects.filter(pk__in=[p.pk for p in still_open.values()]).delete()
    return stored


# --- a record's form, filled from a proposal or a sentence ------------------------------------


def _id_of(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _initial(source: Source, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Form initial values for a record of ``kind`` from the assistant's JSON keys.

    Places and organizations become ids, and only ids that still exist; dates default to the publication date;
    the place's level gives the location precision.
    """
    initial: dict[str, Any] = {
        "source": source.pk,
        "excerpt": fields.get("excerpt") or "",
        "excerpt_start": fields.get("excerpt_start"),
        "excerpt_end": fields.get("excerpt_end"),
        "attribution_text": fields.get("attribution_text") or "",
        "start_date": _date(fields.get("start_date")) or source.publication_date,
        "start_precision": fields.get("start_precision") or DatePrecision.DAY,
        "end_date": _date(fields.get("end_date")) or source.publication_date,
        "end_precision": fields.get("end_precision") or DatePrecision.DAY,
    }
    location_id = _id_of(fields.get("location"))
    level = Location.objects.filter(pk=location_id).values_list("level", flat=True).first() if location_id else None
    if level is not None:
        initial["location"] = location_id
        initial["location_precision"] = PRECISION_OF_LEVEL.get(level, LocationPrecision.EXACT)
    organizations = {name: _id_of(fields.get(name)) for name in KIND_ORGANIZATIONS[kind]}
    known = set(Organization.objects.filter(pk__in=[pk for pk in organizations.values() if pk]).values_list(
        "pk", flat=True))
    for name, pk in organizations.items():
        if pk in known:
            initial[name] = pk
    for key in KIND_KEYS[kind]:
        value = fields.get(key)
        if value is None:
            continue
        initial[key] = value
    return initial


def proposal_initial(proposal: Proposal) -> dict[str, Any]:
    """The initial values of the add form of ``proposal_model(proposal)``, for an analyst who edits before saving."""
    return _initial(proposal.source, proposal.kind, {**proposal.fields, "excerpt": proposal.excerpt,
                                                     "excerpt_start": proposal.excerpt_start,
                                                     "excerpt_end": proposal.excerpt_end})


def sentence_proposal(source: Source, start: int, end: int) -> dict[str, Any]:
    """The assistant's best guess for the span ``start:end`` of the source's text (the assistant's JSON keys).

    Refused (ValidationError) when the text cannot be read or the span is not inside it.
    """
    from tracker.extraction import Gazetteer, propose_from_sentence

    refusal = source_text_refusal(source)
    if refusal:
        raise ValidationError({"excerpt": refusal})
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(source.text)):
        raise ValidationError({"excerpt_start": f"Select a span inside the text (0 to {len(source.text)})."})
    if not source.text[start:end].strip():
        raise ValidationError({"excerpt_start": "The selection holds no text."})
    return propose_from_sentence(source.text, start, end, published=source.publication_date,
                                 gazetteer=Gazetteer.from_database())


def sentence_kind(source: Source, start: int, end: int) -> str:
    """The kind of record the span most likely gives (a displacement figure when nothing says otherwise)."""
    kind = sentence_proposal(source, start, end).get("kind")
    return kind if kind in PROPOSAL_MODELS else ProposalKind.DISPLACEMENT


def sentence_initial(source: Source, start: int, end: int) -> dict[str, Any]:
    """The initial values of a new record's form from a sentence the analyst selected, with its kind under
    ``"kind"`` (the form of that kind's model is the one to open)."""
    fields = sentence_proposal(source, start, end)
    kind = fields.get("kind") if fields.get("kind") in PROPOSAL_MODELS else ProposalKind.DISPLACEMENT
    fields = {**fields, "excerpt": source.text[start:end], "excerpt_start": start, "excerpt_end": end}
    return {**_initial(source, kind, fields), "kind": kind}


def _record(proposal: Proposal) -> Claim:
    """An unsaved record of the proposal's kind holding what the assistant proposed."""
    model = proposal_model(proposal)
    initial = proposal_initial(proposal)
    values = {}
    for name, value in initial.items():
        field = model._meta.get_field(name)
        if field.is_relation:
            values[field.attname] = value
        elif value is None and not field.null:
            continue  # an empty choice the model keeps as "", or a default the model gives
        else:
            values[name] = value
    return model(**values)


# --- decisions --------------------------------------------------------------------------------


def _open(proposal: Proposal) -> Proposal:
    """The proposal's row, locked, refused when somebody already decided it."""
    current = Proposal.objects.select_for_update().select_related("source").get(pk=proposal.pk)
    if current.status != ProposalStatus.OPEN:
        raise ValidationError(
            f"This proposal was already {current.get_status_display().lower()}"
            f"{f' by {current.decided_by}' if current.decided_by_id else ''}."
        )
    return current


def _copy_decision(target: Proposal, current: Proposal) -> None:
    for name in ("status", "reject_reason", "reject_note", "decided_by_id", "decided_at", "claim_model", "claim_id"):
        setattr(target, name, getattr(current, name))


@transaction.atomic
def proposal_link(proposal: Proposal, claim: Claim, *, user: AbstractBaseUser) -> Proposal:
    """Mark the proposal accepted as ``claim`` (a record just created from it, as proposed or after edits)."""
    require_permission(user, _add_permission(proposal.kind), "accept proposals of this kind")
    current = _open(proposal)
    if KIND_OF_MODEL.get(claim._meta.model_name) != current.kind:
        raise ValidationError(f"A {current.get_kind_display().lower()} proposal cannot become a "
                              f"{claim._meta.verbose_name}.")
    if claim.source_id != current.source_id:
        raise ValidationError("The record comes from another source than the proposal.")
    current.status = ProposalStatus.ACCEPTED
    current.decided_by = user
    current.decided_at = timezone.now()
    current.claim_model = claim._meta.model_name
    current.claim_id = claim.pk
    current.save()
    _copy_decision(proposal, current)
    return proposal


@transaction.atomic
def proposal_accept(proposal: Proposal, *, user: AbstractBaseUser) -> Claim:
    """Create a draft record from the proposal as it stands, through ``claim_create``, and link the two.

    A record the rules refuse (a place the assistant did not find, say) raises the service's ValidationError
    with its field errors, and the proposal stays open.
    """
    require_permission(user, _add_permission(proposal.kind), "accept proposals of this kind")
    current = _open(proposal)
    record = claim_create(_record(current), created_by=user)
    proposal_link(current, record, user=user)
    _copy_decision(proposal, current)
    return record


@transaction.atomic
def proposal_reject(proposal: Proposal, *, user: AbstractBaseUser, reason: str, note: str = "") -> Proposal:
    """Reject the proposal, keeping why (``RejectReason``; "other" needs a note)."""
    require_permission(user, _add_permission(proposal.kind), "reject proposals of this kind")
    if reason not in RejectReason.values:
        raise ValidationError({"reject_reason": "Choose why the proposal is wrong."})
    note = (note or "").strip()
    if reason == RejectReason.OTHER and not note:
        raise ValidationError({"reject_note": "Say why, since the reason is 'other'."})
    current = _open(proposal)
    current.status = ProposalStatus.REJECTED
    current.reject_reason = reason
    current.reject_note = note
    current.decided_by = user
    current.decided_at = timezone.now()
    current.save()
    _copy_decision(proposal, current)
    return proposal


# --- measured on real use ---------------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _row() -> dict[str, int]:
    return {"proposed": 0, "open": 0, "accepted": 0, "accepted_after_edit": 0, "rejected": 0, "added_by_hand": 0}


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    decided = row["accepted"] + row["rejected"]
    row["decided"] = decided
    row["precision"] = _ratio(row["accepted"], decided)
    row["precision_as_proposed"] = _ratio(row["accepted"] - row["accepted_after_edit"], decided)
    row["recall"] = _ratio(row["accepted"], row["accepted"] + row["added_by_hand"])
    return row


def _edited(fields: dict[str, Any], kind: str, record: Claim) -> bool:
    """Whether the analyst changed what the assistant proposed before saving the record."""
    for name in COMPARED_FIELDS[kind]:
        proposed = fields.get(name)
        if name == "location":
            proposed, actual = _id_of(proposed), record.location_id
        elif name.endswith("_date"):
            proposed, actual = _date(proposed), getattr(record, name)
        else:
            actual = getattr(record, name)
            if proposed is None and actual in ("", None):
                continue
        if proposed != actual:
            return True
    return False


def extraction_quality(since: datetime.datetime | None = None) -> dict[str, Any]:
    """The assistant measured by analysts' decisions (decided since ``since``, when given).

    Precision: accepted / (accepted + rejected); proposals accepted after an edit of their value, quantifier,
    unit, term, place or dates are also counted apart (``accepted_after_edit``). Recall: accepted / (accepted +
    records added by hand), where a record added by hand is one created on a source that had proposals, after its
    first proposal, and not linked from any proposal. Overall, by kind and by rules version, and rejections by
    reason.
    """
    proposals = Proposal.objects.all()
    rows = list(proposals.values("pk", "source_id", "kind", "fields", "status", "reject_reason", "rules_version",
                                 "decided_at", "created_at", "claim_model", "claim_id"))
    overall, by_kind, by_version = _row(), defaultdict(_row), defaultdict(_row)
    reasons: dict[str, int] = defaultdict(int)
    first_proposal: dict[int, datetime.datetime] = {}
    versions_of_source: dict[int, list[tuple[datetime.datetime, str]]] = defaultdict(list)
    linked: dict[str, set[int]] = defaultdict(set)
    accepted_rows = []
    for row in rows:
        source_id = row["source_id"]
        if source_id not in first_proposal or row["created_at"] < first_proposal[source_id]:
            first_proposal[source_id] = row["created_at"]
        versions_of_source[source_id].append((row["created_at"], row["rules_version"]))
        if row["claim_id"]:
            linked[row["claim_model"]].add(row["claim_id"])
        if row["status"] != ProposalStatus.OPEN and since and (row["decided_at"] is None or row["decided_at"] < since):
            continue
        targets = (overall, by_kind[row["kind"]], by_version[row["rules_version"]])
        for target in targets:
            target["proposed"] += 1
            target[row["status"]] += 1
        if row["status"] == ProposalStatus.REJECTED:
            reasons[row["reject_reason"]] += 1
        elif row["status"] == ProposalStatus.ACCEPTED and row["claim_id"]:
            accepted_rows.append((row, targets))
    # Accepted after an edit: each kind's linked records in one query.
    for kind, model in PROPOSAL_MODELS.items():
        mine = [(row, targets) for row, targets in accepted_rows if row["kind"] == kind]
        records = model.objects.in_bulk([row["claim_id"] for row, _ in mine])
        for row, targets in mine:
            record = records.get(row["claim_id"])
            if record is not None and _edited(row["fields"], kind, record):
                for target in targets:
                    target["accepted_after_edit"] += 1
    # Records added by hand to sources that had proposals: each kind's in one query, then placed in time.
    for kind, model in PROPOSAL_MODELS.items():
        records = model.objects.filter(source_id__in=list(first_proposal)).exclude(
            pk__in=linked[model._meta.model_name]).values_list("source_id", "created_at")
        for source_id, created_at in records:
            if created_at is None or created_at < first_proposal[source_id] or (since and created_at < since):
                continue
            earlier = [item for item in versions_of_source[source_id] if item[0] <= created_at]
            version = max(earlier)[1] if earlier else ""
            for target in (overall, by_kind[kind], by_version[version]):
                target["added_by_hand"] += 1
    labels = dict(ProposalKind.choices)
    reason_labels = dict(RejectReason.choices)
    return {
        "since": since,
        "overall": _finish(overall),
        "by_kind": [{"kind": kind, "label": labels[kind], **_finish(by_kind[kind])}
                    for kind in PROPOSAL_MODELS if kind in by_kind],
        "by_rules_version": [{"rules_version": version, **_finish(by_version[version])}
                             for version in sorted(by_version, reverse=True)],
        "rejects_by_reason": [{"reason": reason, "label": reason_labels.get(reason, reason), "count": reasons[reason]}
                              for reason in RejectReason.values if reasons.get(reason)],
    }
