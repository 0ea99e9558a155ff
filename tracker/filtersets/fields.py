"""The fields, widgets and filters the FilterSets are built from: lists of ids, places by subtree, strict
booleans and whole numbers, each refusing bad input with a message that names it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.drainage import set_override

from tracker.audience import Audience
from tracker.choices import (
    LocationLevel,
)
from tracker.models import (
    Location,
    Organization,
)
from tracker.models.reference import within_place_q
from tracker.parsing import MAX_UTC_OFFSET, is_whole_number, whole_number

# Parameters every list takes besides its filters (pagination and format).
COMMON_PARAMS = frozenset({"format", "cursor", "page_size"})
ISO_DATE = ["%Y-%m-%d"]
MAX_INT = 2**63 - 1


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


class PlaceFilter(DocumentedFilter):
    field_class = PlaceField
    schema = {"type": "array", "items": {"type": "string"}}

    def __init__(self, *args, stored_areas: bool = False, **kwargs):
        #: whether the queryset's rows store the area links of ``field_name`` (``Claim.country``, ``adm1``, ``adm2``)
        self.stored_areas = stored_areas
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        query = Q()
        for place in value:
            query |= within_place_q(place, field=self.field_name or "", stored_areas=self.stored_areas)
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


def search_terms(value: str) -> list[str]:
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
