"""The OpenAPI description, its offline docs page, and schemathesis run against it."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from tests.api.conftest import API
from tests.schema_support import seed_approved_records, token_headers

SCHEMA = f"{API}/schema/"


def test_the_schema_describes_every_resource_with_errors_and_enums(client, db):
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for resource in ("sources", "organizations", "locations", "events", "displacement-figures", "surrenders",
                     "aid-capacity"):
        listing = paths[f"{API}/{resource}/"]["get"]
        assert {"200", "400", "401", "403", "429"} <= set(listing["responses"]), resource
        assert {"application/json", "text/csv", "application/geo+json",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
            listing["responses"]["200"]["content"]), resource
        names = {parameter["name"] for parameter in listing["parameters"]}
        assert {"updated_since", "q", "ordering", "cursor", "page_size", "format"} <= names, resource
        update = paths[f"{API}/{resource}/{{id}}/"]["patch"]
        assert {"412", "428"} <= set(update["responses"])
        assert any(p["name"] == "If-Match" and p["required"] for p in update["parameters"])
    assert f"{API}/deletions/" in paths and f"{API}/vocabularies/" in paths
    assert f"{API}/surrenders/{{id}}/approve/" in paths
    components = schema["components"]
    assert components["schemas"]["QuantifierEnum"]["enum"] == [
        "exact", "approximately", "more_than", "at_least", "less_than", "at_most", "range", "magnitude",
        "unquantified"]
    assert components["securitySchemes"]["apiKey"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": components["securitySchemes"]["apiKey"]["description"]}
    examples = paths[f"{API}/surrenders/"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    assert any(example["value"]["results"][0]["high_open"] is True for example in examples.values())


def test_the_docs_page_works_without_internet(client, db):
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_vocabularies_serve_labels_hxl_and_equivalents(key_client):
    data = key_client.get(f"{API}/vocabularies/").json()["vocabularies"]
    near = next(v for v in data["location_precision"]["values"] if v["value"] == "near")
    assert (near["acled"], near["ucdp"]) == (2, 2)
    tens = next(v for v in data["magnitude_word"]["values"] if v["value"] == "tens_of_thousands")
    assert (tens["low"], tens["best"], tens["high"]) == (20_000, 20_000, 99_999)
    assert "ACLED" in data["magnitude_word"]["note"]
    displaced = next(v for v in data["displacement_term"]["values"] if v["value"] == "displaced")
    assert displaced["categories"] == ["flow", "stock"]
    assert data["sector"]["hxl"] == "#sector"
    assert key_client.get(f"{API}/vocabularies/", {"lang": "fr"}).status_code == 400


# --- schemathesis --------------------------------------------------------------------------------
# The schema is loaded once, in-process through WSGI (no server, no network); every operation becomes
# a test item. Generation is derandomized and capped so the run is repeatable and short; rate limits
# are off. (schemathesis' lazy ``from_fixture`` loader does not run under pytest 9, hence module level.)

# Repeatable and short: a fixed seed, derandomized generation, a few examples per operation (positive and
# negative), no coverage or stateful phase. positive_data_acceptance is off: a schema-valid id that names no row
# (source_id 0) is rightly a 400/404. /api/v1/reports/ belongs to the reports (tracker/api/reports.py) and its
# own tests.
CONFIG = schemathesis.Config.from_dict({
    "seed": 20190310,
    "generation": {"max-examples": 4, "deterministic": True},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "checks": {"positive_data_acceptance": {"enabled": False}},
})
api = schemathesis.openapi.from_wsgi(f"{SCHEMA}?format=json", get_wsgi_application(), config=CONFIG).exclude(
    path_regex=r"^/api/v1/reports/"
)


@pytest.fixture
def auth_headers(places, source, reviewer):
    """A superuser's token (every operation is allowed, so responses exercise the code, not only 403s),
    and one approved record of each kind for the generated ids to find."""
    seed_approved_records(source, places.baghouz)
    reviewer.is_superuser = True
    reviewer.save()
    with token_headers(reviewer) as headers:
        yield headers


@api.parametrize()
@settings(max_examples=4, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(case, auth_headers):
    case.call_and_validate(headers=auth_headers)
