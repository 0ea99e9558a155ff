"""Who sees what is one rule (``visible_to``), and a door that cannot tell who is asking sees nothing."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tests.factories import DisplacementFigureFactory, SourceFactory, build_claim
from tracker.audience import Audience
from tracker.filtersets import DisplacementFigureFilterSet
from tracker.models import DisplacementFigure, Location, Source
from tracker.services import claim_approve, claim_create, claim_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(analyst, reviewer, places, source):
    """A draft, an approved record, an approved confidential one and one approved on a confidential source."""
    secret_source = SourceFactory(title="Confidential partner report", is_confidential=True)

    def approved(month: int, **fields):  # months apart: no possible double count between them
        figure = claim_create(build_claim(DisplacementFigureFactory, location=places.baghouz,
                                          start_date=f"2018-0{month}-01", end_date=f"2018-0{month}-05", **fields),
                              created_by=analyst)
        claim_submit(figure, submitted_by=analyst)
        return claim_approve(DisplacementFigure.objects.get(pk=figure.pk), approved_by=reviewer)

    return {
        "draft": claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz),
                              created_by=analyst),
        "approved": approved(1, source=source),
        "confidential": approved(2, source=source, is_confidential=True),
        "confidential_source": approved(3, source=secret_source),
    }


SEES = {
    Audience.NOBODY: set(),
    Audience.PUBLIC: {"approved"},
    Audience.KEY: {"approved"},
    Audience.CONFIDENTIAL_KEY: {"approved", "confidential", "confidential_source"},
    Audience.STAFF: {"draft", "approved", "confidential", "confidential_source"},
}


@pytest.mark.parametrize("audience", list(Audience))
def test_each_audience_sees_its_records_and_the_rest_is_hidden(records, audience):
    names = {pk: name for name, pk in ((n, r.pk) for n, r in records.items())}
    shown = {names[pk] for pk in DisplacementFigure.objects.visible_to(audience).values_list("pk", flat=True)}
    hidden = {names[pk] for pk in DisplacementFigure.objects.hidden_from(audience).values_list("pk", flat=True)}
    assert shown == SEES[audience]
    assert hidden == set(records) - SEES[audience]


def test_a_filterset_without_a_request_fails_closed(records):
    """Before, a FilterSet built without a request counted as staff: staff-only filters and hidden ids passed."""
    secret = Source.objects.get(is_confidential=True)
    data = QueryDict(mutable=True)
    data.update({"review_status": "draft", "source": str(secret.pk)})
    filterset = DisplacementFigureFilterSet(data, DisplacementFigure.objects.all())
    assert not filterset.is_valid()
    assert "review_status" in filterset.errors
    assert f"No source with id {secret.pk}" in str(filterset.errors["source"])


def test_a_filterset_told_its_audience_filters_for_it(records):
    secret = Source.objects.get(is_confidential=True)
    data = QueryDict(f"source={secret.pk}")
    staff = DisplacementFigureFilterSet(data, DisplacementFigure.objects.visible_to(Audience.STAFF),
                                        audience=Audience.STAFF)
    assert staff.is_valid(), staff.errors
    assert list(staff.qs.values_list("pk", flat=True)) == [records["confidential_source"].pk]
    public = DisplacementFigureFilterSet(data, DisplacementFigure.objects.visible_to(Audience.PUBLIC),
                                         audience=Audience.PUBLIC)
    assert not public.is_valid()


def test_reference_rows_are_open_to_every_caller_with_access(records, places):
    assert Location.objects.visible_to(Audience.NOBODY).count() == 0
    assert Location.objects.visible_to(Audience.KEY).count() == Location.objects.count()
    assert not Source.objects.visible_to(Audience.KEY).filter(is_confidential=True).exists()
