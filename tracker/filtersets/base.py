"""One FilterSet per resource, shared by the API, its exports and (later) the HTML pages and reports.

django-filter ignores query parameters it does not know, so that ``date_form=``
would silently return everything: :class:`StrictFilterSet` refuses unknown
names, repeated single values and NUL characters with a 400 that names the
parameter. Places filter by their whole subtree (``location=SY09`` takes
Deir-ez-Zor and everything in it); ``q`` searches text, organization aliases
("Daesh" finds ISIL) and place names in every script stored.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict, ErrorList

from tracker.audience import Audience
from tracker.filtersets.fields import (
    COMMON_PARAMS,
    IsoDateTimeFilter,
    ListWidget,
    search_terms,
)


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses what it does not understand, naming the parameter.

    ``staff_only`` filters give a 400 to API keys; ``confidential_only`` ones to
    keys without the confidential scope. Without ``ordering``, rows come in
    ``default_ordering`` (the sync order: oldest change first).
    """

    common_params = COMMON_PARAMS
    staff_only: tuple[str, ...] = ()
    confidential_only: tuple[str, ...] = ()
    default_ordering: tuple[str, ...] = ("updated_at", "id")

    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="Rows created or changed at or after this time (ISO 8601, e.g. 2019-03-10T00:00:00Z). "
        "Pair with /api/v1/deletions/ to mirror the data.",
    )
    q = django_filters.CharFilter(method="filter_q", help_text="Text search; every word must match somewhere.")

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, audience: Audience | None = None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Told by the caller (the API passes its caller's, the pages Audience.PUBLIC); not told, nobody:
        # a FilterSet fails closed.
        self.audience = Audience.NOBODY if audience is None else audience
        self.parameter_errors: dict[str, list[str]] = {}
        if data is not None:
            self.check_parameters(data)
            # Only the filters a request names are built, validated and applied: the others would clean an empty
            # value and do nothing, and building the form fields of all thirty-odd cost 3-4 ms per list page.
            # A parameter already refused (a NUL character, say) is not cleaned again: PostgreSQL cannot even
            # compare a text holding NUL.
            self.filters = {name: f for name, f in self.filters.items()
                            if name in data and name not in self.parameter_errors}

    def multi_valued(self, name: str) -> bool:
        return isinstance(self.filters[name].field.widget, ListWidget)

    def check_parameters(self, data) -> None:
        known = set(self.filters) | set(self.common_params)
        staff, confidential = self.audience.sees_unapproved, self.audience.sees_confidential
        for name in data:
            values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            if name not in known:
                self.parameter_errors[name] = [
                    f"Unknown parameter '{name}'. This list takes: {', '.join(sorted(known))}."
                ]
            elif any("\x00" in str(value) for value in values):
                self.parameter_errors[name] = ["Null characters are not allowed."]
            elif name in self.filters and not isinstance(self.filters[name], django_filters.CharFilter) and any(
                    not str(value).strip() for value in values):
                # An empty date, number, id or choice would silently filter nothing: a client's unset variable.
                self.parameter_errors[name] = ["Empty: give a value, or leave the parameter out."]
            elif len(values) > 1 and (name not in self.filters or not self.multi_valued(name)):
                self.parameter_errors[name] = ["Give this parameter once."]
            elif name in self.staff_only and not staff:
                self.parameter_errors[name] = [
                    f"'{name}' is for staff accounts: API keys see approved records only."
                ]
            elif name in self.confidential_only and not confidential:
                self.parameter_errors[name] = [f"'{name}' needs the confidential scope."]

    def is_valid(self) -> bool:
        return not self.parameter_errors and super().is_valid()

    @property
    def errors(self) -> ErrorDict:
        errors = ErrorDict(self.form.errors)
        for name, messages in self.parameter_errors.items():
            errors[name] = ErrorList(messages)
        return errors

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by(*self.implicit_ordering())
        return queryset

    def implicit_ordering(self) -> tuple[str, ...]:
        """The ordering when the request names none."""
        return self.default_ordering

    # --- text search ---
    def search_q(self, term: str) -> Q:
        raise NotImplementedError

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(self.search_q(term))
        return queryset


# --- reference entities -----------------------------------------------------------------------
