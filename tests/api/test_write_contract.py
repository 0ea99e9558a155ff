"""Every writable resource passes the same write-side checks (:class:`tests.api.base.WriteContract`)."""

from __future__ import annotations

from tests.api.base import WriteContract
from tests.factories import OrganizationFactory
from tracker.models import AidCapacityReport, DisplacementFigure, Event, Location, Organization, Source, SurrenderFigure


def claim_payload(places, source) -> dict:
    return {"source_id": source.pk, "excerpt": "More than 4,000 people left the town in the past week.",
            "location_id": places.baghouz.pk, "location_precision": "exact",
            "start_date": "2019-03-03", "end_date": "2019-03-10"}


def figure_payload(places, source) -> dict:
    return {**claim_payload(places, source), "quantifier": "more_than", "reported_value": 4000,
            "reported_phrase": "more than 4,000", "unit": "persons"}


class TestSourceWrites(WriteContract):
    resource, model = "sources", Source
    bad = ("publication_date", "10 March")

    def payload(self, places, source):
        return {"title": "Civilians leave the last enclave", "url": "https://example.org/news/enclave",
                "publisher_id": source.publisher_id, "publication_date": "2019-03-11"}


class TestOrganizationWrites(WriteContract):
    resource, model = "organizations", Organization
    bad = ("country_id", "Syria")

    def payload(self, places, source):
        return {"name": "Kurdish Red Crescent", "kind": "red_cross", "country_id": places.syria.pk}


class TestLocationWrites(WriteContract):
    resource, model = "locations", Location
    bad = ("parent_id", "Syria")

    def payload(self, places, source):
        return {"name": "Al-Sousa", "level": "locality", "parent_id": places.abu_kamal.pk}


class TestEventWrites(WriteContract):
    resource, model = "events", Event
    bad = ("end_date", "2019-99-01")
    change = {"name": "Siege of Somewhere Else"}

    def payload(self, places, source):
        return {"name": "Siege of Somewhere", "kind": "conflict", "start_date": "2019-01-01",
                "end_date": "2019-02-01", "country_ids": [places.syria.pk]}


class TestDisplacementFigureWrites(WriteContract):
    resource, model = "displacement-figures", DisplacementFigure
    bad = ("reported_value", -5)

    def payload(self, places, source):
        return {**figure_payload(places, source), "term": "fled", "category": "flow"}


class TestSurrenderFigureWrites(WriteContract):
    resource, model = "surrenders", SurrenderFigure
    bad = ("reported_value", "many")

    def payload(self, places, source):
        return {**figure_payload(places, source), "surrendering_group_id": OrganizationFactory(kind="armed_group").pk}


class TestAidCapacityReportWrites(WriteContract):
    resource, model = "aid-capacity", AidCapacityReport
    bad = ("strain", "overwhelmed-ish")

    def payload(self, places, source):
        return {**claim_payload(places, source), "sector": "multi_sector", "strain": "strained",
                "provider_description": "aid agencies in the area"}
