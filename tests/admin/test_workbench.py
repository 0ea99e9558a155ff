"""The source's page as workbench: proposals beside the text, accept, reject, read again, a record from a
sentence; the proposals' list and the extraction quality page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.proposals import FLED, FORECAST, SURRENDERED, article_source, make_proposal
from tracker.choices import ProposalStatus, RejectReason, ReviewStatus
from tracker.models import DisplacementFigure, Proposal, Source
from tracker.services.extraction import proposal_accept, proposal_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(places):
    return article_source()


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def source_page(source) -> str:
    return reverse("admin:tracker_source_change", args=[source.pk])


def accept_url(proposal) -> str:
    return reverse("admin:tracker_source_proposal_accept", args=[proposal.source_id, proposal.pk])


def reject_url(proposal) -> str:
    return reverse("admin:tracker_source_proposal_reject", args=[proposal.source_id, proposal.pk])


def fled(article, places):
    return make_proposal(article, FLED, location={"id": places.baghouz.pk, "name": "Baghouz"})


def test_the_page_shows_open_proposals_with_their_buttons_beside_the_text(analyst_client, article, places):
    proposal = fled(article, places)

    page = analyst_client.get(source_page(article)).content.decode()

    assert 'id="source-text"' in page and "data-sentences=" in page
    assert f'id="proposal-{proposal.pk}"' in page
    assert f'action="{accept_url(proposal)}"' in page and f'action="{reject_url(proposal)}"' in page
    assert f"/admin/tracker/displacementfigure/add/?proposal={proposal.pk}" in page
    assert "More than 4,000 people" in page and "Baghouz" in page
    assert page.index('id="workbench"') < page.index('id="source_form"'), "the proposals come before the form"


def test_a_first_opening_reads_the_text(analyst_client, article):
    page = analyst_client.get(source_page(article)).content.decode()

    assert article.proposals.exists()
    assert 'class="button default proposal-accept"' in page


def test_a_replaced_text_is_read_again_on_opening(analyst_client, article, places):
    stale = fled(article, places)
    type(article).objects.filter(pk=article.pk).update(text="Updated at 18:00.\n\n" + article.text)

    page = analyst_client.get(source_page(article)).content.decode()

    assert not Proposal.objects.filter(pk=stale.pk).exists()
    article.refresh_from_db()
    fresh = article.proposals.get(excerpt=FLED)
    assert article.text[fresh.excerpt_start:fresh.excerpt_end] == FLED
    assert f'data-start="{fresh.excerpt_start}"' in page


def test_accept_creates_the_draft_and_says_so_with_a_link(analyst_client, analyst, article, places):
    proposal = fled(article, places)

    response = analyst_client.post(accept_url(proposal), follow=True)

    figure = DisplacementFigure.objects.get()
    assert (figure.review_status, figure.created_by) == (ReviewStatus.DRAFT, analyst)
    assert response.redirect_chain[0][0] == f"{source_page(article)}#proposal-{proposal.pk}"
    page = response.content.decode()
    assert f'href="{reverse("admin:tracker_displacementfigure_change", args=[figure.pk])}"' in page
    assert "is a draft" in page
    assert 'class="count-accepted">1<' in page


def test_a_refused_accept_names_the_field_and_keeps_the_proposal_open(analyst_client, article):
    proposal = make_proposal(article, FLED)  # no place found

    page = analyst_client.post(accept_url(proposal), follow=True).content.decode()

    assert "Not accepted: Location:" in page and f"?proposal={proposal.pk}" in page
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN and not DisplacementFigure.objects.exists()


def test_a_get_changes_nothing_and_another_sources_proposal_is_not_found(analyst_client, article, places):
    proposal = fled(article, places)
    other = article_source(title="Another", url="https://news.example.org/another", text=article.text + " Later.")

    assert analyst_client.get(accept_url(proposal)).status_code == 302
    wrong = reverse("admin:tracker_source_proposal_accept", args=[other.pk, proposal.pk])
    assert analyst_client.post(wrong).status_code == 404
    assert analyst_client.post(reverse("admin:tracker_source_proposal_accept", args=[article.pk, "²"])).status_code \
        == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_reject_keeps_the_reason_and_asks_a_note_for_other(analyst_client, article, places):
    proposal = make_proposal(article, FORECAST, quantifier="magnitude", reported_value=None,
                             magnitude_word="thousands", reported_phrase="thousands more")

    page = analyst_client.post(reject_url(proposal), {"reason": "other"}, follow=True).content.decode()
    assert "Not rejected" in page and "Say why" in page
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN

    page = analyst_client.post(reject_url(proposal), {"reason": "forecast"}, follow=True).content.decode()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reject_reason) == (ProposalStatus.REJECTED, RejectReason.FORECAST)
    assert "Rejected: forecast, plan or conditional." in page


def test_decided_proposals_show_their_decision_and_record(analyst_client, analyst, article, places):
    accepted = fled(article, places)
    figure = proposal_accept(accepted, user=analyst)
    rejected = make_proposal(article, FORECAST)
    proposal_reject(rejected, user=analyst, reason=RejectReason.FORECAST)

    page = analyst_client.get(source_page(article)).content.decode()

    assert f'href="{reverse("admin:tracker_displacementfigure_change", args=[figure.pk])}"' in page
    assert "Rejected by analyst" in page and "forecast, plan or conditional" in page
    assert 'class="count-rejected">1<' in page


def test_a_dropped_text_says_so(analyst_client, places):
    dropped = article_source(text="", text_dropped_at=timezone.now(), content_hash="b" * 64)
    response = analyst_client.get(source_page(dropped))

    assert 'id="text-dropped"' in response.content.decode()


def test_a_language_the_assistant_does_not_read_shows_its_notice(analyst_client, places):
    arabic = article_source(language="ar")

    page = analyst_client.get(source_page(arabic)).content.decode()

    assert 'id="workbench-notice"' in page
    assert not arabic.proposals.exists()


def test_read_again_replaces_open_proposals(analyst_client, article, places):
    read_before = fled(article, places)  # an earlier reading, by other rules
    gone = make_proposal(article, FORECAST, reported_phrase="thousands more")

    response = analyst_client.post(reverse("admin:tracker_source_proposals_read", args=[article.pk]))

    assert response.status_code == 302
    assert not Proposal.objects.filter(pk=gone.pk).exists()
    read_before.refresh_from_db()
    assert read_before.rules_version != "test-1", "read again with today's rules, under the same id"
    assert article.proposals.count() > 1


def test_a_selected_sentence_opens_the_add_form_of_its_kind(analyst_client, article):
    start = article.text.index(SURRENDERED)
    url = reverse("admin:tracker_source_sentence", args=[article.pk])

    response = analyst_client.get(url, {"excerpt_start": start, "excerpt_end": start + len(SURRENDERED)})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/tracker/")
    assert f"source={article.pk}&excerpt_start={start}&excerpt_end={start + len(SURRENDERED)}" in response["Location"]
    bad = analyst_client.get(url, {"excerpt_start": "x", "excerpt_end": "9"})
    assert bad.status_code == 302 and bad["Location"] == source_page(article)


def test_the_demos_article_opens_as_a_workbench(analyst_client, groups):
    from django.core.management import call_command

    call_command("loaddata", "reference", "demo_baghouz", "demo_workbench", verbosity=0)
    demo = Source.objects.exclude(text="").get()

    response = analyst_client.get(source_page(demo))

    assert response.status_code == 200
    proposals = list(demo.proposals.all())
    assert proposals and all(demo.text[p.excerpt_start:p.excerpt_end] == p.excerpt for p in proposals)
    page = response.content.decode()
    assert all(f'id="proposal-{p.pk}"' in page for p in proposals)
    assert 'id="sentence-record"' in page


def test_quality_page_and_proposals_list_for_analysts_only(analyst_client, client, analyst, article, places):
    proposal_accept(fled(article, places), user=analyst)
    proposal_reject(make_proposal(article, FORECAST), user=analyst, reason=RejectReason.FORECAST)

    page = analyst_client.get(reverse("admin:tracker_proposal_quality")).content.decode()
    assert '<td class="precision">50 %</td>' in page
    assert "<svg" in page and "Forecast, plan or conditional" in page
    listing = analyst_client.get(reverse("admin:tracker_proposal_changelist"))
    assert listing.status_code == 200 and reverse("admin:tracker_proposal_quality") in listing.content.decode()
    assert analyst_client.get(reverse("admin:tracker_proposal_add")).status_code == 403
    assert 'id="extraction-quality-link"' in analyst_client.get(reverse("admin:index")).content.decode()

    client.force_login(UserFactory())
    assert client.get(reverse("admin:tracker_proposal_quality")).status_code == 403
    assert client.post(accept_url(Proposal.objects.first())).status_code == 403
