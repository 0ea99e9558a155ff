"""The review workflow of DOMAIN.md: who may move a record from which state to which."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import DisplacementFigureFactory, UserFactory, build_claim
from tracker.choices import ReviewStatus, Role
from tracker.models import DisplacementFigure
from tracker.services import (
    ConcurrentEditError,
    WorkflowError,
    approval_blockers,
    claim_approve,
    claim_create,
    claim_delete,
    claim_reject,
    claim_reopen,
    claim_request_changes,
    claim_submit,
    claim_update,
)

pytestmark = pytest.mark.django_db


def status(claim) -> str:
    return DisplacementFigure.objects.get(pk=claim.pk).review_status


def snapshot(claim) -> tuple:
    fresh = DisplacementFigure.objects.get(pk=claim.pk)
    return fresh.review_status, fresh.version, fresh.reported_value, fresh.history.count()


@pytest.fixture
def in_review(draft, analyst):
    return claim_submit(draft, submitted_by=analyst)


@pytest.fixture
def approved(in_review, reviewer):
    return claim_approve(in_review, approved_by=reviewer)


def test_a_new_record_is_always_a_draft(analyst):
    claim = build_claim(DisplacementFigureFactory, review_status=ReviewStatus.APPROVED)
    claim_create(claim, created_by=analyst)
    assert status(claim) == ReviewStatus.DRAFT


def test_workflow_fields_are_not_edited_directly(draft, analyst):
    claim_update(draft, data={"review_status": ReviewStatus.APPROVED, "notes": "x"}, changed_by=analyst)
    assert status(draft) == ReviewStatus.DRAFT


def test_submit_sends_a_draft_to_review(draft, analyst):
    claim = claim_submit(draft, submitted_by=analyst)
    fresh = DisplacementFigure.objects.get(pk=claim.pk)
    assert fresh.review_status == ReviewStatus.IN_REVIEW
    assert fresh.submitted_by == analyst
    assert fresh.submitted_at is not None


def test_a_reviewer_approves(in_review, reviewer):
    claim_approve(in_review, approved_by=reviewer)
    fresh = DisplacementFigure.objects.get(pk=in_review.pk)
    assert (fresh.review_status, fresh.reviewed_by) == (ReviewStatus.APPROVED, reviewer)
    assert fresh.reviewed_at is not None
    assert fresh.history.first().history_change_reason == "Approved"


def test_an_analyst_cannot_approve(in_review, second_analyst):
    before = snapshot(in_review)
    with pytest.raises(PermissionDenied):
        claim_approve(in_review, approved_by=second_analyst)
    assert snapshot(in_review) == before


def test_a_user_outside_the_groups_cannot_write(draft, db):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        claim_create(build_claim(DisplacementFigureFactory), created_by=outsider)
    with pytest.raises(PermissionDenied):
        claim_update(draft, data={"notes": "x"}, changed_by=outsider)
    with pytest.raises(PermissionDenied):
        claim_submit(draft, submitted_by=outsider)
    assert status(draft) == ReviewStatus.DRAFT


def test_the_creator_cannot_approve(reviewer, second_reviewer, analyst):
    claim = claim_create(build_claim(DisplacementFigureFactory), created_by=reviewer)
    claim_submit(claim, submitted_by=analyst)
    with pytest.raises(WorkflowError, match="Nobody approves a record they created or submitted."):
        claim_approve(claim, approved_by=reviewer)
    assert status(claim) == ReviewStatus.IN_REVIEW
    claim_approve(claim, approved_by=second_reviewer)
    assert status(claim) == ReviewStatus.APPROVED


def test_the_submitter_cannot_approve(draft, reviewer, second_reviewer):
    claim_submit(draft, submitted_by=reviewer)
    with pytest.raises(WorkflowError, match="Nobody approves a record they created or submitted."):
        claim_approve(draft, approved_by=reviewer)
    assert status(draft) == ReviewStatus.IN_REVIEW
    claim_approve(draft, approved_by=second_reviewer)
    assert status(draft) == ReviewStatus.APPROVED


def test_a_reviewer_who_edited_since_submission_cannot_approve(in_review, reviewer, second_reviewer):
    claim_update(in_review, data={"reported_value": 1200}, changed_by=reviewer)
    assert status(in_review) == ReviewStatus.IN_REVIEW
    assert approval_blockers(DisplacementFigure.objects.get(pk=in_review.pk), reviewer) == [
        "You changed this record since it was submitted: another reviewer must approve it."
    ]
    with pytest.raises(WorkflowError):
        claim_approve(in_review, approved_by=reviewer)
    claim_approve(in_review, approved_by=second_reviewer)
    assert status(in_review) == ReviewStatus.APPROVED


def test_only_records_in_review_are_approved(draft, reviewer):
    with pytest.raises(WorkflowError, match="not in review"):
        claim_approve(draft, approved_by=reviewer)
    assert status(draft) == ReviewStatus.DRAFT


def test_a_triangulation_waits_for_the_figure_it_supports(analyst, reviewer, draft):
    triangulation = claim_create(
        build_claim(DisplacementFigureFactory, role=Role.TRIANGULATION, supports=draft), created_by=analyst
    )
    claim_submit(triangulation, submitted_by=analyst)
    with pytest.raises(WorkflowError, match=f"The figure it supports \\(#{draft.pk}\\) is not approved yet."):
        claim_approve(triangulation, approved_by=reviewer)
    claim_submit(draft, submitted_by=analyst)
    claim_approve(draft, approved_by=reviewer)
    claim_approve(triangulation, approved_by=reviewer)
    assert status(triangulation) == ReviewStatus.APPROVED


def test_request_changes_needs_a_comment(in_review, reviewer):
    before = snapshot(in_review)
    with pytest.raises(WorkflowError) as info:
        claim_request_changes(in_review, reviewer=reviewer, comment="   ")
    assert info.value.message_dict == {"review_comment": ["Tell the analyst what to change."]}
    assert snapshot(in_review) == before


def test_changes_requested_then_resubmitted(in_review, reviewer, analyst):
    claim_request_changes(in_review, reviewer=reviewer, comment=" Cite the SDF's own statement. ")
    fresh = DisplacementFigure.objects.get(pk=in_review.pk)
    assert fresh.review_status == ReviewStatus.CHANGES_REQUESTED
    assert fresh.review_comment == "Cite the SDF's own statement."
    claim_update(fresh, data={"attribution_text": "Mustafa Bali"}, changed_by=analyst)
    claim_submit(fresh, submitted_by=analyst)
    assert status(fresh) == ReviewStatus.IN_REVIEW


def test_an_analyst_cannot_request_changes_or_reject(in_review, second_analyst):
    with pytest.raises(PermissionDenied):
        claim_request_changes(in_review, reviewer=second_analyst, comment="No.")
    with pytest.raises(PermissionDenied):
        claim_reject(in_review, rejected_by=second_analyst, reason="No.")
    assert status(in_review) == ReviewStatus.IN_REVIEW


def test_reject_needs_a_reason(in_review, reviewer):
    with pytest.raises(WorkflowError) as info:
        claim_reject(in_review, rejected_by=reviewer, reason="")
    assert "review_comment" in info.value.message_dict
    assert status(in_review) == ReviewStatus.IN_REVIEW
    claim_reject(in_review, rejected_by=reviewer, reason="The source was retracted.")
    fresh = DisplacementFigure.objects.get(pk=in_review.pk)
    assert (fresh.review_status, fresh.review_comment) == (ReviewStatus.REJECTED, "The source was retracted.")


def test_rejecting_is_refused_while_another_record_supports_it(approved, analyst, reviewer):
    triangulation = claim_create(
        build_claim(DisplacementFigureFactory, role=Role.TRIANGULATION, supports=approved), created_by=analyst
    )
    with pytest.raises(WorkflowError, match=f"#{triangulation.pk} support or duplicate this one"):
        claim_reject(approved, rejected_by=reviewer, reason="Retracted.")
    assert status(approved) == ReviewStatus.APPROVED
    duplicate = claim_create(build_claim(DisplacementFigureFactory, duplicate_of=approved), created_by=analyst)
    claim_update(triangulation, data={"role": Role.HEADLINE, "supports": None}, changed_by=analyst)
    with pytest.raises(WorkflowError, match=f"#{duplicate.pk} support or duplicate this one"):
        claim_reject(approved, rejected_by=reviewer, reason="Retracted.")


def test_an_approved_record_is_withdrawn_by_rejecting_it(approved, reviewer):
    claim_reject(approved, rejected_by=reviewer, reason="The source was retracted.")
    assert status(approved) == ReviewStatus.REJECTED


def test_a_rejected_record_is_reopened_as_a_draft_by_a_reviewer(in_review, reviewer, analyst):
    claim_reject(in_review, rejected_by=reviewer, reason="Wrong place.")
    with pytest.raises(WorkflowError, match="A rejected record cannot be edited"):
        claim_update(in_review, data={"notes": "fixed"}, changed_by=analyst)
    with pytest.raises(PermissionDenied):
        claim_reopen(in_review, reopened_by=analyst)
    assert status(in_review) == ReviewStatus.REJECTED
    claim_reopen(in_review, reopened_by=reviewer)
    assert status(in_review) == ReviewStatus.DRAFT


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (lambda c, r: claim_request_changes(c, reviewer=r, comment="x"), "approved"),
        (lambda c, r: claim_reopen(c, reopened_by=r), "approved"),
        (lambda c, r: claim_submit(c, submitted_by=r), "approved"),
        (lambda c, r: claim_reject(c, rejected_by=r, reason="x"), "draft"),
        (lambda c, r: claim_request_changes(c, reviewer=r, comment="x"), "draft"),
    ],
)
def test_transitions_outside_the_table_are_refused(request, reviewer, action, state):
    claim = request.getfixturevalue(state)
    before = snapshot(claim)
    with pytest.raises(WorkflowError, match="Cannot "):
        action(claim, reviewer)
    assert snapshot(claim) == before


def test_editing_an_approved_record_sends_it_back_to_review(approved, second_analyst):
    claim_update(approved, data={"reported_value": 1500}, changed_by=second_analyst)
    fresh = DisplacementFigure.objects.get(pk=approved.pk)
    assert fresh.review_status == ReviewStatus.IN_REVIEW
    assert fresh.submitted_by == second_analyst
    assert fresh.best == 1500


def test_editing_only_the_notes_keeps_it_approved(approved, second_analyst):
    claim_update(approved, data={"notes": "Checked against the SDF's statement."}, changed_by=second_analyst)
    fresh = DisplacementFigure.objects.get(pk=approved.pk)
    assert fresh.review_status == ReviewStatus.APPROVED
    assert fresh.notes == "Checked against the SDF's statement."
    assert fresh.submitted_by.username == "analyst"


def test_an_edit_that_changes_nothing_writes_nothing(approved, analyst):
    before = snapshot(approved)
    claim_update(approved, data={"reported_value": approved.reported_value}, changed_by=analyst)
    assert snapshot(approved) == before


@pytest.fixture
def changes_requested(in_review, reviewer):
    return claim_request_changes(in_review, reviewer=reviewer, comment="Which day?")


@pytest.fixture
def rejected(in_review, reviewer):
    return claim_reject(in_review, rejected_by=reviewer, reason="Retracted.")


@pytest.mark.parametrize("state", ["in_review", "changes_requested", "approved", "rejected"])
def test_only_drafts_are_deleted(request, analyst, state):
    claim = request.getfixturevalue(state)
    before = snapshot(claim)
    with pytest.raises(WorkflowError, match="Only drafts are deleted"):
        claim_delete(claim, deleted_by=analyst)
    assert snapshot(claim) == before


def test_a_draft_is_deleted(draft, analyst):
    claim_delete(draft, deleted_by=analyst)
    assert not DisplacementFigure.objects.filter(pk=draft.pk).exists()
    assert draft.history.first().history_type == "-"


def test_a_draft_others_point_to_is_not_deleted(draft, analyst):
    claim_create(build_claim(DisplacementFigureFactory, duplicate_of=draft), created_by=analyst)
    with pytest.raises(WorkflowError, match="Other records point to this one"):
        claim_delete(draft, deleted_by=analyst)
    assert DisplacementFigure.objects.filter(pk=draft.pk).exists()


def test_a_stale_version_is_refused_and_nothing_is_written(draft, analyst, second_analyst):
    opened = DisplacementFigure.objects.get(pk=draft.pk)
    claim_update(draft, data={"reported_value": 1100}, changed_by=second_analyst, expected_version=draft.version)
    before = snapshot(draft)
    with pytest.raises(ConcurrentEditError) as info:
        claim_update(opened, data={"reported_value": 900}, changed_by=analyst, expected_version=opened.version)
    assert "second_analyst" in str(info.value)
    assert info.value.current.version == before[1]
    assert snapshot(draft) == before
    assert DisplacementFigure.objects.get(pk=draft.pk).reported_value == 1100


def test_a_stale_version_blocks_review_transitions_too(in_review, reviewer, analyst):
    version = DisplacementFigure.objects.get(pk=in_review.pk).version
    claim_update(in_review, data={"notes": "more context"}, changed_by=analyst)
    with pytest.raises(ConcurrentEditError):
        claim_approve(in_review, approved_by=reviewer, expected_version=version)
    assert status(in_review) == ReviewStatus.IN_REVIEW
    claim_approve(in_review, approved_by=reviewer, expected_version=version + 1)
    assert status(in_review) == ReviewStatus.APPROVED


def test_each_transition_leaves_a_history_row(approved, reviewer):
    reasons = list(approved.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["Created", "Submitted for review", "Approved"]
    users = [row.history_user.username for row in approved.history.order_by("history_id")]
    assert users == ["analyst", "analyst", "reviewer"]
