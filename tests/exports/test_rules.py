"""The downloads' shared rules, each held equal to its twin: formula escaping in Python and SQL, a party's claim
as a property and as a query expression, one CSV dialect for the API and the pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import DisplacementFigureFactory, EventFactory, OrganizationFactory, SourceFactory
from tracker.choices import ReviewStatus
from tracker.exports.cells import Text
from tracker.exports.escape import FORMULA_PREFIXES, EscapeFormula, escape_formula
from tracker.models import ApiKey, DisplacementFigure, Organization, party_claim_expression

TEXTS = [*(f"{prefix}1+2" for prefix in FORMULA_PREFIXES), *FORMULA_PREFIXES, "Baghouz", "'quoted", " =lead",
         "a=b", "100%", "ünïcode"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL twin runs in PostgreSQL's COPY downloads")
@pytest.mark.django_db
def test_the_sql_escape_is_the_python_escape():
    """Every leading character of the list, and texts that only contain one, escape alike in SQL and Python."""
    for text in TEXTS:
        OrganizationFactory(name=text)
    cells = Organization.objects.filter(name__in=TEXTS).annotate(sql=EscapeFormula(F("name")), text=Text(F("name")))
    pairs = {row.name: (row.sql, row.text) for row in cells}
    assert pairs == {text: (escape_formula(text), escape_formula(text)) for text in TEXTS}
    assert escape_formula("-3") == "'-3" and escape_formula("@SUM(A1)") == "'@SUM(A1)"


@pytest.mark.django_db
def test_a_partys_claim_is_the_same_in_sql_and_in_python(places):
    """``party_claim_expression`` (reports, pages, COPY) says what ``Claim.is_party_claim`` (JSON) says."""
    party, outsider = OrganizationFactory(name="SDF"), OrganizationFactory(name="UNHCR")
    event = EventFactory(name="Battle of Baghouz")
    event.parties.set([party])
    source = SourceFactory()
    cases = {"party": (party, event), "outsider": (outsider, event), "no claimant": (None, event),
             "no event": (party, None)}
    for day, (claimant, on) in enumerate(cases.values(), start=1):
        DisplacementFigureFactory(attributed_to=claimant, event=on, source=source, location=places.baghouz,
                                  start_date=date(2019, 3, day), end_date=date(2019, 3, day))
    records = DisplacementFigure.objects.annotate(flag=party_claim_expression()).order_by("start_date")
    assert [(record.flag, record.is_party_claim) for record in records] == [
        (True, True), (False, False), (False, False), (False, False)]


@pytest.mark.django_db
def test_the_pages_and_the_api_write_csv_alike(places, client):
    """One dialect: rows end in a line feed on the pages' tables as in the API's downloads (and COPY's), line
    breaks inside a cell are kept, formulas are escaped."""
    event = EventFactory(name="Battle of Baghouz")
    DisplacementFigureFactory(
        event=event, source=SourceFactory(title="=HYPERLINK(\"http://evil.example\")"), location=places.baghouz,
        excerpt="About 5,000\r\nleft", review_status=ReviewStatus.APPROVED, start_date=date(2019, 3, 1),
        end_date=date(2019, 3, 1))
    pages = {table: b"".join(client.get(reverse("pages:event_csv", args=[event.pk, table])).streaming_content)
             for table in ("displacement-figures", "sources")}
    _, raw = ApiKey.objects.create_key(name="test key", client="Test NGO")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    download = b"".join(api.get("/api/v1/displacement-figures/", {"format": "csv"}).streaming_content)
    for name, data in {**pages, "api": download}.items():
        assert data.endswith(b"\n") and data.count(b"\r\n") == (0 if name == "sources" else 1), name
    for data in (pages["displacement-figures"], download):
        assert b'"About 5,000\r\nleft"' in data
    assert b"'=HYPERLINK" in pages["sources"] and b"'=HYPERLINK" in download
