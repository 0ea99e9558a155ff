"""The place tree: subtrees at any depth, self-inclusive ancestor links, and moves that rewrite a subtree."""

from __future__ import annotations

import pytest

from tests.factories import DisplacementFigureFactory, LocalityFactory
from tracker.choices import LocationLevel
from tracker.models import DisplacementFigure, Location
from tracker.services import location_move

pytestmark = pytest.mark.django_db


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_subtree_is_the_place_and_everything_under_it(places):
    assert names(Location.objects.subtree(places.deir_ez_zor)) == {"Deir-ez-Zor", "Abu Kamal", "Baghouz", "Al-Hol camp"}
    assert names(Location.objects.subtree(places.syria)) == {
        "Syria", "Deir-ez-Zor", "Al-Hasakeh", "Abu Kamal", "Baghouz", "Al-Hol camp"
    }
    assert names(Location.objects.subtree(places.camp)) == {"Al-Hol camp"}


def test_subtree_agrees_with_ancestry_for_every_place(places):
    """Place 1's subtree must not pick up place 12 just because "/12/" starts like "/1"."""
    for _ in range(12):
        LocalityFactory(parent=places.hasakeh)
    everything = list(Location.objects.all())
    for place in everything:
        expected = {other.pk for other in everything if place.pk in other.ancestor_ids()}
        assert set(Location.objects.subtree(place).values_list("pk", flat=True)) == expected, place.path


def test_ancestor_links_are_self_inclusive(places):
    deir = Location.objects.get(pk=places.deir_ez_zor.pk)
    assert (deir.country, deir.adm1, deir.adm2) == (places.syria, deir, None)
    camp = Location.objects.get(pk=places.camp.pk)
    assert (camp.country, camp.adm1, camp.adm2) == (places.syria, places.deir_ez_zor, places.abu_kamal)
    syria = Location.objects.get(pk=places.syria.pk)
    assert (syria.country, syria.adm1, syria.adm2) == (syria, None, None)
    abu_kamal = Location.objects.get(pk=places.abu_kamal.pk)
    assert (abu_kamal.adm1, abu_kamal.adm2) == (places.deir_ez_zor, abu_kamal)


def test_path_and_depth(places):
    camp = Location.objects.get(pk=places.camp.pk)
    ids = [places.syria.pk, places.deir_ez_zor.pk, places.abu_kamal.pk, places.baghouz.pk, places.camp.pk]
    assert camp.path == "/" + "/".join(map(str, ids)) + "/"
    assert camp.depth == 4
    assert camp.ancestor_ids() == ids
    assert Location.objects.get(pk=places.syria.pk).depth == 0


def test_a_feature_without_parent_is_a_root_with_no_country(analyst):
    river = Location.objects.create(name="Euphrates", level=LocationLevel.FEATURE)
    river.refresh_from_db()
    assert (river.path, river.depth, river.country_id) == (f"/{river.pk}/", 0, None)


def test_moving_a_place_rewrites_its_whole_subtree(analyst, places):
    """Abu Kamal district moved from Deir-ez-Zor to Al-Hasakeh takes Baghouz and the camp with it."""
    location_move(places.abu_kamal, parent=places.hasakeh, moved_by=analyst)
    for place in (places.abu_kamal, places.baghouz, places.camp):
        place.refresh_from_db()
        assert place.path.startswith(f"/{places.syria.pk}/{places.hasakeh.pk}/{places.abu_kamal.pk}/")
        assert (place.country_id, place.adm1_id, place.adm2_id) == (
            places.syria.pk, places.hasakeh.pk, places.abu_kamal.pk
        )
    assert names(Location.objects.subtree(places.hasakeh)) == {"Al-Hasakeh", "Abu Kamal", "Baghouz", "Al-Hol camp"}
    assert names(Location.objects.subtree(places.deir_ez_zor)) == {"Deir-ez-Zor"}


def test_moving_a_governorate_to_another_country_moves_every_descendant(analyst, places):
    location_move(places.deir_ez_zor, parent=places.iraq, moved_by=analyst)
    for place in (places.deir_ez_zor, places.abu_kamal, places.baghouz, places.camp):
        place.refresh_from_db()
        assert place.country_id == places.iraq.pk
        assert place.adm1_id == places.deir_ez_zor.pk
        assert place.path.startswith(f"/{places.iraq.pk}/{places.deir_ez_zor.pk}/")
    places.camp.refresh_from_db()
    assert places.camp.depth == 4
    assert names(Location.objects.subtree(places.syria)) == {"Syria", "Al-Hasakeh"}


def test_moving_a_locality_up_a_level_drops_its_adm2(analyst, places):
    location_move(places.baghouz, parent=places.deir_ez_zor, moved_by=analyst)
    for place in (places.baghouz, places.camp):
        place.refresh_from_db()
        assert (place.adm1_id, place.adm2_id) == (places.deir_ez_zor.pk, None)
    places.camp.refresh_from_db()
    assert places.camp.depth == 3


def test_a_move_keeps_figures_with_their_place_and_marks_them_updated(analyst, places):
    figure = DisplacementFigureFactory(location=places.camp)
    stamp = DisplacementFigure.objects.get(pk=figure.pk).updated_at
    location_move(places.abu_kamal, parent=places.hasakeh, moved_by=analyst)
    assert DisplacementFigure.objects.filter(location__path__startswith=f"/{places.syria.pk}/{places.hasakeh.pk}/",
                                             pk=figure.pk).exists()
    assert DisplacementFigure.objects.get(pk=figure.pk).updated_at > stamp


def test_a_move_is_recorded_in_history(analyst, places):
    location_move(places.baghouz, parent=places.deir_ez_zor, moved_by=analyst)
    latest = places.baghouz.history.first()
    assert (latest.parent_id, latest.history_user) == (places.deir_ez_zor.pk, analyst)
    assert latest.prev_record.parent_id == places.abu_kamal.pk


def test_records_store_their_places_country_and_follow_a_move_to_another_country(analyst, places):
    """``Claim.country`` (what the country filters read) is the place's country, before and after a move."""
    from tests.factories import AidCapacityReportFactory, SurrenderFigureFactory
    from tracker.models import AidCapacityReport, SurrenderFigure

    records = [DisplacementFigureFactory(location=places.camp), SurrenderFigureFactory(location=places.baghouz),
               AidCapacityReportFactory(location=places.deir_ez_zor)]
    elsewhere = DisplacementFigureFactory(location=places.hasakeh)
    for record in records:
        assert type(record).objects.get(pk=record.pk).country_id == places.syria.pk
    location_move(places.deir_ez_zor, parent=places.iraq, moved_by=analyst)
    for model, record in zip((DisplacementFigure, SurrenderFigure, AidCapacityReport), records, strict=True):
        assert model.objects.get(pk=record.pk).country_id == places.iraq.pk
    assert DisplacementFigure.objects.get(pk=elsewhere.pk).country_id == places.syria.pk


def _links(model, record) -> tuple:
    return tuple(model.objects.filter(pk=record.pk).values_list("country_id", "adm1_id", "adm2_id").get())


def test_records_store_their_places_province_and_district_and_follow_a_move_within_the_country(analyst, places):
    """``Claim.adm1`` and ``adm2`` (what a province's and a district's page read) are the place's, and a move that
    changes them without changing the country restates them, on every kind of record and only under the move."""
    from tests.factories import AidCapacityReportFactory, SurrenderFigureFactory
    from tracker.models import AidCapacityReport, SurrenderFigure

    models = (DisplacementFigure, SurrenderFigure, AidCapacityReport)
    records = [DisplacementFigureFactory(location=places.camp), SurrenderFigureFactory(location=places.baghouz),
               AidCapacityReportFactory(location=places.abu_kamal)]
    province = DisplacementFigureFactory(location=places.deir_ez_zor)
    stamp = DisplacementFigure.objects.get(pk=records[0].pk).updated_at
    syria, deir, abu_kamal = places.syria.pk, places.deir_ez_zor.pk, places.abu_kamal.pk
    for model, record in zip(models, records, strict=True):
        assert _links(model, record) == (syria, deir, abu_kamal)
    assert _links(DisplacementFigure, province) == (syria, deir, None)

    location_move(places.abu_kamal, parent=places.hasakeh, moved_by=analyst)
    for model, record in zip(models, records, strict=True):
        assert _links(model, record) == (syria, places.hasakeh.pk, abu_kamal)
    assert _links(DisplacementFigure, province) == (syria, deir, None)
    assert DisplacementFigure.objects.get(pk=records[0].pk).updated_at > stamp  # sync clients fetch them again

    location_move(places.baghouz, parent=places.anbar, moved_by=analyst)  # a locality to another country's province
    assert _links(DisplacementFigure, records[0]) == (places.iraq.pk, places.anbar.pk, None)
    assert _links(AidCapacityReport, records[2]) == (syria, places.hasakeh.pk, abu_kamal)


def test_a_province_and_a_district_hold_their_records_by_the_stored_links_after_a_move(analyst, places, client):
    """The API's place filter and the place pages read the stored links: after a move they follow the places."""
    from tracker.selectors.pages import claims_about

    figure = DisplacementFigureFactory(location=places.camp)
    assert list(claims_about(DisplacementFigure, place=places.deir_ez_zor)) == [figure]
    location_move(places.abu_kamal, parent=places.hasakeh, moved_by=analyst)
    assert not claims_about(DisplacementFigure, place=places.deir_ez_zor).exists()
    for place in (places.hasakeh, places.abu_kamal, places.baghouz, places.syria):
        place = Location.objects.get(pk=place.pk)  # a locality's new path, read again
        assert list(claims_about(DisplacementFigure, place=place)) == [figure], place.name


def test_a_record_moved_to_another_place_takes_that_places_country(analyst, places):
    from tracker.services import claim_update

    figure = DisplacementFigureFactory(location=places.camp)
    claim_update(DisplacementFigure.objects.get(pk=figure.pk), changed_by=analyst,
                 data={"location": places.iraq})
    assert _links(DisplacementFigure, figure) == (places.iraq.pk, None, None)
    claim_update(DisplacementFigure.objects.get(pk=figure.pk), changed_by=analyst,
                 data={"location": places.abu_kamal})
    assert _links(DisplacementFigure, figure) == (places.syria.pk, places.deir_ez_zor.pk, places.abu_kamal.pk)


def test_a_move_across_countries_marks_records_updated_and_a_later_rename_marks_them_again(analyst, places):
    """The country restatement bumps the records once; the next edit of the same place object bumps them again."""
    from tracker.services import reference_update

    figure = DisplacementFigureFactory(location=places.camp)
    before = DisplacementFigure.objects.get(pk=figure.pk).updated_at
    location_move(places.deir_ez_zor, parent=places.iraq, moved_by=analyst)
    moved = DisplacementFigure.objects.get(pk=figure.pk).updated_at
    assert moved > before
    reference_update(places.deir_ez_zor, changed_by=analyst, data={"name": "Deir ez-Zor"})
    assert DisplacementFigure.objects.get(pk=figure.pk).updated_at > moved


def test_an_unused_governorate_can_be_deleted_and_one_with_places_under_it_cannot(places, django_user_model):
    """A country, adm1 or adm2 is its own ancestor link: that link alone must not keep it from being deleted."""
    from tracker.services import reference_delete
    from tracker.services.common import WorkflowError

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    reference_delete(places.hasakeh, deleted_by=admin)
    assert not Location.objects.filter(pk=places.hasakeh.pk).exists()
    with pytest.raises(WorkflowError, match="still used by"):
        reference_delete(places.deir_ez_zor, deleted_by=admin)
    places.deir_ez_zor.refresh_from_db()
    assert places.deir_ez_zor.adm1_id == places.deir_ez_zor.pk  # its own link is back: nothing was written
