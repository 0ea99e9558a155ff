"""Four eyes and publishing hold on every door: the services, the admin (edit, History revert, bulk actions)
and the API. Each case here was a hole before: a reviewer could revert an in-review record through History and
then approve their own change, and an analyst could publish a confidential source with one PATCH."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.admin.test_admin import figure_form
from tests.factories import DisplacementFigureFactory, SourceFactory, build_claim
from tracker.choices import ReviewStatus
from tracker.models import ApiKey, DisplacementFigure
from tracker.selectors import awaiting_review_by
from tracker.services import claim_approve, claim_create, claim_submit, claim_update, reference_update
from tracker.services.common import PublishingDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(db):
    """An NGO's ordinary key: approved, non-confidential records only."""
    _, raw = ApiKey.objects.create_key(name="test key", client="Test NGO")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def fresh(record):
    return type(record).objects.get(pk=record.pk)


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def edited_then_submitted(analyst, places, source):
    """The reproduced case: the analyst creates 1,000, edits it to 2,000 and submits."""
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                      reported_value=1000), created_by=analyst)
    claim_update(figure, data={"reported_value": 2000}, changed_by=analyst)
    return claim_submit(fresh(figure), submitted_by=analyst)


def revert_in_admin(client, figure, history_row):
    """Revert ``figure`` to ``history_row`` through the admin's History page, as a browser would."""
    url = reverse("admin:tracker_displacementfigure_simple_history", args=[figure.pk, history_row.history_id])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if not isinstance(value, list)}
    data.update({"_change_history": "1", "expected_version": form.initial["expected_version"]})
    return client.post(url, data)


# --- four eyes ---------------------------------------------------------------------------------------------


def test_a_reviewer_who_reverts_through_history_cannot_approve(client, edited_then_submitted, reviewer,
                                                               second_reviewer):
    figure = edited_then_submitted
    first_version = figure.history.filter(reported_value=1000).earliest()
    client.force_login(reviewer)
    response = revert_in_admin(client, figure, first_version)
    assert response.status_code == 302
    assert fresh(figure).best == 1000 and fresh(figure).review_status == ReviewStatus.IN_REVIEW

    # The revert's change reason says "Reverted", not "Edited": the rule reads who wrote history, not why.
    response = client.post(reverse("admin:tracker_displacementfigure_review", args=[figure.pk, "approve"]),
                           {"expected_version": fresh(figure).version})
    assert fresh(figure).review_status == ReviewStatus.IN_REVIEW
    with pytest.raises(Exception, match="You changed this record since it was submitted"):
        claim_approve(fresh(figure), approved_by=reviewer)
    # The reviewers' queue follows the same rule: not in the reverter's queue, in the other reviewer's.
    assert figure.pk not in awaiting_review_by(DisplacementFigure, reviewer).values_list("pk", flat=True)
    assert figure.pk in awaiting_review_by(DisplacementFigure, second_reviewer).values_list("pk", flat=True)
    claim_approve(fresh(figure), approved_by=second_reviewer)
    assert fresh(figure).review_status == ReviewStatus.APPROVED


def test_a_reviewer_who_patches_through_the_api_cannot_approve(edited_then_submitted, reviewer):
    figure = edited_then_submitted
    api = session(reviewer)
    url = f"/api/v1/displacement-figures/{figure.pk}/"
    response = api.patch(url, {"notes": "Checked against the wire copy."}, format="json",
                         HTTP_IF_MATCH=f'"{figure.version}"')
    assert response.status_code == 200, response.content
    response = api.post(f"{url}approve/", HTTP_IF_MATCH=f'"{fresh(figure).version}"')
    assert response.status_code == 409, response.content
    assert "You changed this record since it was submitted" in response.json()["detail"]
    assert fresh(figure).review_status == ReviewStatus.IN_REVIEW


def test_a_bulk_approval_skips_what_the_reviewer_changed(client, edited_then_submitted, reviewer, analyst, places,
                                                          source):
    figure = edited_then_submitted
    claim_update(fresh(figure), data={"notes": "A reviewer's note."}, changed_by=reviewer)
    other = claim_submit(claim_create(build_claim(DisplacementFigureFactory, source=source,
                                                  location=places.hasakeh), created_by=analyst),
                         submitted_by=analyst)
    client.force_login(reviewer)
    client.post(reverse("admin:tracker_displacementfigure_changelist"),
                {"action": "approve_selected", "_selected_action": [figure.pk, other.pk]})
    assert fresh(figure).review_status == ReviewStatus.IN_REVIEW
    assert fresh(other).review_status == ReviewStatus.APPROVED


def test_a_change_nobody_signed_blocks_approval(edited_then_submitted, reviewer):
    """A bare save() in the shell writes history without an author: the record must be submitted again."""
    figure = fresh(edited_then_submitted)
    figure.notes = "Changed in the shell without the services."
    figure.save()
    with pytest.raises(Exception, match="nobody its history names"):
        claim_approve(fresh(figure), approved_by=reviewer)
    assert figure.pk not in awaiting_review_by(DisplacementFigure, reviewer).values_list("pk", flat=True)


def test_history_before_the_submission_does_not_count(edited_then_submitted, analyst, reviewer):
    """A reviewer who edited a draft and then let the analyst resubmit it after changes may approve."""
    figure = edited_then_submitted
    assert figure.pk in awaiting_review_by(DisplacementFigure, reviewer).values_list("pk", flat=True)
    claim_approve(fresh(figure), approved_by=reviewer)
    assert fresh(figure).review_status == ReviewStatus.APPROVED


# --- publishing is a reviewer's act ------------------------------------------------------------------------


@pytest.fixture
def confidential_source(analyst, places, reviewer, second_reviewer):
    """A confidential source with one approved record on it."""
    source = SourceFactory(title="A partner's confidential situation report", is_confidential=True)
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                      excerpt="CONFIDENTIALMARKER 1,000 people fled"), created_by=analyst)
    claim_submit(figure, submitted_by=analyst)
    claim_approve(fresh(figure), approved_by=reviewer)
    return source, fresh(figure)


def test_an_analyst_cannot_publish_a_confidential_source_through_the_api(confidential_source, analyst, key_client):
    source, figure = confidential_source
    response = session(analyst).patch(f"/api/v1/sources/{source.pk}/", {"is_confidential": False}, format="json",
                                      HTTP_IF_MATCH=f'"{source.version}"')
    assert response.status_code == 403, response.content
    assert "Only a reviewer" in response.json()["is_confidential"][0]
    assert fresh(source).is_confidential
    assert key_client.get(f"/api/v1/displacement-figures/{figure.pk}/").status_code == 404


def test_a_reviewer_publishes_a_source_and_history_records_it(confidential_source, reviewer, key_client):
    source, figure = confidential_source
    response = session(reviewer).patch(f"/api/v1/sources/{source.pk}/", {"is_confidential": False}, format="json",
                                       HTTP_IF_MATCH=f'"{source.version}"')
    assert response.status_code == 200, response.content
    latest = fresh(source).history.latest()
    assert latest.history_user == reviewer and latest.is_confidential is False
    assert key_client.get(f"/api/v1/displacement-figures/{figure.pk}/").status_code == 200


def test_an_analyst_cannot_make_a_confidential_record_public_in_the_admin(client, analyst, places, source):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz,
                                      is_confidential=True), created_by=analyst)
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_displacementfigure_change", args=[figure.pk]),
                           figure_form(figure))  # the checkbox left out: unticked
    assert response.status_code == 200
    assert "Only a reviewer" in str(response.context["adminform"].form.errors["is_confidential"])
    assert fresh(figure).is_confidential and fresh(figure).version == figure.version


def test_the_shell_door_refuses_publishing_too(confidential_source, analyst):
    source, _ = confidential_source
    with pytest.raises(PublishingDenied):
        reference_update(fresh(source), changed_by=analyst, data={"is_confidential": False})
    assert fresh(source).is_confidential


def test_raising_confidentiality_hides_at_once_and_keeps_approval(analyst, places, source, reviewer, key_client):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz),
                          created_by=analyst)
    claim_submit(figure, submitted_by=analyst)
    claim_approve(fresh(figure), approved_by=reviewer)
    assert key_client.get(f"/api/v1/displacement-figures/{figure.pk}/").status_code == 200
    response = session(analyst).patch(f"/api/v1/displacement-figures/{figure.pk}/", {"is_confidential": True},
                                      format="json", HTTP_IF_MATCH=f'"{fresh(figure).version}"')
    assert response.status_code == 200, response.content
    assert fresh(figure).review_status == ReviewStatus.APPROVED  # still counted in staff totals
    assert key_client.get(f"/api/v1/displacement-figures/{figure.pk}/").status_code == 404
    assert fresh(figure).history.latest().history_user == analyst
