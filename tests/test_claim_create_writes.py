"""What creating one record writes and asks: the same rows, history and pairs, in statements that do not grow with
the number of possible double counts (issue 19, writes at a million)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model, Q
from django.test.utils import CaptureQueriesContext

from tests.factories import DisplacementFigureFactory, EventFactory, build_claim
from tracker.models import DisplacementFigure, PossibleDoubleCount
from tracker.models.claims import HISTORY_EXCLUDED
from tracker.services import claim_create
from tracker.services.claims import overlapping_figures
from tracker.services.common import create_with_history, storing

pytestmark = pytest.mark.django_db


def figure(analyst, places, source, **fields):
    fields = {"location": places.baghouz, "reported_value": 2000, "start_date": date(2019, 3, 1),
              "end_date": date(2019, 3, 10), "source": source, **fields}
    return build_claim(DisplacementFigureFactory, **fields)


def created_with_queries(claim, analyst):
    with CaptureQueriesContext(connection) as queries:
        claim_create(claim, created_by=analyst)
    return [query["sql"] for query in queries.captured_queries]


def test_statements_do_not_grow_with_the_pairs_found(analyst, places, source):
    """A figure overlapping one stored figure and one overlapping ten ask the same statements; each pair is stored
    with its own "+" history row."""
    claim_create(figure(analyst, places, source), created_by=analyst)
    first = figure(analyst, places, source)
    one = created_with_queries(first, analyst)
    for _ in range(9):
        claim_create(figure(analyst, places, source), created_by=analyst)
    last = figure(analyst, places, source)
    ten = created_with_queries(last, analyst)
    assert len(one) == len(ten), (one, ten)
    found = PossibleDoubleCount.objects.filter(second_id=last.pk)
    assert found.count() == 11 and sorted(found.values_list("first_id", flat=True)) == sorted(
        DisplacementFigure.objects.exclude(pk=last.pk).values_list("pk", flat=True))
    history = PossibleDoubleCount.history.filter(second_id=last.pk)
    assert sorted(history.values_list("id", flat=True)) == sorted(found.values_list("id", flat=True))
    assert set(history.values_list("history_type", "history_change_reason")) == {("+", None)}


def test_the_history_row_of_a_new_record_is_the_stored_row_with_who_and_why(analyst, places, source):
    claim = claim_create(figure(analyst, places, source, notes="Seen from the camp."), created_by=analyst)
    stored = DisplacementFigure.objects.get(pk=claim.pk)
    (row,) = DisplacementFigure.history.filter(id=claim.pk)
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", analyst, "Created")
    for field in DisplacementFigure._meta.concrete_fields:
        if field.name not in HISTORY_EXCLUDED:
            assert getattr(row, field.attname) == getattr(stored, field.attname), field.name
    assert row.history_date >= stored.updated_at


def test_keys_the_door_already_read_are_not_looked_up_again(analyst, places, source):
    event = EventFactory()
    sql = created_with_queries(figure(analyst, places, source, event=event), analyst)
    lookups = [query for query in sql if query.startswith('SELECT 1 AS "a"')]
    assert lookups == []


def test_a_key_naming_no_row_is_still_refused_with_djangos_message(analyst, places, source):
    claim = figure(analyst, places, source)
    claim.event_id = 987654
    before = DisplacementFigure.objects.count(), DisplacementFigure.history.count()
    with pytest.raises(ValidationError) as info:
        claim_create(claim, created_by=analyst)
    assert info.value.message_dict == {"event": ["event instance with id 987654 is not a valid choice."]}
    assert (DisplacementFigure.objects.count(), DisplacementFigure.history.count()) == before


def test_a_row_the_table_refuses_gets_djangos_message_and_nothing_is_stored(analyst, places, source):
    """The check constraints are tested by the table as the row goes in; a refusal rolls back what was stored with
    it and is named as Django's own validation names it, and the transaction around it goes on."""
    claim = figure(analyst, places, source, reported_value=100, women=101)  # more women than people
    before = DisplacementFigure.objects.count(), DisplacementFigure.history.count()
    with pytest.raises(ValidationError) as info, storing(claim):
        create_with_history(claim, user=analyst, reason="Created")
    claim.derive()
    with pytest.raises(ValidationError) as djangos:
        Model.validate_constraints(claim)
    assert info.value.message_dict == djangos.value.message_dict
    assert "Constraint “tracker_displacementfigure_women_at_most_best” is violated." in str(info.value)
    assert (DisplacementFigure.objects.count(), DisplacementFigure.history.count()) == before
    assert claim.pk is None
    claim.women = 100
    with storing(claim):  # the same transaction, still usable
        create_with_history(claim, user=analyst, reason="Created")
    assert DisplacementFigure.history.filter(id=claim.pk, history_type="+").count() == 1


def test_a_refused_row_leaves_nothing_of_the_creation_behind(analyst, places, source):
    """Whatever went in before the table refused the row is rolled back with it: no pair, no history row."""
    claim_create(figure(analyst, places, source), created_by=analyst)
    claim = figure(analyst, places, source, reported_value=100, women=101)
    before = PossibleDoubleCount.objects.count(), PossibleDoubleCount.history.count()
    with pytest.raises(ValidationError), storing(claim):
        PossibleDoubleCount.objects.create(kind="displacementfigure", first_id=1, second_id=2)
        create_with_history(claim, user=analyst, reason="Created")
    assert (PossibleDoubleCount.objects.count(), PossibleDoubleCount.history.count()) == before


def test_each_new_figure_pairs_with_what_the_check_finds_for_it(analyst, places, source):
    """Figures of the same shape (as deep a place, an event or none) one after the other each pair with the
    figures the check finds for their own place, period and event, and no other: the creation's query is compiled
    once per shape and must not keep the values of the first."""
    event, other_event = EventFactory(), EventFactory()
    february = {"start_date": date(2019, 2, 15), "end_date": date(2019, 3, 2)}
    stored = [
        claim_create(figure(analyst, places, source, **fields), created_by=analyst)
        for fields in (
            {},  # Baghouz, 1-10 March 2019, no event
            {"location": places.abu_kamal, "event": event},  # above Baghouz
            {"location": places.camp, "start_date": date(2019, 3, 5)},  # below it, from 5 March
            {"location": places.hasakeh},  # elsewhere in Syria
            {"start_date": date(2019, 2, 1), "end_date": date(2019, 2, 20)},  # an earlier period
            {"event": other_event},
            {"location": places.iraq},
        )
    ]
    new = [  # two by two of the same shape: a place as deep, an event or none
        figure(analyst, places, source, event=event),
        figure(analyst, places, source, event=other_event, **february),
        figure(analyst, places, source, location=places.hasakeh, start_date=date(2019, 3, 5),
               end_date=date(2019, 3, 5)),
        figure(analyst, places, source, location=places.anbar),
        figure(analyst, places, source, location=places.syria),
    ]
    expected = [[0, 1, 2], [0, 4, 5], [3], [6], [0, 1, 2, 3, 5]]
    for claim, others in zip(new, expected, strict=True):
        claim_create(claim, created_by=analyst)
        pairs = PossibleDoubleCount.objects.filter(kind="displacementfigure").filter(
            Q(first_id=claim.pk) | Q(second_id=claim.pk))
        paired = {pair.other_id(claim.pk) for pair in pairs} - {figure.pk for figure in new}
        assert paired == {stored[index].pk for index in others}, claim
        found = set(overlapping_figures(claim).values_list("pk", flat=True))
        assert paired == found - {figure.pk for figure in new}
