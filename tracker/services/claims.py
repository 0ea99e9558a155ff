"""Writes to the three kinds of fact: create, update, delete, the review workflow and the double-count check.

Every door (admin, API, imports, commands, the shell) calls these, so every
rule of DOMAIN.md holds whichever way a record is written::

    claim_update(figure, data={"reported_value": 5000}, changed_by=user)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tracker.choices import HOUSEHOLD_UNITS, DatePrecision, HouseholdSizeSource, Quantifier, ReviewStatus, Role, Unit
from tracker.excerpts import excerpt_span
from tracker.models import QUANTIFIED_MODELS, Claim, Location, Organization, PossibleDoubleCount, QuantifiedClaim
from tracker.models.double_counts import OVERLAP_CANDIDATES
from tracker.models.reference import path_prefix_q
from tracker.rules.quantities import SINGLE_VALUE_QUANTIFIERS
from tracker.rules.terms import default_category
from tracker.search.documents import NameBook, search_fill
from tracker.services.common import (
    WorkflowError,
    apply_data,
    changed_fields,
    check_publishing,
    check_version,
    create_with_history,
    history_copy,
    history_copy_sql,
    history_model,
    history_params,
    require_permission,
    save_with_history,
    storing,
    validate_for_save,
)
from tracker.services.overlaps import overlap_found_sql, overlapping_figures
from tracker.services.sync import tombstone_write

if TYPE_CHECKING:
    from tracker.extraction import PhraseParts

C = TypeVar("C", bound=Claim)

REASON_CREATED = "Created"
REASON_EDITED = "Edited"
REASON_SUBMITTED = "Submitted for review"
REASON_APPROVED = "Approved"
REASON_CHANGES_REQUESTED = "Changes requested"
REASON_REJECTED = "Rejected"
REASON_REOPENED = "Reopened as draft"
REASON_REVERTED = "Reverted"


def _perm(claim: Claim, action: str) -> str:
    return f"tracker.{action}_{claim._meta.model_name}"


def _fill_household_size(claim: Claim) -> None:
    """Copy the country's default household size into a household figure that has none."""
    if not isinstance(claim, QuantifiedClaim) or claim.unit not in HOUSEHOLD_UNITS or claim.household_size is not None:
        return
    country = claim.location.country if claim.location_id else None
    if country and country.default_household_size is not None:
        claim.household_size = country.default_household_size
        claim.household_size_source = HouseholdSizeSource.COUNTRY_DEFAULT


def phrase_parts(phrase: str) -> PhraseParts | None:
    """The quantity read from a reported phrase ("more than 4,000 fighters"), or None when it holds no number
    or magnitude word: the extraction assistant's reading, the one home for reading numbers."""
    from tracker.extraction import parse_phrase  # the assistant's rules load on first use, not with the services

    return parse_phrase(phrase) if phrase and phrase.strip() else None


def _fill_quantity_from_phrase(claim: Claim) -> None:
    """A quantity left without its quantifier takes it from the reported phrase, with every other part left
    empty; a part given by hand is kept, even where the phrase says otherwise (the phrase is as printed, the parts
    are the analyst's reading). A unit left empty is the phrase's, else persons. A quantifier given with its
    number missing stays an error: the number is not guessed behind the caller's back."""
    if not isinstance(claim, QuantifiedClaim) or (claim.quantifier and claim.unit):
        return
    parts = phrase_parts(claim.reported_phrase)
    if not claim.unit:
        claim.unit = (parts.unit if parts is not None else None) or Unit.PERSONS
    if parts is None or claim.quantifier:
        return
    claim.quantifier = parts.quantifier
    if claim.quantifier in SINGLE_VALUE_QUANTIFIERS | {Quantifier.RANGE} and claim.reported_value is None:
        claim.reported_value = parts.reported_value
    if claim.quantifier == Quantifier.RANGE and claim.reported_value_max is None:
        claim.reported_value_max = parts.reported_value_max
    if claim.quantifier == Quantifier.MAGNITUDE and not claim.magnitude_word:
        claim.magnitude_word = parts.magnitude_word or ""


def _fill_category(claim: Claim) -> None:
    """A displacement figure without a category takes its term's (a flow for "displaced")."""
    if hasattr(claim, "category") and not claim.category and claim.term:
        claim.category = default_category(claim.term) or ""


def _fill_dates(claim: Claim) -> None:
    """Dates left empty: the end is the source's publication date, the start the end (a point in time)."""
    source = claim.known_source()
    if claim.end_date is None and source is not None and source.publication_date:
        claim.end_date = source.publication_date
        claim.end_precision = DatePrecision.DAY
    if claim.start_date is None and claim.end_date is not None:
        claim.start_date = claim.end_date
        claim.start_precision = claim.end_precision


def _fill_excerpt_offsets(claim: Claim, current: Claim | None = None) -> None:
    """Offsets for an excerpt that occurs exactly once in the source's stored text; none when it is absent or
    ambiguous. Offsets the caller gave are kept; offsets merely carried over from before an edit of the excerpt
    or the source are found again."""
    if current is not None and (claim.excerpt_start, claim.excerpt_end) == (
        current.excerpt_start, current.excerpt_end
    ) and (claim.excerpt != current.excerpt or claim.source_id != current.source_id):
        claim.excerpt_start = claim.excerpt_end = None
    if claim.excerpt_start is not None or claim.excerpt_end is not None:
        return
    source = claim.known_source()
    span = excerpt_span(source.text, claim.excerpt) if source is not None and source.text else None
    if span is not None:
        claim.excerpt_start, claim.excerpt_end = span


def claim_fill_derived(claim: Claim, *, current: Claim | None = None, names: NameBook | None = None) -> None:
    """Fill what the record's own inputs decide and the analyst left empty, for every door: the quantity's
    parts from the reported phrase, the category from the term, the dates from the source's publication date,
    a household size from the country's default, the excerpt's offsets in the source's stored text; and, always,
    its search document (``tracker.search.documents``; ``names`` when a batch read them for many records).

    Only empty fields are filled (``current`` is the stored record, for an edit); the admin's form calls this
    before validating, so that what it fills is validated like what was typed."""
    _fill_quantity_from_phrase(claim)
    _fill_category(claim)
    _fill_dates(claim)
    _fill_household_size(claim)
    _fill_excerpt_offsets(claim, current)
    search_fill(claim, book=names)


def _set_cited_sources(claim: Claim, cited_sources: Iterable[Organization] | None) -> bool:
    """Replace the cited organizations without a history row of their own; True when they changed."""
    if cited_sources is None:
        return False
    wanted = {org.pk for org in cited_sources}
    if claim.pk and set(claim.cited_sources.values_list("pk", flat=True)) == wanted:
        return False
    claim.skip_history_when_saving = True
    try:
        claim.cited_sources.set(wanted)
    finally:
        del claim.skip_history_when_saving
    return True


# --- create, update, delete ---------------------------------------------------------


def claim_create(claim: C, *, created_by: AbstractBaseUser, cited_sources: Iterable[Organization] | None = None) -> C:
    """Validate and store a new record as a draft, then look for possible double counts."""
    with storing(claim):  # one transaction; a rule the table refuses is named as Django names it
        require_permission(created_by, _perm(claim, "add"), f"add {claim._meta.verbose_name_plural}")
        if cited_sources is not None:
            cited_sources = claim.prefetched_cited_sources = list(cited_sources)  # in the search document
        claim_fill_derived(claim)
        claim.review_status = ReviewStatus.DRAFT
        validate_for_save(claim, constraints=False)  # the check constraints: as the row is stored
        create_with_history(claim, user=created_by, reason=REASON_CREATED)
        if cited_sources is not None:
            claim.cited_sources.set(cited_sources)  # a second history row, holding the links
        double_count_refresh(claim, lapse=True, new=True)
    return claim


@transaction.atomic
def claim_update(
    claim: C,
    *,
    changed_by: AbstractBaseUser,
    data: dict[str, Any] | None = None,
    cited_sources: Iterable[Organization] | None = None,
    expected_version: int | None = None,
    reason: str = REASON_EDITED,
) -> C:
    """Store an edit. Refused when the record moved on since ``expected_version``.

    An approved record edited in anything but its notes goes back to review,
    with the editor as its submitter.
    """
    require_permission(changed_by, _perm(claim, "change"), f"change {claim._meta.verbose_name_plural}")
    apply_data(claim, data)
    model = type(claim)
    current = model.objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version)
    check_publishing(changed_by, current, claim)
    if current.review_status == ReviewStatus.REJECTED:
        raise WorkflowError("A rejected record cannot be edited: a reviewer can reopen it as a draft first.")
    for field in ("review_status", "submitted_by_id", "submitted_at", "reviewed_by_id", "reviewed_at",
                  "review_comment", "version", "created_by_id", "created_at"):
        setattr(claim, field, getattr(current, field))
    if cited_sources is not None:
        cited_sources = claim.prefetched_cited_sources = list(cited_sources)  # in the search document
    claim_fill_derived(claim, current=current)
    changed = changed_fields(current, claim)
    validate_for_save(claim)
    cited_changed = _set_cited_sources(claim, cited_sources)
    if not changed and not cited_changed:
        return claim
    substance = bool(changed - claim.NON_SUBSTANCE_FIELDS) or cited_changed
    if substance and current.review_status == ReviewStatus.APPROVED:
        claim.review_status = ReviewStatus.IN_REVIEW
        claim.submitted_by = changed_by
        claim.submitted_at = timezone.now()
    save_with_history(claim, user=changed_by, reason=reason)
    double_count_refresh(claim, lapse=substance)
    return claim


@transaction.atomic
def claim_delete(claim: Claim, *, deleted_by: AbstractBaseUser) -> None:
    """Delete a draft. Anything that went further is rejected instead, so history and sync lose nothing."""
    require_permission(deleted_by, _perm(claim, "delete"), f"delete {claim._meta.verbose_name_plural}")
    current = type(claim).objects.select_for_update().get(pk=claim.pk)
    if current.review_status != ReviewStatus.DRAFT:
        raise WorkflowError(f"Only drafts are deleted; this record is {current.get_review_status_display().lower()}: "
                            "reject it instead.")
    if isinstance(current, QuantifiedClaim) and (current.supported_by.exists() or current.duplicates.exists()):
        raise WorkflowError("Other records point to this one (as triangulation or duplicate): change them first.")
    _pairs_of(current).delete()
    tombstone_write(current)
    current._history_user = deleted_by
    current._change_reason = "Deleted draft"
    current.delete()


# --- review workflow -----------------------------------------------------------------


def _locked(claim: C, expected_version: int | None) -> C:
    current = type(claim).objects.select_for_update().get(pk=claim.pk)
    check_version(current, expected_version)
    return current


def _expect_status(claim: Claim, allowed: Iterable[str], action: str) -> None:
    if claim.review_status not in allowed:
        raise WorkflowError(f"Cannot {action} a record that is {claim.get_review_status_display().lower()}.")


@transaction.atomic
def claim_submit(claim: C, *, submitted_by: AbstractBaseUser, expected_version: int | None = None) -> C:
    """Draft or changes requested -> in review, once the record validates."""
    require_permission(submitted_by, _perm(claim, "change"), "submit records for review")
    current = _locked(claim, expected_version)
    _expect_status(current, (ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED), "submit")
    validate_for_save(current)
    current.review_status = ReviewStatus.IN_REVIEW
    current.submitted_by = submitted_by
    current.submitted_at = timezone.now()
    save_with_history(current, user=submitted_by, reason=REASON_SUBMITTED)
    return current


def approval_blockers(claim: Claim, reviewer: AbstractBaseUser) -> list[str]:
    """Every reason ``reviewer`` may not approve ``claim`` now (empty when they may)."""
    reasons = []
    if claim.review_status != ReviewStatus.IN_REVIEW:
        reasons.append(f"The record is {claim.get_review_status_display().lower()}, not in review.")
    if type(claim).objects.filter(pk=claim.pk).touched_since_submission(reviewer).exists():
        # The decision is the queryset's; this only says which part of it applies.
        if reviewer.pk in (claim.created_by_id, claim.submitted_by_id):
            reasons.append("Nobody approves a record they created or submitted.")
        elif claim.history.filter(history_date__gte=claim.submitted_at, history_user=reviewer).exists():
            reasons.append("You changed this record since it was submitted: another reviewer must approve it.")
        else:
            reasons.append("This record was changed since it was submitted by nobody its history names: "
                           "it must be submitted again.")
    if isinstance(claim, QuantifiedClaim):
        for field in ("supports", "duplicate_of"):
            target = getattr(claim, field) if getattr(claim, f"{field}_id") else None
            if target is not None and target.review_status != ReviewStatus.APPROVED:
                reasons.append(f"The figure it {'supports' if field == 'supports' else 'duplicates'} "
                               f"(#{target.pk}) is not approved yet.")
        for pair in _pairs_of(claim).filter(decided_at__isnull=True):
            reasons.append(
                f"Possible double count with #{pair.other_id(claim.pk)}: mark one as triangulation or duplicate, "
                "or record why both stand."
            )
    return reasons


@transaction.atomic
def claim_approve(claim: C, *, approved_by: AbstractBaseUser, expected_version: int | None = None) -> C:
    """In review -> approved, by a reviewer who neither created, submitted nor edited it."""
    require_permission(approved_by, "tracker.review_claim", "approve records")
    current = _locked(claim, expected_version)
    blockers = approval_blockers(current, approved_by)
    if blockers:
        raise WorkflowError(blockers)
    current.review_status = ReviewStatus.APPROVED
    current.reviewed_by = approved_by
    current.reviewed_at = timezone.now()
    current.review_comment = ""
    save_with_history(current, user=approved_by, reason=REASON_APPROVED)
    return current


@transaction.atomic
def claim_request_changes(
    claim: C, *, reviewer: AbstractBaseUser, comment: str, expected_version: int | None = None
) -> C:
    """In review -> changes requested, with a comment the analyst sees."""
    require_permission(reviewer, "tracker.review_claim", "request changes")
    if not comment.strip():
        raise WorkflowError({"review_comment": "Tell the analyst what to change."})
    current = _locked(claim, expected_version)
    _expect_status(current, (ReviewStatus.IN_REVIEW,), "request changes on")
    current.review_status = ReviewStatus.CHANGES_REQUESTED
    current.reviewed_by = reviewer
    current.reviewed_at = timezone.now()
    current.review_comment = comment.strip()
    save_with_history(current, user=reviewer, reason=REASON_CHANGES_REQUESTED)
    return current


def _pointers(claim: Claim) -> list[int]:
    if not isinstance(claim, QuantifiedClaim):
        return []
    model = type(claim)
    return list(
        model.objects.filter(Q(supports=claim) | Q(duplicate_of=claim))
        .exclude(review_status=ReviewStatus.REJECTED)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def claim_reject(claim: C, *, rejected_by: AbstractBaseUser, reason: str, expected_version: int | None = None) -> C:
    """In review or approved (a withdrawal) -> rejected, with a reason; refused while others point to it."""
    require_permission(rejected_by, "tracker.review_claim", "reject records")
    if not reason.strip():
        raise WorkflowError({"review_comment": "Give the reason for rejecting this record."})
    current = _locked(claim, expected_version)
    _expect_status(current, (ReviewStatus.IN_REVIEW, ReviewStatus.APPROVED), "reject")
    pointers = _pointers(current)
    if pointers:
        listed = ", ".join(f"#{pk}" for pk in pointers)
        raise WorkflowError(f"Records {listed} support or duplicate this one: change or reject them first.")
    current.review_status = ReviewStatus.REJECTED
    current.reviewed_by = rejected_by
    current.reviewed_at = timezone.now()
    current.review_comment = reason.strip()
    save_with_history(current, user=rejected_by, reason=REASON_REJECTED)
    double_count_refresh(current, lapse=False)
    return current


@transaction.atomic
def claim_reopen(claim: C, *, reopened_by: AbstractBaseUser, expected_version: int | None = None) -> C:
    """Rejected -> draft, by a reviewer."""
    require_permission(reopened_by, "tracker.review_claim", "reopen records")
    current = _locked(claim, expected_version)
    _expect_status(current, (ReviewStatus.REJECTED,), "reopen")
    current.review_status = ReviewStatus.DRAFT
    save_with_history(current, user=reopened_by, reason=REASON_REOPENED)
    double_count_refresh(current, lapse=False)
    return current


# --- possible double counts ----------------------------------------------------------


def _pairs_of(claim: Claim):
    return PossibleDoubleCount.objects.filter(kind=claim._meta.model_name).filter(
        Q(first_id=claim.pk) | Q(second_id=claim.pk)
    )


def counts_for_overlap(claim: QuantifiedClaim) -> bool:
    """Whether a figure takes part in the double-count check at all (``OVERLAP_CANDIDATES``)."""
    return (
        claim.review_status != ReviewStatus.REJECTED
        and claim.role == Role.HEADLINE
        and claim.duplicate_of_id is None
        and claim.low is not None
        and not claim.is_zero
    )


def double_count_refresh(claim: Claim, *, lapse: bool, new: bool = False) -> list[PossibleDoubleCount]:
    """Recompute and store the possible double counts ``claim`` takes part in.

    ``lapse`` clears overlap decisions on its pairs: its substance changed. ``new``: the record was just created,
    so it has no stored pairs to read.
    """
    if not isinstance(claim, QuantifiedClaim):
        return []
    pairs = () if new else _pairs_of(claim)
    if not counts_for_overlap(claim):
        for pair in pairs:
            pair.delete()
        return []
    if new:
        return _double_counts_store_found(claim)
    others = set(overlapping_figures(claim).order_by().values_list("pk", flat=True))  # a set: no sort
    kept = []
    for pair in pairs:
        if pair.other_id(claim.pk) not in others:
            pair.delete()
            continue
        if lapse and pair.decided_at is not None:
            pair.decided_by, pair.decided_at, pair.decision_reason = None, None, ""
            pair.first_version = pair.second_version = None
            pair._change_reason = f"Decision lapsed: #{claim.pk} changed"
            pair.save()
        others.discard(pair.other_id(claim.pk))
        kept.append(pair)
    kept += double_counts_store(claim._meta.model_name, [tuple(sorted((claim.pk, other))) for other in sorted(others)])
    return kept


def double_counts_store(kind: str, pairs: list[tuple[int, int]], *, batch_size: int = 500) -> list[PossibleDoubleCount]:
    """Store new pairs of ``kind`` (lower id, higher id), in the order given, each with the "+" history row that
    ``objects.create`` would give it (the request's user where there is one, no reason): one INSERT for the pairs
    and one for their history rows, where a figure overlapping a hundred others spent two statements and about a
    millisecond of Python on each."""
    rows = [PossibleDoubleCount(kind=kind, first_id=first, second_id=second) for first, second in pairs]
    if not rows:
        return []
    PossibleDoubleCount.objects.bulk_create(rows, batch_size=batch_size)
    author = history_model(PossibleDoubleCount).get_default_history_user(rows[0])
    history_copy(PossibleDoubleCount, [row.pk for row in rows], user=author, reason=None)
    return rows


def _double_counts_store_found(claim: QuantifiedClaim) -> list[PossibleDoubleCount]:
    """Store the pairs of a new figure with every figure ``overlapping_figures`` finds, as ``double_counts_store``
    stores them (in the order of the other figure's id, each with its "+" history row), without reading the figures
    first: the database finds and inserts the pairs in one statement, and on PostgreSQL copies their history rows
    in the same one (a data-modifying WITH; SQLite copies them in a second). A figure of a day at a busy place
    pairs with a dozen others, and reading their ids, building a row for each and sending them back cost more than
    storing them."""
    kind = claim._meta.model_name
    found, found_params = overlap_found_sql(claim)
    table = connection.ops.quote_name(PossibleDoubleCount._meta.db_table)
    now = timezone.now()
    insert = f"""INSERT INTO {table} (kind, first_id, second_id, found_at, decision_reason)
                 SELECT %s, CASE WHEN found.pk < %s THEN found.pk ELSE %s END,
                        CASE WHEN found.pk < %s THEN %s ELSE found.pk END, %s, ''
                 FROM ({found}) found ORDER BY found.pk"""
    params = [kind, claim.pk, claim.pk, claim.pk, claim.pk, connection.ops.adapt_datetimefield_value(now),
              *found_params]
    author = history_model(PossibleDoubleCount).get_default_history_user(PossibleDoubleCount(kind=kind))
    copy, copy_params = history_copy_sql(PossibleDoubleCount), history_params(user=author, reason=None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH pairs AS ({insert} RETURNING *) {copy} FROM pairs ORDER BY id "
                           "RETURNING id, first_id, second_id", [*params, *copy_params])
            stored = cursor.fetchall()
        else:
            cursor.execute(f"{insert} RETURNING id, first_id, second_id", params)
            stored = sorted(cursor.fetchall())
            history_copy(PossibleDoubleCount, [pk for pk, *_ in stored], user=author, reason=None)
    return [PossibleDoubleCount(id=pk, kind=kind, first_id=first, second_id=second, found_at=now, decision_reason="")
            for pk, first, second in stored]


def double_counts_for(claim: Claim) -> list[PossibleDoubleCount]:
    """The stored pairs of a record, unresolved first."""
    if not isinstance(claim, QuantifiedClaim) or claim.pk is None:
        return []
    return sorted(_pairs_of(claim), key=lambda pair: (pair.is_resolved, pair.pk))


@transaction.atomic
def double_count_decide(pair: PossibleDoubleCount, *, decided_by: AbstractBaseUser, reason: str) -> PossibleDoubleCount:
    """A reviewer records why both figures of a pair stand; it lapses when either changes in substance."""
    require_permission(decided_by, "tracker.review_claim", "decide on possible double counts")
    if not reason.strip():
        raise WorkflowError({"decision_reason": "Say why both figures stand (different people, places or times)."})
    from django.apps import apps

    model = apps.get_model("tracker", pair.kind)
    first, second = model.objects.get(pk=pair.first_id), model.objects.get(pk=pair.second_id)
    pair.decided_by = decided_by
    pair.decided_at = timezone.now()
    pair.decision_reason = reason.strip()
    pair.first_version, pair.second_version = first.version, second.version
    pair._history_user = decided_by
    pair.save()
    return pair


def _stale_after_move(pairs: QuerySet, model: type[QuantifiedClaim], inside: Q, ancestors: list[int]) -> list:
    """The pairs of a moved subtree that no longer nest: one figure inside, the other outside it and not at one of
    its new ancestors. Two querysets, one per side of the pair, each a semi-join on the subtree's figures and
    an EXISTS on the other figure (an OR of the two would be run per stored pair)."""
    inside_ids = model.objects.filter(inside).values("pk")
    stale = []
    for side, other in (("first_id", "second_id"), ("second_id", "first_id")):
        elsewhere = model.objects.filter(pk=OuterRef(other)).exclude(inside).exclude(location_id__in=ancestors)
        stale.append(pairs.filter(**{f"{side}__in": inside_ids}).filter(Exists(elsewhere)))
    return stale


def double_counts_after_move(location: Location) -> dict[str, int]:
    """A place moved (with everything under it): restate the stored pairs its figures take part in.

    Inside the moved subtree places nest as before, so pairs between two of its figures stand. What changes is
    the edge: a figure inside now nests with figures placed at the new ancestors of ``location``, and no longer
    with those at the old ones. Set-based, one statement each way per kind, so a move under which 100,000
    figures lie costs a few joins rather than 100,000 refreshes. Undecided pairs that no longer nest are
    deleted in bulk; a decided one is deleted with a history row saying why. Returns the pairs added and
    removed.
    """
    added = removed = 0
    ancestors = location.ancestor_ids()[:-1]
    now = timezone.now()
    table = PossibleDoubleCount._meta.db_table
    for model in QUANTIFIED_MODELS:
        kind = model._meta.model_name
        inside = path_prefix_q("location__path", location.path)
        above = model.objects.filter(OVERLAP_CANDIDATES, location_id__in=ancestors)
        pairs = PossibleDoubleCount.objects.filter(kind=kind)

        for stale in _stale_after_move(pairs, model, inside, ancestors):
            for pair in stale.filter(decided_at__isnull=False):
                pair._change_reason = f"No longer nested: place #{location.pk} moved"
                pair.delete()
                removed += 1
            # One DELETE: QuerySet.delete() would load every pair and send each a signal (simple-history's),
            # a history row apiece for derived rows nobody decided on.
            sql, params = stale.filter(decided_at__isnull=True).order_by().values("pk").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)
                removed += max(cursor.rowcount, 0)
        if not ancestors:
            continue
        columns = ("id", "term_group", "start_date", "end_date", "event_id")
        inside_sql, inside_params = (
            model.objects.filter(OVERLAP_CANDIDATES)
            .filter(path_prefix_q("location__path", location.path))
            .values(*columns).query.sql_with_params()
        )
        above_sql, above_params = above.values(*columns).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (kind, first_id, second_id, found_at, decision_reason)
                SELECT %s, lower_id, higher_id, %s, '' FROM (
                    SELECT CASE WHEN x.id < y.id THEN x.id ELSE y.id END AS lower_id,
                           CASE WHEN x.id < y.id THEN y.id ELSE x.id END AS higher_id
                    FROM ({inside_sql}) x JOIN ({above_sql}) y
                      ON y.term_group = x.term_group AND y.start_date <= x.end_date AND y.end_date >= x.start_date
                     AND (x.event_id IS NULL OR y.event_id IS NULL OR x.event_id = y.event_id)
                ) found
                WHERE NOT EXISTS (
                    SELECT 1 FROM {table} stored
                    WHERE stored.kind = %s AND stored.first_id = found.lower_id AND stored.second_id = found.higher_id
                )
                """,
                [kind, now, *inside_params, *above_params, kind],
            )
            added += max(cursor.rowcount, 0)
    return {"added": added, "removed": removed}
