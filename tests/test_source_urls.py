"""A trailing slash no longer makes a new source: the migration restates what it can, the sources that collide
are listed for a reviewer to merge, and every door that finds a source by URL still finds them."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tests.api.conftest import token_client
from tests.factories import DisplacementFigureFactory, SourceFactory
from tracker.imports.resolve import Resolver
from tracker.models import Source
from tracker.services import reference_update, source_create
from tracker.services.intake import source_text_drop

pytestmark = pytest.mark.django_db

restate_url_forms = importlib.import_module("tracker.migrations.0012_source_urls").restate_url_forms


def stored_before_the_rule_changed(url: str, **fields) -> Source:
    """A source as the old rule stored it: its path's trailing slashes kept in ``url_normalized``."""
    source = SourceFactory(**fields)
    old_form = url.replace("http://", "https://").replace("://www.", "://")
    Source.objects.filter(pk=source.pk).update(url=url, url_normalized=old_form)
    source.refresh_from_db()
    return source


@pytest.fixture
def staff_api_client(reviewer):
    return token_client(reviewer)


@pytest.fixture
def collided():
    """What the migration finds: a lone old form, a pair that collides with a source already in the new form,
    and a pair neither of which is in the new form."""
    lone = stored_before_the_rule_changed("https://example.org/lone/", title="Lone")
    kept = SourceFactory(url="https://example.org/pair", title="Pair, no slash")
    slashed = stored_before_the_rule_changed("https://www.example.org/pair/", title="Pair, slash")
    two = stored_before_the_rule_changed("https://example.org/two/", title="Two, one slash")
    twice = stored_before_the_rule_changed("https://example.org/two//", title="Two, two slashes")
    DisplacementFigureFactory.create_batch(2, source=slashed)
    restate_url_forms(apps, None)
    for source in (lone, kept, slashed, two, twice):
        source.refresh_from_db()
    return lone, kept, slashed, two, twice


def test_the_migration_restates_the_lone_forms_and_merges_nothing(collided):
    lone, kept, slashed, two, twice = collided
    assert lone.url_normalized == "https://example.org/lone"
    assert kept.url_normalized == "https://example.org/pair"
    assert (slashed.url_normalized, two.url_normalized, twice.url_normalized) == (
        "https://example.org/pair/", "https://example.org/two/", "https://example.org/two//")
    assert Source.objects.count() == 5


def test_the_migration_is_one_query_on_an_empty_database(django_assert_num_queries):
    with django_assert_num_queries(1):
        restate_url_forms(apps, None)


def test_the_command_lists_the_colliding_groups_for_a_reviewer(collided):
    _, kept, slashed, two, twice = collided
    out = io.StringIO()
    call_command("source_url_collisions", url="https://tracker.example.org", stdout=out)
    text = out.getvalue()
    assert "2 group(s)" in text
    admin = "https://tracker.example.org" + reverse("admin:tracker_source_change", args=[slashed.pk])
    assert f"#{slashed.pk} 'Pair, slash': https://www.example.org/pair/ (2 record(s)) {admin}" in text
    assert f"#{kept.pk} 'Pair, no slash': https://example.org/pair (0 record(s))" in text
    assert f"#{two.pk} 'Two, one slash'" in text and f"#{twice.pk} 'Two, two slashes'" in text
    assert "Lone" not in text
    with pytest.raises(SystemExit) as exit_:
        call_command("source_url_collisions", check=True, stdout=io.StringIO())
    assert exit_.value.code == 1


def test_without_collisions_the_command_says_so():
    SourceFactory(url="https://example.org/a/")
    out = io.StringIO()
    call_command("source_url_collisions", check=True, stdout=out)
    assert "No sources share a URL." in out.getvalue()


def test_editing_a_colliding_source_is_refused_on_its_url_field(collided, analyst):
    _, kept, slashed, *_ = collided
    with pytest.raises(ValidationError) as refused:
        reference_update(slashed, changed_by=analyst, data={"title": "Pair, slash, renamed"})
    assert refused.value.message_dict["url"] == [f"This URL is already recorded as source #{kept.pk}: {kept.title}."]
    with pytest.raises(ValidationError) as refused:
        reference_update(kept, changed_by=analyst, data={"notes": "checked"})
    assert f"source #{slashed.pk}" in refused.value.message_dict["url"][0]


def test_a_new_source_under_a_colliding_url_is_refused_even_where_no_source_holds_the_new_form(collided, analyst):
    *_, two, _ = collided
    with pytest.raises(ValidationError) as refused:
        source_create(SourceFactory.build(url="http://www.example.org/two", publisher=two.publisher),
                      created_by=analyst)
    assert f"source #{two.pk}" in refused.value.message_dict["url"][0]
    with pytest.raises(ValidationError):
        source_create(SourceFactory.build(url="https://example.org/lone/", publisher=two.publisher),
                      created_by=analyst)


def test_a_save_without_validation_keeps_the_old_form_until_the_group_is_merged(collided):
    _, kept, slashed, *_ = collided
    Source.objects.filter(pk=slashed.pk).update(text="The text of the article.")
    slashed.refresh_from_db()
    source_text_drop(slashed, dropped_by=None, check_permission=False)  # no IntegrityError on url_normalized
    slashed.refresh_from_db()
    assert slashed.url_normalized == "https://example.org/pair/"
    kept.delete()
    slashed.save()
    assert Source.objects.get(pk=slashed.pk).url_normalized == "https://example.org/pair"


def test_the_doors_that_find_a_source_by_url_find_the_colliding_ones(collided, staff_api_client):
    _, kept, slashed, two, twice = collided
    assert Resolver().source_by_url("http://www.example.org/pair/") == kept
    assert Resolver().source_by_url("https://example.org/two") == two
    found = staff_api_client.get("/api/v1/sources/", {"url": "https://example.org/pair"}).json()["results"]
    assert sorted(row["id"] for row in found) == [kept.pk, slashed.pk]
    found = staff_api_client.get("/api/v1/sources/", {"url": "https://example.org/two/"}).json()["results"]
    assert [row["id"] for row in found] == [two.pk]  # "two//" is listed by the command, not found by URL


def test_the_admin_refuses_an_edit_of_a_colliding_source_on_its_field(collided, client, analyst):
    _, kept, slashed, *_ = collided
    client.force_login(analyst)
    url = reverse("admin:tracker_source_change", args=[slashed.pk])
    response = client.post(url, {
        "title": "Pair, slash, renamed", "url": slashed.url, "publisher": slashed.publisher_id,
        "publication_date": slashed.publication_date.isoformat(), "kind": slashed.kind, "language": "en",
        "expected_version": slashed.version,
        **{f"{p}-{k}": v for p in ("displacementfigures", "surrenderfigures", "aidcapacityreports")
           for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))},
    })
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["url"])
    assert f"source #{kept.pk}" in errors and reverse("admin:tracker_source_change", args=[kept.pk]) in errors
    assert Source.objects.get(pk=slashed.pk).title == "Pair, slash"


def test_the_api_refuses_an_edit_of_a_colliding_source_on_its_field(collided, staff_api_client):
    _, kept, slashed, *_ = collided
    response = staff_api_client.patch(f"/api/v1/sources/{slashed.pk}/", {"title": "Pair, slash, renamed"},
                                      format="json", HTTP_IF_MATCH=f'"{slashed.version}"')
    assert response.status_code == 400
    assert response.json()["url"] == [f"This URL is already recorded as source #{kept.pk}: {kept.title}."]
    assert response.json()["existing_source"]["url"]["id"] == kept.pk
    assert Source.objects.get(pk=slashed.pk).title == "Pair, slash"
