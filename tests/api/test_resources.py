"""Every resource passes the same contract (tests/api/base.py)."""

from __future__ import annotations

from tests.api.base import ResourceContract
from tests.api.conftest import CLAIM_FACTORIES
from tests.factories import EventFactory, LocalityFactory, OrganizationFactory, SourceFactory
from tracker.models import Event, Location, Organization


class ClaimContract(ResourceContract):
    def visible(self, world):
        return {record.pk for record in world.visible[self.resource]}

    def hidden(self, world):
        return {record.pk for record in world.hidden[self.resource].values()}

    def add_visible(self, world, count):
        factory = CLAIM_FACTORIES[self.resource]
        for _ in range(count):
            fields = {"source": world.public_source, "location": world.places.camp, "event": world.event}
            if self.resource == "surrenders":
                fields |= {"surrendering_group": world.isil, "received_by": world.sdf}
            record = factory(start_date="2018-06-01", end_date="2018-06-01", review_status="approved", **fields)
            record.cited_sources.set([world.sdf, world.publisher])
            world.visible[self.resource].append(record)


class TestDisplacementFigures(ClaimContract):
    resource = "displacement-figures"


class TestSurrenders(ClaimContract):
    resource = "surrenders"


class TestAidCapacity(ClaimContract):
    resource = "aid-capacity"


class TestSources(ResourceContract):
    resource = "sources"

    def visible(self, world):
        return {world.public_source.pk, *(pk for pk in getattr(world, "extra_sources", []))}

    def hidden(self, world):
        return {world.secret_source.pk}

    def add_visible(self, world, count):
        world.extra_sources = [*getattr(world, "extra_sources", []),
                               *(SourceFactory(publisher=world.publisher, dateline=world.places.baghouz).pk
                                 for _ in range(count))]


class TestOrganizations(ResourceContract):
    resource = "organizations"

    def visible(self, world):
        return set(Organization.objects.values_list("pk", flat=True))

    def add_visible(self, world, count):
        for _ in range(count):
            OrganizationFactory(country=world.places.syria)


class TestLocations(ResourceContract):
    resource = "locations"

    def visible(self, world):
        return set(Location.objects.values_list("pk", flat=True))

    def add_visible(self, world, count):
        for _ in range(count):
            LocalityFactory(parent=world.places.abu_kamal)


class TestEvents(ResourceContract):
    resource = "events"

    def visible(self, world):
        return set(Event.objects.values_list("pk", flat=True))

    def add_visible(self, world, count):
        for _ in range(count):
            event = EventFactory()
            event.parties.set([world.isil])
            event.countries.set([world.places.syria])
