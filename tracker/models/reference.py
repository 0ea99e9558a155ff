"""Reference entities: organizations, places, crises, events and sources."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.audience import Audience
from tracker.choices import (
    EventKind,
    IntakeFormat,
    LocationLevel,
    OrganizationKind,
    Reliability,
    SourceKind,
)
from tracker.models.base import Audited, VisibleQuerySet
from tracker.rules import tree
from tracker.rules.normalise import content_hash, normalise_url, stored_url_forms
from tracker.rules.tree import LOCATION_LEVEL_RANK


class Organization(Audited):
    """A party, agency or outlet: who claims, who surrenders, who helps, who publishes."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.OTHER)
    reliability = models.CharField(max_length=10, choices=Reliability.choices, default=Reliability.MEDIUM)
    country = models.ForeignKey(
        "tracker.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        limit_choices_to={"level": LocationLevel.COUNTRY},
    )
    notes = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self) -> None:
        if self.country_id and self.country.level != LocationLevel.COUNTRY:
            raise ValidationError({"country": "Choose a country, not a smaller place."})

    def save(self, *args, **kwargs) -> None:
        self.bump_version()
        super().save(*args, **kwargs)


class OrganizationAlias(models.Model):
    """Another name an organization goes by (ISIS, Islamic State, Daesh for ISIL)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="%(app_label)s_%(class)s_unique_name")
        ]
        verbose_name_plural = "organization aliases"

    def __str__(self) -> str:
        return self.name


class LocationQuerySet(VisibleQuerySet):
    def subtree(self, location: Location) -> LocationQuerySet:
        """The place and everything under it, at any depth, by an indexed prefix match on ``path``."""
        return self.filter(path_prefix_q("path", location.path))


def path_prefix_q(field: str, prefix: str) -> Q:
    """Rows whose materialised path starts with ``prefix``.

    PostgreSQL answers ``LIKE 'prefix%'`` from the path's pattern index; SQLite's
    LIKE is case-insensitive and skips the index, so there it is a range on the
    byte-ordered index (paths hold only digits and slashes, and "0" follows "/").
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + "0"})
    return Q(**{f"{field}__startswith": prefix})


def within_place_q(place: Location, *, field: str = "", stored_areas: bool = False) -> Q:
    """Rows whose place (``field``, a foreign key to a place; empty for places themselves) is ``place`` or lies
    under it, by the narrowest index that answers it: inside a country or an admin area, the row's own stored
    link (``stored_areas``: the row keeps its place's ``country``, ``adm1`` and ``adm2``, as ``Claim`` does) or
    else its place's (an equality either way); else a prefix of the materialised path."""
    prefix = "" if stored_areas or not field else f"{field}__"
    if place.level in tree.AREA_LEVELS:
        return Q(**{f"{prefix}{place.level}_id": place.pk})
    return path_prefix_q(f"{field}__path" if field else "path", place.path)


class Location(Audited):
    """A place in one tree: country, admin areas, localities, sites and features.

    ``path`` ("/1/9/230/") and the self-inclusive ancestor links ``country``,
    ``adm1`` and ``adm2`` are derived on every save by the tree rule
    (``tracker/rules/tree.py``); moving a place rewrites its whole subtree in the
    same transaction.
    """

    TREE_FIELDS = ("path", "depth", "country", "adm1", "adm2")

    name = models.CharField(max_length=200, db_index=True)
    level = models.CharField(max_length=10, choices=LocationLevel.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    pcode = models.CharField("P-code", max_length=30, null=True, blank=True, unique=True)
    iso3 = models.CharField("ISO3", max_length=3, null=True, blank=True, unique=True)
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    default_household_size = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(20)],
        help_text="Countries only: persons per household, copied into household figures at entry.",
    )
    default_household_size_citation = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False, editable=False)

    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    country = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    adm1 = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    adm2 = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)

    objects = LocationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["path", "depth", "country", "adm1", "adm2"])

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(pcode=""), name="%(app_label)s_%(class)s_pcode_null_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(iso3__isnull=True) | Q(level=LocationLevel.COUNTRY),
                name="%(app_label)s_%(class)s_iso3_only_countries",
            ),
            models.CheckConstraint(
                condition=~Q(level=LocationLevel.COUNTRY) | Q(parent__isnull=True),
                name="%(app_label)s_%(class)s_country_is_root",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})" if self.pcode else self.name

    # --- validation -------------------------------------------------------------
    def clean(self) -> None:
        self.pcode = self.pcode or None
        self.iso3 = (self.iso3 or "").upper() or None
        errors = {}
        rank = LOCATION_LEVEL_RANK[self.level] if self.level else None
        if self.level == LocationLevel.COUNTRY:
            if self.parent_id:
                errors["parent"] = "A country is at the top of the tree: it has no parent."
        elif self.parent_id is None and self.level not in (LocationLevel.FEATURE,):
            errors["parent"] = "Choose the area this place lies in."
        if self.parent_id and rank is not None and "parent" not in errors:
            parent = self.parent
            if parent.level == LocationLevel.FEATURE:
                errors["parent"] = "A feature (river, border area) is always a leaf: nothing lies inside it."
            elif LOCATION_LEVEL_RANK[parent.level] >= rank:
                errors["parent"] = (
                    f"The parent must be coarser than a {self.get_level_display().lower()}: "
                    f"{parent} is a {parent.get_level_display().lower()}."
                )
            elif self.pk and tree.lies_within(parent.path, self.pk):
                errors["parent"] = "A place cannot lie inside itself or one of its own descendants."
        if self.iso3 and self.level != LocationLevel.COUNTRY:
            errors["iso3"] = "Only countries carry an ISO3 code."
        if self.default_household_size is not None and self.level != LocationLevel.COUNTRY:
            errors["default_household_size"] = "Only countries carry a default household size."
        if self.default_household_size is not None and not self.default_household_size_citation.strip():
            errors["default_household_size_citation"] = "Cite where the default household size comes from."
        if (self.latitude is None) != (self.longitude is None):
            missing = "latitude" if self.latitude is None else "longitude"
            errors[missing] = "Give both latitude and longitude, or neither."
        if errors:
            raise ValidationError(errors)

    # --- derived tree columns ---------------------------------------------------
    def _derive_tree(self) -> None:
        parent = self.parent if self.parent_id else None
        self.path = tree.child_path(parent.path if parent else None, self.pk)
        self.depth = tree.path_depth(self.path)
        links = tree.area_links(self.level, self.pk, [getattr(parent, f"{area}_id") for area in tree.AREA_LEVELS]
                                if parent else None)
        for area, link in zip(tree.AREA_LEVELS, links, strict=True):
            setattr(self, f"{area}_id", link)

    def save(self, *args, **kwargs) -> None:
        """Save, keeping the path and ancestor links of this place and its subtree right."""
        self.pcode = self.pcode or None
        self.iso3 = self.iso3 or None
        self.claims_restated = False
        with transaction.atomic():
            if self._state.adding:
                super().save(*args, **kwargs)
                self._derive_tree()
                Location.objects.filter(pk=self.pk).update(**{f: getattr(self, f) for f in self.TREE_FIELDS})
                return
            old_path, *old_links = Location.objects.filter(pk=self.pk).values_list(
                "path", *(f"{area}_id" for area in tree.AREA_LEVELS)).first() or ("",)
            self.bump_version()
            self._derive_tree()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                self._rewrite_subtree(old_path)
            if old_path and old_links != [getattr(self, f"{area}_id") for area in tree.AREA_LEVELS]:
                self._restate_claim_areas()

    def _rewrite_subtree(self, old_path: str) -> None:
        """Move every descendant's path under the new one and inherit the new ancestors."""
        from django.db.models import F, Value
        from django.db.models.functions import Concat, Substr

        descendants = Location.objects.filter(path_prefix_q("path", old_path)).exclude(pk=self.pk)
        changes = {"path": Concat(Value(self.path), Substr(F("path"), len(old_path) + 1)),
                   "depth": F("depth") + (tree.path_depth(self.path) - tree.path_depth(old_path))}
        for area in tree.inherited_areas(self.level):
            changes[f"{area}_id"] = getattr(self, f"{area}_id")
        descendants.update(**changes)

    def _restate_claim_areas(self) -> None:
        """Records placed in this subtree store their place's area links (``Claim.country``, ``adm1``, ``adm2``):
        restate them from their places, whose links the subtree's rewrite has just set."""
        from tracker.models.claims import CLAIM_MODELS

        # The records change in what they show, so sync clients fetch them again: one UPDATE does both, and
        # ``claims_restated`` tells the services not to bump them a second time.
        now = timezone.now()
        links = {f"{area}_id": Subquery(Location.objects.filter(pk=OuterRef("location_id")).values(f"{area}_id"))
                 for area in tree.AREA_LEVELS}
        for model in CLAIM_MODELS:
            model.objects.filter(path_prefix_q("location__path", self.path)).update(**links, updated_at=now)
        self.claims_restated = True

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this place itself (the tree rule, read from the path)."""
        return tree.ancestor_ids(self.path)


class LocationName(models.Model):
    """An alternate name of a place: Arabic script, transliterations, former names."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="alternate_names")
    name = models.CharField(max_length=200, db_index=True)
    language = models.CharField(max_length=20, blank=True, help_text="BCP 47 code, e.g. ar, ar-Latn, en.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="%(app_label)s_%(class)s_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Crisis(Audited):
    """A long-running situation grouping events ("Syrian civil war")."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "crises"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.bump_version()
        super().save(*args, **kwargs)


class Event(Audited):
    """A bounded episode the figures are about ("Battle of Baghouz")."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.CONFLICT)
    crisis = models.ForeignKey(Crisis, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    countries = models.ManyToManyField(
        Location, related_name="events", blank=True, limit_choices_to={"level": LocationLevel.COUNTRY}
    )
    parties = models.ManyToManyField(Organization, related_name="events_as_party", blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty while the event goes on.")
    description = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords(m2m_fields=[countries, parties])

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__lte=models.F("end_date")),
                name="%(app_label)s_%(class)s_start_before_end",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "The event cannot end before it starts."})

    def save(self, *args, **kwargs) -> None:
        self.bump_version()
        super().save(*args, **kwargs)


class SourceQuerySet(VisibleQuerySet):
    def visibility(self, audience: Audience) -> Q | None:
        """Confidential sources are seen by staff and keys with the confidential scope only."""
        return None if audience.sees_confidential else Q(is_confidential=False)

    def with_url(self, url: str) -> SourceQuerySet:
        """The sources stored under ``url``'s normal form, or under the form a source kept from before the rule
        last changed (``stored_url_forms``): every door that finds a source by URL asks this."""
        return self.filter(url_normalized__in=stored_url_forms(url))


#: The code of a refusal naming a source already stored; its params carry the source's ``id`` and ``title``,
#: from which the admin and the API link to it.
DUPLICATE_SOURCE = "duplicate_source"


def duplicate_source_error(message: str, existing: Source) -> ValidationError:
    return ValidationError(message, code=DUPLICATE_SOURCE, params={"id": existing.pk, "title": existing.title})


class Source(Audited):
    """Where claims come from: an article, report or statement, with the excerpts' context."""

    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    url_normalized = models.CharField(max_length=1000, null=True, blank=True, unique=True, editable=False)
    publisher = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="published_sources")
    co_credited = models.ManyToManyField(
        Organization, related_name="co_credited_sources", blank=True,
        help_text='Organizations credited beside the publisher ("Al Jazeera and news agencies").',
    )
    publication_date = models.DateField(db_index=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.NEWS_ARTICLE)
    language = models.CharField(max_length=20, default="en", help_text="BCP 47 code, e.g. en, ar.")
    dateline = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="datelined_sources",
        help_text="Where the source was reported from.",
    )
    text = models.TextField(
        blank=True,
        help_text="The full text. Kept only where its licence allows; otherwise held while analysts work on it.",
    )
    text_may_be_kept = models.BooleanField(
        "licence allows keeping the text", default=False,
        help_text="Tick only when the source's licence allows storing its full text. Otherwise the text is "
        "dropped once the work on it is done, keeping excerpts, offsets and the hash.",
    )
    text_drop_after = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When a text whose licence does not allow keeping it is dropped.",
    )
    text_dropped_at = models.DateTimeField(null=True, blank=True, editable=False)
    intake_format = models.CharField(max_length=10, choices=IntakeFormat.choices, blank=True, editable=False)
    author = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    text_signature = models.BinaryField(
        null=True, blank=True, editable=False, help_text="MinHash signature of the text's shingles."
    )
    archive_url = models.URLField(max_length=1000, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    is_confidential = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    is_synthetic = models.BooleanField(default=False, editable=False)

    # The text is not kept in history: a licence that forbids keeping it forbids keeping old copies too.
    history = HistoricalRecords(
        m2m_fields=[co_credited], excluded_fields=["text", "text_signature", "text_drop_after", "text_dropped_at"]
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-publication_date", "title"]
        # The few confidential sources: what hides a record with its source (NOT_CONFIDENTIAL, an anti-join on this
        # small index rather than a look-up of every record's source)
        indexes = [models.Index(fields=["id"], condition=Q(is_confidential=True), name="source_confidential_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.publication_date:%d %b %Y})" if self.publication_date else self.title

    def clean(self) -> None:
        errors = {}
        if self.publication_date and self.publication_date > timezone.localdate():
            errors["publication_date"] = "The publication date cannot be in the future."
        if self.accessed_on and self.publication_date and self.accessed_on < self.publication_date:
            errors["accessed_on"] = "The access date cannot be before publication."
        if self.url:
            clash = Source.objects.with_url(self.url).exclude(pk=self.pk).order_by("pk").first()
            if clash:
                errors["url"] = duplicate_source_error("This URL is already recorded as source #%(id)s: %(title)s.",
                                                       clash)
        if self.text.strip():
            clash = Source.objects.filter(content_hash=content_hash(self.text)).exclude(pk=self.pk).first()
            if clash:
                errors["text"] = duplicate_source_error("This text is already stored as source #%(id)s: %(title)s.",
                                                        clash)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.bump_version()
        self.url_normalized = self.stored_url_form()
        if self.text.strip():
            self.content_hash = content_hash(self.text)
        elif not self.text_dropped_at:
            self.content_hash = ""
        super().save(*args, **kwargs)

    def stored_url_form(self) -> str | None:
        """The ``url_normalized`` to store: the URL's normal form; but a source whose normal form another source
        holds keeps the older form it has (the two collided when the rule changed: see
        ``manage.py source_url_collisions``), so a save that runs no validation (a text drop) cannot fail on the
        unique column. Once the other source is merged away, the next save stores the normal form."""
        if not self.url:
            return None
        normal = normalise_url(self.url)
        if (self.pk and self.url_normalized and self.url_normalized != normal
                and self.url_normalized in stored_url_forms(self.url)
                and Source.objects.filter(url_normalized=normal).exclude(pk=self.pk).exists()):
            return self.url_normalized
        return normal


class SourceSignatureBand(models.Model):
    """One band of a source's MinHash signature, hashed: two sources sharing a band are near-duplicate candidates.

    Locality-sensitive hashing in the database, so that every process finds the same candidates without
    holding an index in memory; the candidates' stored signatures then estimate their similarity.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="signature_bands")
    band = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["band", "value"], name="tracker_sourceband_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["source", "band"], name="%(app_label)s_%(class)s_one_per_band")
        ]

    def __str__(self) -> str:
        return f"Band {self.band} of source #{self.source_id}"
