"""One FilterSet per resource, shared by the API, its exports and (later) the HTML pages and reports.

django-filter ignores query parameters it does not know, so that ``date_form=``
would silently return everything: :class:`StrictFilterSet` refuses unknown
names, repeated single values and NUL characters with a 400 that names the
parameter. Places filter by their whole subtree (``location=SY09`` takes
Deir-ez-Zor and everything in it); ``q`` searches text, organization aliases
("Daesh" finds ISIL) and place names in every script stored.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict, ErrorList
from drf_spectacular.drainage import set_override

from tracker.audience import Audience
from tracker.choices import (
    CapacityUnit,
    CombatantStatus,
    DisplacementCategory,
    DisplacementTerm,
    EventKind,
    LocationLevel,
    LocationPrecision,
    MagnitudeWord,
    OrganizationKind,
    Quantifier,
    Reliability,
    ReviewStatus,
    Role,
    Sector,
    SourceKind,
    Strain,
    SurrenderTerm,
    TermGroup,
    Unit,
)
from tracker.models import (
    AidCapacityReport,
    Crisis,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)
from tracker.models.reference import path_prefix_q
from tracker.parsing import MAX_UTC_OFFSET, is_whole_number, whole_number

# Parameters every list takes besides its filters (pagination and format).
COMMON_PARAMS = frozenset({"format", "cursor", "page_size"})
ISO_DATE = ["%Y-%m-%d"]
MAX_INT = 2**63 - 1


def _audience(request) -> Audience:
    """Who a FilterSet filters for: the request's caller. Without a request, nobody: a FilterSet that was not
    told who is asking fails closed (the pages say ``audience=Audience.PUBLIC``)."""
    from tracker.api.access import audience_of

    return audience_of(request)


# --- fields and widgets -----------------------------------------------------------------------


class ListWidget(forms.TextInput):
    """Several values, repeated (``a=1&a=2``), comma-separated (``a=1,2``) or both."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else ([data[name]] if name in data else [])
        values = []
        for item in raw:
            values.extend(part.strip() for part in str(item).split(",") if part.strip())
        return values

    def value_omitted_from_data(self, data, files, name):
        return name not in data


def is_id(value: str) -> bool:
    """A whole number in ASCII digits that fits a database id (19 digits would overflow a bigint)."""
    return is_whole_number(value)


class PlaceField(forms.Field):
    """Places by id or OCHA P-code; every value must name a place."""

    widget = ListWidget

    def clean(self, value):
        values = [v for v in (value or []) if v]
        if not values:
            return []
        ids = [int(v) for v in values if is_id(v)]
        codes = [v for v in values if not is_id(v)]
        found = list(Location.objects.filter(Q(pk__in=ids) | Q(pcode__in=codes)).only("pk", "pcode", "path", "level"))
        known = {str(place.pk) for place in found} | {place.pcode for place in found if place.pcode}
        missing = [v for v in values if v not in known]
        if missing:
            raise forms.ValidationError(
                f"No place with id or P-code {', '.join(repr(v) for v in missing)} (P-codes are case-sensitive)."
            )
        return found


class CountryField(forms.Field):
    """Countries by ISO3 code (any case)."""

    widget = ListWidget

    def clean(self, value):
        codes = sorted({v.upper() for v in (value or []) if v})
        if not codes:
            return []
        found = list(Location.objects.filter(level=LocationLevel.COUNTRY, iso3__in=codes).only("pk", "iso3", "path"))
        missing = sorted(set(codes) - {country.iso3 for country in found})
        if missing:
            raise forms.ValidationError(f"No country with ISO3 code {', '.join(missing)}.")
        return found


class IsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time whose UTC offset the database can store (PostgreSQL's limit is 15:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and moment.utcoffset() is not None and abs(moment.utcoffset()) > MAX_UTC_OFFSET:
            raise forms.ValidationError(f"UTC offsets run from -15:59 to +15:59, not in {value!r}.")
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = IsoDateTimeField


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits: Django's IntegerField reads "0.0" and "٣" too."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = whole_number(str(value).strip(), max_digits=19)
        if number is None:
            raise forms.ValidationError("A whole number (digits 0-9 only).", code="invalid")
        return number


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = WholeNumberField


class DocumentedFilter(django_filters.Filter):
    """A custom filter that tells the OpenAPI schema its type (``schema``) and its help text."""

    schema: dict = {"type": "string"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = dict(self.schema)
        if self.extra.get("help_text"):
            schema["description"] = self.extra["help_text"]
        set_override(self, "field", schema)


ANCESTOR_LINK_LEVELS = (LocationLevel.COUNTRY, LocationLevel.ADM1, LocationLevel.ADM2)


class PlaceFilter(DocumentedFilter):
    field_class = PlaceField
    schema = {"type": "array", "items": {"type": "string"}}

    def __init__(self, *args, country_field: str | None = None, **kwargs):
        #: the queryset's own stored country of ``field_name`` (``Claim.country``), when it has one
        self.country_field = country_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        prefix = f"{self.field_name}__" if self.field_name else ""
        query = Q()
        for place in value:
            # Inside a country or an admin area is an equality on a stored ancestor link (an index lookup);
            # deeper places are a prefix of the materialised path.
            if place.level == LocationLevel.COUNTRY and self.country_field:
                query |= Q(**{f"{self.country_field}_id": place.pk})
            elif place.level in ANCESTOR_LINK_LEVELS:
                query |= Q(**{f"{prefix}{place.level}_id": place.pk})
            else:
                query |= path_prefix_q(f"{prefix}path", place.path)
        return qs.filter(query)


class CountryFilter(DocumentedFilter):
    """Everything inside the countries (by the self-inclusive ``country`` ancestor link)."""

    field_class = CountryField
    schema = {"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{3}$"}}

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": [country.pk for country in value]})


class IdsField(forms.Field):
    """Whole-number ids."""

    widget = ListWidget

    def clean(self, value):
        values = [v for v in (value or []) if v]
        bad = [v for v in values if not is_id(v)]
        if bad:
            raise forms.ValidationError(f"Ids are whole numbers, not {', '.join(map(repr, bad))}.")
        return sorted({int(v) for v in values})


class IdsFilter(DocumentedFilter):
    field_class = IdsField
    schema = {"type": "array", "items": {"type": "integer", "minimum": 0}}

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class OrganizationIdsField(forms.Field):
    widget = ListWidget

    def clean(self, value):
        values = [v for v in (value or []) if v]
        if not values:
            return []
        bad = [v for v in values if not is_id(v)]
        if bad:
            raise forms.ValidationError(f"Organization ids are whole numbers, not {', '.join(map(repr, bad))}.")
        ids = {int(v) for v in values}
        found = set(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if ids - found:
            raise forms.ValidationError(f"No organization with id {', '.join(map(str, sorted(ids - found)))}.")
        return sorted(ids)


class OrganizationIdsFilter(DocumentedFilter):
    field_class = OrganizationIdsField
    schema = {"type": "array", "items": {"type": "integer", "minimum": 0}}


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is an error, never a silent 'no filter'."""

    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def clean(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(f"Use true or false, not {value!r}.")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def multiple_choice(choices, field_name: str | None = None, **kwargs) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(
        choices=choices, field_name=field_name, widget=ListWidget, distinct=False, **kwargs
    )


class ModelIdsField(IdsField):
    """Ids of rows of ``queryset`` that exist and that the FilterSet's audience may see (a hidden row's id is
    as unknown as a missing one)."""

    def __init__(self, *args, queryset=None, audience=Audience.NOBODY, **kwargs):
        self.queryset, self.audience = queryset, audience
        super().__init__(*args, **kwargs)

    def clean(self, value):
        ids = super().clean(value)
        if not ids:
            return ids
        queryset = self.queryset.visible_to(self.audience)
        found = set(queryset.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise forms.ValidationError(f"No {queryset.model._meta.verbose_name} with id {', '.join(missing)}.")
        return ids


class ModelIdsFilter(IdsFilter):
    """Rows whose ``field_name`` is one of the given ids, each checked to exist (else a 400 naming it)."""

    field_class = ModelIdsField

    def __init__(self, *args, queryset=None, **kwargs):
        self.queryset = queryset
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        field = super().field
        field.queryset = self.queryset
        field.audience = getattr(getattr(self, "parent", None), "audience", Audience.NOBODY)
        return field


def multiple_model(queryset, field_name: str, **kwargs) -> ModelIdsFilter:
    return ModelIdsFilter(queryset=queryset, field_name=field_name, **kwargs)


def date_filter(field_name: str, lookup_expr: str, help_text: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup_expr, input_formats=ISO_DATE, help_text=help_text
    )


def _terms(value: str) -> list[str]:
    return [term for term in value.split() if term][:10]


def organizations_matching(term: str) -> QuerySet:
    """Organizations whose name, acronym or any alias contains ``term`` ("Daesh" finds ISIL)."""
    return Organization.objects.filter(
        Q(name__icontains=term) | Q(acronym__icontains=term) | Q(aliases__name__icontains=term)
    ).values("pk")


def places_matching(term: str) -> QuerySet:
    """Places whose name or alternate name (any script) contains ``term``, or whose P-code it is."""
    return Location.objects.filter(
        Q(name__icontains=term) | Q(alternate_names__name__icontains=term) | Q(pcode__iexact=term)
    ).values("pk")


# --- the base -----------------------------------------------------------------------------------


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
        self.audience = _audience(request) if audience is None else audience
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
        for term in _terms(value):
            queryset = queryset.filter(self.search_q(term))
        return queryset


# --- reference entities -----------------------------------------------------------------------


class OrganizationFilterSet(StrictFilterSet):
    kind = multiple_choice(OrganizationKind.choices, help_text="Organization kinds.")
    reliability = multiple_choice(Reliability.choices)
    country = CountryFilter(field_name="country", help_text="ISO3 codes of the organization's country.")
    ordering = django_filters.OrderingFilter(fields=("name", "updated_at", "id"))

    class Meta:
        model = Organization
        fields: list[str] = []

    def search_q(self, term: str) -> Q:
        return Q(pk__in=organizations_matching(term))


class LocationFilterSet(StrictFilterSet):
    location = PlaceFilter(field_name="", help_text="Places by id or P-code, each with everything inside it.")
    country = CountryFilter(field_name="country", help_text="ISO3 codes: every place inside these countries.")
    level = multiple_choice(LocationLevel.choices)
    parent = multiple_model(Location.objects.all(), "parent", help_text="Direct children of these place ids.")
    pcode = django_filters.CharFilter(field_name="pcode", help_text="Exact P-code.")
    iso3 = django_filters.CharFilter(field_name="iso3", lookup_expr="iexact", help_text="Exact ISO3 code.")
    has_coordinates = BooleanFilter(
        field_name="latitude", lookup_expr="isnull", exclude=True, help_text="Only places with (or without) a point."
    )
    ordering = django_filters.OrderingFilter(fields=("name", "path", "updated_at", "id"))
    default_ordering = ("updated_at", "id")

    class Meta:
        model = Location
        fields: list[str] = []

    def search_q(self, term: str) -> Q:
        return Q(pk__in=places_matching(term)) | Q(iso3__iexact=term)


class EventFilterSet(StrictFilterSet):
    kind = multiple_choice(EventKind.choices)
    crisis = multiple_model(Crisis.objects.all(), "crisis")
    country = CountryFilter(method="filter_country", help_text="ISO3 codes of countries the event took place in.")
    party = OrganizationIdsFilter(method="filter_party", help_text="Organization ids among the event's parties.")
    date_from = date_filter("end_date", "gte", "Events still going on at or after this date (YYYY-MM-DD).")
    date_to = date_filter("start_date", "lte", "Events that began on or before this date (YYYY-MM-DD).")
    ordering = django_filters.OrderingFilter(fields=("start_date", "name", "updated_at", "id"))

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        date_from = self.form.cleaned_data.get("date_from")
        if date_from:
            # An ongoing event (no end date) overlaps every later date.
            self.form.cleaned_data.pop("date_from")
            queryset = queryset.filter(Q(end_date__gte=date_from) | Q(end_date__isnull=True))
        return super().filter_queryset(queryset)

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Event.countries.through.objects.filter(location__in=value).values("event_id"))

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Event.parties.through.objects.filter(organization__in=value).values("event_id"))

    def search_q(self, term: str) -> Q:
        return Q(name__icontains=term) | Q(description__icontains=term) | Q(crisis__name__icontains=term)


class SourceFilterSet(StrictFilterSet):
    kind = multiple_choice(SourceKind.choices)
    publisher = multiple_model(Organization.objects.all(), "publisher", help_text="Publisher organization ids.")
    language = django_filters.CharFilter(field_name="language", lookup_expr="iexact", help_text="BCP 47 code.")
    published_from = date_filter("publication_date", "gte", "Published on or after (YYYY-MM-DD).")
    published_to = date_filter("publication_date", "lte", "Published on or before (YYYY-MM-DD).")
    url = django_filters.CharFilter(method="filter_url", help_text="A URL, matched after normalisation.")
    confidential = BooleanFilter(field_name="is_confidential",
                                                help_text="Staff and keys with the confidential scope only.")
    ordering = django_filters.OrderingFilter(fields=("publication_date", "title", "updated_at", "id"))
    confidential_only = ("confidential",)

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_url(self, queryset, name, value):
        from tracker.rules.normalise import normalise_url

        try:
            normalised = normalise_url(value)
        except Exception:  # noqa: BLE001 - any URL the normaliser cannot read matches nothing
            return queryset.none()
        return queryset.filter(url_normalized=normalised)

    def search_q(self, term: str) -> Q:
        return (
            Q(title__icontains=term) | Q(url__icontains=term) | Q(notes__icontains=term)
            | Q(publisher__in=organizations_matching(term))
        )


# --- the three kinds of fact --------------------------------------------------------------------


class ClaimFilterSet(StrictFilterSet):
    """Filters every kind of claim takes."""

    event = multiple_model(Event.objects.all(), "event", help_text="Event ids.")
    crisis = multiple_model(Crisis.objects.all(), "event__crisis", help_text="Crisis ids.")
    country = CountryFilter(field_name="country", help_text="ISO3 codes: every record placed inside them.")
    location = PlaceFilter(field_name="location", country_field="country",
                           help_text="Place ids or P-codes: records placed there or anywhere inside.")
    location_precision = multiple_choice(LocationPrecision.choices)
    date_from = date_filter("end_date", "gte", "Records whose period ends on or after this date (overlap).")
    date_to = date_filter("start_date", "lte", "Records whose period starts on or before this date (overlap).")
    published_from = date_filter("source__publication_date", "gte", "Source published on or after (YYYY-MM-DD).")
    published_to = date_filter("source__publication_date", "lte", "Source published on or before (YYYY-MM-DD).")
    source = multiple_model(Source.objects.all(), "source", help_text="Source ids.")
    organization = OrganizationIdsFilter(
        method="filter_organization",
        help_text="Organization ids in any role: claimant, cited, surrendering, receiving, provider, publisher.",
    )
    attributed_to = multiple_model(Organization.objects.all(), "attributed_to",
                                   help_text="Ids of the organizations that made the claim.")
    review_status = multiple_choice(ReviewStatus.choices, help_text="Staff only: API keys see approved records.")
    confidential = BooleanFilter(
        method="filter_confidential",
        help_text="Effectively confidential (the record or its source). Staff and keys with the scope only.",
    )
    ordering = django_filters.OrderingFilter(
        fields=("updated_at", "created_at", "start_date", "end_date", "id"),
        help_text="Sort fields, comma-separated; '-' for descending. Default: updated_at,id (sync order); "
        "-end_date,-id (newest first) when date_from or date_to is given without updated_since.",
    )
    staff_only = ("review_status",)
    confidential_only = ("confidential",)
    organization_fields: tuple[str, ...] = ("attributed_to", "source__publisher")
    text_fields: tuple[str, ...] = ("excerpt", "excerpt_translation", "notes", "attribution_text",
                                    "source__title", "event__name")

    def implicit_ordering(self) -> tuple[str, ...]:
        # A period asks for records by their dates: newest first, which the date indexes serve directly.
        # (Walking the sync order instead meets a year's records only after every older change: the
        # planner cannot know that change times follow the periods, and one page took 160 ms of SQL.)
        data = self.form.cleaned_data
        if (data.get("date_from") or data.get("date_to")) and not data.get("updated_since"):
            return ("-end_date", "-id")
        return self.default_ordering

    def filter_organization(self, queryset, name, value):
        if not value:
            return queryset
        query = Q(pk__in=queryset.model.objects.filter(cited_sources__in=value).values("pk"))
        for field in self.organization_fields:
            query |= Q(**{f"{field}__in": value})
        return queryset.filter(query)

    def filter_confidential(self, queryset, name, value):
        if value is None:
            return queryset
        hidden = Q(is_confidential=True) | Q(source__is_confidential=True)
        return queryset.filter(hidden) if value else queryset.exclude(hidden)

    def search_q(self, term: str) -> Q:
        query = Q(location__in=places_matching(term))
        for field in self.text_fields:
            query |= Q(**{f"{field}__icontains": term})
        organizations = organizations_matching(term)
        for field in self.organization_fields:
            query |= Q(**{f"{field}__in": organizations})
        return query | Q(pk__in=self.queryset.model.objects.filter(cited_sources__in=organizations).values("pk"))


class QuantifiedClaimFilterSet(ClaimFilterSet):
    quantifier = multiple_choice(Quantifier.choices)
    magnitude_word = multiple_choice(MagnitudeWord.choices)
    unit = multiple_choice(Unit.choices)
    role = multiple_choice(Role.choices, help_text="headline (counted) or triangulation (supports another).")
    is_duplicate = BooleanFilter(field_name="duplicate_of", lookup_expr="isnull", exclude=True,
                                                help_text="true: only duplicates; false: no duplicates.")
    duplicate_of = IdsFilter(field_name="duplicate_of", help_text="Ids of the figure duplicated.")
    supports = IdsFilter(field_name="supports", help_text="Ids of the headline figure supported.")
    quantified = BooleanFilter(field_name="low", lookup_expr="isnull", exclude=True,
                                              help_text="false: only unquantified claims.")
    high_open = BooleanFilter(field_name="high_open", help_text="Open upper bound ('more than').")
    best_min = WholeNumberFilter(field_name="best", lookup_expr="gte", min_value=0, max_value=MAX_INT,
                                           help_text="Best estimate at least this many persons.")
    best_max = WholeNumberFilter(field_name="best", lookup_expr="lte", min_value=0, max_value=MAX_INT,
                                           help_text="Best estimate at most this many persons.")
    term_group = multiple_choice(TermGroup.choices, help_text="Double-counting group of the term.")


class DisplacementFigureFilterSet(QuantifiedClaimFilterSet):
    term = multiple_choice(DisplacementTerm.choices)
    category = multiple_choice(DisplacementCategory.choices, help_text="flow or stock.")
    origin = PlaceFilter(field_name="origin", help_text="Origin place ids or P-codes, with everything inside.")
    destination = PlaceFilter(field_name="destination",
                              help_text="Destination place ids or P-codes, with everything inside.")
    text_fields = (*ClaimFilterSet.text_fields, "reported_phrase", "composition_note")

    class Meta:
        model = DisplacementFigure
        fields: list[str] = []


class SurrenderFigureFilterSet(QuantifiedClaimFilterSet):
    term = multiple_choice(SurrenderTerm.choices)
    combatant_status = multiple_choice(CombatantStatus.choices)
    surrendering_group = multiple_model(Organization.objects.all(), "surrendering_group",
                                        help_text="Ids of the surrendering group.")
    received_by = multiple_model(Organization.objects.all(), "received_by",
                                 help_text="Ids of the party the fighters surrendered to.")
    organization_fields = (*ClaimFilterSet.organization_fields, "surrendering_group", "received_by")
    text_fields = (*ClaimFilterSet.text_fields, "reported_phrase")

    class Meta:
        model = SurrenderFigure
        fields: list[str] = []


class AidCapacityReportFilterSet(ClaimFilterSet):
    sector = multiple_choice(Sector.choices)
    strain = multiple_choice(Strain.choices)
    capacity_unit = multiple_choice(CapacityUnit.choices)
    provider = multiple_model(Organization.objects.all(), "provider", help_text="Provider organization ids.")
    organization_fields = (*ClaimFilterSet.organization_fields, "provider")
    text_fields = (*ClaimFilterSet.text_fields, "provider_description")

    class Meta:
        model = AidCapacityReport
        fields: list[str] = []


__all__: Iterable[str] = [
    "AidCapacityReportFilterSet",
    "DisplacementFigureFilterSet",
    "EventFilterSet",
    "LocationFilterSet",
    "OrganizationFilterSet",
    "SourceFilterSet",
    "StrictFilterSet",
    "SurrenderFigureFilterSet",
]
