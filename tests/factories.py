"""factory_boy factories for the tracker's tables.

Factories save through the models' ``save()`` (derived columns, no rules): they
set up the world a test starts from. What a test checks goes through the
services, usually with :func:`build_claim`, the unsaved record an analyst has
filled in before pressing save.
"""

from __future__ import annotations

import string
from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from tracker.choices import (
    CombatantStatus,
    DisplacementCategory,
    DisplacementTerm,
    LocationLevel,
    OrganizationKind,
    Quantifier,
    Role,
    Sector,
    SourceKind,
    Strain,
    SurrenderTerm,
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
from tracker.permissions import ANALYSTS, REVIEWERS, ensure_groups
from tracker.search.documents import search_fill

# The seed article's day: Sunday 10 March 2019.
PUBLISHED = date(2019, 3, 10)


def group_named(name: str) -> Group:
    """One of the tracker's groups, created with its permissions if migrate has not done it."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        ensure_groups()
        group = Group.objects.get(name=name)
    return group


def _iso3(n: int) -> str:
    letters = string.ascii_uppercase
    return f"X{letters[(n // 26) % 26]}{letters[n % 26]}"


class UserFactory(DjangoModelFactory):
    """A staff account in no group: it may log in and do nothing."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(group_named(name) for name in extracted))


class AnalystFactory(UserFactory):
    username = factory.Sequence(lambda n: f"analyst{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(*(group_named(name) for name in (extracted or [ANALYSTS])))


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(*(group_named(name) for name in (extracted or [REVIEWERS])))


# --- places ----------------------------------------------------------------------------


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Place {n}")
    level = LocationLevel.LOCALITY


class CountryFactory(LocationFactory):
    name = factory.Sequence(lambda n: f"Country {n}")
    level = LocationLevel.COUNTRY
    parent = None
    iso3 = factory.Sequence(_iso3)


class Adm1Factory(LocationFactory):
    name = factory.Sequence(lambda n: f"Governorate {n}")
    level = LocationLevel.ADM1
    parent = factory.SubFactory(CountryFactory)


class Adm2Factory(LocationFactory):
    name = factory.Sequence(lambda n: f"District {n}")
    level = LocationLevel.ADM2
    parent = factory.SubFactory(Adm1Factory)


class LocalityFactory(LocationFactory):
    name = factory.Sequence(lambda n: f"Town {n}")
    level = LocationLevel.LOCALITY
    parent = factory.SubFactory(Adm2Factory)


# --- organizations, crises, events, sources --------------------------------------------


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = OrganizationKind.NGO


class CrisisFactory(DjangoModelFactory):
    class Meta:
        model = Crisis

    name = factory.Sequence(lambda n: f"Crisis {n}")


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Battle {n}")
    crisis = factory.SubFactory(CrisisFactory)
    start_date = date(2019, 2, 9)
    end_date = date(2019, 3, 23)


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Article {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    publisher = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.MEDIA)
    publication_date = PUBLISHED
    kind = SourceKind.NEWS_ARTICLE


# --- the three kinds of fact -----------------------------------------------------------


class ClaimFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    source = factory.SubFactory(SourceFactory)
    excerpt = "More than 4,000 people left the town in the past week."
    location = factory.SubFactory(LocalityFactory)
    start_date = date(2019, 3, 3)
    end_date = PUBLISHED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A factory saves the record bare, as the shell would; its search document is what the services store.
        claim = super()._create(model_class, *args, **kwargs)
        search_fill(claim)
        model_class.objects.filter(pk=claim.pk).update(search_text=claim.search_text, search_names=claim.search_names)
        return claim


class QuantifiedClaimFactory(ClaimFactory):
    class Meta:
        abstract = True

    quantifier = Quantifier.EXACT
    reported_value = 1000
    unit = Unit.PERSONS
    role = Role.HEADLINE


class DisplacementFigureFactory(QuantifiedClaimFactory):
    class Meta:
        model = DisplacementFigure

    term = DisplacementTerm.FLED
    category = DisplacementCategory.FLOW


class SurrenderFigureFactory(QuantifiedClaimFactory):
    class Meta:
        model = SurrenderFigure

    surrendering_group = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.ARMED_GROUP)
    term = SurrenderTerm.SURRENDERED
    combatant_status = CombatantStatus.FIGHTERS


class AidCapacityReportFactory(ClaimFactory):
    class Meta:
        model = AidCapacityReport

    excerpt = "Aid agencies in the area are struggling to cope with the influx."
    provider_description = "aid agencies in the area"
    sector = Sector.MULTI_SECTOR
    strain = Strain.STRAINED


def build_claim(factory_class: type[ClaimFactory], **fields):
    """An unsaved record whose related rows exist, ready for ``claim_create``."""
    fields.setdefault("source", SourceFactory())
    fields.setdefault("location", LocalityFactory())
    if factory_class is SurrenderFigureFactory:
        fields.setdefault("surrendering_group", OrganizationFactory(kind=OrganizationKind.ARMED_GROUP))
    return factory_class.build(**fields)
