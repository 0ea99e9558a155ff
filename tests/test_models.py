"""What a model's ``save()`` keeps right on every door, and what the models answer about a record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    EventFactory,
    LocalityFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
)
from tracker.audience import Audience
from tracker.choices import (
    DisplacementCategory,
    DisplacementTerm,
    MagnitudeWord,
    Quantifier,
    ReviewStatus,
    Role,
    TermGroup,
    Unit,
)
from tracker.models import DisplacementFigure, Location, Source, SurrenderFigure
from tracker.models.claims import COUNTED
from tracker.rules.normalise import content_hash
from tracker.rules.quantities import derive_quantity

pytestmark = pytest.mark.django_db


def quantity_columns(figure):
    figure.refresh_from_db()
    return figure.low, figure.best, figure.high, figure.high_open


def test_save_stores_persons_from_the_inputs():
    figure = DisplacementFigureFactory(
        quantifier=Quantifier.RANGE, reported_value=3, reported_value_max=5, unit=Unit.HOUSEHOLDS,
        household_size=Decimal("6.5"),
    )
    assert quantity_columns(figure) == (20, 20, 33, False)


def test_save_recomputes_stale_derived_columns():
    """Whatever a caller puts in low/best/high, the stored values follow the inputs."""
    figure = DisplacementFigureFactory(quantifier=Quantifier.MORE_THAN, reported_value=4000)
    figure.low, figure.best, figure.high, figure.high_open = 1, 2, 3, False
    figure.save()
    assert quantity_columns(figure) == (4000, 4000, None, True)


def test_stored_quantities_match_the_one_rule():
    for figure in (
        SurrenderFigureFactory(quantifier=Quantifier.MAGNITUDE, reported_value=None,
                               magnitude_word=MagnitudeWord.TENS_OF_THOUSANDS),
        SurrenderFigureFactory(quantifier=Quantifier.AT_MOST, reported_value=200),
        SurrenderFigureFactory(quantifier=Quantifier.UNQUANTIFIED, reported_value=None),
    ):
        expected = derive_quantity(
            quantifier=figure.quantifier, reported_value=figure.reported_value, magnitude_word=figure.magnitude_word,
            unit=figure.unit,
        )
        assert quantity_columns(figure) == (expected.low, expected.best, expected.high, expected.high_open)


@pytest.mark.parametrize(
    ("term", "category", "group"),
    [
        (DisplacementTerm.EVACUATED, DisplacementCategory.FLOW, TermGroup.LEAVING),
        (DisplacementTerm.FLED, DisplacementCategory.FLOW, TermGroup.LEAVING),
        (DisplacementTerm.RELOCATED, DisplacementCategory.FLOW, TermGroup.LEAVING),
        (DisplacementTerm.DISPLACED, DisplacementCategory.FLOW, TermGroup.LEAVING),
        (DisplacementTerm.DISPLACED, DisplacementCategory.STOCK, TermGroup.DISPLACED_STOCK),
        (DisplacementTerm.ARRIVED, DisplacementCategory.FLOW, TermGroup.ARRIVING),
        (DisplacementTerm.RETURNED, DisplacementCategory.FLOW, TermGroup.RETURNING),
        (DisplacementTerm.IN_CAMP, DisplacementCategory.STOCK, TermGroup.IN_CAMP),
        (DisplacementTerm.TRAPPED, DisplacementCategory.STOCK, TermGroup.TRAPPED),
    ],
)
def test_term_group_is_derived(term, category, group):
    figure = DisplacementFigureFactory(term=term, category=category)
    assert DisplacementFigure.objects.get(pk=figure.pk).term_group == group


def test_surrenders_and_captures_share_one_group():
    assert SurrenderFigureFactory(term="captured").term_group == TermGroup.SURRENDERED
    assert SurrenderFigureFactory(term="surrendered").term_group == TermGroup.SURRENDERED


def test_every_save_bumps_the_version():
    figure = DisplacementFigureFactory()
    assert figure.version == 1
    figure.notes = "checked"
    figure.save()
    figure.save()
    assert DisplacementFigure.objects.get(pk=figure.pk).version == 3
    place = LocalityFactory()
    place.save()
    assert Location.objects.get(pk=place.pk).version == 2


def test_source_stores_its_normalised_url_and_text_hash():
    source = SourceFactory(url="HTTP://WWW.Example.org/report?utm_source=x#top", text="Bali\u00a0said \u201cno\u201d")
    source.refresh_from_db()
    assert source.url_normalized == "https://example.org/report"
    assert source.content_hash == content_hash('Bali said "no"')
    source.url, source.text = "", ""
    source.save()
    source.refresh_from_db()
    assert (source.url_normalized, source.content_hash) == (None, "")
    assert Source.objects.filter(url_normalized="https://example.org/report").count() == 0


def test_empty_pcode_is_stored_as_null_by_a_bare_save(places):
    LocalityFactory(parent=places.abu_kamal, pcode="")
    LocalityFactory(parent=places.abu_kamal, pcode="")
    assert Location.objects.filter(parent=places.abu_kamal, pcode__isnull=True).count() == 3  # Baghouz too


def test_a_record_is_confidential_through_its_source():
    open_figure = DisplacementFigureFactory()
    confidential = DisplacementFigureFactory(is_confidential=True)
    from_confidential_source = DisplacementFigureFactory(source=SourceFactory(is_confidential=True))
    DisplacementFigure.objects.update(review_status=ReviewStatus.APPROVED)

    def seen_by(audience: Audience) -> set[int]:
        return set(DisplacementFigure.objects.visible_to(audience).values_list("pk", flat=True))

    assert seen_by(Audience.PUBLIC) == seen_by(Audience.KEY) == {open_figure.pk}
    assert seen_by(Audience.CONFIDENTIAL_KEY) == {open_figure.pk, confidential.pk, from_confidential_source.pk}


def test_a_claim_attributed_to_a_party_of_its_event_is_a_partys_claim():
    sdf, save_the_children = OrganizationFactory(name="SDF"), OrganizationFactory(name="Save the Children")
    battle = EventFactory()
    battle.parties.set([sdf])
    assert SurrenderFigureFactory(event=battle, attributed_to=sdf).is_party_claim
    assert not SurrenderFigureFactory(event=battle, attributed_to=save_the_children).is_party_claim
    assert not SurrenderFigureFactory(event=battle).is_party_claim
    assert not AidCapacityReportFactory(attributed_to=sdf).is_party_claim


def test_only_approved_quantified_headline_originals_are_counted():
    def counted() -> list[int]:
        return list(DisplacementFigure.objects.filter(COUNTED).values_list("pk", flat=True))

    figure = DisplacementFigureFactory()
    assert counted() == []  # a draft
    DisplacementFigure.objects.filter(pk=figure.pk).update(review_status=ReviewStatus.APPROVED)
    assert counted() == [figure.pk]
    triangulation = DisplacementFigureFactory(role=Role.TRIANGULATION, supports=figure)
    DisplacementFigure.objects.filter(pk=triangulation.pk).update(review_status=ReviewStatus.APPROVED)
    assert counted() == [figure.pk]
    assert list(DisplacementFigure.objects.approved()) == [triangulation, figure]
    duplicate = DisplacementFigureFactory(duplicate_of=figure)
    unquantified = DisplacementFigureFactory(quantifier=Quantifier.UNQUANTIFIED, reported_value=None)
    DisplacementFigure.objects.filter(pk__in=[duplicate.pk, unquantified.pk]).update(
        review_status=ReviewStatus.APPROVED)
    assert counted() == [figure.pk]


def test_records_are_listed_newest_period_first():
    older = SurrenderFigureFactory(start_date=date(2019, 3, 1), end_date=date(2019, 3, 2))
    newer = SurrenderFigureFactory()
    assert list(SurrenderFigure.objects.all()) == [newer, older]


def test_a_zero_is_a_zero_and_an_open_figure_is_not():
    assert DisplacementFigureFactory(reported_value=0).is_zero
    assert not DisplacementFigureFactory(quantifier=Quantifier.MORE_THAN, reported_value=0).is_zero
    assert not DisplacementFigureFactory(quantifier=Quantifier.UNQUANTIFIED, reported_value=None).is_zero
