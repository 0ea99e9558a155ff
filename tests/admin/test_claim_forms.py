"""A record's add and change forms: the reported phrase read into its parts, the fields that follow from the
record's own inputs filled, excerpt offsets found by the services for every door, the source's text beside the
form, and the reviewer's page showing the excerpt in its source."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    OrganizationFactory,
    SourceFactory,
    build_claim,
)
from tracker.choices import OrganizationKind
from tracker.models import AidCapacityReport, DisplacementFigure, SurrenderFigure
from tracker.models.extraction import Proposal
from tracker.services import claim_create, claim_reject, claim_submit

pytestmark = pytest.mark.django_db

TEXT = (
    "Forces resume attacks on final enclave\n\n"
    "More than 4,000 fighters had surrendered in the past month, a spokesman said.\n\n"
    "Tens of thousands of people have fled the town in recent months.\n\n"
    "Aid agencies in the area are struggling to cope with the influx."
)
FLED = "Tens of thousands of people have fled the town in recent months."


@pytest.fixture
def stored(db):
    """An article of 10 March 2019 whose text is stored."""
    return SourceFactory(text=TEXT, text_may_be_kept=True)


def add_form(model, **fields) -> dict:
    """The POST body of a record's add form as an analyst leaves it: only what they typed."""
    data = {"location_precision": "exact", "start_precision": "day", "end_precision": "day", "_save": "Save"}
    if model is not AidCapacityReport:
        data["role"] = "headline"
    data.update({k: "" if v is None else v for k, v in fields.items()})
    return data


def post_add(client, model, **fields):
    return client.post(reverse(f"admin:tracker_{model._meta.model_name}_add"), add_form(model, **fields))


def form_errors(response) -> dict:
    if response.status_code != 200 or "adminform" not in (response.context or {}):
        return {}
    return response.context["adminform"].form.errors


# --- derived fields ----------------------------------------------------------------------------------


def test_category_follows_the_term_and_dates_default_to_publication(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        quantifier="magnitude", magnitude_word="tens_of_thousands", unit="persons",
                        reported_phrase="Tens of thousands of people", term="fled")
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get()
    assert figure.category == "flow"
    assert (figure.start_date, figure.end_date) == (datetime.date(2019, 3, 10), datetime.date(2019, 3, 10))
    assert (figure.start_precision, figure.end_precision) == ("day", "day")


@pytest.mark.parametrize(("term", "category"), [("in_camp", "stock"), ("trapped", "stock"), ("displaced", "flow"),
                                                ("returned", "flow")])
def test_category_left_empty_takes_the_terms(client, analyst, places, stored, term, category):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        quantifier="exact", reported_value=300, unit="persons", term=term)
    assert response.status_code == 302, form_errors(response)
    assert DisplacementFigure.objects.get().category == category


def test_a_category_the_term_refuses_is_still_refused(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        quantifier="exact", reported_value=300, unit="persons", term="fled", category="stock")
    assert response.status_code == 200
    assert "is a flow, not a stock" in str(form_errors(response)["category"])
    assert not DisplacementFigure.objects.exists()


def test_a_start_alone_ends_at_publication_and_an_end_alone_is_a_point_in_time(client, analyst, places, stored):
    client.force_login(analyst)
    post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
             quantifier="exact", reported_value=300, unit="persons", term="fled", start_date="2019-03-03")
    post_add(client, AidCapacityReport, source=stored.pk, excerpt="Aid agencies in the area are struggling",
             location=places.baghouz.pk, provider_description="aid agencies in the area", sector="multi_sector",
             strain="strained", end_date="2019-03-08")
    figure, report = DisplacementFigure.objects.get(), AidCapacityReport.objects.get()
    assert (figure.start_date, figure.end_date) == (datetime.date(2019, 3, 3), datetime.date(2019, 3, 10))
    assert (report.start_date, report.end_date) == (datetime.date(2019, 3, 8), datetime.date(2019, 3, 8))


def test_household_figure_takes_the_country_default_with_its_citation(client, analyst, places, stored):
    places.syria.default_household_size = Decimal("5.50")
    places.syria.default_household_size_citation = "Household survey 2018, table 3"
    places.syria.save()
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        quantifier="exact", reported_value=200, unit="families", term="fled")
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get()
    assert (figure.household_size, figure.household_size_source) == (Decimal("5.50"), "country_default")
    assert figure.best == 1100
    page = client.get(reverse("admin:tracker_displacementfigure_change", args=[figure.pk])).content.decode()
    assert "Household survey 2018, table 3" in page


# --- excerpt offsets, by every door --------------------------------------------------------------------


def test_offsets_filled_through_the_admin(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, SurrenderFigure, source=stored.pk,
                        excerpt="More than 4,000 fighters had surrendered in the past month",
                        location=places.baghouz.pk, quantifier="more_than", reported_value=4000, unit="persons",
                        surrendering_group=OrganizationFactory(kind=OrganizationKind.ARMED_GROUP).pk,
                        term="surrendered", combatant_status="fighters")
    assert response.status_code == 302, form_errors(response)
    figure = SurrenderFigure.objects.get()
    assert TEXT[figure.excerpt_start:figure.excerpt_end] == figure.excerpt


def test_offsets_filled_through_the_shell(analyst, places, stored):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=stored, excerpt=FLED,
                                      location=places.baghouz), created_by=analyst)
    assert (figure.excerpt_start, figure.excerpt_end) == (TEXT.index(FLED), TEXT.index(FLED) + len(FLED))


def test_offsets_found_across_curly_quotes_and_line_breaks(analyst, places):
    source = SourceFactory(text="He said \u201cwe left\u201d on\nSunday. Then more came.", text_may_be_kept=True)
    report = claim_create(build_claim(AidCapacityReportFactory, source=source, excerpt='said "we left" on Sunday',
                                      location=places.baghouz), created_by=analyst)
    assert source.text[report.excerpt_start:report.excerpt_end] == "said \u201cwe left\u201d on\nSunday"


def test_offsets_filled_through_the_api(client, analyst, places, stored):
    client.force_login(analyst)
    response = client.post("/api/v1/displacement-figures/", {
        "source_id": stored.pk, "excerpt": FLED, "location_id": places.baghouz.pk, "start_date": "2019-03-01",
        "end_date": "2019-03-10", "quantifier": "magnitude", "magnitude_word": "tens_of_thousands", "unit": "persons",
        "term": "fled", "category": "flow", "role": "headline",
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["excerpt_start"], body["excerpt_end"]) == (TEXT.index(FLED), TEXT.index(FLED) + len(FLED))


def test_offsets_left_empty_when_the_excerpt_occurs_twice_or_not_at_all(analyst, places):
    twice = SourceFactory(text=f"{FLED}\n\nLater that day:\n\n{FLED}", text_may_be_kept=True)
    figure = claim_create(build_claim(DisplacementFigureFactory, source=twice, excerpt=FLED, location=places.baghouz),
                          created_by=analyst)
    assert (figure.excerpt_start, figure.excerpt_end) == (None, None)
    without_text = claim_create(build_claim(DisplacementFigureFactory, excerpt=FLED, location=places.baghouz),
                                created_by=analyst)
    assert (without_text.excerpt_start, without_text.excerpt_end) == (None, None)


def test_offsets_the_caller_gave_are_kept(analyst, places):
    twice = SourceFactory(text=f"{FLED}\n\nLater that day:\n\n{FLED}", text_may_be_kept=True)
    second = twice.text.rindex(FLED)
    figure = claim_create(build_claim(DisplacementFigureFactory, source=twice, excerpt=FLED, location=places.baghouz,
                                      excerpt_start=second, excerpt_end=second + len(FLED)), created_by=analyst)
    figure.refresh_from_db()
    assert figure.excerpt_start == second


def test_an_edited_excerpt_gets_its_offsets_found_again(client, analyst, places, stored):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=stored, excerpt=FLED,
                                      location=places.baghouz), created_by=analyst)
    client.force_login(analyst)
    new = "Aid agencies in the area are struggling to cope with the influx."
    data = change_form(figure, excerpt=new)
    response = client.post(reverse("admin:tracker_displacementfigure_change", args=[figure.pk]), data)
    assert response.status_code == 302, form_errors(response)
    figure.refresh_from_db()
    assert TEXT[figure.excerpt_start:figure.excerpt_end] == new


def change_form(figure: DisplacementFigure, **changes) -> dict:
    data = {
        "source": figure.source_id, "excerpt": figure.excerpt, "excerpt_start": figure.excerpt_start,
        "excerpt_end": figure.excerpt_end, "location": figure.location_id,
        "location_precision": figure.location_precision, "start_date": figure.start_date.isoformat(),
        "start_precision": figure.start_precision, "end_date": figure.end_date.isoformat(),
        "end_precision": figure.end_precision, "quantifier": figure.quantifier,
        "reported_value": figure.reported_value, "reported_value_max": figure.reported_value_max,
        "magnitude_word": figure.magnitude_word, "reported_phrase": figure.reported_phrase, "unit": figure.unit,
        "role": figure.role, "term": figure.term, "category": figure.category, "expected_version": figure.version,
        "_save": "Save",
    }
    data.update(changes)
    return {k: "" if v is None else v for k, v in data.items()}


# --- the source's text beside the form, and on the reviewer's page ------------------------------------


def test_the_change_page_shows_the_excerpt_marked_in_its_source(client, analyst, reviewer, places, stored):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=stored, excerpt=FLED,
                                      location=places.baghouz), created_by=analyst)
    client.force_login(reviewer)
    page = client.get(reverse("admin:tracker_displacementfigure_change", args=[figure.pk])).content.decode()
    assert 'id="claim-source-text"' in page
    start = TEXT.index(FLED)
    assert f'<mark title="this record&#x27;s excerpt"><span data-start="{start}">{FLED}</span></mark>' in page


def test_a_dropped_text_is_said_and_the_excerpt_shown_alone(client, analyst, reviewer, places, stored):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=stored, excerpt=FLED,
                                      location=places.baghouz), created_by=analyst)
    type(stored).objects.filter(pk=stored.pk).update(text="", text_dropped_at=datetime.datetime(
        2019, 3, 20, tzinfo=datetime.UTC))
    client.force_login(reviewer)
    page = client.get(reverse("admin:tracker_displacementfigure_change", args=[figure.pk])).content.decode()
    assert "text was dropped on 20 March 2019" in page
    assert f'<blockquote id="claim-excerpt-alone" class="claim-excerpt-alone"><mark>{FLED}</mark>' in page


def test_the_text_endpoint_returns_one_source_with_offsets(client, analyst, stored, django_assert_max_num_queries):
    client.force_login(analyst)
    url = reverse("admin:tracker_source_text", args=[stored.pk])
    with django_assert_max_num_queries(6):  # session, user, permissions, the source
        response = client.get(url, {"excerpt": FLED})
    body = response.json()
    assert body["has_text"] and body["publication_date"] == "2019-03-10"
    assert f'<span data-start="{TEXT.index(FLED)}">{FLED}</span>' in body["html"]
    assert client.get(reverse("admin:tracker_source_text", args=[999999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_text_escapes_markup_and_offsets_stay_character_offsets(client, analyst):
    text = "Aid <b>workers</b> & \U0001F4A5 said: 30 families fled."
    source = SourceFactory(text=text, text_may_be_kept=True)
    client.force_login(analyst)
    html = client.get(reverse("admin:tracker_source_text", args=[source.pk]), {"excerpt": "30 families fled."}
                      ).json()["html"]
    assert "&lt;b&gt;workers&lt;/b&gt; &amp;" in html
    assert f'<span data-start="{text.index("30 families")}">30 families fled.</span>' in html


def test_the_add_page_asks_no_query_per_source(client, analyst, django_assert_max_num_queries):
    for _ in range(5):
        SourceFactory(text=TEXT + "!" * _, text_may_be_kept=True)
    client.force_login(analyst)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("admin:tracker_displacementfigure_add")).status_code == 200


def test_parse_phrase_endpoint_is_staff_only_and_bounded(client, analyst):
    url = reverse("admin:tracker_parse_phrase")
    assert client.get(url, {"phrase": "4,000"}).status_code == 302
    client.force_login(analyst)
    assert client.get(url, {"phrase": "x" * 301}).status_code == 400
    assert client.get(url, {"phrase": ""}).json() == {"phrase": "", "parts": None}


# --- the reported phrase, read into its parts ------------------------------------------------------------

PHRASES = [
    ("4,000 people", "exact", 4000, None, "", "persons", (4000, 4000, 4000, False)),
    ("about 4,000", "approximately", 4000, None, "", "persons", (4000, 4000, 4000, False)),
    ("more than 4,000 fighters", "more_than", 4000, None, "", "persons", (4000, 4000, None, True)),
    ("at least 200 households", "at_least", 200, None, "", "households", (1000, 1000, None, True)),
    ("fewer than 200 civilians", "less_than", 200, None, "", "persons", (0, 200, 200, False)),
    ("at most 50", "at_most", 50, None, "", "persons", (0, 50, 50, False)),
    ("between 3,000 and 5,000 people", "range", 3000, 5000, "", "persons", (3000, 3000, 5000, False)),
    ("tens of thousands of people", "magnitude", None, None, "tens_of_thousands", "persons",
     (20000, 20000, 99999, False)),
    ("no further civilians", "exact", 0, None, "", "persons", (0, 0, 0, False)),
]


@pytest.mark.parametrize(("phrase", "quantifier", "value", "value_max", "word", "unit", "persons"), PHRASES)
def test_the_phrase_alone_gives_the_parts_on_save(client, analyst, places, stored, phrase, quantifier, value,
                                                  value_max, word, unit, persons):
    places.syria.default_household_size = Decimal("5")
    places.syria.default_household_size_citation = "Census"
    places.syria.save()
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        reported_phrase=phrase, term="fled")
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get()
    assert (figure.quantifier, figure.reported_value, figure.reported_value_max, figure.magnitude_word,
            figure.unit) == (quantifier, value, value_max, word, unit)
    assert (figure.low, figure.best, figure.high, figure.high_open) == persons


def test_a_part_given_by_hand_is_kept_though_the_phrase_says_otherwise(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        reported_phrase="more than 4,000 families", reported_value=5000, unit="persons", term="fled")
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get()
    assert (figure.quantifier, figure.reported_value, figure.unit, figure.reported_phrase) == (
        "more_than", 5000, "persons", "more than 4,000 families")


def test_a_quantifier_given_without_its_number_is_still_an_error(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        reported_phrase="more than 4,000 people", quantifier="more_than", term="fled")
    assert response.status_code == 200
    assert "Enter the number" in str(form_errors(response)["reported_value"])
    assert not DisplacementFigure.objects.exists()


def test_a_surrender_phrase_through_the_admin(client, analyst, places, stored):
    client.force_login(analyst)
    group = OrganizationFactory(kind=OrganizationKind.ARMED_GROUP)
    response = post_add(client, SurrenderFigure, source=stored.pk, location=places.baghouz.pk,
                        excerpt="More than 4,000 fighters had surrendered in the past month",
                        reported_phrase="more than 4,000 fighters", surrendering_group=group.pk, term="surrendered",
                        combatant_status="fighters")
    assert response.status_code == 302, form_errors(response)
    figure = SurrenderFigure.objects.get()
    assert (figure.quantifier, figure.reported_value, figure.high_open) == ("more_than", 4000, True)
    assert TEXT[figure.excerpt_start:figure.excerpt_end] == figure.excerpt


def test_a_phrase_without_a_number_is_a_field_error_and_nothing_is_saved(client, analyst, places, stored):
    client.force_login(analyst)
    response = post_add(client, DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.baghouz.pk,
                        reported_phrase="large numbers of civilians", term="fled")
    assert response.status_code == 200
    assert "No number or magnitude word" in str(form_errors(response)["reported_phrase"])
    assert not DisplacementFigure.objects.exists()


def test_the_parse_endpoint_previews_the_parts(client, analyst):
    client.force_login(analyst)
    body = client.get(reverse("admin:tracker_parse_phrase"), {"phrase": "between 3,000 and 5,000 families"}).json()
    assert body["parts"] == {"quantifier": "range", "reported_value": 3000, "reported_value_max": 5000,
                             "magnitude_word": None, "unit": "families"}
    assert client.get(reverse("admin:tracker_parse_phrase"), {"phrase": "many"}).json()["parts"] is None


# --- prefilled from a proposal or a selected sentence ---------------------------------------------------


def make_proposal(source, places, **fields):
    start = TEXT.index(FLED)
    return Proposal.objects.create(
        source=source, kind="displacement", excerpt=FLED, excerpt_start=start, excerpt_end=start + len(FLED),
        confidence=0.9, rules_version="test", fields={
            "kind": "displacement", "term": "fled", "category": "flow", "quantifier": "magnitude",
            "reported_value": None, "reported_value_max": None, "magnitude_word": "tens_of_thousands",
            "unit": "persons", "reported_phrase": "Tens of thousands of people", "start_date": "2018-12-10",
            "end_date": "2019-03-10", "start_precision": "month", "end_precision": "day",
            "location": {"id": places.abu_kamal.pk, "name": "Abu Kamal"}, "attributed_to": None, **fields,
        })


def test_a_proposal_prefills_the_add_form_and_saving_accepts_it(client, analyst, places, stored):
    proposal = make_proposal(stored, places)
    client.force_login(analyst)
    url = reverse("admin:tracker_displacementfigure_add")
    form = client.get(url, {"proposal": proposal.pk}).context["adminform"].form
    assert form.initial["proposal"] == proposal.pk
    assert (form.initial["magnitude_word"], form.initial["location"], form.initial["excerpt"]) == (
        "tens_of_thousands", places.abu_kamal.pk, FLED)
    data = add_form(DisplacementFigure, **{name: form.initial.get(name) for name in (
        "source", "excerpt", "excerpt_start", "excerpt_end", "location", "reported_phrase", "term",
        "start_date", "end_date", "start_precision", "end_precision", "location_precision", "proposal")})
    data["reported_value"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    figure = DisplacementFigure.objects.get()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.claim_model, proposal.claim_id) == ("accepted", "displacementfigure",
                                                                          figure.pk)
    assert figure.magnitude_word == "tens_of_thousands"


def test_a_proposal_decided_meanwhile_refuses_the_save_and_saves_nothing(client, analyst, places, stored):
    proposal = make_proposal(stored, places)
    client.force_login(analyst)
    data = add_form(DisplacementFigure, source=stored.pk, excerpt=FLED, location=places.abu_kamal.pk,
                    reported_phrase="Tens of thousands of people", term="fled", proposal=proposal.pk)
    Proposal.objects.filter(pk=proposal.pk).update(status="rejected", reject_reason="not_a_figure")
    response = client.post(reverse("admin:tracker_displacementfigure_add"), data)
    assert response.status_code == 200
    assert "already rejected" in response.content.decode()
    assert not DisplacementFigure.objects.exists()


def test_a_proposal_of_another_kind_opens_its_kinds_form(client, analyst, places, stored):
    proposal = make_proposal(stored, places, kind="aid_capacity")
    Proposal.objects.filter(pk=proposal.pk).update(kind="aid_capacity")
    client.force_login(analyst)
    response = client.get(reverse("admin:tracker_displacementfigure_add"), {"proposal": proposal.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:tracker_aidcapacityreport_add')}?proposal={proposal.pk}"


def test_an_unknown_proposal_gives_an_empty_form_with_a_message(client, analyst):
    client.force_login(analyst)
    for given in ("999999", "x²"):
        response = client.get(reverse("admin:tracker_displacementfigure_add"), {"proposal": given})
        assert response.status_code == 200
        assert "No proposal" in response.content.decode()


def test_a_selected_sentence_prefills_the_add_form(client, analyst, places, stored):
    start = TEXT.index(FLED)
    client.force_login(analyst)
    response = client.get(reverse("admin:tracker_displacementfigure_add"),
                          {"source": stored.pk, "excerpt_start": start, "excerpt_end": start + len(FLED)})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert (form.initial["excerpt"], form.initial["excerpt_start"], form.initial["excerpt_end"]) == (
        FLED, start, start + len(FLED))
    assert f'<span data-start="{start}">{FLED}</span></mark>' in response.content.decode()
    outside = client.get(reverse("admin:tracker_displacementfigure_add"),
                         {"source": stored.pk, "excerpt_start": 5, "excerpt_end": 99999})
    assert outside.status_code == 200 and "Not prefilled" in outside.content.decode()


def test_a_rejected_record_read_only_still_shows_its_excerpt_in_the_source(client, analyst, reviewer, places, stored):
    figure = claim_create(build_claim(DisplacementFigureFactory, source=stored, excerpt=FLED,
                                      location=places.baghouz), created_by=analyst)
    claim_submit(figure, submitted_by=analyst)
    claim_reject(figure, rejected_by=reviewer, reason="Counted elsewhere.")
    client.force_login(reviewer)
    response = client.get(reverse("admin:tracker_displacementfigure_change", args=[figure.pk]))
    assert response.status_code == 200
    assert f'<span data-start="{TEXT.index(FLED)}">{FLED}</span></mark>' in response.content.decode()


def test_a_figure_added_below_a_new_source_takes_the_phrases_parts_and_the_sources_date(client, analyst, places):
    """The source page's own record forms (the inlines) follow the same rules as the record's add form."""
    publisher = OrganizationFactory(kind=OrganizationKind.MEDIA)
    inline = {"displacementfigures-0-" + name: value for name, value in {
        "reported_phrase": "more than 2,000 civilians", "term": "fled", "excerpt": "2,000 civilians fled.",
        "location": places.baghouz.pk, "location_precision": "exact", "start_precision": "day",
        "end_precision": "day", "role": "headline"}.items()}
    counts = {f"{prefix}-{key}": value for prefix in ("displacementfigures", "surrenderfigures",
                                                       "aidcapacityreports")
              for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))}
    counts["displacementfigures-TOTAL_FORMS"] = 1
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), {
        "title": "Civilians leave", "url": "", "publisher": publisher.pk, "publication_date": "2019-03-10",
        "kind": "news_article", "language": "en", "text": "", **counts, **inline}, follow=True)
    assert response.status_code == 200
    assert not form_errors(response), form_errors(response)
    figure = DisplacementFigure.objects.get()
    assert (figure.quantifier, figure.reported_value, figure.unit, figure.category) == (
        "more_than", 2000, "persons", "flow")
    assert (figure.start_date, figure.end_date) == (datetime.date(2019, 3, 10), datetime.date(2019, 3, 10))
