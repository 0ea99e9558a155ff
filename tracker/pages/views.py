"""The public pages: events and places with their totals, charts and sources.

Approved, non-confidential data only, whoever is logged in. Every number comes
from :mod:`tracker.reporting`; these views choose what to show and paginate it.
``PAGES_REQUIRE_LOGIN`` makes every page (and its CSV) ask for a login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from tracker.charts.data import weekly_charts
from tracker.choices import DisplacementCategory, LocationLevel
from tracker.db.routers import read_alias
from tracker.db.snapshot import joins_as_written, one_snapshot
from tracker.models import AidCapacityReport, DisplacementFigure, Event, Location, SurrenderFigure
from tracker.pages.csv import CSV_TABLES, report_csv, scoped_csv
from tracker.parsing import whole_number
from tracker.reporting.aid_capacity import aid_capacity_row, aid_capacity_status
from tracker.reporting.cache import data_version
from tracker.reporting.report import displacement_report, surrender_report
from tracker.selectors.pages import (
    claims_about,
    event_headline_totals,
    public_sources,
    record_rows,
)

EVENTS_PER_PAGE = 20
RECORDS_PER_PAGE = 10
SOURCES_PER_PAGE = 10
AID_ROWS_PER_PAGE = 20
MONTHS_PER_PAGE = 36
CHILD_PLACES_SHOWN = 60
# Every part of a page (totals, charts, each page of records and sources, the home's events and totals) is cached
# (default cache) for this long, keyed by data_version(): any change to a record, source, place, event,
# organization or double-count decision makes a new key. 0 computes every part at every view.
PAGE_CACHE_SECONDS = 300


class PageAccessMixin:
    """Pages are public unless ``PAGES_REQUIRE_LOGIN`` is set."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.PAGES_REQUIRE_LOGIN and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["data_license"] = settings.DATA_LICENSE
        return context


def _page(request: HttpRequest, items: Any, per_page: int, param: str):
    return Paginator(items, per_page).get_page(whole_number(request.GET.get(param), max_digits=6))


class PeekPage:
    """One page of a large queryset without counting it: one row more says whether there is a next page."""

    paginator = None

    def __init__(self, items: Any, number: int, per_page: int):
        self.number = number
        start = (self.number - 1) * per_page
        rows = list(items[start : start + per_page + 1])
        self.object_list = rows[:per_page]
        self.more = len(rows) > per_page

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(request: HttpRequest, param: str) -> int:
    """The page a query parameter asks for: 1 unless it is a whole number of at most six digits."""
    return max(whole_number(request.GET.get(param), max_digits=6) or 1, 1)


class PageParts:
    """The parts of one page view, each computed once and then read from the shared cache.

    Keyed by :func:`~tracker.reporting.cache.data_version` (read once per view): any change to a record, source,
    place, event, organization or double-count decision makes new keys, so a part is never stale; and by the
    day, for what is dated "as of today". ``PAGE_CACHE_SECONDS`` only bounds how long an unused part stays.
    """

    def __init__(self) -> None:
        self.prefix = (f"tracker-pages:{data_version()}:{timezone.localdate().isoformat()}"
                       if PAGE_CACHE_SECONDS else "")

    def get(self, name: str, compute: Callable[[], Any]) -> Any:
        if not self.prefix:
            return compute()
        return cache.get_or_set(f"{self.prefix}:{name}", compute, PAGE_CACHE_SECONDS)


def home_events(number: int) -> dict[str, Any]:
    """A page of events, newest first, with their headline totals, and the countries to browse: what the home
    page shows, as plain lists (the page's count is taken, its query dropped), ready for the cache."""
    events = Paginator(Event.objects.select_related("crisis").order_by("-start_date", "name"),
                       EVENTS_PER_PAGE).get_page(number)
    events.object_list = list(events.object_list)
    events.paginator.object_list = events.object_list  # counted already: the cached page carries no query
    totals = event_headline_totals([event.pk for event in events])
    return {
        "events": events,
        "event_rows": [(event, totals[event.pk]) for event in events],
        "countries": list(Location.objects.filter(level=LocationLevel.COUNTRY).order_by("name")),
    }


class HomeView(PageAccessMixin, TemplateView):
    """Events with their headline totals, newest first, and the countries to browse by place."""

    template_name = "tracker/home.html"
    whole_response = True  # the same for every visitor: kept whole (tracker.pages.middleware)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        number = page_number(self.request, "page")
        context.update(
            **PageParts().get(f"home:{number}", lambda: home_events(number)),
            csv_links=[
                ("Displacement totals per event (CSV)", reverse("pages:home_csv", args=["events-displacement"])),
                ("Surrender totals per event (CSV)", reverse("pages:home_csv", args=["events-surrenders"])),
            ],
        )
        return context


def page_reports(*, event: Event | None = None, place: Location | None = None) -> dict[str, Any]:
    """The totals, charts (drawn, with their data tables) and warnings of an event or place page: the costly
    part."""
    displacement = claims_about(DisplacementFigure, event=event, place=place)
    surrenders = claims_about(SurrenderFigure, event=event, place=place)
    name = event.name if event else place.name
    # an event's dates and few figures; a country's records are selected by their stored country, its largest spans
    # by an index
    dates = ({"first": event.start_date, "last": event.end_date or event.start_date, "few": True} if event
             else {"by_country": place.level == LocationLevel.COUNTRY})
    flows = weekly_charts(DisplacementFigure, displacement.filter(category=DisplacementCategory.FLOW), name=name,
                          id_prefix="chart", **dates)
    surrender_flows = weekly_charts(SurrenderFigure, surrenders, name=name, id_prefix="chart-surrenders", **dates)
    for charts in (flows, surrender_flows):  # drawn here, with its data table, so that a cached page skips it
        for chart in charts.charts:
            chart["html"] = render_to_string("tracker/_weekly_chart.html",
                                             {"chart": chart, "truncated": charts.truncated, "weeks": charts.weeks})
    return {
        "charts": flows.charts,
        "weeks": flows.weeks,
        "weeks_truncated": flows.truncated,
        "surrender_charts": surrender_flows.charts,
        "surrender_weeks": surrender_flows.weeks,
        "surrender_weeks_truncated": surrender_flows.truncated,
        "monthly": displacement_report(displacement, group_by="month", with_ids=False, with_sources=False),
        # the page lists the displacement report's counting notes (warnings); the surrenders' are not shown
        "surrenders": surrender_report(surrenders, group_by="month", with_ids=False, with_warnings=False,
                                       with_sources=False),
    }


def overview(request: HttpRequest, parts: PageParts, *, event: Event | None = None,
             place: Location | None = None) -> dict[str, Any]:
    """Everything an event or place page shows, read through the aggregation module; each part (the reports and
    charts, each page of records, sources and aid capacity) from the cache while the data stays the same."""
    displacement = claims_about(DisplacementFigure, event=event, place=place)
    surrenders = claims_about(SurrenderFigure, event=event, place=place)
    aid = claims_about(AidCapacityReport, event=event, place=place)
    scope = "event" if event else "place"
    pk = (event or place).pk
    reports = parts.get(f"{scope}-{pk}:reports", lambda: page_reports(event=event, place=place))
    as_of = (event.end_date if event and event.end_date else None) or timezone.localdate()

    def csv_url(table: str) -> str:
        return reverse(f"pages:{scope}_csv", args=[pk, table])

    def peek(name: str, items: Any, per_page: int, param: str, row: Callable | None = None) -> PeekPage:
        """A page of ``items`` (a queryset, or a function making it, called only when the page is computed)."""
        number = page_number(request, param)

        def compute() -> PeekPage:
            page = PeekPage(items() if callable(items) else items, number, per_page)
            if row:
                page.object_list = [row(values) for values in page.object_list]
            return page

        return parts.get(f"{scope}-{pk}:{name}:{number}", compute)

    # pages of rows from the scope's index with their lookups by key: the joins' order as written
    with joins_as_written(displacement.db):
        rows = {
            "aid_rows": peek("aid", aid_capacity_status(aid, as_of=as_of), AID_ROWS_PER_PAGE, "aid_page",
                             aid_capacity_row),
            "displacement_records": peek("figures", record_rows(DisplacementFigure, displacement),
                                         RECORDS_PER_PAGE, "figures_page"),
            "surrender_records": peek("surrenders", record_rows(SurrenderFigure, surrenders), RECORDS_PER_PAGE,
                                      "surrenders_page"),
        }
    return {
        **reports,
        **rows,
        "monthly_rows": _page(request, reports["monthly"].rows, MONTHS_PER_PAGE, "months_page"),
        "aid_as_of": as_of,
        "sources": peek("sources", lambda: public_sources(displacement, surrenders, aid), SOURCES_PER_PAGE,
                        "sources_page"),
        "csv": {table.replace("-", "_"): csv_url(table) for table in CSV_TABLES},
    }


def event_detail(pk: int) -> Event:
    return get_object_or_404(
        Event.objects.select_related("crisis").prefetch_related("countries", "parties"), pk=pk
    )


def place_detail(pk: int) -> dict[str, Any]:
    """The place with its ancestors (breadcrumbs) and the first of its children, as lists."""
    place = get_object_or_404(Location.objects.select_related("parent"), pk=pk)
    children = list(place.children.order_by("name")[: CHILD_PLACES_SHOWN + 1])
    return {
        "place": place,
        "ancestors": list(Location.objects.filter(pk__in=place.ancestor_ids()[:-1]).order_by("depth")),
        "children": children[:CHILD_PLACES_SHOWN],
        "more_children": len(children) > CHILD_PLACES_SHOWN,
    }


class EventDetailView(PageAccessMixin, TemplateView):
    template_name = "tracker/event_detail.html"
    whole_response = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        with one_snapshot(read_alias(), export=False):
            parts = PageParts()
            event = parts.get(f"event-{kwargs['pk']}", lambda: event_detail(kwargs["pk"]))
            context.update(event=event, **overview(self.request, parts, event=event))
        return context


class LocationDetailView(PageAccessMixin, TemplateView):
    template_name = "tracker/location_detail.html"
    whole_response = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        with one_snapshot(read_alias(), export=False):
            parts = PageParts()
            detail = parts.get(f"place-{kwargs['pk']}", lambda: place_detail(kwargs["pk"]))
            context.update(**detail, **overview(self.request, parts, place=detail["place"]))
        return context


class EventCsvView(PageAccessMixin, View):
    def get(self, request: HttpRequest, pk: int, table: str) -> HttpResponse:
        return scoped_csv(table, event=get_object_or_404(Event, pk=pk))


class LocationCsvView(PageAccessMixin, View):
    def get(self, request: HttpRequest, pk: int, table: str) -> HttpResponse:
        return scoped_csv(table, place=get_object_or_404(Location, pk=pk))


class HomeCsvView(PageAccessMixin, View):
    """Totals per event, whole period, as the home page lists them."""

    def get(self, request: HttpRequest, table: str) -> HttpResponse:
        if table == "events-displacement":
            report = displacement_report(group_by="event", with_warnings=False, with_totals=False)
        elif table == "events-surrenders":
            report = surrender_report(group_by="event", with_warnings=False, with_totals=False)
        else:
            raise Http404(f"No table {table!r}.")
        return report_csv(f"{table}.csv", report)
