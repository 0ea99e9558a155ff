"""What the assistant proposes (``Proposal``, ``Extraction``), what it carries between sentences
(``ArticleState``), and the JSON shape of the places and organizations it names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from tracker.extraction.attribution import Attribution, Speakers
from tracker.extraction.places import Gazetteer, Mention
from tracker.rules.periods import Period

# The rules' version, carried by every proposal: bump it when a rule changes, so that proposals made by
# older rules can be told apart when precision is measured.
RULES_VERSION = "2026.12-3"


@dataclass
class Proposal:
    """One proposed record, with the field names of extract_records' JSON (see :meth:`as_json`)."""

    kind: str
    excerpt: str
    excerpt_start: int
    excerpt_end: int
    start_date: date
    end_date: date
    start_precision: str
    end_precision: str
    confidence: float
    term: str | None = None
    quantifier: str | None = None
    reported_value: int | None = None
    reported_value_max: int | None = None
    magnitude_word: str | None = None
    unit: str | None = None
    reported_phrase: str | None = None
    location: dict | None = None
    attributed_to: dict | None = None
    attribution_text: str = ""
    strain: str | None = None
    sector: str | None = None
    provider: dict | None = None
    provider_description: str | None = None
    category: str | None = None
    surrendering_group: dict | None = None
    received_by: dict | None = None
    combatant_status: str | None = None
    rules_version: str = RULES_VERSION

    def as_json(self) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, date):
                data[key] = value.isoformat()
            elif isinstance(value, str):
                data[key] = str(value)
        return data

@dataclass
class Extraction:
    proposals: list[Proposal] = field(default_factory=list)
    notice: str | None = None

@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    kind: str | None  # None: a figure of another topic (killed, injured...)
    term: str | None

@dataclass
class ArticleState:
    """What earlier sentences tell later ones: the last place named, speakers, the last party named."""

    place: Mention | None = None
    counts: dict[int, int] = field(default_factory=dict)  # how often each place was named, in order of naming
    speakers: Speakers = field(default_factory=Speakers)
    parties: list[int] = field(default_factory=list)
    retracted: tuple[str, str] | None = None  # (kind, term) of a figure the previous sentence took back
    dated: Period | None = None  # the period of the last figure whose sentence named its date

def _place_json(gazetteer: Gazetteer, place_id: int | None) -> dict | None:
    return None if place_id is None else {"id": place_id, "name": gazetteer.places[place_id].name}

def _organization_json(gazetteer: Gazetteer, organization_id: int | None) -> dict | None:
    if organization_id is None:
        return None
    organization = gazetteer.organizations[organization_id]
    return {"id": organization.id, "name": organization.name}


def _attribution_fields(gazetteer: Gazetteer, attribution: Attribution | None) -> tuple[dict | None, str]:
    if attribution is None:
        return None, ""
    organization = attribution.organization
    attributed = None if organization is None else {
        "id": organization.id, "name": organization.name, "is_party": organization.is_party}
    return attributed, attribution.text


def _confidence(*, carried: bool, no_place: bool, attribution: Attribution | None, hedged: bool,
                unit_guessed: bool) -> float:
    confidence = 0.9
    if carried:
        confidence -= 0.15
    if no_place:
        confidence -= 0.25
    if attribution is not None and attribution.organization is None:
        confidence -= 0.05
    if hedged:
        confidence -= 0.15
    if unit_guessed:
        confidence -= 0.1
    return round(max(0.05, min(0.99, confidence)), 2)
