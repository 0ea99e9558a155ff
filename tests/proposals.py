"""A source with stored text, written for these tests, and proposals on it as the assistant stores them."""

from __future__ import annotations

from typing import Any

from tests.factories import OrganizationFactory, SourceFactory
from tracker.choices import OrganizationKind
from tracker.models import Proposal, Source

ARTICLE = (
    "Families leave the eastern villages as fighting nears\n\n"
    "More than 4,000 people fled Baghouz in the past week, the SDF said on Sunday. "
    "Aid agencies in the area are struggling to cope with the influx, according to Save the Children.\n\n"
    "Some 300 fighters surrendered to the SDF on Saturday. "
    "Officials expect thousands more to leave in the coming days."
)
FLED = "More than 4,000 people fled Baghouz in the past week, the SDF said on Sunday."
AID = "Aid agencies in the area are struggling to cope with the influx, according to Save the Children."
SURRENDERED = "Some 300 fighters surrendered to the SDF on Saturday."
FORECAST = "Officials expect thousands more to leave in the coming days."


def article_source(**fields) -> Source:
    """The article above, stored, published on Sunday 10 March 2019."""
    fields.setdefault("title", "Families leave the eastern villages as fighting nears")
    fields.setdefault("text", ARTICLE)
    fields.setdefault("text_may_be_kept", True)
    return SourceFactory(**fields)


def sdf():
    return OrganizationFactory(name="Syrian Democratic Forces", acronym="SDF", kind=OrganizationKind.ARMED_GROUP)


def proposal_fields(source: Source, excerpt: str, **fields: Any) -> dict[str, Any]:
    """The assistant's JSON keys for a proposal on ``excerpt``: a displacement figure unless ``kind`` says."""
    start = source.text.index(excerpt)
    base = {
        "kind": "displacement", "term": "fled", "category": "flow", "quantifier": "more_than",
        "reported_value": 4000, "reported_value_max": None, "magnitude_word": None, "unit": "persons",
        "reported_phrase": "More than 4,000 people", "excerpt": excerpt, "excerpt_start": start,
        "excerpt_end": start + len(excerpt), "start_date": "2019-03-03", "end_date": "2019-03-10",
        "start_precision": "day", "end_precision": "day", "location": None, "attributed_to": None,
        "attribution_text": "", "strain": None, "sector": None, "provider": None, "provider_description": None,
        "surrendering_group": None, "received_by": None, "combatant_status": None, "confidence": 0.9,
        "rules_version": "test-1",
    }
    base.update(fields)
    return base


def make_proposal(source: Source, excerpt: str, **fields: Any) -> Proposal:
    """A proposal stored as ``proposals_refresh`` stores one."""
    data = proposal_fields(source, excerpt, **fields)
    return Proposal.objects.create(
        source=source, kind=data["kind"], fields=data, excerpt=data["excerpt"], excerpt_start=data["excerpt_start"],
        excerpt_end=data["excerpt_end"], confidence=data["confidence"], rules_version=data["rules_version"],
    )
