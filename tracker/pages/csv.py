"""The public pages' CSV: each table of a page, whole, in the downloads' dialect with formula escaping."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone

from tracker.choices import DisplacementCategory
from tracker.exports import csv
from tracker.exports.escape import escape_formula
from tracker.models import AidCapacityReport, DisplacementFigure, Event, Location, SurrenderFigure
from tracker.reporting.aid_capacity import AID_CAPACITY_COLUMNS, aid_capacity_row, aid_capacity_status
from tracker.reporting.grouping import VALUE_COLUMNS
from tracker.reporting.report import displacement_report, surrender_report
from tracker.selectors.pages import (
    claims_about,
    public_records,
    public_sources,
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> Any:
    """A cell safe to open in a spreadsheet: text starting like a formula is escaped with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    if isinstance(value, str):
        return escape_formula(value)
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    """Stream ``rows`` (dicts) as CSV in the downloads' dialect, in constant memory; the licence is stated in a
    header."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(row.get(column)) for column in header])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Data-License"] = settings.DATA_LICENSE
    return response


RECORD_COLUMNS = [
    "id", "term", "category", "role", "supports_id", "duplicate_of_id", "reported_phrase", "low", "best", "high",
    "high_open", "start_date", "end_date", "location_id", "location_name", "location_pcode", "event_id",
    "attributed_to", "attribution_text", "source_id", "source_title", "source_url", "publisher", "excerpt",
]
SOURCE_COLUMNS = ["id", "title", "url", "publisher", "publication_date", "kind", "language", "archive_url"]


def _record_rows(records: QuerySet) -> Iterator[dict[str, Any]]:
    for record in records.iterator(chunk_size=2000):
        yield {
            "id": record.pk, "term": record.term, "category": getattr(record, "category", ""), "role": record.role,
            "supports_id": record.supports_id, "duplicate_of_id": record.duplicate_of_id,
            "reported_phrase": record.reported_phrase, "low": record.low, "best": record.best, "high": record.high,
            "high_open": record.high_open, "start_date": record.start_date, "end_date": record.end_date,
            "location_id": record.location_id, "location_name": record.location.name,
            "location_pcode": record.location.pcode, "event_id": record.event_id,
            "attributed_to": record.attributed_to.name if record.attributed_to_id else "",
            "attribution_text": record.attribution_text, "source_id": record.source_id,
            "source_title": record.source.title, "source_url": record.source.url,
            "publisher": record.source.publisher.name, "excerpt": record.excerpt,
        }


def _source_rows(sources: QuerySet) -> Iterator[dict[str, Any]]:
    for source in sources.iterator(chunk_size=2000):
        yield {
            "id": source.pk, "title": source.title, "url": source.url, "publisher": source.publisher.name,
            "publication_date": source.publication_date, "kind": source.kind, "language": source.language,
            "archive_url": source.archive_url,
        }


def report_csv(filename: str, report: Any) -> StreamingHttpResponse:
    header = report.key_columns + VALUE_COLUMNS
    if report.group_by and report.group_by[0] in ("week", "month", "year"):
        header.append("multi_bucket_count")
    header += ["ids", "ids_truncated"]
    return csv_response(filename, header, report.rows)


CSV_TABLES = (
    "displacement-weekly", "displacement-monthly", "surrenders-monthly", "aid-capacity",
    "displacement-figures", "surrender-figures", "sources",
)


def scoped_csv(table: str, *, event: Event | None = None, place: Location | None = None) -> StreamingHttpResponse:
    """One table of an event or place page, whole (not paginated), as CSV."""
    name = f"event-{event.pk}" if event else f"place-{place.pk}"
    displacement = claims_about(DisplacementFigure, event=event, place=place)
    surrenders = claims_about(SurrenderFigure, event=event, place=place)
    aid = claims_about(AidCapacityReport, event=event, place=place)
    filename = f"{name}-{table}.csv"
    if table == "displacement-weekly":
        return report_csv(filename, displacement_report(
            displacement.filter(category=DisplacementCategory.FLOW), group_by="week", with_warnings=False,
            with_totals=False))
    if table == "displacement-monthly":
        return report_csv(filename, displacement_report(displacement, group_by="month", with_warnings=False,
                                                         with_totals=False))
    if table == "surrenders-monthly":
        return report_csv(filename, surrender_report(surrenders, group_by="month", with_warnings=False,
                                                      with_totals=False))
    if table == "aid-capacity":
        as_of = (event.end_date if event and event.end_date else None) or timezone.localdate()
        rows = (aid_capacity_row(values) for values in aid_capacity_status(aid, as_of=as_of).iterator())
        return csv_response(filename, AID_CAPACITY_COLUMNS, rows)
    if table == "displacement-figures":
        return csv_response(filename, RECORD_COLUMNS, _record_rows(public_records(DisplacementFigure, displacement)))
    if table == "surrender-figures":
        return csv_response(filename, RECORD_COLUMNS, _record_rows(public_records(SurrenderFigure, surrenders)))
    if table == "sources":
        return csv_response(filename, SOURCE_COLUMNS, _source_rows(public_sources(displacement, surrenders, aid)))
    raise Http404(f"No table {table!r}: choose from {', '.join(CSV_TABLES)}.")
