"""No input is a 500, and every error under /api/ is JSON (docs/security.md, "Error format").

Each case here was a 500 (as an HTML page) found by fuzzing: a NUL character in a place filter, a
non-ASCII digit ("²" passes ``str.isdigit`` and fails ``int``) in an id or number, a UTC offset
PostgreSQL cannot store, a body nested 5,000 deep, a body over the size limit.
"""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.test import APIClient

from tests.api.conftest import API
from tests.schema_support import seed_approved_records
from tracker.models import DisplacementFigure

NUL = "\x00"
SQUARED = "\u00b2"  # "²": str.isdigit() says yes, int() raises
ARABIC_THREE = "\u0663"  # "٣": int() reads 3
FAR_OFFSET = "2019-01-01T00:00:00+16:00"  # Python accepts it; PostgreSQL refuses offsets beyond 15:59


@pytest.fixture
def world(places, source):
    seed_approved_records(source, places.baghouz)
    return places


@pytest.fixture
def staff_client(reviewer):
    """A reviewer, signed in (how does not matter to these errors)."""
    client = APIClient()
    client.force_authenticate(reviewer)
    return client


def assert_field_error(response, name: str, status: int = 400) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = response.json()
    assert name in data, data
    return data


# --- query parameters -------------------------------------------------------------------------------------

LISTS_AND_REPORTS = [f"{API}/displacement-figures/", f"{API}/reports/displacement/"]


@pytest.mark.parametrize("url", LISTS_AND_REPORTS)
@pytest.mark.parametrize("name", ["location", "country", "origin", "destination"])
def test_a_nul_character_in_a_place_filter_is_a_400_naming_it(staff_client, world, url, name):
    data = assert_field_error(staff_client.get(url, {name: f"SY{NUL}09"}), name)
    assert "Null characters" in data[name][0]


@pytest.mark.parametrize("url", [f"{API}/surrenders/", f"{API}/reports/surrenders/", f"{API}/aid-capacity/",
                                 f"{API}/reports/aid-capacity/", f"{API}/locations/"])
def test_a_nul_character_in_a_location_filter_of_every_list_is_a_400(staff_client, world, url):
    assert_field_error(staff_client.get(url, {"location": NUL}), "location")


@pytest.mark.parametrize(("url", "name"), [
    (f"{API}/displacement-figures/", "event"),
    (f"{API}/displacement-figures/", "location"),
    (f"{API}/displacement-figures/", "origin"),
    (f"{API}/displacement-figures/", "supports"),
    (f"{API}/displacement-figures/", "duplicate_of"),
    (f"{API}/displacement-figures/", "source"),
    (f"{API}/displacement-figures/", "page_size"),
    (f"{API}/surrenders/", "crisis"),
    (f"{API}/aid-capacity/", "provider"),
    (f"{API}/events/", "party"),
    (f"{API}/locations/", "parent"),
    (f"{API}/sources/", "publisher"),
    (f"{API}/reports/displacement/", "event"),
    (f"{API}/reports/surrenders/", "supports"),
    (f"{API}/reports/aid-capacity/", "page"),
    (f"{API}/reports/aid-capacity/", "page_size"),
    (f"{API}/deletions/", "page_size"),
])
@pytest.mark.parametrize("digit", [SQUARED, ARABIC_THREE])
def test_a_non_ascii_digit_in_an_id_or_number_is_a_400_naming_it(staff_client, world, url, name, digit):
    params = {name: f"1{digit}"}
    if url.endswith("/deletions/"):
        params["since"] = "2019-01-01T00:00:00Z"
    assert_field_error(staff_client.get(url, params), name)


@pytest.mark.parametrize("value", ["0.5", "1.0", f"1{ARABIC_THREE}"])
def test_a_persons_bound_is_a_whole_number(staff_client, world, value):
    assert_field_error(staff_client.get(f"{API}/displacement-figures/", {"best_min": value}), "best_min")
    assert staff_client.get(f"{API}/displacement-figures/", {"best_min": "1"}).status_code == 200


def test_ascii_ids_still_filter(staff_client, world):
    baghouz = world.baghouz
    response = staff_client.get(f"{API}/displacement-figures/", {"location": str(baghouz.pk), "page_size": "5"})
    assert response.status_code == 200
    assert [row["location"]["id"] for row in response.json()["results"]] == [baghouz.pk]


@pytest.mark.parametrize("url", [f"{API}/displacement-figures/", f"{API}/sources/", f"{API}/locations/"])
def test_an_offset_beyond_postgresql_range_is_a_400_naming_updated_since(staff_client, world, url):
    data = assert_field_error(staff_client.get(url, {"updated_since": FAR_OFFSET}), "updated_since")
    assert "15:59" in data["updated_since"][0]
    assert staff_client.get(url, {"updated_since": "2019-01-01T00:00:00+14:00"}).status_code == 200


@pytest.mark.parametrize(("url", "name"), [(f"{API}/displacement-figures/", "updated_since"),
                                         (f"{API}/displacement-figures/", "date_to"),
                                         (f"{API}/displacement-figures/", "event"),
                                         (f"{API}/sources/", "published_to"),
                                         (f"{API}/reports/displacement/", "date_from")])
def test_an_empty_date_number_or_id_is_a_400_not_an_unfiltered_answer(staff_client, world, url, name):
    data = assert_field_error(staff_client.get(url, {name: ""}), name)
    assert "Empty" in data[name][0]


def test_an_unsupported_method_with_list_parameters_is_a_405(staff_client, world):
    response = staff_client.generic("TRACE", f"{API}/locations/?level=country")
    assert response.status_code == 405


def test_the_deletions_feed_refuses_an_offset_it_cannot_store(staff_client, world):
    assert_field_error(staff_client.get(f"{API}/deletions/", {"since": FAR_OFFSET}), "since")


# --- bodies -----------------------------------------------------------------------------------------------


def test_json_nested_5000_deep_is_a_400(staff_client, world):
    body = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"
    response = staff_client.post(f"{API}/sources/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deep" in response.json()["detail"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_size_limit_is_a_413_in_json(staff_client, world):
    body = json.dumps({"title": "x" * 20_000})
    response = staff_client.post(f"{API}/sources/", body, content_type="application/json")
    assert response.status_code == 413
    assert "10,000 bytes" in response.json()["detail"]


# --- If-Match ---------------------------------------------------------------------------------------------


def test_if_match_star_is_refused_with_428_naming_the_etag(staff_client, world):
    figure = DisplacementFigure.objects.get()
    url = f"{API}/displacement-figures/{figure.pk}/"
    response = staff_client.patch(url, {"notes": "blind overwrite"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 428
    assert f'ETag "{figure.version}"' in response.json()["detail"]
    figure.refresh_from_db()
    assert figure.notes != "blind overwrite"


@pytest.mark.parametrize("header", [f'"{SQUARED}"', f'"{ARABIC_THREE}"'])
def test_if_match_in_non_ascii_digits_is_a_412(staff_client, world, header):
    figure = DisplacementFigure.objects.get()
    response = staff_client.patch(f"{API}/displacement-figures/{figure.pk}/", {"notes": "x"}, format="json",
                                  HTTP_IF_MATCH=header)
    assert response.status_code == 412
    assert "version" in response.json()["detail"]


# --- every error under /api/ is JSON ------------------------------------------------------------------------


def test_unknown_paths_and_records_are_json_404s(staff_client, world):
    for url in (f"{API}/nothing-here/", f"{API}/sources/999999/", f"{API}/sources/{SQUARED}/"):
        response = staff_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response.json()["detail"]


@override_settings(DEBUG=False, ALLOWED_HOSTS=["tracker.example"])
def test_a_bad_host_under_api_is_a_json_400(client, db):
    response = client.get(f"{API}/sources/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Bad request" in response.json()["detail"]


def broken_view(request):
    raise RuntimeError("a bug")


def body_view(request):
    return HttpResponse(len(request.body))


urlpatterns = [path("api/v1/broken/", broken_view), path("broken/", broken_view),
               path("api/v1/body/", csrf_exempt(body_view))]


@pytest.mark.urls(__name__)
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_django_refusing_a_large_body_under_api_is_a_json_413(client, db):
    response = client.post(f"{API}/body/", {"text": "x" * 20_000})
    assert response.status_code == 413
    assert "10,000 bytes" in response.json()["detail"]


@pytest.mark.urls(__name__)
def test_an_unhandled_exception_under_api_is_a_json_500(client, db):
    client.raise_request_exception = False
    response = client.get(f"{API}/broken/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Server error")


@pytest.mark.urls(__name__)
@override_settings(DEBUG=False)
def test_an_unhandled_exception_on_a_page_is_a_short_html_500(client, db):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Server error" in response.content and b"Traceback" not in response.content
