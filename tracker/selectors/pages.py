"""What the public pages read: records and sources about an event or a place, their dates and headline totals.

Approved, non-confidential data only (:func:`tracker.reporting.counting.visible_approved` for the public); every
number comes from :func:`tracker.reporting.report.figure_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Max, Min, Model, QuerySet

from tracker.audience import Audience
from tracker.db.ids import among
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Location,
    Source,
    SurrenderFigure,
    party_claim_expression,
)
from tracker.models.reference import within_place_q
from tracker.reporting.counting import counted, visible_approved
from tracker.reporting.report import figure_report


def claims_about(model: type[Model], *, event: Event | None = None, place: Location | None = None) -> QuerySet:
    """Records of ``model`` about an event, or about a place and everything under it (a country's, a province's or
    a district's figures by their stored area link, an index range; aid capacity reports by their places' links)."""
    records = model.objects.all()
    if event is not None:
        records = records.filter(event=event)
    if place is not None:
        # The aid capacity status is ordered by place and paged: read through the places, the planner joins the
        # area's few places first; by the stored link, it walked the place index from the first place of all,
        # taking the reports as evenly spread (160 ms for a country at a million records, 60 ms through places).
        records = records.filter(within_place_q(place, field="location", stored_areas=model is not AidCapacityReport))
    return records


def counted_end_dates(figures: QuerySet, **filters: Any) -> tuple[date | None, date | None]:
    """The first and last end dates of the counted, non-confidential figures in ``figures``."""
    span = counted(figures).filter(**filters).aggregate(first=Min("end_date"), last=Max("end_date"))
    return span["first"], span["last"]


def event_headline_totals(event_ids: Sequence[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Whole-period displacement and surrender totals per event, for public listings (two GROUP BY queries)."""
    totals: dict[int, dict[str, list[dict[str, Any]]]] = {
        pk: {"displacement": [], "surrenders": []} for pk in event_ids
    }
    for model, key in ((DisplacementFigure, "displacement"), (SurrenderFigure, "surrenders")):
        report = figure_report(
            model, model.objects.filter(event_id__in=list(event_ids)), group_by="event",
            with_ids=False, with_warnings=False, with_totals=False, with_sources=False,
        )
        for row in report.rows:
            totals[row["event_id"]][key].append(row)
    return totals


def public_records(model: type[Model], records: QuerySet) -> QuerySet:
    """Approved, non-confidential records for a page, newest first, with what a row shows joined in.

    ``is_party_claim_flag`` says whether the claim is attributed to one of its event's parties.
    """
    # (the rows show the ids of the figures a record supports or duplicates, not the figures, and the event's
    # parties through ``is_party_claim_flag``, not the event: no joins for them, which cost more planning than the
    # page's whole query took to run at a million records)
    return (
        visible_approved(records, audience=Audience.PUBLIC)
        .select_related("source__publisher", "location", "attributed_to")
        .defer("source__text", "search_text", "search_names")  # a source's whole text, and search's copies
        .annotate(is_party_claim_flag=party_claim_expression())
        .order_by("-end_date", "-pk")
    )


# What a page's table of records shows (templates/tracker/_records.html), and of its source, publisher, place and
# claimant: a page of ten records read whole with theirs was some 150 columns, which the ORM took 3.6 ms to
# write out, longer than the query ran.
RECORD_ROW_FIELDS = [
    "id", "role", "term", "category", "reported_phrase", "low", "best", "high", "high_open", "start_date", "end_date",
    "location_precision", "supports_id", "duplicate_of_id", "excerpt", "attribution_text", "location__name",
    "source__publication_date", "source__title", "source__publisher__name", "attributed_to__name",
    "attributed_to__acronym",
]


def record_rows(model: type[Model], records: QuerySet) -> QuerySet:
    """:func:`public_records` with only what a page's table of records shows of each (the CSV reads them whole)."""
    fields = [name for name in RECORD_ROW_FIELDS if name != "category" or model is DisplacementFigure]
    return public_records(model, records).only(*fields)


def public_sources(*record_sets: QuerySet) -> QuerySet:
    """Non-confidential sources of the approved, non-confidential records in ``record_sets``.

    The cited ids are read first (one query: the union of each set's ids, read through its scope's index), then
    the sources by that list. Kept as one semi-join, PostgreSQL reckoned a country's 3,580 sources at 105,000 (a
    row per record) and hashed a scan of every source against them; an OR of an EXISTS per kind ran as hashed
    subplans filtering every source by publication date. Each set's ids are made distinct first, as its index hands
    them over in order, so that the union hashes a few thousand ids rather than a row per record. The sources are
    then a condition on the ids (``among``), not a join: PostgreSQL walks the newest sources first and stops at the
    page's last (a province's 3,600 sources: 0.3 ms, where fetching and sorting all of them took 9.5 ms)."""
    cited = [visible_approved(records, audience=Audience.PUBLIC).order_by().values_list("source_id", flat=True)
             .distinct() for records in record_sets]
    ids = list(cited[0].union(*cited[1:]))
    return (
        Source.objects.visible_to(Audience.PUBLIC)
        .filter(among(Source, ids, record_sets[0].db))
        .select_related("publisher")
        .prefetch_related("co_credited")
        .order_by("-publication_date", "title", "pk")
    )
