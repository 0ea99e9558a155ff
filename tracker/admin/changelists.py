"""The big lists of the admin (records, sources) at a million rows: search through the FilterSets, counts that stop
early, and a date hierarchy read from the index's two ends.

Django's changelist does three things that scan a big table: ``search_fields`` across many-to-many paths adds
``SELECT DISTINCT`` over every column, every list counts its rows (``COUNT(*)`` of a search or filter reads every
match), and the date hierarchy runs ``SELECT DISTINCT date_trunc(...)`` over the filtered rows. Here the search is
the FilterSet's (``q`` of the API and the pages: one home for what "search" means, and no duplicates to remove), a
filtered count stops after a few pages' worth of rows and says "more than", and the hierarchy lists the years,
months and days between the table's first and last date (two index lookups) instead of those the rows hold.
"""

from __future__ import annotations

import calendar
import datetime

from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.db import models
from django.db.models import QuerySet
from django.db.models.sql.where import WhereNode
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tracker.admin.base import EstimatedCountPaginator
from tracker.audience import Audience
from tracker.parsing import whole_number

# --- counts ----------------------------------------------------------------------------------------


class CappedCountPaginator(EstimatedCountPaginator):
    """A searched or filtered list counts at most ``limit`` rows: the ids of its first ``limit + 1``, in its order.

    ``limit`` is ``CAP`` rows, or enough for ``AHEAD`` pages past the page asked for, so a reader can always go
    on: the last page link leads further, and the count moves with it. Past the limit the list says "more than"
    (``capped``). An unfiltered list is counted as ``EstimatedCountPaginator`` counts it.

    The ids come in the list's order, so every page that can be asked for is a slice of them, read by id
    (``page``): the list's conditions and order are worked out once, on ids alone, and only the page's rows are
    read whole (a word in 684 of 700,000 records: the page's sort had joined all 684 to their sources, places and
    publishers, 18 to 36 ms; a word in 40 %: the count tested 2,500 rows in no order and the page walked the order
    again).
    """

    CAP = 1000
    AHEAD = 10
    #: no count reads further than this, whatever page is asked for (a LIMIT the database takes)
    MOST = 10**9
    capped = False
    #: the counted ids in the list's order, when the list was counted by its ids
    ids: list | None = None

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page: int = 1):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.limit = min(max(self.CAP, (page + self.AHEAD) * int(per_page)), self.MOST)

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not queryset.query.where:
            return super().count
        # The ids, not COUNT(*): the same rows read (ids only: a list's annotations, the sources' record counts,
        # are computed only where the order needs them), and the pages are read by id.
        self.ids = list(queryset.values_list("pk", flat=True)[: self.limit + 1])
        self.capped = len(self.ids) > self.limit
        if self.capped:
            return self.limit
        self.object_list = by_ids(queryset, self.ids)
        return len(self.ids)

    def page(self, number):
        number = self.validate_number(number)
        if self.ids is None:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(by_ids(self.object_list, self.ids[bottom:top]), number, self)


def by_ids(queryset: QuerySet, ids: list) -> QuerySet:
    """``queryset``'s rows among ``ids``, found by primary key, in its order, its conditions already met.

    In the list's order, PostgreSQL would rather walk the order's index and test each row against the search; the
    ids were found once, by the count.
    """
    narrowed = queryset._chain()
    narrowed.query.where = WhereNode()
    return narrowed.filter(pk__in=ids)


# --- the date hierarchy ------------------------------------------------------------------------------


def date_bounds(model: type[models.Model], field_name: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last value of ``field_name`` in the whole table (two lookups at the ends of its index), or
    None when the table is empty."""
    bounds = model._default_manager.order_by().aggregate(first=models.Min(field_name), last=models.Max(field_name))
    if bounds["first"] is None or bounds["last"] is None:
        return None
    first, last = bounds["first"], bounds["last"]
    if isinstance(first, datetime.datetime):
        first, last = (value.date() for value in (first, last))
    return first, last


def date_hierarchy(cl) -> dict:
    """What Django's ``date_hierarchy`` tag gives ``admin/date_hierarchy.html``, without reading the rows.

    The choices are the years between the table's first and last date, the months of a chosen year and the days
    of a chosen month, within those bounds; one that no listed row falls in shows an empty list. Django listed
    only the dates the filtered rows hold, with ``SELECT DISTINCT date_trunc(...)`` over all of them (160 to
    250 ms at a million records, unfiltered).
    """
    field_name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, field_name)[-1]
    year_field, month_field, day_field = (f"{field_name}__{part}" for part in ("year", "month", "day"))
    year, month, day = (whole_number(cl.params.get(name)) for name in (year_field, month_field, day_field))

    def link(filters):
        return cl.get_query_string(filters, [f"{field_name}__"])

    bounds = date_bounds(field.model, field.name)
    if bounds is None:
        return {"show": False}
    first, last = bounds
    if not (year or month or day) and first.year == last.year:
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month and day:
        chosen = datetime.date(year, month, day)
        return {
            "show": True,
            "back": {"link": link({year_field: year, month_field: month}),
                     "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT"))},
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    if year and month:
        days = [datetime.date(year, month, number) for number in range(1, calendar.monthrange(year, month)[1] + 1)]
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [{"link": link({year_field: year, month_field: month, day_field: when.day}),
                         "title": capfirst(formats.date_format(when, "MONTH_DAY_FORMAT"))}
                        for when in days if first <= when <= last],
        }
    if year:
        months = [datetime.date(year, number, 1) for number in range(1, 13)
                  if (first.year, first.month) <= (year, number) <= (last.year, last.month)]
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [{"link": link({year_field: year, month_field: when.month}),
                         "title": capfirst(formats.date_format(when, "YEAR_MONTH_FORMAT"))}
                        for when in months],
        }
    return {
        "show": True,
        "back": None,
        "choices": [{"link": link({year_field: str(number)}), "title": str(number)}
                    for number in range(first.year, last.year + 1)],
    }


class LargeChangeList(ChangeList):
    """Django's changelist; a list on one page (or "show all") reads its rows as the paginator found them."""

    def get_results(self, request):
        super().get_results(request)
        if (self.show_all and self.can_show_all) or not self.multi_page:
            self.result_list = self.paginator.object_list._clone()


# --- the admin --------------------------------------------------------------------------------------


class LargeListMixin:
    """For the admin of a big table: searched through its FilterSet, counted up to a cap, its date hierarchy free.

    ``filterset_class`` is the FilterSet whose ``q`` is the list's search; ``search_fields`` must still name a
    field for Django to show the search box (and for the autocomplete views), but no longer says what is searched.
    The list's template (``admin/tracker/large_change_list.html``) draws the date hierarchy with
    :func:`date_hierarchy`, and the pagination and search bar say "more than" when the count stopped.
    """

    filterset_class: type | None = None
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        filterset = self.filterset_class(queryset=queryset, request=request, audience=Audience.STAFF)
        # A search is a condition on the table's own rows (a document, or ids from a subquery): no duplicates.
        return filterset.filter_q(queryset, "q", search_term), False

    def get_changelist(self, request, **kwargs):
        return LargeChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        page = whole_number(request.GET.get(PAGE_VAR, "1")) or 1
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, page=page)
