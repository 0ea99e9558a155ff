"""Possible double counts: found and stored at save, blocking approval until resolved (DOMAIN.md, Invariants)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import DisplacementFigureFactory, EventFactory, SurrenderFigureFactory, build_claim
from tracker.choices import DisplacementCategory, DisplacementTerm, ReviewStatus, Role
from tracker.models import DisplacementFigure, PossibleDoubleCount
from tracker.services import (
    WorkflowError,
    claim_approve,
    claim_create,
    claim_reject,
    claim_reopen,
    claim_submit,
    claim_update,
    double_count_decide,
    double_counts_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure(analyst, places, source):
    """Tens of thousands fled the Abu Kamal district, 10 December 2018 to 10 March 2019."""
    return claim_create(
        build_claim(DisplacementFigureFactory, source=source, location=places.abu_kamal, reported_value=20000,
                    start_date=date(2018, 12, 10), end_date=date(2019, 3, 10)),
        created_by=analyst,
    )


def new_figure(analyst, places, **fields):
    fields.setdefault("location", places.baghouz)
    fields.setdefault("reported_value", 2000)
    fields.setdefault("start_date", date(2019, 3, 1))
    fields.setdefault("end_date", date(2019, 3, 10))
    return claim_create(build_claim(DisplacementFigureFactory, **fields), created_by=analyst)


def pairs() -> set[tuple[int, int]]:
    return set(PossibleDoubleCount.objects.values_list("first_id", "second_id"))


def test_nested_places_and_overlapping_periods_make_a_stored_pair(figure, analyst, places):
    other = new_figure(analyst, places)
    assert pairs() == {(figure.pk, other.pk)}
    pair = PossibleDoubleCount.objects.get()
    assert pair.kind == "displacementfigure"
    assert not pair.is_resolved
    assert [p.other_id(other.pk) for p in double_counts_for(other)] == [figure.pk]
    assert [p.other_id(figure.pk) for p in double_counts_for(figure)] == [other.pk]


def test_the_same_place_pairs_and_so_does_the_finer_place_first(analyst, places):
    camp_figure = new_figure(analyst, places, location=places.camp)
    country_figure = new_figure(analyst, places, location=places.syria)
    same_place = new_figure(analyst, places, location=places.camp)
    assert pairs() == {
        (camp_figure.pk, country_figure.pk), (camp_figure.pk, same_place.pk), (country_figure.pk, same_place.pk)
    }


def test_approval_is_refused_while_a_pair_is_unresolved(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    claim_submit(figure, submitted_by=analyst)
    with pytest.raises(WorkflowError, match=f"Possible double count with #{other.pk}"):
        claim_approve(figure, approved_by=reviewer)
    assert DisplacementFigure.objects.get(pk=figure.pk).review_status == ReviewStatus.IN_REVIEW


def test_marking_one_as_triangulation_resolves_the_pair(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    claim_submit(figure, submitted_by=analyst)
    claim_update(other, data={"role": Role.TRIANGULATION, "supports": figure}, changed_by=analyst)
    assert pairs() == set()
    claim_approve(figure, approved_by=reviewer)
    assert DisplacementFigure.objects.get(pk=figure.pk).review_status == ReviewStatus.APPROVED


def test_marking_one_as_duplicate_resolves_the_pair(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    claim_submit(figure, submitted_by=analyst)
    claim_update(other, data={"duplicate_of": figure}, changed_by=analyst)
    assert pairs() == set()
    claim_approve(figure, approved_by=reviewer)
    assert DisplacementFigure.objects.get(pk=figure.pk).review_status == ReviewStatus.APPROVED


def test_a_reviewers_decision_resolves_the_pair(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    claim_submit(figure, submitted_by=analyst)
    pair = PossibleDoubleCount.objects.get()
    double_count_decide(pair, decided_by=reviewer, reason=" Different people: the camp counts arrivals. ")
    pair.refresh_from_db()
    assert pair.is_resolved
    assert (pair.decided_by, pair.decision_reason) == (reviewer, "Different people: the camp counts arrivals.")
    assert (pair.first_version, pair.second_version) == (
        DisplacementFigure.objects.get(pk=figure.pk).version, DisplacementFigure.objects.get(pk=other.pk).version
    )
    claim_approve(figure, approved_by=reviewer)
    assert DisplacementFigure.objects.get(pk=figure.pk).review_status == ReviewStatus.APPROVED


def test_a_decision_needs_a_reviewer_and_a_reason(figure, analyst, places, reviewer):
    new_figure(analyst, places)
    pair = PossibleDoubleCount.objects.get()
    with pytest.raises(PermissionDenied):
        double_count_decide(pair, decided_by=analyst, reason="Different people.")
    with pytest.raises(WorkflowError) as info:
        double_count_decide(pair, decided_by=reviewer, reason="  ")
    assert "decision_reason" in info.value.message_dict
    assert not PossibleDoubleCount.objects.get().is_resolved


def test_a_decision_lapses_when_a_records_substance_changes(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    double_count_decide(PossibleDoubleCount.objects.get(), decided_by=reviewer, reason="Different people.")
    claim_update(other, data={"notes": "Spelling."}, changed_by=analyst)
    assert PossibleDoubleCount.objects.get().is_resolved
    claim_update(other, data={"reported_value": 3000}, changed_by=analyst)
    pair = PossibleDoubleCount.objects.get()
    assert not pair.is_resolved
    assert (pair.decided_by, pair.decision_reason, pair.first_version) == (None, "", None)
    claim_submit(figure, submitted_by=analyst)
    with pytest.raises(WorkflowError, match="Possible double count"):
        claim_approve(figure, approved_by=reviewer)


def test_a_decision_lapses_when_the_other_record_changes(figure, analyst, places, reviewer):
    new_figure(analyst, places)
    double_count_decide(PossibleDoubleCount.objects.get(), decided_by=reviewer, reason="Different people.")
    claim_update(figure, data={"end_date": date(2019, 3, 9)}, changed_by=analyst)
    assert not PossibleDoubleCount.objects.get().is_resolved


def test_a_zero_overlaps_nothing(figure, analyst, places):
    zero = new_figure(analyst, places, reported_value=0, start_date=date(2019, 3, 9))
    assert pairs() == set()
    assert double_counts_for(zero) == []
    claim_update(zero, data={"reported_value": 5}, changed_by=analyst)
    assert pairs() == {(figure.pk, zero.pk)}
    claim_update(zero, data={"reported_value": 0}, changed_by=analyst)
    assert pairs() == set()


def test_different_term_groups_do_not_pair(figure, analyst, places):
    new_figure(analyst, places, term=DisplacementTerm.ARRIVED)
    new_figure(analyst, places, term=DisplacementTerm.RETURNED)
    new_figure(analyst, places, term=DisplacementTerm.DISPLACED, category=DisplacementCategory.STOCK)
    new_figure(analyst, places, term=DisplacementTerm.TRAPPED, category=DisplacementCategory.STOCK)
    assert pairs() == set()


def test_every_leaving_term_is_one_group(figure, analyst, places):
    others = [
        new_figure(analyst, places, term=term)
        for term in (DisplacementTerm.EVACUATED, DisplacementTerm.RELOCATED, DisplacementTerm.DISPLACED)
    ]
    assert {(figure.pk, other.pk) for other in others} <= pairs()


def test_periods_that_do_not_meet_do_not_pair_and_one_shared_day_does(analyst, places):
    early = new_figure(analyst, places, start_date=date(2019, 3, 1), end_date=date(2019, 3, 4))
    late = new_figure(analyst, places, start_date=date(2019, 3, 5), end_date=date(2019, 3, 10))
    assert pairs() == set()
    touching = new_figure(analyst, places, start_date=date(2019, 3, 4), end_date=date(2019, 3, 5))
    assert pairs() == {(early.pk, touching.pk), (late.pk, touching.pk)}


def test_places_that_do_not_nest_do_not_pair(figure, analyst, places):
    elsewhere = new_figure(analyst, places, location=places.hasakeh)
    assert pairs() == set()
    claim_update(elsewhere, data={"location": places.deir_ez_zor}, changed_by=analyst)
    assert pairs() == {(figure.pk, elsewhere.pk)}
    claim_update(elsewhere, data={"location": places.anbar}, changed_by=analyst)
    assert pairs() == set()


def test_events_must_match_and_an_empty_event_matches_any(analyst, places):
    battle, other_battle = EventFactory(), EventFactory()
    first = new_figure(analyst, places, event=battle)
    new_figure(analyst, places, event=other_battle)
    assert pairs() == set()
    no_event = new_figure(analyst, places)
    assert {(first.pk, no_event.pk)} <= pairs()
    assert len(pairs()) == 2


def test_triangulations_and_duplicates_never_pair(figure, analyst, places):
    new_figure(analyst, places, role=Role.TRIANGULATION, supports=figure)
    new_figure(analyst, places, duplicate_of=figure)
    assert pairs() == set()


def test_unquantified_figures_never_pair(figure, analyst, places):
    new_figure(analyst, places, quantifier="unquantified", reported_value=None)
    assert pairs() == set()


def test_rejecting_one_removes_its_pairs_and_reopening_brings_them_back(figure, analyst, places, reviewer):
    other = new_figure(analyst, places)
    claim_submit(other, submitted_by=analyst)
    claim_reject(other, rejected_by=reviewer, reason="Retracted.")
    assert pairs() == set()
    new_figure(analyst, places, location=places.camp)
    assert len(pairs()) == 1  # the rejected one pairs with nothing
    claim_reopen(other, reopened_by=reviewer)
    assert (figure.pk, other.pk) in pairs()


def test_kinds_pair_only_with_their_own_kind(figure, analyst, places):
    first = claim_create(build_claim(SurrenderFigureFactory, location=places.baghouz), created_by=analyst)
    second = claim_create(build_claim(SurrenderFigureFactory, location=places.abu_kamal), created_by=analyst)
    assert set(PossibleDoubleCount.objects.values_list("kind", "first_id", "second_id")) == {
        ("surrenderfigure", first.pk, second.pk)
    }


# --- a moved place takes its figures' pairs along -----------------------------------------------------------


def test_moving_a_place_stores_the_pairs_it_now_makes_and_blocks_approval(figure, analyst, reviewer, places):
    """Baghouz's figures did not nest with Al-Anbar's; moved under Al-Anbar, they do, and the pair blocks approval.

    Before, ``location_move`` rewrote the subtree and stored nothing: the new pair was found by
    ``overlapping_figures`` but nothing blocked its approval.
    """
    from tracker.services import location_move

    in_anbar = new_figure(analyst, places, location=places.anbar, source=figure.source)
    camp = new_figure(analyst, places, location=places.camp, source=figure.source)  # Al-Hol camp, under Baghouz
    assert (in_anbar.pk, camp.pk) not in pairs()
    location_move(places.baghouz, parent=places.anbar, moved_by=analyst)
    assert (in_anbar.pk, camp.pk) in pairs()
    assert (figure.pk, camp.pk) not in pairs()  # Abu Kamal no longer holds the camp
    claim_submit(camp, submitted_by=analyst)
    with pytest.raises(WorkflowError, match=f"Possible double count with #{in_anbar.pk}"):
        claim_approve(DisplacementFigure.objects.get(pk=camp.pk), approved_by=reviewer)


def test_moving_a_place_back_removes_pairs_and_keeps_the_ones_inside(figure, analyst, places, reviewer):
    from tracker.services import location_move

    baghouz = new_figure(analyst, places, location=places.baghouz, source=figure.source)
    camp = new_figure(analyst, places, location=places.camp, source=figure.source)
    inside = PossibleDoubleCount.objects.get(first_id=baghouz.pk, second_id=camp.pk)
    decided = double_count_decide(PossibleDoubleCount.objects.get(first_id=figure.pk, second_id=camp.pk),
                                  decided_by=reviewer, reason="Different people: the camp holds arrivals.")
    location_move(places.baghouz, parent=places.anbar, moved_by=analyst)
    assert pairs() == {(baghouz.pk, camp.pk)}  # the pairs with Abu Kamal went; the one inside the subtree stands
    assert PossibleDoubleCount.objects.get().pk == inside.pk
    assert decided.history.filter(history_type="-").exists()  # the decided pair's removal is in its history
    location_move(places.baghouz, parent=places.abu_kamal, moved_by=analyst)
    assert pairs() == {(baghouz.pk, camp.pk), (figure.pk, baghouz.pk), (figure.pk, camp.pk)}


def test_a_place_moved_through_the_api_refreshes_pairs(figure, analyst, places):
    from rest_framework.test import APIClient

    camp = new_figure(analyst, places, location=places.camp, source=figure.source)
    in_anbar = new_figure(analyst, places, location=places.anbar, source=figure.source)
    client = APIClient()
    client.force_login(analyst)
    response = client.patch(f"/api/v1/locations/{places.baghouz.pk}/", {"parent_id": places.anbar.pk},
                            format="json", HTTP_IF_MATCH=f'"{places.baghouz.version}"')
    assert response.status_code == 200, response.content
    assert (camp.pk, in_anbar.pk) in pairs() and (figure.pk, camp.pk) not in pairs()
