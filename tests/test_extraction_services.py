"""The proposals' services: reading a source, accepting a proposal as a draft, rejecting one with its reason, the
forms' initial values, and the assistant measured by analysts' decisions."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import DisplacementFigureFactory, UserFactory, build_claim
from tests.proposals import AID, FLED, FORECAST, SURRENDERED, article_source, make_proposal, sdf
from tracker.choices import LocationPrecision, ProposalStatus, RejectReason, ReviewStatus
from tracker.models import AidCapacityReport, DisplacementFigure, Proposal, SurrenderFigure
from tracker.services import claim_create, double_counts_for
from tracker.services.claims import REASON_CREATED
from tracker.services.extraction import (
    extraction_quality,
    proposal_accept,
    proposal_initial,
    proposal_link,
    proposal_model,
    proposal_reject,
    proposals_refresh,
    sentence_initial,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(places):
    return article_source()


def fled(article, places, **fields):
    place = {"id": places.baghouz.pk, "name": "Baghouz"}
    return make_proposal(article, FLED, location=place, **fields)


# --- accepting --------------------------------------------------------------------------------


def test_accepting_creates_a_draft_through_claim_create_with_the_analysts_history(analyst, article, places):
    proposal = fled(article, places)

    figure = proposal_accept(proposal, user=analyst)

    figure = DisplacementFigure.objects.get(pk=figure.pk)
    assert figure.review_status == ReviewStatus.DRAFT
    assert (figure.quantifier, figure.reported_value, figure.unit, figure.term, figure.category) == (
        "more_than", 4000, "persons", "fled", "flow")
    assert (figure.low, figure.best, figure.high, figure.high_open) == (4000, 4000, None, True)
    assert (figure.start_date, figure.end_date) == (datetime.date(2019, 3, 3), datetime.date(2019, 3, 10))
    assert figure.location == places.baghouz
    assert article.text[figure.excerpt_start:figure.excerpt_end] == FLED == figure.excerpt
    assert figure.created_by == analyst
    first = figure.history.earliest()
    assert (first.history_user, first.history_change_reason) == (analyst, REASON_CREATED)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert (proposal.decided_by, proposal.claim_model, proposal.claim_id) == (analyst, "displacementfigure", figure.pk)
    assert proposal.decided_at is not None


def test_accepting_finds_the_double_count_as_every_door_does(analyst, article, places):
    other = claim_create(build_claim(DisplacementFigureFactory, location=places.baghouz), created_by=analyst)

    figure = proposal_accept(fled(article, places), user=analyst)

    assert [pair.other_id(figure.pk) for pair in double_counts_for(figure)] == [other.pk]


def test_a_proposal_the_rules_refuse_stays_open_with_the_field_errors(analyst, article, places):
    proposal = make_proposal(article, FLED)  # the assistant found no place

    with pytest.raises(ValidationError) as refused:
        proposal_accept(proposal, user=analyst)

    assert "location" in refused.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN and proposal.claim_id is None
    assert not DisplacementFigure.objects.exists()


def test_a_proposal_is_accepted_once(analyst, second_analyst, article, places):
    proposal = fled(article, places)
    proposal_accept(proposal, user=analyst)

    with pytest.raises(ValidationError, match="already accepted by analyst"):
        proposal_accept(Proposal.objects.get(pk=proposal.pk), user=second_analyst)
    assert DisplacementFigure.objects.count() == 1


def test_surrender_and_aid_capacity_proposals_become_their_kinds(analyst, article, places):
    group = sdf()
    isil = type(group).objects.create(name="ISIL", kind="armed_group")
    surrender = make_proposal(
        article, SURRENDERED, kind="surrender", term="surrendered", category=None, quantifier="approximately",
        reported_value=300, reported_phrase="Some 300 fighters", combatant_status="fighters",
        location={"id": places.baghouz.pk, "name": "Baghouz"}, surrendering_group={"id": isil.pk, "name": "ISIL"},
        received_by={"id": group.pk, "name": "SDF"}, start_date="2019-03-09", end_date="2019-03-09")
    aid = make_proposal(
        article, AID, kind="aid_capacity", term=None, category=None, quantifier=None, reported_value=None, unit=None,
        reported_phrase=None, strain="strained", sector="multi_sector", provider_description="Aid agencies in the area",
        location={"id": places.deir_ez_zor.pk, "name": "Deir-ez-Zor"}, start_date="2019-03-10")

    record = proposal_accept(surrender, user=analyst)
    report = proposal_accept(aid, user=analyst)

    assert isinstance(record, SurrenderFigure) and proposal_model(surrender) is SurrenderFigure
    assert (record.surrendering_group, record.received_by, record.best) == (isil, group, 300)
    assert isinstance(report, AidCapacityReport)
    assert (report.strain, report.sector, report.location_precision) == ("strained", "multi_sector",
                                                                         LocationPrecision.ADM1)


# --- linking a record saved from the add form -------------------------------------------------


def test_linking_refuses_a_record_of_another_source_or_kind(analyst, article, places):
    proposal = fled(article, places)
    elsewhere = claim_create(build_claim(DisplacementFigureFactory, location=places.baghouz), created_by=analyst)

    with pytest.raises(ValidationError, match="another source"):
        proposal_link(proposal, elsewhere, user=analyst)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


# --- rejecting --------------------------------------------------------------------------------


def test_rejecting_keeps_the_reason_and_the_note(analyst, article, places):
    forecast = make_proposal(article, FORECAST, quantifier="magnitude", reported_value=None,
                             magnitude_word="thousands", reported_phrase="thousands more")
    other = fled(article, places)

    proposal_reject(forecast, user=analyst, reason=RejectReason.FORECAST)
    with pytest.raises(ValidationError) as refused:
        proposal_reject(other, user=analyst, reason=RejectReason.OTHER)
    assert "reject_note" in refused.value.message_dict
    with pytest.raises(ValidationError):
        proposal_reject(other, user=analyst, reason="because")
    proposal_reject(other, user=analyst, reason=RejectReason.OTHER, note="The SDF's figure is for the whole area.")

    forecast.refresh_from_db()
    other.refresh_from_db()
    assert (forecast.status, forecast.reject_reason, forecast.decided_by) == ("rejected", "forecast", analyst)
    assert (other.reject_reason, other.reject_note) == ("other", "The SDF's figure is for the whole area.")
    with pytest.raises(ValidationError, match="already rejected"):
        proposal_accept(other, user=analyst)


def test_only_analysts_decide(article, places):
    visitor = UserFactory()
    proposal = fled(article, places)

    with pytest.raises(PermissionDenied):
        proposal_accept(proposal, user=visitor)
    with pytest.raises(PermissionDenied):
        proposal_reject(proposal, user=visitor, reason=RejectReason.FORECAST)
    with pytest.raises(PermissionDenied):
        proposals_refresh(article, user=visitor)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


# --- the forms' initial values ----------------------------------------------------------------


def test_a_proposal_fills_its_kinds_form_with_ids_dates_and_offsets(article, places):
    group = sdf()
    proposal = fled(article, places, attributed_to={"id": group.pk, "name": "SDF", "is_party": True},
                    attribution_text="the SDF")

    initial = proposal_initial(proposal)

    assert initial["source"] == article.pk
    assert (initial["location"], initial["location_precision"]) == (places.baghouz.pk, LocationPrecision.EXACT)
    assert initial["attributed_to"] == group.pk
    assert (initial["excerpt"], article.text[initial["excerpt_start"]:initial["excerpt_end"]]) == (FLED, FLED)
    assert (initial["start_date"], initial["end_date"]) == (datetime.date(2019, 3, 3), datetime.date(2019, 3, 10))
    assert (initial["quantifier"], initial["reported_value"], initial["reported_phrase"], initial["category"]) == (
        "more_than", 4000, "More than 4,000 people", "flow")


def test_a_place_or_organization_that_no_longer_exists_is_left_for_the_analyst(article, places):
    proposal = make_proposal(article, FLED, location={"id": 999_999, "name": "Gone"},
                             attributed_to={"id": 999_999, "name": "Gone", "is_party": False})

    initial = proposal_initial(proposal)

    assert "location" not in initial and "attributed_to" not in initial


# --- reading the text (the assistant's rules) -------------------------------------------------


def test_reading_again_keeps_decisions_and_replaces_open_proposals(analyst, article, places):
    first = proposals_refresh(article, user=analyst)
    assert first, "the assistant proposes the article's figures"
    assert all(article.text[p.excerpt_start:p.excerpt_end] == p.excerpt for p in first)
    decided = first[0]
    proposal_reject(decided, user=analyst, reason=RejectReason.OTHER, note="checked by hand")

    again = proposals_refresh(article, user=analyst)

    assert decided.pk not in {p.pk for p in again}
    assert {p.pk for p in again} == {p.pk for p in first[1:]}, "an open proposal read again keeps its id"
    assert Proposal.objects.filter(pk=decided.pk, status=ProposalStatus.REJECTED).exists()
    assert len(again) == len(first) - 1, "the decided proposal is not proposed a second time"
    assert set(article.proposals.filter(status=ProposalStatus.OPEN)) == set(again)
    assert article.proposals.count() == len(first)


def test_a_figure_already_recorded_from_its_sentence_is_not_proposed_again(analyst, article, places):
    first = {p.excerpt: p for p in proposals_refresh(article, user=analyst)}
    assert FLED in first
    start = article.text.index(FLED)
    # The analyst entered it by hand from the selected sentence, before or beside the assistant.
    claim_create(build_claim(DisplacementFigureFactory, source=article, location=places.baghouz, excerpt=FLED,
                             excerpt_start=start, excerpt_end=start + len(FLED), quantifier="more_than",
                             reported_value=4000, reported_phrase=first[FLED].fields["reported_phrase"],
                             start_date=datetime.date(2019, 3, 3)), created_by=analyst)

    again = proposals_refresh(article, user=analyst)

    assert FLED not in {p.excerpt for p in again}
    assert len(again) == len(first) - 1


def test_reading_is_refused_without_text(analyst, places):
    empty = article_source(text="", text_may_be_kept=False)
    dropped = article_source(title="Dropped", url="https://news.example.org/dropped", text="",
                             text_dropped_at=timezone.now(), content_hash="a" * 64)

    with pytest.raises(ValidationError, match="no stored text"):
        proposals_refresh(empty, user=analyst)
    with pytest.raises(ValidationError, match="dropped"):
        proposals_refresh(dropped, user=analyst)


def test_a_language_the_assistant_does_not_read_gives_its_notice(analyst, places):
    arabic = article_source(language="ar")

    stored = proposals_refresh(arabic, user=analyst)

    assert list(stored) == [] and stored.notice
    assert not arabic.proposals.exists()


def test_a_selected_sentence_fills_a_form_even_when_no_rule_fires(article, places):
    start = article.text.index(SURRENDERED)

    initial = sentence_initial(article, start, start + len(SURRENDERED))

    assert initial["excerpt"] == SURRENDERED and initial["excerpt_start"] == start
    assert initial["kind"] in ("surrender", "displacement")
    with pytest.raises(ValidationError):
        sentence_initial(article, 10, 5)
    with pytest.raises(ValidationError):
        sentence_initial(article, 0, len(article.text) + 1)


# --- measured ---------------------------------------------------------------------------------


def test_quality_from_a_known_set_of_decisions(analyst, article, places):
    # Rules "test-1": two accepted (one of them after the analyst corrected its value), one rejected, one open.
    as_proposed = fled(article, places)
    proposal_accept(as_proposed, user=analyst)
    corrected = make_proposal(article, SURRENDERED, quantifier="approximately", reported_value=30,
                              reported_phrase="Some 300 fighters",
                              location={"id": places.baghouz.pk, "name": "Baghouz"})
    record = claim_create(build_claim(DisplacementFigureFactory, source=article, location=places.baghouz,
                                      excerpt=SURRENDERED, quantifier="approximately", reported_value=300,
                                      start_date=datetime.date(2019, 3, 3), end_date=datetime.date(2019, 3, 10)),
                          created_by=analyst)
    proposal_link(corrected, record, user=analyst)
    proposal_reject(make_proposal(article, FORECAST), user=analyst, reason=RejectReason.FORECAST)
    make_proposal(article, AID, kind="aid_capacity", rules_version="test-2")
    # ... and one record the analyst added by hand, which no proposal gave.
    claim_create(build_claim(DisplacementFigureFactory, source=article, location=places.baghouz, excerpt=AID),
                 created_by=analyst)
    # A record on a source that never had proposals does not count.
    claim_create(build_claim(DisplacementFigureFactory, location=places.baghouz), created_by=analyst)

    quality = extraction_quality()

    overall = quality["overall"]
    assert (overall["proposed"], overall["accepted"], overall["accepted_after_edit"], overall["rejected"],
            overall["open"], overall["added_by_hand"]) == (4, 2, 1, 1, 1, 1)
    assert overall["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert overall["precision_as_proposed"] == pytest.approx(1 / 3, abs=1e-3)
    assert overall["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert quality["rejects_by_reason"] == [{"reason": "forecast", "label": RejectReason.FORECAST.label, "count": 1}]
    kinds = {row["kind"]: row for row in quality["by_kind"]}
    assert (kinds["displacement"]["accepted"], kinds["displacement"]["added_by_hand"]) == (2, 1)
    assert kinds["aid_capacity"]["open"] == 1 and kinds["aid_capacity"]["precision"] is None
    versions = {row["rules_version"]: row for row in quality["by_rules_version"]}
    assert versions["test-1"]["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert versions["test-2"]["proposed"] == 1

    later = extraction_quality(since=timezone.now() + datetime.timedelta(minutes=1))
    assert later["overall"]["accepted"] == later["overall"]["rejected"] == later["overall"]["added_by_hand"] == 0
