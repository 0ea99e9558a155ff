"""The aid capacity status: the latest report per provider, place and sector as of a date. Never summed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower, Trim

from tracker.audience import Audience
from tracker.choices import Sector, Strain
from tracker.models import AidCapacityReport
from tracker.reporting.counting import reliability_rank, visible_approved


def _provider_key() -> Case:
    """Unnamed providers are told apart by their description, case and spaces aside."""
    return Case(
        When(provider__isnull=True, then=Lower(Trim("provider_description"))),
        default=Value(""),
        output_field=CharField(),
    )


AID_CAPACITY_COLUMNS = [
    "location_id", "location_name", "location_pcode", "sector", "sector_label", "provider_id", "provider_name",
    "provider_description", "strain", "strain_label", "capacity", "demand", "capacity_unit", "reported_on",
    "record_id", "source_id",
]


def aid_capacity_status(
    reports: QuerySet | None = None,
    *,
    as_of: date | None = None,
    audience: Audience = Audience.PUBLIC,
) -> QuerySet:
    """The latest report per provider, place and sector as of a date (ties: more reliable publisher, lower id).

    Returns a values() queryset of ``AID_CAPACITY_COLUMNS`` (lazy: slice or paginate it).
    Aid capacity is never summed.
    """
    scope = visible_approved(AidCapacityReport.objects.all() if reports is None else reports,
                     audience=audience)
    if as_of:
        scope = scope.filter(end_date__lte=as_of)
    annotated = scope.annotate(rank=reliability_rank(), provider_key=_provider_key())
    # provider_id is NULL for unnamed providers (and NULL = NULL is not true in SQL): those match on their
    # description key instead, which is empty exactly for named providers.
    better = annotated.filter(
        Q(provider_id=OuterRef("provider_id")) | Q(provider__isnull=True, provider_key=OuterRef("provider_key")),
        location_id=OuterRef("location_id"),
        sector=OuterRef("sector"),
    ).filter(
        Q(end_date__gt=OuterRef("end_date"))
        | Q(end_date=OuterRef("end_date"), rank__gt=OuterRef("rank"))
        | Q(end_date=OuterRef("end_date"), rank=OuterRef("rank"), pk__lt=OuterRef("pk"))
    )
    latest = annotated.exclude(Exists(better))
    return latest.values(
        "location_id", "sector", "provider_id", "provider_description", "strain", "capacity", "demand",
        "capacity_unit",
        location_name=F("location__name"), location_pcode=F("location__pcode"), location_path=F("location__path"),
        provider_name=F("provider__name"), reported_on=F("end_date"), record_id=F("pk"),
    ).annotate(source_id=F("source_id")).order_by("location__path", "sector", "provider__name",
                                                   "provider_description", "pk")


def aid_capacity_row(values: dict[str, Any]) -> dict[str, Any]:
    """Labels for one status row."""
    row = {column: values.get(column) for column in AID_CAPACITY_COLUMNS}
    row["sector_label"] = Sector(values["sector"]).label
    row["strain_label"] = Strain(values["strain"]).label
    return row

