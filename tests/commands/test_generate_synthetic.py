"""``manage.py generate_synthetic``: deterministic, consistent, marked synthetic, and careful with real data."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tracker.choices import ReviewStatus, Role
from tracker.management.commands.generate_synthetic import Command
from tracker.models import (
    CLAIM_MODELS,
    QUANTIFIED_MODELS,
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)
from tracker.rules.quantities import derive_quantity
from tracker.rules.terms import displacement_term_group
from tracker.search.documents import book_for, search_document
from tracker.synthetic.database import copy_text
from tracker.synthetic.records import RECORD_COLUMNS
from tracker.synthetic.shared import BLOCK
from tracker.synthetic.workers import CAN_FORK, block_mapper

FIGURES = 200

pytestmark = pytest.mark.django_db


def generate(figures: int = FIGURES, seed: int = 7, **options) -> str:
    out = StringIO()
    call_command("generate_synthetic", figures=figures, seed=seed, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    """Every synthetic row of every table the command fills, in id order."""
    tables = {}
    for model in (*CLAIM_MODELS, Source, Location, Organization):
        fields = [f.attname for f in model._meta.concrete_fields]
        tables[model.__name__] = list(model.objects.filter(is_synthetic=True).order_by("pk").values_list(*fields))
    tables["Event"] = list(
        Event.objects.filter(is_synthetic=True).order_by("pk").values_list("pk", "name", "crisis__name",
                                                                          "start_date", "end_date")
    )
    return tables


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    output = generate()
    assert "records/second" in output
    first = snapshot()
    assert sum(len(first[model.__name__]) for model in CLAIM_MODELS) == FIGURES
    generate()  # replaces the earlier synthetic data
    assert snapshot() == first
    generate(batch_size=37)  # the batch size changes how rows are sent, not which
    assert snapshot() == first
    generate(workers=0)  # nor do the processes that draw them (on PostgreSQL; elsewhere this process draws all)
    assert snapshot() == first
    generate(batch_size=37, workers=3)
    assert snapshot() == first
    generate(seed=8)
    assert snapshot()["DisplacementFigure"] != first["DisplacementFigure"]


def test_blocks_drawn_by_several_workers_give_the_rows_drawn_here():
    """Past one ``BLOCK``, each block is drawn from its own generator: the workers that draw them, in whatever
    order they finish, and batches that cut across blocks change nothing."""
    figures = BLOCK * 3 // 2
    generate(figures=figures, workers=0)
    here = snapshot()
    assert len(here["DisplacementFigure"]) > BLOCK
    generate(figures=figures, workers=2, batch_size=BLOCK // 3 + 1)
    assert snapshot() == here


def test_records_hold_the_values_drawn_column_for_column():
    """What is stored (COPY text that the command formats itself on PostgreSQL, ``executemany`` elsewhere) is
    what the generator drew: every column of every record, datetimes, dates, decimals and NULLs included."""
    command = Command()
    call_command(command, figures=2 * FIGURES, seed=7, stdout=StringIO())
    generator = command.generator
    for model, count in generator.kind_counts.items():
        columns = RECORD_COLUMNS[model]
        stored = list(model.objects.filter(is_synthetic=True).order_by("pk").values_list(*columns))
        first = stored[0][columns.index("id")]
        drawn = []
        for offset in range(0, count, BLOCK):
            drawn += generator.records.record_values(generator.records.block_rows(model, first, offset,
                                                                        min(BLOCK, count - offset)))
        assert len(stored) == count
        assert stored == drawn, model.__name__


def test_copy_text_escapes_what_copy_would_misread():
    plain = (1, None, True, False, "plain words", Decimal("4.50"), date(2024, 2, 29),
             datetime(2024, 2, 29, 23, 59, tzinfo=UTC))
    assert copy_text(plain) == "1\t\\N\tTrue\tFalse\tplain words\t4.50\t2024-02-29\t2024-02-29 23:59:00+00:00"
    tricky = ("a\tb", "line\nbreak\r", "back\\slash", "\\N", "None", None, True, 0, Decimal("4.50"),
              date(2024, 2, 29), datetime(2024, 2, 29, 23, 59, tzinfo=UTC))
    assert copy_text(tricky) == (
        "a\\tb\tline\\nbreak\\r\tback\\\\slash\t\\\\N\tNone\t\\N\tt\t0\t4.50\t2024-02-29\t2024-02-29 23:59:00+00:00")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:  # PostgreSQL reads back the very values
        for values, types in ((plain, "int, text, bool, bool, text, numeric, date, timestamptz"),
                              (tricky, "text, text, text, text, text, text, bool, int, numeric, date, timestamptz")):
            names = ", ".join(f"c{i} {kind}" for i, kind in enumerate(types.split(", ")))
            cursor.execute(f"CREATE TEMPORARY TABLE copy_check ({names})")
            with cursor.cursor.copy("COPY copy_check FROM STDIN") as copy:
                copy.write(copy_text(values) + "\n")
            cursor.execute("SELECT * FROM copy_check")
            assert cursor.fetchall() == [values]
            cursor.execute("DROP TABLE copy_check")


def test_records_are_spread_realistically():
    generate()
    for model in CLAIM_MODELS:
        assert model.objects.exists()
    figures = DisplacementFigure.objects
    approved = figures.filter(review_status=ReviewStatus.APPROVED).count()
    assert approved > 0.6 * figures.count()
    assert figures.exclude(review_status=ReviewStatus.APPROVED).exists()
    assert figures.filter(role=Role.TRIANGULATION).exists()
    assert figures.filter(unit__in=["households", "families"]).exists()
    assert figures.filter(low__isnull=True).exists()  # unquantified claims, stored as evidence
    assert figures.filter(high_open=True).exists()
    years = {d.year for d in figures.values_list("end_date", flat=True)}
    assert len(years) >= 5
    assert Location.objects.filter(is_synthetic=True, level="country").count() >= 2
    assert set(Location.objects.filter(is_synthetic=True).values_list("level", flat=True)) >= {
        "country", "adm1", "adm2", "adm3", "locality", "site"}


def test_every_row_is_marked_synthetic_and_says_so():
    generate()
    for model in CLAIM_MODELS:
        assert not model.objects.filter(is_synthetic=False).exists()
        assert not model.objects.exclude(notes__icontains="synthetic").exists()
    for model in (Source, Location, Organization, Event):
        assert model.objects.count() == model.objects.filter(is_synthetic=True).count()
    assert not Source.objects.exclude(notes__icontains="synthetic").exists()


def test_derived_quantities_come_from_derive_quantity():
    generate()
    for model in QUANTIFIED_MODELS:
        for figure in model.objects.all():
            expected = derive_quantity(
                quantifier=figure.quantifier, reported_value=figure.reported_value,
                reported_value_max=figure.reported_value_max, magnitude_word=figure.magnitude_word or None,
                unit=figure.unit, household_size=figure.household_size, best_override=figure.best_override,
            )
            assert (figure.low, figure.best, figure.high, figure.high_open) == (
                expected.low, expected.best, expected.high, expected.high_open), figure.pk
            assert figure.term_group == figure.derive_term_group()
    for figure in DisplacementFigure.objects.all():
        assert figure.term_group == displacement_term_group(figure.term, figure.category)


def test_paths_and_ancestors_follow_the_tree_rule():
    generate()
    places = {place.pk: place for place in Location.objects.all()}
    for place in places.values():
        expected = Location(pk=place.pk, level=place.level, parent=places.get(place.parent_id))
        expected.parent_id = place.parent_id
        expected._derive_tree()
        assert (place.path, place.depth, place.country_id, place.adm1_id, place.adm2_id) == (
            expected.path, expected.depth, expected.country_id, expected.adm1_id, expected.adm2_id), place.pk
    country = next(p for p in places.values() if p.level == "country")
    assert Location.objects.subtree(country).count() > 1


def test_records_store_their_places_area_links_as_every_save_does():
    """The generator writes the rows itself: each record's country, adm1 and adm2 are what ``store_areas`` sets."""
    from tracker.models.claims import store_areas

    generate()
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        records = list(model.objects.select_related("location"))
        assert any(record.adm2_id for record in records) and any(record.adm1_id is None for record in records)
        for record in records:
            stored = (record.country_id, record.adm1_id, record.adm2_id)
            store_areas(record)
            assert stored == (record.country_id, record.adm1_id, record.adm2_id), record.pk


def test_links_point_to_earlier_approved_headlines_of_the_same_kind():
    generate()
    for model in QUANTIFIED_MODELS:
        for figure in model.objects.filter(supports__isnull=False) | model.objects.filter(duplicate_of__isnull=False):
            target = figure.supports or figure.duplicate_of
            assert target.pk < figure.pk
            assert target.role == Role.HEADLINE and target.duplicate_of_id is None
            assert target.review_status == ReviewStatus.APPROVED
            assert target.location_id == figure.location_id


def test_records_pass_model_validation():
    """The insert proves the database constraints; a sample also passes the models' own rules."""
    generate()
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        for record in model.objects.order_by("pk")[:60]:
            record.full_clean()
            assert record.end_date <= record.source.publication_date


def test_search_documents_are_what_the_search_package_makes():
    """The generator writes each record's search columns from the words of its texts' parts; they are what
    ``tracker.search.documents`` makes of the stored record (its prose stemmed; its place, event, source, publisher
    and organizations named)."""
    generate(figures=600)
    for model in CLAIM_MODELS:
        records = list(model.objects.order_by("pk"))
        book = book_for(records)
        for record in records:
            assert record.search_text and record.search_names
            assert (record.search_text, record.search_names) == search_document(record, book=book), record.pk


def test_prose_has_the_word_frequencies_of_real_text():
    """Excerpts read like reporting around the record's own number and place, and their words spread as in real
    text: a few words in most records, most words in a few, some in a single record, which a search finds."""
    from collections import Counter

    from tracker.filtersets import DisplacementFigureFilterSet

    generate(figures=3000)
    figures = list(DisplacementFigure.objects.select_related("location").values_list(
        "excerpt", "reported_phrase", "location__name", "search_text"))
    assert len({excerpt for excerpt, *_ in figures}) > 0.9 * len(figures)
    assert all(phrase.lower() in excerpt.lower() and place in excerpt for excerpt, phrase, place, _ in figures)
    records_with = Counter(word for *_, text in figures for word in set(text.split()))
    shares = sorted((n / len(figures) for n in records_with.values()), reverse=True)
    assert len(records_with) > 1000
    assert any(0.3 < share < 0.7 for share in shares)  # words in about half of the records
    assert sum(share < 0.01 for share in shares) > 0.5 * len(shares)  # most words are rare
    single = [word for word, n in records_with.items() if n == 1 and word.isalpha()]
    assert len(single) > 20
    found = DisplacementFigureFilterSet({"q": single[0]}, queryset=DisplacementFigure.objects.all()).qs
    assert found.count() == 1 and single[0] in found.get().search_text.split()


def test_refuses_a_database_with_real_records_unless_forced(draft):
    with pytest.raises(CommandError, match="real"):
        generate(figures=50)
    assert not DisplacementFigure.objects.filter(is_synthetic=True).exists()
    generate(figures=50, force=True)
    assert DisplacementFigure.objects.filter(pk=draft.pk, is_synthetic=False).exists()
    assert sum(model.objects.filter(is_synthetic=True).count() for model in CLAIM_MODELS) == 50
    generate(figures=30, force=True)  # a second run replaces only the synthetic rows
    assert DisplacementFigure.objects.filter(pk=draft.pk).exists()
    assert sum(model.objects.filter(is_synthetic=True).count() for model in CLAIM_MODELS) == 30


class Dying:
    """A drawer whose second block kills the worker drawing it."""

    def block(self, number: int) -> int:
        if number == 2:
            os._exit(9)
        return number


@pytest.mark.skipif(not CAN_FORK, reason="workers are forked processes")
def test_a_worker_that_dies_fails_the_run_instead_of_waiting_forever():
    with block_mapper(Dying(), 2) as mapped, pytest.raises(BrokenProcessPool):
        list(mapped("block", [(1,), (2,), (3,)]))


def test_bad_arguments():
    with pytest.raises(CommandError):
        generate(figures=0)
    with pytest.raises(CommandError):
        generate(workers=-1)
