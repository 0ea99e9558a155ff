"""The admin as analysts and reviewers use it: lists, search, saves through the services, review, revert."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import DisplacementFigureFactory, build_claim
from tracker.choices import ReviewStatus
from tracker.models import DisplacementFigure, PossibleDoubleCount, Source, SurrenderFigure
from tracker.services import claim_approve, claim_create, claim_submit, claim_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def baghouz(groups):
    call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    users = get_user_model().objects
    return users.get(username="demo_analyst"), users.get(username="demo_reviewer")


def figure_form(figure: DisplacementFigure, **changes) -> dict:
    """The POST body of a displacement figure's change form, as the browser would send it."""
    data = {
        "source": figure.source_id, "excerpt": figure.excerpt, "location": figure.location_id,
        "location_precision": figure.location_precision, "start_date": figure.start_date.isoformat(),
        "start_precision": figure.start_precision, "end_date": figure.end_date.isoformat(),
        "end_precision": figure.end_precision, "quantifier": figure.quantifier,
        "reported_value": figure.reported_value or "", "magnitude_word": figure.magnitude_word,
        "reported_phrase": figure.reported_phrase, "unit": figure.unit, "role": figure.role,
        "supports": figure.supports_id or "", "term": figure.term, "category": figure.category,
        "notes": figure.notes, "event": figure.event_id or "", "expected_version": figure.version,
        "_continue": "Save",
    }
    data.update(changes)
    return data


def test_list_shows_derived_persons_with_open_bound(client, baghouz):
    analyst, _ = baghouz
    client.force_login(analyst)
    page = client.get(reverse("admin:tracker_surrenderfigure_changelist")).content.decode()
    assert "4,000 (4,000 or more)" in page
    page = client.get(reverse("admin:tracker_displacementfigure_changelist")).content.decode()
    assert "20,000 (20,000–99,999)" in page


def test_search_by_alias_finds_the_organizations_records(client, baghouz):
    analyst, _ = baghouz
    client.force_login(analyst)
    response = client.get(reverse("admin:tracker_surrenderfigure_changelist"), {"q": "Daesh"})
    assert list(response.context["cl"].result_list) == list(SurrenderFigure.objects.all())
    response = client.get(reverse("admin:tracker_surrenderfigure_changelist"), {"q": "Red Cross"})
    assert list(response.context["cl"].result_list) == []


def test_source_with_a_known_url_is_refused_with_a_link(client, baghouz):
    analyst, _ = baghouz
    existing = Source.objects.get()
    existing.url = "https://www.aljazeera.com/news/2019/3/10/final-enclave"
    existing.save()
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_source_add"), {
        "title": "Same article", "url": "http://aljazeera.com/news/2019/3/10/final-enclave?utm_source=x#top",
        "publisher": existing.publisher_id, "publication_date": "2019-03-10", "kind": "news_article",
        "language": "en", **{f"{p}-{k}": v for p in ("displacementfigures", "surrenderfigures", "aidcapacityreports")
                            for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))},
    })
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["url"])
    assert f"source #{existing.pk}" in errors
    assert reverse("admin:tracker_source_change", args=[existing.pk]) in errors
    assert Source.objects.count() == 1


def test_saving_an_overlapping_figure_names_the_other_record(client, baghouz):
    analyst, _ = baghouz
    first = DisplacementFigure.objects.get(magnitude_word="tens_of_thousands")
    second = claim_create(build_claim(DisplacementFigureFactory, source=first.source, location=first.location,
                                      start_date=first.start_date, end_date=first.end_date), created_by=analyst)
    client.force_login(analyst)
    response = client.post(reverse("admin:tracker_displacementfigure_change", args=[second.pk]),
                           figure_form(second, notes="Another outlet's count."), follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    link = reverse("admin:tracker_displacementfigure_change", args=[first.pk])
    assert f'Possible double count with <a href="{link}">#{first.pk}</a>' in text
    assert PossibleDoubleCount.objects.filter(first_id=first.pk, second_id=second.pk).exists()


def test_approve_is_refused_while_a_double_count_is_unresolved(client, baghouz):
    analyst, reviewer = baghouz
    first = DisplacementFigure.objects.get(magnitude_word="tens_of_thousands")
    second = claim_create(build_claim(DisplacementFigureFactory, source=first.source, location=first.location,
                                      start_date=first.start_date, end_date=first.end_date), created_by=analyst)
    claim_submit(second, submitted_by=analyst)
    client.force_login(reviewer)
    page = client.get(reverse("admin:tracker_displacementfigure_change", args=[second.pk])).content.decode()
    assert "Possible double count with #" in page
    response = client.post(reverse("admin:tracker_displacementfigure_review", args=[second.pk, "approve"]),
                           follow=True)
    assert "Not done: Possible double count" in " ".join(str(m) for m in response.context["messages"])
    second.refresh_from_db()
    assert second.review_status == ReviewStatus.IN_REVIEW


def test_bulk_request_changes_needs_a_comment_and_records_it(client, baghouz):
    analyst, reviewer = baghouz
    figure = claim_create(build_claim(DisplacementFigureFactory, source=Source.objects.get()), created_by=analyst)
    claim_submit(figure, submitted_by=analyst)
    client.force_login(reviewer)
    url = reverse("admin:tracker_displacementfigure_changelist")
    body = {"action": "request_changes_selected", "_selected_action": [figure.pk]}
    response = client.post(url, body)
    assert response.status_code == 200 and b"comment" in response.content  # asks for the comment first
    client.post(url, {**body, "apply": "1", "comment": "Which week was this?"})
    figure.refresh_from_db()
    assert figure.review_status == ReviewStatus.CHANGES_REQUESTED
    assert figure.review_comment == "Which week was this?"


def test_revert_goes_through_review_and_keeps_workflow_fields(client, baghouz):
    analyst, reviewer = baghouz
    figure = DisplacementFigure.objects.get(magnitude_word="tens_of_thousands")
    # Fixtures leave no history: the first edit (notes only) records the original phrase.
    claim_update(figure, data={"notes": figure.notes + " Checked."}, changed_by=analyst)
    history_row = figure.history.latest()
    assert figure.review_status == ReviewStatus.APPROVED  # a notes-only edit keeps approval
    claim_update(figure, data={"reported_phrase": "tens of thousands (edited)"}, changed_by=analyst)
    figure.refresh_from_db()
    assert figure.review_status == ReviewStatus.IN_REVIEW  # an approved record, edited, is back in review
    claim_approve(figure, approved_by=reviewer)

    client.force_login(analyst)
    url = reverse("admin:tracker_displacementfigure_simple_history", args=[figure.pk, history_row.history_id])
    form_page = client.get(url)
    assert form_page.status_code == 200
    form = form_page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()
            if not isinstance(value, list)}
    data.update({"_change_history": "1", "expected_version": form.initial["expected_version"],
                 "cited_sources": []})
    data.pop("cited_sources")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    figure.refresh_from_db()
    assert figure.reported_phrase == "Tens of thousands of people"  # the substance came back
    assert figure.review_status == ReviewStatus.IN_REVIEW  # but not the draft status, nor approval
    assert figure.submitted_by == analyst
    latest = figure.history.latest()
    assert latest.history_user == analyst and latest.history_change_reason.startswith("Reverted")


CHANGELISTS = ["displacementfigure", "surrenderfigure", "aidcapacityreport", "source", "organization", "location",
               "event", "possibledoublecount"]


@pytest.mark.parametrize("name", CHANGELISTS)
@pytest.mark.parametrize("filtered", [False, True])
def test_changelist_queries_do_not_grow_with_rows(client, baghouz, name, filtered):
    """Every list of the admin, plain and with the record filters set, runs the same queries for 5 or 25 rows."""
    from tests.factories import (
        AidCapacityReportFactory,
        EventFactory,
        LocalityFactory,
        OrganizationFactory,
        SourceFactory,
        SurrenderFigureFactory,
    )

    _, reviewer = baghouz
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.org", "x"))
    source = Source.objects.get()
    params = {}
    if filtered and name in ("displacementfigure", "surrenderfigure", "aidcapacityreport"):
        params = {"country": "SYR", "event": source.displacementfigures.first().event_id,
                  "publisher": source.publisher_id, "review_status__exact": "approved"}
    url = reverse(f"admin:tracker_{name}_changelist")
    assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    makers = {
        "displacementfigure": lambda: DisplacementFigureFactory(source=source, location=source.displacementfigures
                                                                .first().location, event_id=params.get("event"),
                                                                review_status=ReviewStatus.APPROVED),
        "surrenderfigure": lambda: SurrenderFigureFactory(source=source, review_status=ReviewStatus.APPROVED),
        "aidcapacityreport": lambda: AidCapacityReportFactory(source=source, review_status=ReviewStatus.APPROVED),
        "source": SourceFactory, "organization": OrganizationFactory, "location": LocalityFactory,
        "event": EventFactory,
        "possibledoublecount": lambda: claim_create(build_claim(DisplacementFigureFactory, source=source),
                                                    created_by=reviewer),
    }
    for _ in range(20):
        makers[name]()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, params).status_code == 200
    assert len(many) == len(few)


def test_the_event_and_publisher_filters_narrow_the_list_and_refuse_junk(client, baghouz):
    """The search-as-you-type filters: an id narrows the list; anything else is the admin's own error, not a 500."""
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.org", "x"))
    url = reverse("admin:tracker_displacementfigure_changelist")
    figure = DisplacementFigure.objects.first()
    other = DisplacementFigureFactory()
    shown = client.get(url, {"event": figure.event_id})
    assert figure in shown.context["cl"].result_list and other not in shown.context["cl"].result_list
    assert f'<option value="{figure.event_id}" selected>{figure.event}</option>' in shown.content.decode()
    published = client.get(url, {"publisher": other.source.publisher_id}).context["cl"].result_list
    assert list(published) == [other]
    assert client.get(url, {"event": "abc"}).status_code in (200, 302)
    assert "e=1" in (client.get(url, {"event": "abc"}).get("Location") or "e=1")


def test_deleting_an_unused_organization_in_the_admin_leaves_a_tombstone(client, baghouz):
    from django.contrib.auth.models import Permission

    from tracker.models import Organization, Tombstone

    analyst, _ = baghouz
    analyst.user_permissions.add(Permission.objects.get(codename="delete_organization"))
    unused = Organization.objects.create(name="Unused relief group")
    client.force_login(get_user_model().objects.get(pk=analyst.pk))
    response = client.post(reverse("admin:tracker_organization_delete", args=[unused.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=unused.pk).exists()
    assert Tombstone.objects.filter(kind="organization", record_id=unused.pk).exists()


def test_an_unfiltered_list_of_a_large_table_counts_from_statistics(baghouz, monkeypatch):
    """PostgreSQL: no COUNT(*) over a large table for its unfiltered list; filtered lists count exactly."""
    from tracker.admin.base import EstimatedCountPaginator

    for _ in range(3):
        DisplacementFigureFactory()
    total = DisplacementFigure.objects.count()
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)  # every table is "large" here
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tracker_displacementfigure")
    with CaptureQueriesContext(connection) as queries:
        estimated = EstimatedCountPaginator(DisplacementFigure.objects.order_by("pk"), 50).count
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert estimated == total
    assert (counted == []) == (connection.vendor == "postgresql")
    filtered = EstimatedCountPaginator(DisplacementFigure.objects.filter(review_status="approved"), 50)
    assert filtered.count == DisplacementFigure.objects.filter(review_status="approved").count() < total
