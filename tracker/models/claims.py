"""The three kinds of fact: displacement figures, surrender figures, aid capacity reports.

(Longer than 500 lines on purpose: the two abstract bases and the three tables they make, with their
constraints and indexes, read best side by side.)

Each is a claim made in a source. ``Claim`` holds provenance, place, period,
review, access and audit; ``QuantifiedClaim`` adds the quantity block and the
counting links. The bases are abstract: three plain tables, no joins between
kinds (docs/decisions.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import pre_save
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.audience import Audience
from tracker.choices import (
    HOUSEHOLD_UNITS,
    CapacityUnit,
    CombatantStatus,
    DatePrecision,
    DisplacementCategory,
    DisplacementTerm,
    HouseholdSizeSource,
    LocationPrecision,
    MagnitudeWord,
    Quantifier,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    SurrenderTerm,
    TermGroup,
    Unit,
)
from tracker.models.base import Audited, VisibleQuerySet
from tracker.models.claim_indexes import (
    AREA_QUANTIFIED_COLUMNS,
    COUNTED,
    COUNTED_COLUMNS,
    COUNTRY_NEWEST,
    NOT_COUNTED,
    NOT_COUNTED_COLUMNS,
    PUBLIC_RECORD,
    SPAN_COLUMNS,
    area_indexes,
)
from tracker.models.reference import Event, Location, Organization, Source
from tracker.rules.normalise import normalise_text
from tracker.rules.quantities import Quantity, derive_quantity, quantity_input_errors
from tracker.rules.terms import TERM_CATEGORIES, displacement_term_group

# Derived columns that history does not keep: the place's area links, the search document (names' words).
HISTORY_EXCLUDED = ["country", "adm1", "adm2", "search_text", "search_names"]


def _name(rule: str) -> str:
    return "%(app_label)s_%(class)s_" + rule


# Not effectively confidential: neither the record nor its source is (an anti-join on the few confidential sources).
NOT_CONFIDENTIAL = Q(~Exists(Source.objects.filter(pk=OuterRef("source_id"), is_confidential=True)),
                     is_confidential=False)


class ClaimQuerySet(VisibleQuerySet):
    def approved(self) -> ClaimQuerySet:
        return self.filter(review_status=ReviewStatus.APPROVED)

    def visibility(self, audience: Audience) -> Q | None:
        """The records ``audience`` may see: the one rule of who sees what (``tracker.audience``).

        Staff see every record; keys and the public pages see approved records only, and only keys with the
        confidential scope see effectively confidential ones (the record or its source confidential); nobody
        else sees anything (``visible_to``).
        """
        if audience.sees_unapproved:
            return None
        condition = Q(review_status=ReviewStatus.APPROVED)
        if not audience.sees_confidential:
            condition &= NOT_CONFIDENTIAL
        return condition

    def touched_since_submission(self, user) -> ClaimQuerySet:
        """Records ``user`` may not approve (four eyes): they created or submitted it, or wrote any of its history
        since its last submission, by whatever door (an edit, a revert, an import, a bulk action, the shell).

        Decided from who wrote the history rows, never from their change reasons. A history row since the
        submission whose author is unknown (a bare ``save()`` outside the services) counts against everybody.
        """
        return self.filter(self._touched_by(user))

    def approvable_by(self, user) -> ClaimQuerySet:
        """Records in review that ``user`` may approve under the four-eyes rule (the reviewers' queue)."""
        return self.filter(review_status=ReviewStatus.IN_REVIEW).exclude(self._touched_by(user))

    def _touched_by(self, user) -> Q:
        history = self.model.history.model.objects.filter(
            id=OuterRef("pk"), history_date__gte=OuterRef("submitted_at")
        ).filter(Q(history_user=user) | Q(history_user__isnull=True))
        return Q(created_by=user) | Q(submitted_by=user) | Q(Exists(history))


def _area_link(help_text: str) -> models.ForeignKey:
    return models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, editable=False,
                             related_name="+", db_index=False, help_text=help_text)


def party_claim_expression() -> Exists:
    """``Claim.is_party_claim`` as a query expression, for annotations and exports: the record is attributed to
    one of its event's parties (false without an event or a claimant). The property below is its Python twin."""
    return Exists(Event.parties.through.objects.filter(
        event_id=OuterRef("event_id"), organization_id=OuterRef("attributed_to_id")))


def normalised_source_text(source: Source) -> str:
    """``normalise_text`` of the source's stored text, kept on the instance while that text stays the same object:
    validating many records of one long source normalises it once, not once a record."""
    text = source.text
    cached = getattr(source, "_normalised_text", None)
    if cached is None or cached[0] is not text:
        cached = source._normalised_text = (text, normalise_text(text))
    return cached[1]


class Claim(Audited):
    """A number or a state that a source reported about a place and a period."""

    # provenance
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="%(class)ss")
    excerpt = models.TextField(help_text="The verbatim sentence(s) of the source that support this record.")
    excerpt_translation = models.TextField(blank=True)
    excerpt_start = models.PositiveIntegerField(null=True, blank=True, help_text="Character offset in the stored text.")
    excerpt_end = models.PositiveIntegerField(null=True, blank=True)
    attributed_to = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="attributed_%(class)ss",
        help_text="The organization that made the claim; empty for the outlet's own reporting.",
    )
    attribution_text = models.CharField(
        max_length=500, blank=True, help_text='Who said it, as printed: "Mustafa Bali, head of the SDF media office".'
    )
    cited_sources = models.ManyToManyField(
        Organization, blank=True, related_name="cited_in_%(class)ss",
        help_text="Organizations the claimant relied on.",
    )
    # what and where
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="%(class)ss")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="%(class)ss", help_text="The one place the claim is about."
    )
    location_precision = models.CharField(
        max_length=10, choices=LocationPrecision.choices, default=LocationPrecision.EXACT
    )
    # The place's area links, stored here (as places store theirs) so that "records in a country", "in a
    # province", "in a district" is one indexed column of this table: kept by store_areas() on every save
    # (fixtures included), by the batch services, and by Location when a subtree moves.
    country = _area_link("Derived: the country the place lies in.")
    adm1 = _area_link("Derived: the first-level admin area the place lies in.")
    adm2 = _area_link("Derived: the second-level admin area the place lies in.")
    # when
    start_date = models.DateField()
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    end_date = models.DateField(db_index=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    notes = models.TextField(blank=True, help_text="Your reasoning: every inference the source does not state.")
    # review
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,  # as created_by (tracker/models/base.py)
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,  # as created_by (tracker/models/base.py)
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_comment = models.TextField(blank=True, editable=False)
    # access
    is_confidential = models.BooleanField(default=False)
    is_synthetic = models.BooleanField(default=False, editable=False)
    # search (tracker/search): the stemmed words of the record's prose and the plain words of every name it shows,
    # filled by claim_fill_derived and kept true when a name changes (tracker.search.documents)
    search_text = models.TextField(blank=True, default="", editable=False)
    search_names = models.TextField(blank=True, default="", editable=False)

    objects = ClaimQuerySet.as_manager()

    # Fields whose change is not a change of substance: an approved record edited
    # only here stays approved (DOMAIN.md, review workflow).
    # Raising confidentiality is not one either: it hides the record at once and needs no review (lowering it is
    # publishing, a reviewer's act: tracker.services.common.check_publishing).
    NON_SUBSTANCE_FIELDS = frozenset({"notes", "is_confidential"})

    class Meta:
        abstract = True
        ordering = ["-end_date", "-id"]
        permissions = [("review_claim", "Can approve, reject or request changes on records")]

    @property
    def kind(self) -> str:
        return self._meta.model_name

    @property
    def is_party_claim(self) -> bool:
        """Attributed to one of its event's parties: shown as a party's claim everywhere (in SQL:
        ``party_claim_expression``)."""
        if not (self.attributed_to_id and self.event_id):
            return False
        parties = getattr(self.event, "prefetched_parties", None)  # a list, where a view prefetched them
        if parties is None:
            parties = self.event.parties.all()
        return any(party.pk == self.attributed_to_id for party in parties)

    @property
    def cited_source_list(self) -> list:
        """The cited organizations: the list a view prefetched (``prefetched_cited_sources``), else a query.

        (A prefetched list, not ``cited_sources.all()``: cloning a queryset per row cost a page of 100
        records ~10 ms.)"""
        cited = getattr(self, "prefetched_cited_sources", None)
        return list(self.cited_sources.all()) if cited is None else cited

    # --- validation -------------------------------------------------------------
    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.clean_period(errors)
        self.clean_excerpt(errors)
        if errors:
            raise ValidationError(errors)

    def known_source(self) -> Source | None:
        """The source, also when it is a new one not saved yet (a record added on a new source's page)."""
        if self._meta.get_field("source").is_cached(self):
            return self.source
        return self.source if self.source_id else None

    def clean_period(self, errors: dict[str, str]) -> None:
        source = self.known_source()
        if self.start_date and self.end_date and self.start_date > self.end_date:
            errors["end_date"] = "The period cannot end before it starts."
        if self.end_date and self.end_date > timezone.localdate():
            errors["end_date"] = "The period cannot end in the future."
        elif self.end_date and source and source.publication_date and self.end_date > source.publication_date:
            errors["end_date"] = (
                f"The period cannot end after the source was published ({source.publication_date:%d %B %Y})."
            )

    def clean_excerpt(self, errors: dict[str, str]) -> None:
        if not normalise_text(self.excerpt or ""):
            errors["excerpt"] = "Quote the sentence(s) of the source that support this record."
            return
        if (self.excerpt_start is None) != (self.excerpt_end is None):
            errors["excerpt_end" if self.excerpt_end is None else "excerpt_start"] = "Give both offsets or neither."
            return
        source = self.known_source()
        text = source.text if source else ""
        if not text:
            # Offsets into a text dropped under its licence stay valid: they were checked while it was stored.
            if self.excerpt_start is not None and not (source and source.text_dropped_at):
                errors["excerpt_start"] = "Offsets need the source's stored text."
            return
        excerpt = normalise_text(self.excerpt)
        if self.excerpt_start is not None and 0 <= self.excerpt_start < self.excerpt_end <= len(text) and (
            normalise_text(text[self.excerpt_start : self.excerpt_end]) == excerpt
        ):
            # Offsets that select the excerpt prove it occurs in the text (normalising is per character but for
            # whitespace runs, which fold alike inside a slice and the whole): no search of the whole text.
            return
        if excerpt not in normalised_source_text(source):
            errors["excerpt"] = "This excerpt does not occur in the source's stored text."
        elif self.excerpt_start is not None:
            errors["excerpt_start"] = "These offsets do not select the excerpt in the source's text."

    def derive(self) -> None:
        """Compute the derived columns from the inputs (``save()`` calls it; so do services before validating)."""

    def save(self, *args, **kwargs) -> None:
        self.bump_version()
        self.derive()
        super().save(*args, **kwargs)


class QuantifiedClaim(Claim):
    """A claim with a number: the reported quantity, its persons and its counting role."""

    quantifier = models.CharField(max_length=15, choices=Quantifier.choices)
    reported_value = models.PositiveBigIntegerField(null=True, blank=True, help_text="In the reported unit.")
    reported_value_max = models.PositiveBigIntegerField(null=True, blank=True, help_text="The upper end of a range.")
    magnitude_word = models.CharField(max_length=25, choices=MagnitudeWord.choices, blank=True)
    reported_phrase = models.CharField(max_length=300, blank=True, help_text='As printed: "more than 4,000".')
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.PERSONS)
    household_size = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(20)],
    )
    household_size_source = models.CharField(max_length=20, choices=HouseholdSizeSource.choices, blank=True)
    best_override = models.PositiveBigIntegerField(null=True, blank=True, help_text="In persons, within low-high.")
    best_override_reason = models.CharField(max_length=500, blank=True)
    # derived, in persons
    low = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    best = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    high = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    high_open = models.BooleanField(default=False, editable=False)
    # counting
    role = models.CharField(max_length=15, choices=Role.choices, default=Role.HEADLINE)
    supports = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supported_by",
        help_text="The headline figure this triangulation supports.",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates",
        help_text="The same fact reported by another source.",
    )
    term_group = models.CharField(max_length=20, choices=TermGroup.choices, editable=False)

    class Meta(Claim.Meta):
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(low__lte=F("best")), name=_name("low_le_best")),
            models.CheckConstraint(condition=Q(best__lte=F("high")), name=_name("best_le_high")),
            models.CheckConstraint(
                condition=Q(low__isnull=True, best__isnull=True) | Q(low__isnull=False, best__isnull=False),
                name=_name("low_best_both_or_neither"),
            ),
            models.CheckConstraint(
                condition=(Q(high__isnull=True) & (Q(high_open=True) | Q(low__isnull=True)))
                | (Q(high__isnull=False) & Q(high_open=False) & Q(low__isnull=False)),
                name=_name("high_null_iff_open_or_unquantified"),
            ),
            models.CheckConstraint(
                condition=Q(high_open=False) | Q(low__isnull=False), name=_name("open_only_when_quantified")
            ),
            models.CheckConstraint(
                condition=Q(unit=Unit.PERSONS)
                | Q(household_size__isnull=False, household_size__gt=0, household_size__lte=20),
                name=_name("household_unit_needs_size"),
            ),
            models.CheckConstraint(
                condition=Q(reported_value_max__isnull=True) | Q(reported_value_max__gt=F("reported_value")),
                name=_name("range_max_above_value"),
            ),
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name=_name("start_before_end")),
            models.CheckConstraint(
                condition=Q(role=Role.TRIANGULATION, supports__isnull=False)
                | Q(role=Role.HEADLINE, supports__isnull=True),
                name=_name("triangulation_iff_supports"),
            ),
            models.CheckConstraint(condition=~Q(supports=F("pk")), name=_name("not_supporting_itself")),
            models.CheckConstraint(condition=~Q(duplicate_of=F("pk")), name=_name("not_duplicate_of_itself")),
            models.CheckConstraint(condition=~Q(excerpt=""), name=_name("excerpt_not_empty")),
        ]

    @property
    def is_zero(self) -> bool:
        return self.high == 0 and not self.high_open

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.clean_period(errors)
        self.clean_excerpt(errors)
        input_errors = quantity_input_errors(
                quantifier=self.quantifier,
                reported_value=self.reported_value,
                reported_value_max=self.reported_value_max,
                magnitude_word=self.magnitude_word or None,
                unit=self.unit,
                household_size=self.household_size,
                best_override=self.best_override,
                best_override_reason=self.best_override_reason or "",
        )
        errors.update(input_errors)
        if self.unit in HOUSEHOLD_UNITS and self.household_size is not None and not self.household_size_source:
            errors["household_size_source"] = "Say where the household size comes from."
        self.clean_links(errors)
        self.clean_kind(errors, None if input_errors else self.derived_quantity())
        if errors:
            raise ValidationError(errors)

    def clean_links(self, errors: dict[str, str]) -> None:
        if self.role == Role.TRIANGULATION and not self.supports_id:
            errors["supports"] = "A triangulation figure names the headline figure it supports."
        if self.role == Role.HEADLINE and self.supports_id:
            errors["role"] = "A figure that supports another is a triangulation figure."
        for field in ("supports", "duplicate_of"):
            target = getattr(self, field) if getattr(self, f"{field}_id") else None
            if target is None:
                continue
            if self.pk and target.pk == self.pk:
                errors[field] = "A figure cannot point to itself."
            elif target.role != Role.HEADLINE or target.duplicate_of_id:
                errors[field] = f"Point to a headline figure that is not itself a duplicate (#{target.pk} is not)."
        if self.pk and (self.role != Role.HEADLINE or self.duplicate_of_id):
            pointers = type(self).objects.filter(Q(supports=self.pk) | Q(duplicate_of=self.pk)).exclude(pk=self.pk)
            if pointers.exists():
                listed = ", ".join(f"#{pk}" for pk in pointers.values_list("pk", flat=True))
                errors.setdefault(
                    "duplicate_of" if self.duplicate_of_id else "role",
                    f"Records {listed} support or duplicate this one, so it stays a headline that is not a "
                    "duplicate: change them first.",
                )

    def clean_kind(self, errors: dict[str, str], quantity: Quantity | None) -> None:
        """Rules of one kind of figure (``quantity`` is None when its inputs are invalid)."""

    def derived_quantity(self) -> Quantity:
        return derive_quantity(
            quantifier=self.quantifier,
            reported_value=self.reported_value,
            reported_value_max=self.reported_value_max,
            magnitude_word=self.magnitude_word or None,
            unit=self.unit,
            household_size=self.household_size,
            best_override=self.best_override,
        )

    def derive(self) -> None:
        quantity = self.derived_quantity()
        self.low, self.best, self.high, self.high_open = quantity.low, quantity.best, quantity.high, quantity.high_open
        self.term_group = self.derive_term_group()

    def derive_term_group(self) -> str:
        raise NotImplementedError

    @property
    def is_counted(self) -> bool:
        """Enters the totals of whoever may see it (docs/counting.md, rule 1): approved, headline, not a duplicate,
        quantified. ``COUNTED`` below is its SQL twin (``counted_expression``); tests hold the two together."""
        return (self.review_status == ReviewStatus.APPROVED and self.role == Role.HEADLINE
                and self.duplicate_of_id is None and self.low is not None)


class DisplacementFigure(QuantifiedClaim):
    """People who evacuated, fled, were displaced, relocated, returned, arrived, stay in a camp or are trapped."""

    term = models.CharField(max_length=15, choices=DisplacementTerm.choices)
    category = models.CharField(max_length=5, choices=DisplacementCategory.choices)
    origin = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="displacement_origins"
    )
    destination = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="displacement_destinations"
    )
    women = models.PositiveBigIntegerField(null=True, blank=True)
    men = models.PositiveBigIntegerField(null=True, blank=True)
    children = models.PositiveBigIntegerField(null=True, blank=True)
    elderly = models.PositiveBigIntegerField(null=True, blank=True)
    composition_note = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords(m2m_fields=["cited_sources"], excluded_fields=HISTORY_EXCLUDED)

    DEMOGRAPHIC_FIELDS = ("women", "men", "children", "elderly")

    class Meta(QuantifiedClaim.Meta):
        constraints = [
            *QuantifiedClaim.Meta.constraints,
            models.CheckConstraint(
                condition=Q(term=DisplacementTerm.DISPLACED)
                | Q(term__in=[t for t, c in TERM_CATEGORIES.items() if c == {DisplacementCategory.FLOW}],
                    category=DisplacementCategory.FLOW)
                | Q(term__in=[t for t, c in TERM_CATEGORIES.items() if c == {DisplacementCategory.STOCK}],
                    category=DisplacementCategory.STOCK),
                name=_name("term_allows_category"),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(best__isnull=False, **{f"{field}__lte": F("best")}),
                    name=_name(f"{field}_at_most_best"),
                )
                for field in ("women", "men", "children", "elderly")
            ],
        ]
        indexes = [
            models.Index(fields=["review_status", "role", "term_group", "end_date"], name="displacement_counting_idx"),
            # A country, a term and a period (the API's common filter): one range scan, dates checked in the index.
            models.Index(fields=["country", "term", "end_date", "start_date"], name="displacement_country_term_idx"),
            models.Index(fields=COUNTRY_NEWEST, name="displacement_country_rev_idx"),
            # The sources a country's page cites: its public approved records' sources from the index alone.
            models.Index(fields=["country", "review_status", "source"], condition=PUBLIC_RECORD,
                         name="displacement_country_src_idx"),
            # An event's approved records, newest first (the event page), whatever the rest of the table holds.
            models.Index(fields=["event", "review_status", "end_date", "id"], name="displacement_event_rev_idx"),
            # The stocks that count (tracker/reporting/stocks.py): a report reads them, with what it sums, from this
            # small index alone on PostgreSQL (an index-only scan: no heap page visited). Figures in bench/README.md.
            models.Index(fields=["term", "country", "end_date", "location"],
                         include=[column for column in COUNTED_COLUMNS if column not in ("location", "term")],
                condition=Q(category=DisplacementCategory.STOCK) & COUNTED, name="displacement_counted_stock_idx"),
            # The flows that count, likewise: a report's flow GROUP BY reads this index, a sixth of the table's size
            models.Index(fields=["country", "end_date"], include=[*COUNTED_COLUMNS, "category"],
                         condition=COUNTED & Q(category=DisplacementCategory.FLOW),
                         name="displacement_counted_flow_idx"),
            # Approved figures left out of totals (one in eight), counted from these alone for reports' warnings
            models.Index(fields=["end_date"], include=NOT_COUNTED_COLUMNS, condition=NOT_COUNTED,
                         name="displacement_not_counted_idx"),
            models.Index(fields=["country"], include=NOT_COUNTED_COLUMNS, condition=NOT_COUNTED,
                         name="displacement_uncounted_cty_idx"),
            # A page's largest flows of each term group, in order (tracker/charts/data.py reads a dozen spanning ones)
            models.Index(fields=["country", "term_group", "-best", "id"], include=SPAN_COLUMNS,
                         condition=COUNTED & Q(category=DisplacementCategory.FLOW), name="displacement_largest_idx"),
            *area_indexes("displacement", [*AREA_QUANTIFIED_COLUMNS, "category"]),
        ]

    def __str__(self) -> str:
        return f"Displacement #{self.pk}: {self.reported_phrase or self.best} {self.get_term_display().lower()}"

    def clean_kind(self, errors: dict[str, str], quantity: Quantity | None) -> None:
        if self.term in TERM_CATEGORIES and self.category and self.category not in TERM_CATEGORIES[self.term]:
            allowed = " or ".join(sorted(TERM_CATEGORIES[self.term]))
            errors["category"] = f"'{self.get_term_display()}' is a {allowed}, not a {self.category}."
        if quantity is None:
            return
        for field in self.DEMOGRAPHIC_FIELDS:
            value = getattr(self, field)
            if value is not None and (quantity.best is None or value > quantity.best):
                limit = "an unquantified figure has none" if quantity.best is None else f"{quantity.best:,}"
                errors[field] = f"Cannot exceed the figure's best estimate ({limit})."

    def derive_term_group(self) -> str:
        return displacement_term_group(self.term, self.category)


class SurrenderFigure(QuantifiedClaim):
    """Fighters who surrendered to or were captured by another party."""

    surrendering_group = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="surrenders")
    received_by = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="received_surrenders"
    )
    term = models.CharField(max_length=15, choices=SurrenderTerm.choices, default=SurrenderTerm.SURRENDERED)
    combatant_status = models.CharField(
        max_length=10, choices=CombatantStatus.choices, default=CombatantStatus.FIGHTERS
    )

    history = HistoricalRecords(m2m_fields=["cited_sources"], excluded_fields=HISTORY_EXCLUDED)

    class Meta(QuantifiedClaim.Meta):
        indexes = [
            models.Index(fields=["review_status", "role", "end_date"], name="surrender_counting_idx"),
            models.Index(fields=["country", "term", "end_date", "start_date"], name="surrender_country_term_idx"),
            models.Index(fields=COUNTRY_NEWEST, name="surrender_country_rev_idx"),
            models.Index(fields=["country", "review_status", "source"], condition=PUBLIC_RECORD,
                         name="surrender_country_src_idx"),
            models.Index(fields=["event", "review_status", "end_date", "id"], name="surrender_event_rev_idx"),
            models.Index(fields=["end_date"], include=NOT_COUNTED_COLUMNS, condition=NOT_COUNTED,
                         name="surrender_not_counted_idx"),
            models.Index(fields=["country"], include=NOT_COUNTED_COLUMNS, condition=NOT_COUNTED,
                         name="surrender_uncounted_cty_idx"),
            # the surrenders that count, with what a report reads of them (as displacement_counted_flow_idx)
            models.Index(fields=["country", "end_date"], include=COUNTED_COLUMNS, condition=COUNTED,
                         name="surrender_counted_idx"),
            models.Index(fields=["country", "term_group", "-best", "id"], include=SPAN_COLUMNS, condition=COUNTED,
                         name="surrender_largest_idx"),  # as displacement_largest_idx
            *area_indexes("surrender", AREA_QUANTIFIED_COLUMNS),
        ]

    def __str__(self) -> str:
        return f"Surrender #{self.pk}: {self.reported_phrase or self.best} {self.get_term_display().lower()}"

    def clean_kind(self, errors: dict[str, str], quantity: Quantity | None) -> None:
        if self.received_by_id and self.received_by_id == self.surrendering_group_id:
            errors["received_by"] = "A group does not surrender to itself."

    def derive_term_group(self) -> str:
        return TermGroup.SURRENDERED


class AidCapacityReport(Claim):
    """How an aid provider's capacity stands at a place. Never summed."""

    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="aid_capacity_reports"
    )
    provider_description = models.CharField(
        max_length=300, blank=True, help_text='When the provider is unnamed: "aid agencies in the area".'
    )
    sector = models.CharField(max_length=30, choices=Sector.choices)
    strain = models.CharField(max_length=15, choices=Strain.choices, default=Strain.UNKNOWN)
    capacity = models.PositiveBigIntegerField(null=True, blank=True)
    demand = models.PositiveBigIntegerField(null=True, blank=True)
    capacity_unit = models.CharField(max_length=15, choices=CapacityUnit.choices, blank=True)

    history = HistoricalRecords(m2m_fields=["cited_sources"], excluded_fields=HISTORY_EXCLUDED)

    class Meta(Claim.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=F("end_date")), name=_name("start_before_end")),
            models.CheckConstraint(condition=~Q(excerpt=""), name=_name("excerpt_not_empty")),
            models.CheckConstraint(
                condition=(Q(capacity__isnull=True, demand__isnull=True) & Q(capacity_unit=""))
                | ((Q(capacity__isnull=False) | Q(demand__isnull=False)) & ~Q(capacity_unit="")),
                name=_name("unit_iff_number"),
            ),
            models.CheckConstraint(
                condition=Q(provider__isnull=False) | ~Q(provider_description=""), name=_name("provider_named")
            ),
        ]
        indexes = [
            models.Index(fields=["review_status", "end_date"], name="aidcapacity_status_idx"),
            models.Index(fields=["country", "end_date", "start_date"], name="aidcapacity_country_date_idx"),
            models.Index(fields=COUNTRY_NEWEST, name="aidcapacity_country_rev_idx"),
            models.Index(fields=["country", "review_status", "source"], condition=PUBLIC_RECORD,
                         name="aidcapacity_country_src_idx"),
            models.Index(fields=["event", "review_status", "end_date", "id"], name="aidcapacity_event_rev_idx"),
            models.Index(fields=["location", "sector", "end_date"], name="aidcapacity_latest_idx",  # the latest
                         include=["review_status", "is_confidential", "country", "provider", "provider_description",
                                  "source", "id"]),  # report of each (aid_capacity_status) asks if a later exists
            *area_indexes("aidcapacity", ["location", "source", "is_confidential"]),
        ]

    def __str__(self) -> str:
        who = self.provider or self.provider_description
        return f"Aid capacity #{self.pk}: {who}, {self.get_sector_display().lower()}, {self.get_strain_display()}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.clean_period(errors)
        self.clean_excerpt(errors)
        has_number = self.capacity is not None or self.demand is not None
        if has_number and not self.capacity_unit:
            errors["capacity_unit"] = "Say what the capacity or demand counts (people, beds, meals per day...)."
        if self.capacity_unit and not has_number:
            errors["capacity_unit"] = "A unit goes with a capacity or demand figure: enter one or clear the unit."
        if not self.provider_id and not self.provider_description.strip():
            errors["provider"] = "Choose the provider, or describe it when the source does not name one."
        if errors:
            raise ValidationError(errors)


def store_areas(instance: Claim, **signal: object) -> None:
    """The record stores its place's area links (country, adm1, adm2): the one rule, for every door that writes
    (connected to ``pre_save`` below, fixtures' raw saves included; the batch services call it)."""
    place = instance.location if instance.location_id else None
    instance.country_id, instance.adm1_id, instance.adm2_id = (
        (place.country_id, place.adm1_id, place.adm2_id) if place else (None, None, None))


CLAIM_MODELS = (DisplacementFigure, SurrenderFigure, AidCapacityReport)

for _model in CLAIM_MODELS:
    pre_save.connect(store_areas, sender=_model, dispatch_uid=f"store_areas_{_model.__name__}")
