"""The gazetteer: every place and organization with every name, alias and acronym, scanned with Aho-Corasick.

Names are matched as whole words. Matching ignores case, except for short names, acronyms and names that are
also common English words ("IS", "Hama" is safe but "Deir" alone is not in the gazetteer), which must be
written as stored. Where two names overlap, the longer wins: "Islamic State of Iraq and the Levant" is an
organization, and the "Iraq" inside it is no place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ahocorasick

from tracker.choices import LocationLevel, OrganizationKind

PLACE = "place"
ORGANIZATION = "organization"
# How specific a place is: a figure carried forward takes the most specific place of its sentence.
LEVEL_RANK = {
    LocationLevel.COUNTRY: 0,
    LocationLevel.ADM1: 1,
    LocationLevel.ADM2: 2,
    LocationLevel.ADM3: 3,
    LocationLevel.LOCALITY: 4,
    LocationLevel.FEATURE: 4,
    LocationLevel.SITE: 5,
}
PARTY_KINDS = frozenset({OrganizationKind.ARMED_GROUP, OrganizationKind.STATE_FORCE})
# Names that are also ordinary English words: matched only when written with their capitals.
COMMON_WORDS = frozenset(
    {"is", "us", "un", "who", "sun", "mar", "may", "camp", "border", "bridge", "park", "post", "lake", "centre",
     "center", "north", "south", "east", "west", "city", "ash", "hope", "unity", "peace", "victory", "liberty"}
)


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    level: str
    parent: int | None

    @property
    def rank(self) -> int:
        return LEVEL_RANK.get(self.level, 4)


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    acronym: str
    kind: str

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS


@dataclass(frozen=True)
class Mention:
    """A name of a place or an organization found in the text."""

    type: str  # PLACE or ORGANIZATION
    id: int
    start: int
    end: int


def _case_sensitive(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return len(name) <= 3 or name.lower() in COMMON_WORDS or (len(letters) > 1 and all(c.isupper() for c in letters))


def _lowered(text: str) -> str:
    """``text`` in lower case, character for character (offsets stay the same)."""
    return "".join(ch if len(low := ch.lower()) != 1 else low for ch in text)


@dataclass
class Gazetteer:
    """Places and organizations with every name and alias, ready to scan text."""

    places: dict[int, Place] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._names: dict[str, list[tuple[str, int, str, bool]]] = {}

    def _add(self, type_: str, id_: int, name: str) -> None:
        name = " ".join((name or "").split())
        if not name:
            return
        key = _lowered(name)
        entries = self._names.setdefault(key, [])
        entry = (type_, id_, name, _case_sensitive(name))
        if entry not in entries:
            entries.append(entry)

    def _build(self) -> Gazetteer:
        for key, entries in self._names.items():
            self._automaton.add_word(key, (len(key), tuple(entries)))
        if self._names:
            self._automaton.make_automaton()
        return self

    @classmethod
    def from_entries(cls, places: list[dict], organizations: list[dict]) -> Gazetteer:
        """places: {"id", "name", "level", "parent", "aliases"}; organizations: {"id", "name", "acronym",
        "kind", "aliases"}."""
        gazetteer = cls(
            places={p["id"]: Place(p["id"], p["name"], p.get("level") or "", p.get("parent")) for p in places},
            organizations={
                o["id"]: Organization(o["id"], o["name"], o.get("acronym") or "", o.get("kind") or "")
                for o in organizations
            },
        )
        for place in places:
            for name in [place["name"], *place.get("aliases", [])]:
                gazetteer._add(PLACE, place["id"], name)
        for organization in organizations:
            for name in [organization["name"], organization.get("acronym") or "", *organization.get("aliases", [])]:
                gazetteer._add(ORGANIZATION, organization["id"], name)
        return gazetteer._build()

    @classmethod
    def from_database(cls) -> Gazetteer:
        """Every Location with its LocationNames, every Organization (with acronym) and its aliases: four
        queries."""
        from tracker.models import Location, LocationName, Organization, OrganizationAlias

        place_aliases: dict[int, list[str]] = {}
        for location_id, name in LocationName.objects.order_by().values_list("location_id", "name").iterator():
            place_aliases.setdefault(location_id, []).append(name)
        organization_aliases: dict[int, list[str]] = {}
        alias_rows = OrganizationAlias.objects.order_by().values_list("organization_id", "name")
        for organization_id, name in alias_rows.iterator():
            organization_aliases.setdefault(organization_id, []).append(name)
        places = [
            {"id": id_, "name": name, "level": level, "parent": parent, "aliases": place_aliases.get(id_, [])}
            for id_, name, level, parent in Location.objects.order_by().values_list("id", "name", "level", "parent_id")
            .iterator()
        ]
        organizations = [
            {"id": id_, "name": name, "acronym": acronym, "kind": kind, "aliases": organization_aliases.get(id_, [])}
            for id_, name, acronym, kind in Organization.objects.order_by().values_list("id", "name", "acronym", "kind")
            .iterator()
        ]
        return cls.from_entries(places, organizations)

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Every place and organization named in ``text[start:end]``, whole words only, longest first where
        names overlap, in order."""
        end = len(text) if end is None else end
        if not self._names:
            return []
        lowered = _lowered(text[start:end])
        found: list[tuple[int, int, str, int]] = []
        for last, (length, entries) in self._automaton.iter(lowered):
            first = last - length + 1
            if first > 0 and lowered[first - 1].isalnum() or last + 1 < len(lowered) and lowered[last + 1].isalnum():
                continue
            surface = text[start + first:start + last + 1]
            for type_, id_, name, case_sensitive in entries:
                if case_sensitive and surface != name:
                    continue
                found.append((start + first, start + last + 1, type_, id_))
                break
        found.sort(key=lambda item: (item[0], -(item[1] - item[0]), item[2] != ORGANIZATION))
        chosen: list[Mention] = []
        covered_to = -1
        for first, last, type_, id_ in found:
            if first < covered_to:
                continue
            chosen.append(Mention(type_, id_, first, last))
            covered_to = last
        return chosen
