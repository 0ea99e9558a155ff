"""Filters: what a data manager narrows a download by, and the 400s that catch a typo."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, list_ids
from tests.factories import LocalityFactory, SourceFactory
from tracker import filtersets
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)

RESOURCES = ["displacement-figures", "surrenders", "aid-capacity"]


def ids(world, resource, *names):
    return {world.hidden[resource][name].pk for name in names}


@pytest.mark.parametrize("resource", RESOURCES)
def test_country_and_location_include_every_place_inside(world, key_client, resource):
    shown = world.visible[resource]
    at_baghouz, at_hasakeh = shown[0].pk, shown[1].pk
    assert set(list_ids(key_client, resource, country="SYR")) == {at_baghouz, at_hasakeh}
    assert set(list_ids(key_client, resource, country="syr")) == {at_baghouz, at_hasakeh}
    assert list_ids(key_client, resource, country="IRQ") == []
    # Deir-ez-Zor by P-code and by id holds Baghouz (three levels down), not Al-Hasakeh
    assert list_ids(key_client, resource, location="SY09") == [at_baghouz]
    assert list_ids(key_client, resource, location=str(world.places.deir_ez_zor.pk)) == [at_baghouz]
    assert set(list_ids(key_client, resource, location="SY09,SY08")) == {at_baghouz, at_hasakeh}
    assert list_ids(key_client, resource, location=str(world.places.camp.pk)) == []


def test_a_sibling_whose_path_shares_a_prefix_is_not_inside(world, key_client):
    """/1/2/ must not match /1/23/: the subtree match is on whole path segments."""
    places = [LocalityFactory(parent=world.places.abu_kamal) for _ in range(12)]
    outer = places[0]
    figure = world.visible["displacement-figures"][0]
    figure.location = places[-1]
    figure.save()
    assert outer.path != places[-1].path[: len(outer.path)]
    assert list_ids(key_client, "displacement-figures", location=str(outer.pk)) == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_period_overlap_and_source_date(world, key_client, resource):
    first, second = world.visible[resource]
    day = first.end_date.isoformat()
    assert list_ids(key_client, resource, date_from=day, date_to=day) == [first.pk]
    assert set(list_ids(key_client, resource, date_from=day)) == {first.pk, second.pk}
    assert list_ids(key_client, resource, date_to="2018-12-31") == []
    assert set(list_ids(key_client, resource, published_from="2019-03-10", published_to="2019-03-10")) == {
        first.pk, second.pk}
    assert list_ids(key_client, resource, published_to="2019-03-09") == []


def test_text_search_finds_aliases_places_and_excerpts(world, key_client):
    surrender = world.visible["surrenders"]
    assert set(list_ids(key_client, "surrenders", q="Daesh")) == {record.pk for record in surrender}
    assert list_ids(key_client, "organizations", q="daesh") == [world.isil.pk]
    assert list_ids(key_client, "surrenders", q="Hasakeh") == [surrender[1].pk]
    assert list_ids(key_client, "surrenders", q="HYPERLINK evil") == [surrender[0].pk]
    assert list_ids(key_client, "surrenders", q="Daesh nowhere-at-all") == []


def test_organization_filters(world, key_client):
    shown = world.visible["surrenders"]
    assert set(list_ids(key_client, "surrenders", surrendering_group=world.isil.pk)) == {r.pk for r in shown}
    assert list_ids(key_client, "surrenders", attributed_to=world.sdf.pk) == [shown[0].pk]
    assert set(list_ids(key_client, "surrenders", organization=world.sdf.pk)) == {r.pk for r in shown}
    assert set(list_ids(key_client, "displacement-figures", organization=world.sdf.pk)) == {
        world.visible["displacement-figures"][0].pk}


def test_event_crisis_and_choices(world, key_client):
    shown = {r.pk for r in world.visible["displacement-figures"]}
    assert set(list_ids(key_client, "displacement-figures", event=world.event.pk)) == shown
    assert set(list_ids(key_client, "displacement-figures", crisis=world.event.crisis_id)) == shown
    assert set(list_ids(key_client, "displacement-figures", term="fled,returned", category="flow")) == shown
    assert list_ids(key_client, "displacement-figures", term="returned") == []
    assert set(list_ids(key_client, "aid-capacity", sector="multi_sector", strain="strained")) == {
        r.pk for r in world.visible["aid-capacity"]}
    assert set(list_ids(key_client, "displacement-figures", role="headline", is_duplicate="false",
                        quantified="true", best_min=1000, best_max=1000)) == shown


def test_review_status_is_for_staff(world, key_client, staff_client):
    response = key_client.get(f"{API}/surrenders/", {"review_status": "approved"})
    assert response.status_code == 400 and "review_status" in response.json()
    assert set(list_ids(staff_client, "surrenders", review_status="draft,in_review")) == ids(
        world, "surrenders", "draft", "in_review")


def test_confidential_filter_needs_the_scope(world, key_client, scoped_key_client, staff_client):
    assert key_client.get(f"{API}/surrenders/", {"confidential": "true"}).status_code == 400
    expected = ids(world, "surrenders", "confidential", "confidential_source")
    assert set(list_ids(scoped_key_client, "surrenders", confidential="true")) == expected
    assert set(list_ids(staff_client, "surrenders", confidential="true", review_status="approved")) == expected


def test_ordering_is_stable_and_checked(world, key_client):
    shown = sorted(world.visible["surrenders"], key=lambda r: (r.end_date, r.pk), reverse=True)
    assert list_ids(key_client, "surrenders", ordering="-end_date") == [r.pk for r in shown]
    assert list_ids(key_client, "surrenders", ordering="-end_date", page_size=1) == [r.pk for r in shown]
    response = key_client.get(f"{API}/surrenders/", {"ordering": "best"})
    assert response.status_code == 400 and "ordering" in response.json()


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_period_lists_newest_first_and_a_sync_keeps_the_change_order(world, key_client, resource):
    """Records of a period come by end date, newest first (what the date indexes serve); with
    ``updated_since`` a mirror still walks the change order, so it never misses a change."""
    from django.utils import timezone

    shown = world.visible[resource]
    by_date = [r.pk for r in sorted(shown, key=lambda r: (r.end_date, r.pk), reverse=True)]
    model = type(shown[0])
    model.objects.filter(pk=by_date[0]).update(updated_at=timezone.now())  # the newest record changed last
    by_change = list(model.objects.filter(pk__in=by_date).order_by("updated_at", "pk").values_list("pk", flat=True))
    assert len(by_date) > 1 and by_date != by_change
    assert list_ids(key_client, resource, date_from="2019-01-01") == by_date
    assert list_ids(key_client, resource, date_from="2019-01-01", page_size=1) == by_date
    assert list_ids(key_client, resource, date_to="2025-12-31") == by_date
    assert list_ids(key_client, resource, date_from="2019-01-01", updated_since="2000-01-01T00:00:00Z") == by_change
    assert list_ids(key_client, resource) == by_change


@pytest.mark.parametrize("params, name", [
    ({"date_form": "2019-01-01"}, "date_form"),
    ({"date_from": "10/03/2019"}, "date_from"),
    ({"date_from": "2019-02-30"}, "date_from"),
    ({"updated_since": "yesterday"}, "updated_since"),
    ({"country": "XYZ"}, "country"),
    ({"location": "SY99"}, "location"),
    ({"location": "0"}, "location"),
    ({"event": "abc"}, "event"),
    ({"event": "999999"}, "event"),
    ({"organization": "1.5"}, "organization"),
    ({"term": "teleported"}, "term"),
    ({"high_open": "perhaps"}, "high_open"),
    ({"best_min": "-1"}, "best_min"),
    ({"page_size": "5000"}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"q": "bad\x00byte"}, "q"),
    ({"format": "docx"}, "format"),
])
def test_invalid_values_are_400_naming_the_parameter(world, key_client, params, name):
    response = key_client.get(f"{API}/displacement-figures/", params)
    assert response.status_code == 400, response.content
    assert name in response.json(), response.json()


def test_a_single_value_parameter_given_twice_is_refused(world, key_client):
    response = key_client.get(f"{API}/surrenders/?date_from=2019-01-01&date_from=2019-02-01")
    assert response.status_code == 400 and "date_from" in response.json()
    assert set(list_ids(key_client, "surrenders", country=["SYR", "IRQ"])) == {
        r.pk for r in world.visible["surrenders"]}


def test_a_cursor_is_tied_to_its_ordering(world, key_client):
    first = key_client.get(f"{API}/surrenders/", {"page_size": 1}).json()
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    response = key_client.get(f"{API}/surrenders/", {"page_size": 1, "cursor": cursor, "ordering": "-end_date"})
    assert response.status_code == 400 and "cursor" in response.json()


def test_source_filters(world, key_client, staff_client):
    extra = SourceFactory(publisher=world.publisher, url="https://www.Example.org/story?utm_source=x",
                          language="ar", publication_date="2019-01-05")
    assert list_ids(key_client, "sources", url="http://example.org/story") == [extra.pk]
    assert list_ids(key_client, "sources", language="AR") == [extra.pk]
    assert list_ids(key_client, "sources", published_to="2019-01-31") == [extra.pk]
    assert world.secret_source.pk not in list_ids(key_client, "sources", q="briefing")
    assert list_ids(staff_client, "sources", q="briefing") == [world.secret_source.pk]
    response = key_client.get(f"{API}/displacement-figures/", {"source": world.secret_source.pk})
    assert response.status_code == 400 and "source" in response.json()


def test_place_and_event_filters(world, key_client):
    assert set(list_ids(key_client, "locations", location="SY09")) == {
        world.places.deir_ez_zor.pk, world.places.abu_kamal.pk, world.places.baghouz.pk, world.places.camp.pk}
    assert list_ids(key_client, "locations", q="Baghouz") == [world.places.baghouz.pk]
    assert set(list_ids(key_client, "locations", level="country")) == {world.places.syria.pk, world.places.iraq.pk}
    assert list_ids(key_client, "locations", has_coordinates="true") == [world.places.baghouz.pk]
    assert list_ids(key_client, "events", country="SYR", party=world.isil.pk) == [world.event.pk]
    assert list_ids(key_client, "events", date_from="2019-03-01", date_to="2019-03-01") == [world.event.pk]
    assert list_ids(key_client, "events", date_from="2020-01-01") == []
    assert set(list_ids(key_client, "organizations", kind="armed_group")) == {world.isil.pk, world.sdf.pk}


# Fields a FilterSet deliberately leaves out, with the reason. A new model field
# must get a filter or a line here: this test fails until it does.
NOT_FILTERED = {
    "common": {
        "id": "a detail URL", "created_at": "updated_since covers sync", "created_by": "staff-only audit",
        "updated_by": "staff-only audit", "version": "optimistic lock, not a selection", "is_synthetic": "internal",
        "notes": "searched by q",
    },
    Source: {"title": "q", "archive_url": "q on url", "accessed_on": "not a selection", "text": "not served to keys",
             "content_hash": "internal", "url_normalized": "the url filter", "co_credited": "q on publisher",
             "dateline": "rarely useful; q", "publication_date": "published_from/published_to",
             "is_confidential": "the confidential filter", "url": "the url filter",
             "text_may_be_kept": "a licence detail, not a selection", "text_drop_after": "internal",
             "text_dropped_at": "internal", "intake_format": "internal", "author": "q",
             "text_signature": "internal: near duplicates"},
    Organization: {"name": "q", "acronym": "q"},
    Location: {"name": "q", "latitude": "has_coordinates", "longitude": "has_coordinates", "path": "location",
               "depth": "level", "adm1": "location", "adm2": "location", "default_household_size": "not a selection",
               "default_household_size_citation": "not a selection"},
    Event: {"name": "q", "description": "q", "start_date": "date_to", "end_date": "date_from",
            "countries": "country", "parties": "party"},
    "claims": {
        "excerpt": "q", "excerpt_translation": "q", "excerpt_start": "offsets", "excerpt_end": "offsets",
        "attribution_text": "q", "search_text": "q", "search_names": "q", "cited_sources": "organization",
        "start_date": "date_to", "end_date": "date_from",
        "start_precision": "not a selection", "end_precision": "not a selection", "submitted_by": "staff audit",
        "submitted_at": "staff audit", "reviewed_by": "staff audit", "reviewed_at": "staff audit",
        "review_comment": "staff audit", "is_confidential": "the confidential filter",
        "reported_value": "best_min/best_max", "reported_value_max": "best_min/best_max",
        "reported_phrase": "q", "household_size": "unit", "household_size_source": "unit",
        "best_override": "best_min/best_max", "best_override_reason": "q", "low": "best_min/best_max",
        "best": "best_min/best_max", "high": "best_min/best_max and high_open", "composition_note": "q",
        "women": "not a selection", "men": "not a selection", "children": "not a selection",
        "elderly": "not a selection", "provider_description": "q", "capacity": "not a selection",
        "demand": "not a selection", "adm1": "location", "adm2": "location",
    },
}


@pytest.mark.parametrize("filterset", [
    filtersets.SourceFilterSet, filtersets.OrganizationFilterSet, filtersets.LocationFilterSet,
    filtersets.EventFilterSet,
    filtersets.DisplacementFigureFilterSet, filtersets.SurrenderFigureFilterSet, filtersets.AidCapacityReportFilterSet,
], ids=lambda filterset: filterset._meta.model.__name__)
def test_every_model_field_has_a_filter_or_a_reason(filterset):
    model = filterset._meta.model
    covered = {f.field_name.split("__")[0] for f in filterset.base_filters.values() if f.field_name}
    covered |= set(filterset.base_filters)
    skipped = set(NOT_FILTERED["common"]) | set(NOT_FILTERED.get(model, {}))
    if model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        skipped |= set(NOT_FILTERED["claims"])
    fields = {f.name for f in model._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)}
    missing = sorted(fields - covered - skipped)
    assert missing == [], f"{model.__name__} fields without a filter or a reason: {missing}"
