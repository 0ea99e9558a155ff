"""Every CSV download passes ``frictionless validate``, as an NGO's data pipeline would run it.

frictionless infers each file's schema (names, types) from its rows and checks the file against it: a blank or
repeated header, a row with more or fewer cells than the header, a blank row, or a value that breaks its
column's type fails. Lists, reports in every grouping, and the HXL variants (a hashtag row under the header) are
all checked, over the demo data and the API tests' world (formula-like text, every review state).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from frictionless import Resource

from tests.api.conftest import API, body, token_client
from tracker.api.resources import RESOURCE_VIEWSETS
from tracker.reporting.dimensions import GROUP_BY_CHOICES, TIME_DIMENSIONS

LISTS = [viewset.resource for viewset in RESOURCE_VIEWSETS]
#: every report, ungrouped and in every grouping by one dimension and by time with a place
REPORTS = [
    *((kind, grouping) for kind in ("displacement", "surrenders") for grouping in (
        "", *GROUP_BY_CHOICES, *(f"{time},adm1,event" for time in TIME_DIMENSIONS))),
    ("aid-capacity", ""),
]


def assert_valid(data: bytes, what) -> None:
    assert data.strip(), what
    report = Resource(data=data, format="csv", encoding="utf-8").validate()
    errors = report.flatten(["rowNumber", "fieldNumber", "type", "note"])
    assert report.valid, (what, errors[:20])


@pytest.fixture(params=["world", "demo"])
def client(request, reviewer):
    """A reviewer (who sees every record) over the API tests' world or the Baghouz demo."""
    if request.param == "world":
        request.getfixturevalue("world")
    else:
        call_command("loaddata", "reference", "demo_baghouz", verbosity=0)
    return token_client(reviewer)


def test_every_list_csv_validates(client):
    for resource in LISTS:
        for fmt in ("csv", "hxl"):
            response = client.get(f"{API}/{resource}/", {"format": fmt})
            assert response.status_code == 200, (resource, fmt)
            data = body(response)
            assert_valid(data, (resource, fmt))


def test_every_report_csv_validates(client):
    for kind, grouping in REPORTS:
        for fmt in ("csv", "hxl"):
            params = {"format": fmt, **({"group_by": grouping} if grouping else {})}
            response = client.get(f"{API}/reports/{kind}/", params)
            assert response.status_code == 200, (kind, grouping, fmt, body(response)[:300])
            assert_valid(body(response), (kind, grouping, fmt))


def test_an_invalid_csv_is_caught():
    """The check itself fails a file with a ragged row (a validator that passed everything would prove nothing)."""
    report = Resource(data=b"id,best\n1,5\n2,6,7\n", format="csv").validate()
    assert not report.valid
    assert report.flatten(["type"]) == [["extra-cell"]]
