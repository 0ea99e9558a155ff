"""``/api/v1/reports/``: totals that never double count, as JSON, CSV, HXL and XLSX.

Thin doors into :mod:`tracker.reporting`: the report FilterSets extend the list
FilterSets (same filters, same 400s) with one difference, ``date_from`` and
``date_to`` select figures by their END date, so a filtered report and a
bucketed one always agree. Who sees what is :mod:`tracker.api.access`: a key
counts approved records, and confidential ones only with the confidential scope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Model
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from tracker import filtersets
from tracker.api.access import TrackerAccess, audience_of, visible
from tracker.api.base import TrackerAPIMixin
from tracker.api.renderers import CSVRenderer, ExportRenderer, FastJSONRenderer, HXLRenderer, XLSXRenderer
from tracker.api.schema import ERRORS
from tracker.exports.cells import BOOLEAN, DATE, INTEGER
from tracker.exports.columns import Column, col
from tracker.models import AidCapacityReport, DisplacementFigure, SurrenderFigure
from tracker.parsing import whole_number
from tracker.reporting import dimensions, grouping
from tracker.reporting.aid_capacity import AID_CAPACITY_COLUMNS, aid_capacity_row, aid_capacity_status
from tracker.reporting.report import Report, figure_report
from tracker.reporting.responses import keep, kept, response_key

REPORT_RENDERERS = [FastJSONRenderer, CSVRenderer, HXLRenderer, XLSXRenderer]


# --- filters ----------------------------------------------------------------------------------------


class GroupByField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return dimensions.parse_group_by(value)
        except DjangoValidationError as error:
            raise forms.ValidationError(error.message_dict["group_by"]) from None


class GroupByFilter(django_filters.Filter):
    """Not a filter: how to group the counted figures (read by the view)."""

    field_class = GroupByField

    def filter(self, qs, value):
        return qs


GROUP_BY_HELP = (
    "Comma-separated, combinable: " + ", ".join(dimensions.GROUP_BY_CHOICES) + " (at most one of week, month, year). "
    "Figures go to the bucket of their END date; figures placed coarser than a place grouping go to a row with "
    "empty keys (not attributable at this level), so every grouping adds up to the same total."
)


def _end_date(lookup: str, text: str) -> django_filters.DateFilter:
    return filtersets.date_filter("end_date", lookup, text)


class FigureReportFilters(django_filters.FilterSet):
    """What every figure report adds to its list's filters."""

    date_from = _end_date("gte", "Figures whose END date is on or after this date (YYYY-MM-DD). Unlike the lists, "
                                 "reports select by end date: a figure counts in the period its end date falls in.")
    date_to = _end_date("lte", "Figures whose END date is on or before this date (YYYY-MM-DD).")
    group_by = GroupByFilter(help_text=GROUP_BY_HELP)


def _report_filterset(base: type[filtersets.StrictFilterSet], extra: type) -> type[filtersets.StrictFilterSet]:
    """The list FilterSet of a kind, extended for reports: no ordering or paging, dates by end date."""
    name = base.__name__.replace("FilterSet", "ReportFilterSet")
    filterset = type(name, (base,), {
        **{key: value for key, value in extra.base_filters.items()},
        "common_params": frozenset({"format"}),
        "Meta": base.Meta,
        "__doc__": f"{base.__name__}'s filters for a report; date_from/date_to select by end date.",
    })
    filterset.base_filters.pop("ordering", None)
    return filterset


DisplacementReportFilterSet = _report_filterset(filtersets.DisplacementFigureFilterSet, FigureReportFilters)
SurrenderReportFilterSet = _report_filterset(filtersets.SurrenderFigureFilterSet, FigureReportFilters)


class AidCapacityStatusFilters(django_filters.FilterSet):
    as_of = filtersets.date_filter("end_date", "lte", "The status as of this date (YYYY-MM-DD): the latest report "
                                                   "per provider, place and sector dated on or before it. "
                                                   "Default: today.")
    date_from = _end_date("gte", "Only reports whose END date is on or after this date (YYYY-MM-DD).")
    date_to = _end_date("lte", "Only reports whose END date is on or before this date (YYYY-MM-DD).")


AidCapacityStatusFilterSet = _report_filterset(filtersets.AidCapacityReportFilterSet, AidCapacityStatusFilters)
AidCapacityStatusFilterSet.common_params = frozenset({"format", "page", "page_size"})


# --- export columns ----------------------------------------------------------------------------------

BEST_HXL = {"displacement": "#affected+displaced+ind", "surrenders": "#x_surrendered+ind"}


def report_columns(report: Report) -> list[Column]:
    """The CSV/HXL columns of a report's rows: its keys, the numbers, then the contributing ids.

    Best carries the plain hashtag and comes first of the three: HXL tools (libhxl, the HXL Proxy) sum the first
    column a hashtag matches, and ``#affected+displaced+ind`` matches ``+low`` and ``+high`` too."""
    best = BEST_HXL[report.kind]
    columns = [col(name, dimensions.KEY_HXL[name]) for name in report.key_columns]
    columns += [
        col("figures_count", "#meta+count+figures"),
        col("sources_count", "#meta+count+sources"),
        col("best", best),
        col("low", f"{best}+low"),
        col("high", f"{best}+high", description="Empty when open."),
        col("high_open", "#meta+high_open"),
    ]
    if any(dim in dimensions.TIME_DIMENSIONS for dim in report.group_by):
        columns += [
            col("multi_bucket_count", "#meta+count+multi_period"),
            col("earliest_start_date", "#date+start+earliest"),
        ]
    columns += [
        Column("ids", "#meta+ids", lambda row: " ".join(str(pk) for pk in row.get("ids") or [])),
        col("ids_truncated", "#meta+ids_truncated"),
    ]
    return columns


AID_HXL = {
    "location_id": "#loc+id", "location_name": "#loc+name", "location_pcode": "#loc+code",
    "sector": "#sector", "sector_label": "#sector+label", "provider_id": "#org+id", "provider_name": "#org+name",
    "provider_description": "#description+provider", "strain": "#status+strain",
    "strain_label": "#status+strain+label", "capacity": "#capacity", "demand": "#capacity+demand",
    "capacity_unit": "#meta+capacity_unit", "reported_on": "#date+end", "record_id": "#meta+id",
    "source_id": "#meta+source_id",
}
AID_STATUS_COLUMNS = [col(name, AID_HXL[name]) for name in AID_CAPACITY_COLUMNS]

#: what the report columns that are not text hold (``Column.kind``: XLSX writes them as dates, numbers, booleans)
REPORT_KINDS = {
    **dict.fromkeys(("figures_count", "sources_count", "low", "best", "high", "multi_bucket_count", "year",
                     "country_id", "adm1_id", "adm2_id", "event_id", "location_id", "provider_id", "capacity",
                     "demand", "record_id", "source_id"), INTEGER),
    **dict.fromkeys(("week_start", "month_start", "earliest_start_date", "reported_on"), DATE),
    **dict.fromkeys(("high_open", "ids_truncated"), BOOLEAN),
}


def kinded(columns: list[Column]) -> list[Column]:
    """The columns with their kinds (``REPORT_KINDS``)."""
    return [dataclasses.replace(column, type=REPORT_KINDS.get(column.name, column.type)) for column in columns]


# --- schema -------------------------------------------------------------------------------------------

FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=[renderer.format for renderer in REPORT_RENDERERS],
    description="json (rows, totals and warnings), csv (the rows), hxl (csv with a hashtag row), or xlsx (an Excel "
                "workbook: the rows, with dates as dates and numbers as numbers; the warnings and the licence on "
                "sheets of their own). ?format= wins over the Accept header.",
)
CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="The rows as CSV; ?format=hxl adds an HXL hashtag row.")
XLSX_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The rows as an Excel workbook, with sheets for "
                                                                 "the warnings (when any) and the licence.")
ROW_DOC = (
    "Each row: the group keys (places with id, name and P-code; an empty key means not attributable at this "
    "level), `category` and `term_group` (displacement rows always split by both: flows never add to stocks, nor "
    "leaving to arriving), `figures_count`, `sources_count`, `low`, `best`, `high` (null when open) and "
    f"`high_open`, and `ids`: the contributing record ids, at most {grouping.IDS_CAP} per row (`ids_cap`), largest "
    "contributors listed; `ids_truncated` says there are more, and `records_url` links to the list filtered by "
    "the row's keys (periods overlapping the row's bucket: a superset to narrow by end date). Time-grouped rows "
    "add `multi_bucket_count` (figures whose period began in an earlier bucket, counted once, here) and "
    "`earliest_start_date`. `totals` gives the whole filtered period per category and term group (stocks: the "
    "latest per place, never added over time). `warnings`: stored possible double counts among the counted "
    "figures, triangulations and duplicates left out, unquantified claims skipped, stocks dropped because their "
    "place lies inside another counted stock's, and figures spanning several buckets. An empty period has no "
    "row: it means no report, not zero. Rules and examples: docs/counting.md."
)
ROW_NUMBERS = {
    "figures_count": {"type": "integer"},
    "sources_count": {"type": "integer"},
    "low": {"type": "integer"},
    "best": {"type": "integer"},
    "high": {"type": "integer", "nullable": True, "description": "Null when the upper bound is open."},
    "high_open": {"type": "boolean"},
}
REPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "report": {"type": "string", "enum": ["displacement", "surrenders"]},
        "group_by": {"type": "array", "items": {"type": "string", "enum": list(dimensions.GROUP_BY_CHOICES)}},
        "date_from": {"type": "string", "format": "date", "nullable": True},
        "date_to": {"type": "string", "format": "date", "nullable": True},
        "ids_cap": {"type": "integer"},
        "license": {"type": "string"},
        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": True, "properties": {
            **ROW_NUMBERS,
            "ids": {"type": "array", "items": {"type": "integer"}},
            "ids_truncated": {"type": "boolean"},
            "records_url": {"type": "string", "format": "uri"},
            "multi_bucket_count": {"type": "integer"},
            "earliest_start_date": {"type": "string", "format": "date"},
        }}},
        "totals": {"type": "array", "items": {"type": "object", "additionalProperties": True,
                                              "properties": ROW_NUMBERS}},
        "warnings": {"type": "array", "items": {
            "type": "object", "additionalProperties": True,
            "properties": {"code": {"type": "string", "enum": [
                "overlap", "excluded_triangulation", "excluded_duplicate", "unquantified", "nested_stock",
                "multi_bucket"]}, "message": {"type": "string"}, "count": {"type": "integer"}},
        }},
    },
}
BAGHOUZ_EXAMPLE = OpenApiExample(
    "Baghouz, March 2019 (demo data, ?group_by=month)",
    response_only=True,
    media_type="application/json",
    value={
        "report": "displacement", "group_by": ["month"], "date_from": None, "date_to": None, "ids_cap": 100,
        "license": "CC BY 4.0",
        "rows": [{"month": "2019-03", "month_start": "2019-03-01", "category": "flow", "category_label": "Flow",
                  "term_group": "leaving", "term_group_label": "Leaving", "figures_count": 2, "sources_count": 1,
                  "low": 20000, "best": 20000, "high": 99999, "high_open": False, "multi_bucket_count": 1,
                  "earliest_start_date": "2018-12-10", "ids": [1, 3], "ids_truncated": False}],
        "totals": [{"category": "flow", "term_group": "leaving", "low": 20000, "best": 20000, "high": 99999,
                    "high_open": False, "figures_count": 2, "sources_count": 1}],
        "warnings": [{"code": "excluded_triangulation", "count": 1, "ids": [2],
                      "message": "1 triangulation figure not counted: each supports a headline figure that is "
                                 "counted."}],
    },
)
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 406, 429)}


def _filter_parameters(filterset: type[filtersets.StrictFilterSet]) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY,
                         description=str(f.extra.get("help_text") or f.label or name))
        for name, f in filterset.base_filters.items()
    ]


# --- views --------------------------------------------------------------------------------------------


def cached_response(request, view: APIView, resource: str, respond: Callable[[], Response]) -> HttpResponse:
    """``respond()`` rendered, or the same bytes kept while nothing it counts has changed
    (:mod:`tracker.reporting.responses`).

    The key holds the kind, the audience (an API key, with or without the confidential scope, or staff), the
    query's filters and grouping in a canonical order, the format and the address it was asked at (rows link to
    lists there), and the data version. ``REPORT_CACHE_SECONDS`` (0 switches the cache off) bounds how long an
    unused report stays. What is kept is the rendered body, not the report: storing 18,000 rows as Python
    objects cost a pickling of 0.13 s on the first request and an unpickling and a rendering on every later one.
    """
    seconds = settings.REPORT_CACHE_SECONDS
    if not seconds:
        return respond()
    audience = audience_of(request).value
    params = sorted((name, value) for name, values in request.query_params.lists() if name != "format"
                    for value in values)
    key = response_key("report", (resource, audience, params, request.accepted_renderer.format,
                                  request.build_absolute_uri("/")))
    response = kept(request, key)
    if response is not None:
        return response
    response = view.finalize_response(request, respond())
    response.render()
    return keep(key, response, seconds)


class ReportView(TrackerAPIMixin, APIView):
    """The shared door: filter what the caller may see, count, render."""

    renderer_classes = REPORT_RENDERERS
    permission_classes = [TrackerAccess]
    model: type[Model]
    filterset_class: type[filtersets.StrictFilterSet]
    resource = ""
    list_resource = ""

    def filtered(self, request):
        filterset = self.filterset_class(request.query_params, visible(self.model.objects.all(), request),
                                         request=request, audience=audience_of(request))
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return filterset

    def export_columns(self) -> list[Column]:
        return kinded(self.columns)

    def export_warnings(self) -> list[dict]:
        """What the workbook's warnings sheet lists."""
        return getattr(self, "warnings", [])

    def export(self, rows, renderer: ExportRenderer) -> Response:
        response = Response(rows)
        response["Content-Disposition"] = f'attachment; filename="{self.resource}-report.{renderer.extension}"'
        return response


class FigureReportView(ReportView):
    def get(self, request, *args, **kwargs):
        filterset = self.filtered(request)
        data = filterset.form.cleaned_data
        audience = audience_of(request)

        def count() -> Report:
            return figure_report(
                self.model, filterset.qs, group_by=data.get("group_by") or (), audience=audience,
                date_from=data.get("date_from"), date_to=data.get("date_to"), ids_cap=grouping.IDS_CAP,
            )

        return cached_response(request, self, self.resource, lambda: self.respond(request, count()))

    def respond(self, request, report: Report) -> Response:
        if isinstance(request.accepted_renderer, ExportRenderer):
            self.columns = report_columns(report)
            self.warnings = report.warnings
            return self.export(report.rows, request.accepted_renderer)
        lists = request.build_absolute_uri(f"/api/v1/{self.list_resource}/")
        for row in report.rows:
            if row["ids_truncated"]:
                row["records_url"] = self.records_url(request, row, lists)
        return Response({
            "report": report.kind,
            "group_by": list(report.group_by),
            "date_from": report.date_from,
            "date_to": report.date_to,
            "ids_cap": report.ids_cap,
            "license": settings.DATA_LICENSE,
            "rows": report.rows,
            "totals": report.totals,
            "warnings": report.warnings,
        })

    def records_url(self, request, row: dict[str, Any], url: str) -> str:
        """The list of this kind (at ``url``) filtered by the row's keys (a superset where a list filter is
        broader); parameters in name order."""
        params: dict[str, Any] = {
            key: value for key, value in request.query_params.items() if key not in ("group_by", "format")
        }
        params.update(role="headline", is_duplicate="false", quantified="true")
        params.update(dimensions.list_parameters(row))
        return f"{url}?{urlencode(sorted((key, str(value)) for key, value in params.items()))}"


@extend_schema(
    summary="Displacement totals that never double count",
    description=ROW_DOC, parameters=[FORMAT, *_filter_parameters(DisplacementReportFilterSet)],
    responses={(200, "application/json"): OpenApiResponse(REPORT_SCHEMA, description="Rows, totals, warnings."),
               (200, CSVRenderer.media_type): CSV_RESPONSE, (200, XLSXRenderer.media_type): XLSX_RESPONSE,
               **READ_ERRORS},
    examples=[BAGHOUZ_EXAMPLE],
)
class DisplacementReportView(FigureReportView):
    """Displacement totals grouped by time, place, event or term."""

    model = DisplacementFigure
    filterset_class = DisplacementReportFilterSet
    resource = "displacement"
    list_resource = "displacement-figures"


@extend_schema(
    summary="Surrender totals that never double count",
    description=ROW_DOC.replace("`category` and `term_group` (displacement rows always split by both: flows never "
                                "add to stocks, nor leaving to arriving)", "`term_group` (surrendered or captured "
                                                                          "form one group)"),
    parameters=[FORMAT, *_filter_parameters(SurrenderReportFilterSet)],
    responses={(200, "application/json"): OpenApiResponse(REPORT_SCHEMA, description="Rows, totals, warnings."),
               (200, CSVRenderer.media_type): CSV_RESPONSE, (200, XLSXRenderer.media_type): XLSX_RESPONSE,
               **READ_ERRORS},
)
class SurrenderReportView(FigureReportView):
    """Surrender totals grouped by time, place, event or term."""

    model = SurrenderFigure
    filterset_class = SurrenderReportFilterSet
    resource = "surrenders"
    list_resource = "surrenders"


AID_SCHEMA = {
    "type": "object",
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "count": {"type": "integer"},
        "next": {"type": "string", "nullable": True},
        "license": {"type": "string"},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "location_id": {"type": "integer"},
            "location_name": {"type": "string"},
            "location_pcode": {"type": "string", "nullable": True},
            "sector": {"type": "string"},
            "sector_label": {"type": "string"},
            "provider_id": {"type": "integer", "nullable": True},
            "provider_name": {"type": "string", "nullable": True},
            "provider_description": {"type": "string"},
            "strain": {"type": "string"},
            "strain_label": {"type": "string"},
            "capacity": {"type": "integer", "nullable": True},
            "demand": {"type": "integer", "nullable": True},
            "capacity_unit": {"type": "string"},
            "reported_on": {"type": "string", "format": "date"},
            "record_id": {"type": "integer"},
            "source_id": {"type": "integer"},
        }}},
    },
}


@extend_schema(
    summary="Aid capacity status: the latest strain per provider, place and sector",
    description=(
        "The latest aid capacity report per provider (named, or by its description when unnamed), place and "
        "sector, dated on or before `as_of` (default today); ties go to the more reliable publisher, then the "
        "lower id. Never summed. JSON is paged (`page`, `page_size`); CSV, HXL and XLSX hold every row."
    ),
    parameters=[
        FORMAT, *_filter_parameters(AidCapacityStatusFilterSet),
        OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="JSON page, from 1."),
        OpenApiParameter("page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Rows per JSON page."),
    ],
    responses={(200, "application/json"): OpenApiResponse(AID_SCHEMA, description="Status rows."),
               (200, CSVRenderer.media_type): CSV_RESPONSE, (200, XLSXRenderer.media_type): XLSX_RESPONSE,
               **READ_ERRORS},
)
class AidCapacityStatusView(ReportView):
    """Where aid providers stand, as of a date."""

    model = AidCapacityReport
    filterset_class = AidCapacityStatusFilterSet
    resource = "aid-capacity"
    columns = AID_STATUS_COLUMNS

    def get(self, request, *args, **kwargs):
        filterset = self.filtered(request)
        as_of = filterset.form.cleaned_data.get("as_of") or timezone.localdate()
        status_rows = aid_capacity_status(filterset.qs, as_of=as_of, audience=audience_of(request))
        if isinstance(request.accepted_renderer, ExportRenderer):
            rows = (aid_capacity_row(values) for values in status_rows.iterator(chunk_size=2000))
            return self.export(list(rows), request.accepted_renderer)
        page_number, page_size = self.paging(request)
        paginator = Paginator(status_rows, page_size)
        try:
            page = paginator.page(page_number)
        except EmptyPage:
            raise exceptions.ValidationError({"page": [f"No page {page_number}: there are "
                                                       f"{paginator.num_pages}."]}) from None
        next_url = None
        if page.has_next():
            next_url = replace_query_param(request.build_absolute_uri(), "page", page.next_page_number())
        return Response({
            "as_of": as_of,
            "count": paginator.count,
            "next": next_url,
            "license": settings.DATA_LICENSE,
            "rows": [aid_capacity_row(values) for values in page.object_list],
        })

    @staticmethod
    def paging(request) -> tuple[int, int]:
        errors = {}
        values = {}
        for name, default, limit in (("page", 1, None), ("page_size", settings.API_PAGE_SIZE,
                                                          settings.API_MAX_PAGE_SIZE)):
            raw = request.query_params.get(name)
            if raw is None:
                values[name] = default
                continue
            number = whole_number(raw, max_digits=9)
            if number is None or number < 1:
                errors[name] = ["A whole number from 1."]
            elif limit and number > limit:
                errors[name] = [f"At most {limit}."]
            else:
                values[name] = number
        if errors:
            raise exceptions.ValidationError(errors)
        return values["page"], values["page_size"]
