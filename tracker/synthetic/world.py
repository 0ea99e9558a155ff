"""The world records are drawn in: synthetic users, a place tree, organizations, crises, events and sources.

Each table is drawn from its own generator seeded from the seed and the table's name, so the same seed gives
the same rows. Places take their path and ancestor links from the tree rule (``tracker/rules/tree.py``), as
``Location.save()`` does; sources their normalised URL from ``normalise_url``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from tracker.choices import EventKind, LocationLevel, OrganizationKind, Reliability, SourceKind
from tracker.models import Crisis, Event, Location, Organization, Source
from tracker.rules import tree
from tracker.rules.normalise import normalise_url
from tracker.synthetic.database import Inserter, next_id
from tracker.synthetic.prose import Prose
from tracker.synthetic.shared import (
    CREATED_CAP,
    CRISIS_PREFIX,
    HOUSEHOLD_SIZES,
    USER_PREFIX,
    WINDOW_END,
    WINDOW_START,
    pick,
    weighted,
)

SOURCE_NOTE = "Synthetic source: no real outlet published it."
PLACE_NOTE = "Synthetic place: it does not exist."
ORG_NOTE = "Synthetic organization: it does not exist."
EVENT_NOTE = "Synthetic event: it did not happen."
ORG_KIND_WEIGHTS = (
    (OrganizationKind.MEDIA, 30), (OrganizationKind.NGO, 22), (OrganizationKind.ARMED_GROUP, 16),
    (OrganizationKind.STATE_FORCE, 8), (OrganizationKind.GOVERNMENT, 8), (OrganizationKind.UN_AGENCY, 8),
    (OrganizationKind.RED_CROSS, 3), (OrganizationKind.OTHER, 5),
)
SOURCE_KIND_WEIGHTS = (
    (SourceKind.NEWS_ARTICLE, 62), (SourceKind.NGO_REPORT, 14), (SourceKind.UN_REPORT, 10),
    (SourceKind.OFFICIAL_STATEMENT, 8), (SourceKind.SOCIAL_MEDIA, 4), (SourceKind.OTHER, 2),
)
SYLLABLES = ("al", "ba", "dar", "el", "fa", "ghu", "ha", "ka", "kir", "lat", "ma", "nur", "qa", "ra", "sa",
             "shi", "ta", "um", "wa", "ya", "za", "bek", "dun", "gor", "mi", "tos", "vel", "zan", "or", "is")
TITLE_LEVELS = (LocationLevel.ADM1, LocationLevel.ADM2, LocationLevel.LOCALITY, LocationLevel.SITE)
TITLE_SUBJECTS = ("Thousands", "Hundreds", "Families", "Residents", "Civilians", "Tens of thousands")
PLACE_WORDS = {
    LocationLevel.ADM1: "Province", LocationLevel.ADM2: "District", LocationLevel.ADM3: "Subdistrict",
    LocationLevel.SITE: "Camp",
}


def scale(figures: int) -> dict[str, int]:
    """Sizes of the reference tables for N records: the full sizes from a million, proportionally less below."""
    return {
        "places": max(60, min(10_000, figures // 100)),
        "events": max(5, min(1_000, figures // 1_000)),
        "sources": max(10, min(200_000, figures // 5)),
        "organizations": max(20, min(300, figures // 100)),
        "crises": max(2, min(12, figures // 50_000)),
    }


def audit(created: datetime, user_id: int) -> dict:
    return {"created_at": created, "updated_at": created, "created_by_id": user_id, "updated_by_id": user_id,
            "version": 1}


class World:
    """The reference rows of one synthetic data set, inserted, and what drawing records needs of them."""

    def __init__(self, seed: int, batch_size: int, say: Callable[[str], object]):
        self.seed, self.batch_size, self.say = seed, batch_size, say

    def make_users(self) -> None:
        """A few synthetic analysts and reviewers to carry the audit and review columns."""
        User = get_user_model()
        self.analysts, self.reviewers = [], []
        for role, count, target in (("analyst", 6, self.analysts), ("reviewer", 3, self.reviewers)):
            for i in range(1, count + 1):
                user, created = User.objects.get_or_create(
                    username=f"{USER_PREFIX}{role}-{i}",
                    defaults={"first_name": "Synthetic", "last_name": f"{role.title()} {i}", "is_active": False},
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                target.append(user.pk)

    def name(self, rng: random.Random, parts: int = 2) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def make_places(self, target: int) -> None:
        """Countries, adm1-adm3, localities and sites (and a few features), with paths computed here."""
        rng = random.Random(f"{self.seed}-places")
        countries = max(2, min(8, round(target / 1_500)))
        per_country = target / countries
        # Branching b at each of the four levels below a country, with a site under 30% of localities:
        # b + b^2 + b^3 + 1.3 b^4 places per country.
        branching = 1.0
        while branching + branching**2 + branching**3 + 1.3 * branching**4 < per_country:
            branching += 0.05
        first = next_id(Location)
        rows: list[dict] = []
        self.places: list[dict] = []

        def add(level: str, parent: dict | None, name: str, lat: float, lon: float, **extra) -> dict:
            pk = first + len(rows)
            row = {
                "id": pk, "name": name, "level": level, "parent_id": parent["id"] if parent else None,
                "pcode": extra.pop("pcode", None), "iso3": extra.pop("iso3", None),
                "latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lon:.6f}"),
                "default_household_size": None, "default_household_size_citation": "", "notes": PLACE_NOTE,
                "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]), **extra,
            }
            # The tree rule, as Location.save() applies it, with ids known in advance.
            row["path"] = tree.child_path(parent["path"] if parent else None, pk)
            row["depth"] = tree.path_depth(row["path"])
            links = tree.area_links(level, pk, [parent[f"{area}_id"] for area in tree.AREA_LEVELS] if parent else None)
            row.update({f"{area}_id": link for area, link in zip(tree.AREA_LEVELS, links, strict=True)})
            rows.append(row)
            return row

        def spread() -> int:
            return rng.randint(max(1, round(branching * 0.6)), max(1, round(branching * 1.4)))

        for c in range(countries):
            iso3 = "X" + chr(ord("A") + c // 26) + chr(ord("A") + c % 26)
            lat, lon = rng.uniform(-10, 40), rng.uniform(-10, 60)
            country = add(LocationLevel.COUNTRY, None, f"Synthetica {self.name(rng, 2)}", lat, lon, iso3=iso3,
                          pcode=iso3[:2] + iso3[2], default_household_size=rng.choice(HOUSEHOLD_SIZES),
                          default_household_size_citation="Synthetic default: no real survey measured it.")
            for a1 in range(spread()):
                p1 = f"{country['pcode']}{a1 + 1:02d}"
                adm1 = add(LocationLevel.ADM1, country, f"{self.name(rng)} {PLACE_WORDS['adm1']}",
                           lat + rng.uniform(-3, 3), lon + rng.uniform(-3, 3), pcode=p1)
                for a2 in range(spread()):
                    p2 = f"{p1}{a2 + 1:02d}"
                    adm2 = add(LocationLevel.ADM2, adm1, f"{self.name(rng)} {PLACE_WORDS['adm2']}",
                               float(adm1["latitude"]) + rng.uniform(-1, 1),
                               float(adm1["longitude"]) + rng.uniform(-1, 1), pcode=p2)
                    for a3 in range(spread()):
                        p3 = f"{p2}{a3 + 1:02d}"
                        adm3 = add(LocationLevel.ADM3, adm2, f"{self.name(rng)} {PLACE_WORDS['adm3']}",
                                   float(adm2["latitude"]) + rng.uniform(-0.3, 0.3),
                                   float(adm2["longitude"]) + rng.uniform(-0.3, 0.3), pcode=p3)
                        for loc in range(spread()):
                            town = add(LocationLevel.LOCALITY, adm3, self.name(rng, rng.randint(2, 3)),
                                       float(adm3["latitude"]) + rng.uniform(-0.1, 0.1),
                                       float(adm3["longitude"]) + rng.uniform(-0.1, 0.1),
                                       pcode=f"{p3}{loc + 1:03d}")
                            if rng.random() < 0.3:
                                add(LocationLevel.SITE, town, f"{town['name']} {PLACE_WORDS['site']}",
                                    float(town["latitude"]) + rng.uniform(-0.02, 0.02),
                                    float(town["longitude"]) + rng.uniform(-0.02, 0.02))
            for _ in range(2):
                add(LocationLevel.FEATURE, country, f"{self.name(rng)} river", lat + rng.uniform(-3, 3),
                    lon + rng.uniform(-3, 3))
        Inserter(Location).send(rows)
        self.places = rows
        # each place's area links, which its records store (tracker.models.claims.store_areas)
        self.place_areas = {row["id"]: tuple(row[f"{area}_id"] for area in tree.AREA_LEVELS) for row in rows}
        self.countries = [row for row in rows if row["level"] == LocationLevel.COUNTRY]
        # Places by country and level, for drawing record places.
        self.places_by = {}
        for row in rows:
            self.places_by.setdefault((row["country_id"], row["level"]), []).append(row)
        self.say(f"  {len(rows):,} places in {countries} synthetic countries")

    def make_organizations(self, count: int) -> None:
        rng = random.Random(f"{self.seed}-organizations")
        first = next_id(Organization)
        kinds = weighted(ORG_KIND_WEIGHTS)
        reliabilities = weighted(((Reliability.HIGH, 3), (Reliability.MEDIUM, 5), (Reliability.LOW, 2)))
        rows = []
        for i in range(count):
            kind = OrganizationKind.MEDIA if i < 5 else pick(rng, kinds)
            word = self.name(rng)
            label = OrganizationKind(kind).label
            rows.append({
                "id": first + i, "name": f"Synthetic {label} {word} {i + 1}", "acronym": f"S{word[:3].upper()}{i + 1}",
                "kind": kind, "reliability": pick(rng, reliabilities),
                "country_id": rng.choice(self.countries)["id"] if rng.random() < 0.7 else None,
                "notes": ORG_NOTE, "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]),
            })
        Inserter(Organization).send(rows)
        by_kind: dict[str, list[int]] = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row["id"])
        self.organizations = [row["id"] for row in rows]
        self.organization_names = {row["id"]: (row["name"], row["acronym"]) for row in rows}
        self.media = by_kind[OrganizationKind.MEDIA]
        self.publishers = (self.media + by_kind.get(OrganizationKind.NGO, [])
                           + by_kind.get(OrganizationKind.UN_AGENCY, []))
        self.armed = by_kind.get(OrganizationKind.ARMED_GROUP, []) or self.organizations
        self.forces = by_kind.get(OrganizationKind.STATE_FORCE, []) + self.armed
        self.providers = (by_kind.get(OrganizationKind.NGO, []) + by_kind.get(OrganizationKind.UN_AGENCY, [])
                          + by_kind.get(OrganizationKind.RED_CROSS, [])) or self.organizations
        self.say(f"  {count:,} organizations")

    def make_events(self, crises: int, count: int) -> None:
        rng = random.Random(f"{self.seed}-events")
        crisis_ids = []
        for i in range(crises):
            crisis = Crisis(name=f"{CRISIS_PREFIX} {i + 1}: {self.name(rng)} conflict",
                            description="Synthetic crisis: it did not happen.")
            crisis.save()
            crisis_ids.append(crisis.pk)
        first = next_id(Event)
        window = (WINDOW_END - WINDOW_START).days
        rows, countries, parties = [], [], []
        self.events = []
        for i in range(count):
            kind = pick(rng, weighted(((EventKind.CONFLICT, 80), (EventKind.DISASTER, 15), (EventKind.OTHER, 5))))
            start = WINDOW_START + timedelta(days=rng.randrange(window - 30))
            end = min(start + timedelta(days=rng.randint(3, 400)), WINDOW_END)
            place = self.name(rng, 3)
            label = {"conflict": "Battle of", "disaster": "Floods in", "other": "Crisis in"}[kind]
            event_countries = rng.sample(self.countries, k=1 if rng.random() < 0.8 else 2)
            row = {
                "id": first + i, "name": f"Synthetic event {i + 1}: {label} {place}", "kind": kind,
                "crisis_id": rng.choice(crisis_ids) if kind == EventKind.CONFLICT else None,
                "start_date": start, "end_date": None if end == WINDOW_END else end,
                "description": EVENT_NOTE, "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]),
            }
            rows.append(row)
            countries += [{"event_id": row["id"], "location_id": c["id"]} for c in event_countries]
            sides = rng.sample(self.forces, k=min(2, len(self.forces))) if kind == EventKind.CONFLICT else []
            parties += [{"event_id": row["id"], "organization_id": o} for o in sides]
            self.events.append({"id": row["id"], "name": row["name"], "start": start.toordinal(),
                                "end": end.toordinal(),
                                "countries": [c["id"] for c in event_countries], "parties": sides})
        Inserter(Event).send(rows)
        self.events_by_id = {event["id"]: event for event in self.events}
        for name, links in (("countries", countries), ("parties", parties)):
            through = Event._meta.get_field(name).remote_field.through
            link_id = next_id(through)
            for offset, link in enumerate(links):
                link["id"] = link_id + offset
            Inserter(through).send(links)
        self.say(f"  {crises} crises, {count:,} events")

    def make_sources(self, count: int, prose: Prose) -> None:
        """Sources in publication order, so that a record can find one published on or after its end date."""
        rng = random.Random(f"{self.seed}-sources")
        first = next_id(Source)
        window = (WINDOW_END - WINDOW_START).days
        days = sorted(rng.randrange(window + 1) for _ in range(count))
        kinds = weighted(SOURCE_KIND_WEIGHTS)
        languages = weighted((("en", 70), ("ar", 15), ("fr", 10), ("es", 5)))
        base = WINDOW_START.toordinal()
        self.source_days = [base + d for d in days]
        self.first_source = first
        inserter = Inserter(Source)
        batch = []
        localities = [p["id"] for p in self.places if p["level"] == LocationLevel.LOCALITY]
        self.source_titles, self.source_publishers, self.source_named = [], [], []
        place_names = [p["name"] for p in self.places if p["level"] in TITLE_LEVELS]
        for i, day in enumerate(self.source_days):
            pk = first + i
            published = date.fromordinal(day)
            kind = pick(rng, kinds)
            # A headline about a place, as outlets and agencies title their pieces (the notes say it is synthetic).
            title = prose.title(rng.random, place_names[int(rng.random() * len(place_names))],
                                TITLE_SUBJECTS[int(rng.random() * len(TITLE_SUBJECTS))])
            publisher = rng.choice(self.publishers)
            self.source_titles.append(title)
            self.source_publishers.append(publisher)
            self.source_named.append(prose.names_document((title, *self.organization_names[publisher])))
            url = "" if kind == SourceKind.OFFICIAL_STATEMENT and rng.random() < 0.6 else (
                f"https://news{rng.randint(1, 40)}.synthetic.example/{published:%Y/%m}/s{self.seed}-{pk}"
            )
            created = min(datetime(published.year, published.month, published.day, tzinfo=UTC)
                          + timedelta(hours=rng.randint(6, 24 * 20)), CREATED_CAP)
            batch.append({
                "id": pk, "title": title,
                "url": url, "url_normalized": normalise_url(url) if url else None,
                "publisher_id": publisher, "publication_date": published, "kind": kind,
                "language": pick(rng, languages),
                "dateline_id": rng.choice(localities) if localities and rng.random() < 0.4 else None,
                "text": "", "content_hash": "", "archive_url": "", "text_may_be_kept": False, "text_drop_after": None,
                "text_dropped_at": None, "intake_format": "", "author": "", "text_signature": None,
                "accessed_on": published + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.5 else None,
                "is_confidential": rng.random() < 0.02, "notes": SOURCE_NOTE, "is_synthetic": True,
                **audit(created, rng.choice(self.analysts)),
            })
            if len(batch) >= self.batch_size:
                inserter.send(batch)
                batch = []
        inserter.send(batch)
        self.say(f"  {count:,} sources")
