"""The workbench's list filters: review queues, countries, events and publishers by autocomplete, double counts."""

from __future__ import annotations

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Q

from tracker.choices import LocationLevel, ReviewStatus
from tracker.models import (
    Location,
    PossibleDoubleCount,
    Source,
)
from tracker.parsing import is_whole_number
from tracker.selectors import awaiting_review_by, changes_requested_of


class ReviewQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return (
            ("awaiting_me", "Awaiting my review"),
            ("changes_requested", "Changes requested of me"),
            ("my_drafts", "My drafts"),
        )

    def queryset(self, request, queryset):
        model = queryset.model
        if self.value() == "awaiting_me":
            return queryset.filter(pk__in=awaiting_review_by(model, request.user).values("pk"))
        if self.value() == "changes_requested":
            return queryset.filter(pk__in=changes_requested_of(model, request.user).values("pk"))
        if self.value() == "my_drafts":
            return queryset.filter(review_status=ReviewStatus.DRAFT, created_by=request.user)
        return queryset


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return [(c.iso3 or c.pk, c.name) for c in Location.objects.filter(level=LocationLevel.COUNTRY)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Records store their place's country: one indexed column, no join.
        country = Location.objects.filter(level=LocationLevel.COUNTRY).filter(
            Q(pk=value) if is_whole_number(value) else Q(iso3=value)).values_list("pk", flat=True).first()
        return queryset.filter(country_id=country)


class AutocompleteListFilter(admin.SimpleListFilter):
    """A foreign-key filter that searches as you type (the admin's own autocomplete), instead of listing.

    ``RelatedOnlyFieldListFilter`` runs ``SELECT DISTINCT`` over the whole table on every page load and
    prints every value; at a million records that alone took seconds. This one costs one primary-key
    lookup (the selected value) and asks the autocomplete view only while someone types.
    """

    template = "admin/tracker/filters/autocomplete.html"
    #: the related field the autocomplete view searches: ``model.field`` names a foreign key with an admin
    autocomplete_model: type | None = None
    autocomplete_field = ""
    #: the queryset lookup the chosen id filters on
    lookup = ""

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        related = (self.autocomplete_model or model)._meta.get_field(self.autocomplete_field).related_model
        self.app_label = (self.autocomplete_model or model)._meta.app_label
        self.model_name = (self.autocomplete_model or model)._meta.model_name
        self.field_name = self.autocomplete_field
        value = self.value()
        self.selected = related._default_manager.filter(pk=value).first() if is_whole_number(value) else None
        self.kept_params = [(name, item) for name, values in request.GET.lists() if name not in (
            self.parameter_name, "p") for item in values]

    def has_output(self) -> bool:
        return True

    def lookups(self, request, model_admin):
        return ()

    def choices(self, changelist):
        return ()

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not is_whole_number(value):
            raise admin.options.IncorrectLookupParameters(f"{self.title}: choose from the list.")
        return queryset.filter(**{self.lookup: int(value)})


class EventFilter(AutocompleteListFilter):
    title = "event"
    parameter_name = "event"
    autocomplete_field = "event"
    lookup = "event_id"


class PublisherFilter(AutocompleteListFilter):
    title = "publisher"
    parameter_name = "publisher"
    autocomplete_model = Source
    autocomplete_field = "publisher"
    lookup = "source__publisher_id"


class SourcePublisherFilter(PublisherFilter):
    """The sources' publisher, by autocomplete (``RelatedOnlyFieldListFilter`` read every source to list them)."""

    lookup = "publisher_id"


class SourceLanguageFilter(admin.SimpleListFilter):
    """The sources' languages, read at most every ``CACHE_SECONDS`` into the shared cache: Django's own filter of a
    field without choices read every source (``SELECT DISTINCT language``) on every page. A source in a new language
    is listed under it at once; the filter offers that language within the period."""

    title = "language"
    parameter_name = "language"
    CACHE_SECONDS = 600

    def lookups(self, request, model_admin):
        key = "tracker-admin:source-languages"
        languages = cache.get(key)
        if languages is None:
            languages = list(Source.objects.order_by("language").values_list("language", flat=True).distinct())
            cache.set(key, languages, self.CACHE_SECONDS)
        return [(language, language or "(none)") for language in languages]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(language=value)


class DoubleCountFilter(admin.SimpleListFilter):
    title = "possible double count"
    parameter_name = "double_count"

    def lookups(self, request, model_admin):
        return (("unresolved", "Unresolved"),)

    def queryset(self, request, queryset):
        if self.value() != "unresolved":
            return queryset
        pairs = PossibleDoubleCount.objects.filter(kind=queryset.model._meta.model_name, decided_at__isnull=True)
        ids = set(pairs.values_list("first_id", flat=True)) | set(pairs.values_list("second_id", flat=True))
        return queryset.filter(pk__in=ids)


class DecidedFilter(admin.SimpleListFilter):
    title = "decided"
    parameter_name = "decided"

    def lookups(self, request, model_admin):
        return (("no", "Awaiting a decision"), ("yes", "Both stand (decided)"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(decided_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(decided_at__isnull=False)
        return queryset
