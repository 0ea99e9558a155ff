"""The report endpoints in the OpenAPI description, and schemathesis run against them."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from tests.schema_support import seed_approved_records, token_headers

SCHEMA = "/api/v1/schema/"
REPORTS = ("displacement", "surrenders", "aid-capacity")


def test_the_schema_describes_the_reports(client, db):
    paths = client.get(SCHEMA, {"format": "json"}).json()["paths"]
    for report in REPORTS:
        operation = paths[f"/api/v1/reports/{report}/"]["get"]
        assert {"200", "400", "401", "403", "429"} <= set(operation["responses"]), report
        assert {"application/json", "text/csv"} <= set(operation["responses"]["200"]["content"]), report
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"format", "date_from", "date_to", "location", "event", "country", "q"} <= names, report
        assert "ordering" not in names and "cursor" not in names, report
    displacement = paths["/api/v1/reports/displacement/"]["get"]
    assert "group_by" in {p["name"] for p in displacement["parameters"]}
    assert "at most 100 per row" in displacement["description"]
    date_from = next(p for p in displacement["parameters"] if p["name"] == "date_from")
    assert "END date" in date_from["description"]
    assert "as_of" in {p["name"] for p in paths["/api/v1/reports/aid-capacity/"]["get"]["parameters"]}


CONFIG = schemathesis.Config.from_dict({
    "seed": 20190310,
    "generation": {"max-examples": 6, "deterministic": True},
    "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False}},
    # As in tests/api/test_schema.py: a schema-valid id that names nothing is rightly a 400 naming it.
    "checks": {"positive_data_acceptance": {"enabled": False}},
})
api = schemathesis.openapi.from_wsgi(f"{SCHEMA}?format=json", get_wsgi_application(), config=CONFIG).include(
    path_regex=r"^/api/v1/reports/"
)


@pytest.fixture
def auth_headers(places, source, reviewer):
    """A staff token, and one approved record of each kind, so that generated filters meet data."""
    seed_approved_records(source, places.baghouz)
    with token_headers(reviewer) as headers:
        yield headers


@api.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_schemathesis_finds_no_server_error_in_the_reports(case, auth_headers):
    case.call_and_validate(headers=auth_headers)
