"""Drawing records: what a source's records share, their places and periods, quantities, links, kind columns.

(Just over 500 lines on purpose: drawing and the COPY layout share the same pools of values.)

Records are drawn in blocks of ``BLOCK`` rows, each from its own generator seeded from the seed, the kind and
the block's number, so the same seed gives the same rows whichever process draws a block and in whatever order
(``tracker/synthetic/workers.py``), and ``--batch-size`` changes nothing but how rows are sent. Every derived
column comes from the rule ``save()`` uses: ``derive_quantity`` for low, best, high and high_open,
``displacement_term_group`` for the term group.

A drawn record is kept as its parts (group columns, own columns, quantity, the rest): ``record_values`` lays
them out as tuples of values, ``copy_text_rows`` as COPY text, formatting a part that several records share once.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from django.db import models

from tracker.choices import (
    CapacityUnit,
    CombatantStatus,
    DatePrecision,
    DisplacementCategory,
    DisplacementTerm,
    HouseholdSizeSource,
    LocationLevel,
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
from tracker.models import AidCapacityReport, DisplacementFigure, SurrenderFigure
from tracker.rules.quantities import derive_quantity
from tracker.rules.terms import displacement_term_group
from tracker.synthetic.database import copy_text
from tracker.synthetic.prose import Prose
from tracker.synthetic.shared import (
    BLOCK,
    CREATED_CAP,
    HOUSEHOLD_SIZES,
    WINDOW_END_ORDINAL,
    WINDOW_START,
    WINDOW_START_ORDINAL,
    expand,
    pick,
    weighted,
)
from tracker.synthetic.world import World

KIND_SHARES = ((DisplacementFigure, 0.70), (SurrenderFigure, 0.18), (AidCapacityReport, 0.12))
STATUS_WEIGHTS = (
    (ReviewStatus.APPROVED, 84), (ReviewStatus.IN_REVIEW, 6), (ReviewStatus.DRAFT, 3),
    (ReviewStatus.CHANGES_REQUESTED, 3), (ReviewStatus.REJECTED, 4),
)
QUANTIFIER_WEIGHTS = (
    (Quantifier.EXACT, 24), (Quantifier.APPROXIMATELY, 26), (Quantifier.MORE_THAN, 12), (Quantifier.AT_LEAST, 5),
    (Quantifier.LESS_THAN, 3), (Quantifier.AT_MOST, 2), (Quantifier.RANGE, 8), (Quantifier.MAGNITUDE, 12),
    (Quantifier.UNQUANTIFIED, 8),
)
MAGNITUDE_WEIGHTS = (
    (MagnitudeWord.SEVERAL, 4), (MagnitudeWord.DOZENS, 14), (MagnitudeWord.HUNDREDS, 28),
    (MagnitudeWord.THOUSANDS, 30), (MagnitudeWord.TENS_OF_THOUSANDS, 16),
    (MagnitudeWord.HUNDREDS_OF_THOUSANDS, 6), (MagnitudeWord.MILLIONS, 2),
)
TERM_WEIGHTS = (
    (DisplacementTerm.FLED, 24), (DisplacementTerm.DISPLACED, 22), (DisplacementTerm.EVACUATED, 10),
    (DisplacementTerm.RELOCATED, 4), (DisplacementTerm.RETURNED, 12), (DisplacementTerm.ARRIVED, 10),
    (DisplacementTerm.IN_CAMP, 12), (DisplacementTerm.TRAPPED, 6),
)
STOCK_TERMS = {DisplacementTerm.IN_CAMP, DisplacementTerm.TRAPPED}
UNIT_WEIGHTS = ((Unit.PERSONS, 85), (Unit.HOUSEHOLDS, 10), (Unit.FAMILIES, 5))
START_PRECISION_WEIGHTS = ((DatePrecision.DAY, 60), (DatePrecision.WEEK, 10), (DatePrecision.MONTH, 25),
                           (DatePrecision.YEAR, 5))
END_PRECISION_WEIGHTS = ((DatePrecision.DAY, 85), (DatePrecision.WEEK, 8), (DatePrecision.MONTH, 7))
LEVEL_PRECISION = {
    LocationLevel.COUNTRY: LocationPrecision.COUNTRY, LocationLevel.ADM1: LocationPrecision.ADM1,
    LocationLevel.ADM2: LocationPrecision.ADM2, LocationLevel.ADM3: LocationPrecision.ADM3,
}
# Where records sit: mostly towns and camps, some admin areas, a few whole countries.
RECORD_LEVEL_WEIGHTS = (
    (LocationLevel.LOCALITY, 48), (LocationLevel.SITE, 14), (LocationLevel.ADM3, 14), (LocationLevel.ADM2, 12),
    (LocationLevel.ADM1, 9), (LocationLevel.COUNTRY, 3),
)


class Records:
    """Draws the records of one data set in the world given: pools built once, then any block on demand.

    Forked workers each hold a copy of this object (``tracker/synthetic/workers.py``); it never touches the
    database.
    """

    def __init__(self, world: World, seed: int, batch_size: int, prose: Prose):
        self.seed, self.batch_size, self.prose = seed, batch_size, prose
        for name in ("analysts", "reviewers", "countries", "place_areas", "places_by", "organizations", "armed",
                     "forces", "providers", "events", "events_by_id", "source_days", "first_source", "source_titles",
                     "source_publishers", "source_named", "organization_names"):
            setattr(self, name, getattr(world, name))
        self.organization_named = {pk: prose.names_document(values) for pk, values in self.organization_names.items()}
        # a place's area links as COPY text (NULL is \N), written once
        self.area_texts = {pk: "\t".join(r"\N" if link is None else str(link) for link in links)
                           for pk, links in self.place_areas.items()}
        self.event_named = {event["id"]: prose.named(event["name"]) for event in self.events}
        # What a record's search names start with: its place's name and P-code (tracker.search.documents).
        self.place_values = {row["id"]: (row["name"], row["pcode"]) for row in world.places}
        # Their plain words, once a place: no other name a record shows is a place's name or P-code.
        self.place_named = {pk: prose.names_document(values) for pk, values in self.place_values.items()}
        self.prepare_pools()

    def block_rows(self, model: type[models.Model], first: int, offset: int, count: int) -> list[tuple[tuple, ...]]:
        """Records ``offset`` to ``offset + count`` of a kind (ids from ``first + offset``), each as its parts:
        group columns, own columns, quantity, the rest, and its text (excerpt, search text, search names):
        ``record_values`` and ``copy_text_rows`` lay them out.
        The same rows for the same seed, whichever process draws them and in whatever order."""
        rng = random.Random(f"{self.seed}-{model._meta.model_name}-{offset // BLOCK}")
        maker = {DisplacementFigure: self.displacement_block, SurrenderFigure: self.surrender_block,
                 AidCapacityReport: self.aid_capacity_block}[model]
        return maker(rng, first + offset, count)

    def copy_chunks(self, model: type[models.Model], first: int, offset: int, count: int) -> list[tuple[bytes, int]]:
        """A block's records as COPY text, cut where a batch of ``--batch-size`` rows ends."""
        rows = self.block_rows(model, first, offset, count)
        cuts = [0, *range(-offset % self.batch_size or self.batch_size, count, self.batch_size), count]
        return [(self.copy_text_rows(rows[start:end]), end - start)
                for start, end in itertools.pairwise(cuts) if end > start]

    def group_values(self, group: tuple) -> tuple:
        """A group's columns with its times (minutes from ``date_base``) as aware datetimes."""
        return tuple(self.with_moments(group, self.midnights, MINUTES))

    def group_text(self, group: tuple) -> str:
        """A group's columns as COPY text, with its times as PostgreSQL reads a UTC timestamp."""
        return copy_text(self.with_moments(group, self.date_texts, CLOCK))

    @staticmethod
    def with_moments(group: tuple, days: Sequence, clock: Sequence) -> list:
        """A group's columns with each time (minutes from ``date_base``) as ``days[day] + clock[minute]``."""
        values = list(group)
        for i in GROUP_MOMENTS:
            if values[i] is not None:
                day, minute = divmod(values[i], MINUTES_A_DAY)
                values[i] = days[day] + clock[minute]
        return values

    def record_values(self, rows: list[tuple[tuple, ...]]) -> list[tuple]:
        """Records' parts (``block_rows``) as tuples of column values, in ``RECORD_COLUMNS`` order."""
        dates, base, areas = self.dates, self.date_base, self.place_areas
        return [
            self.group_values(group) + (pk, text[0], place, *areas[place], precision, dates[start - base],
                                        start_precision, dates[end - base], end_precision)
            + quantity + rest + text[1:]
            for group, (pk, place, precision, start, start_precision, end, end_precision), quantity, rest, text in rows
        ]

    def copy_text_rows(self, rows: list[tuple[tuple, ...]]) -> bytes:
        """Records' parts (``block_rows``) as the lines of a COPY in text format: the same values as
        ``record_values``, without a Python object per value.

        A group's columns and a quantity (one object that several records hold) are formatted once per object,
        and the rest of a record (few distinct values) once per value. The record's own columns are numbers,
        dates and choice values, which need no escaping; nor do its excerpt (words, names made of syllables,
        numbers and punctuation: ``prose.COPY_SAFE``) and its search words (letters and digits).
        """
        dates, base, areas = self.date_texts, self.date_base, self.area_texts
        groups: dict[int, str] = {}  # by id(): every part stays alive in ``rows`` while this runs
        quantities: dict[int, str] = {}
        rests: dict[tuple, str] = {}
        lines = []
        for group, (pk, place, precision, start, start_precision, end, end_precision), quantity, rest, text in rows:
            group_text = groups.get(id(group))
            if group_text is None:
                group_text = groups[id(group)] = self.group_text(group)
            quantity_text = quantities.get(id(quantity))
            if quantity_text is None:  # with the tab that follows it, so that a record without one has neither
                quantity_text = quantities[id(quantity)] = copy_text(quantity) + "\t" if quantity else ""
            rest_text = rests.get(rest)
            if rest_text is None:
                rest_text = rests[rest] = copy_text(rest)
            excerpt, search_text, search_names = text
            lines.append(f"{group_text}\t{pk}\t{excerpt}\t{place}\t{areas[place]}\t"
                         f"{precision}\t{dates[start - base]}\t{start_precision}\t{dates[end - base]}\t"
                         f"{end_precision}\t{quantity_text}{rest_text}\t{search_text}\t{search_names}\n")
        return "".join(lines).encode()

    def prepare_pools(self) -> None:
        """Weighted choices as flat lists (one ``random()`` per draw), dates by ordinal, places by country."""
        self.date_base = WINDOW_START.toordinal() - 400
        last = CREATED_CAP.toordinal() + 7  # the latest review: three days after a capped entry
        self.dates = [date.fromordinal(o) for o in range(self.date_base, last + 1)]
        self.date_texts = [d.isoformat() for d in self.dates]
        self.midnights = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in self.dates]
        self.cap_minute = (CREATED_CAP.toordinal() - self.date_base) * MINUTES_A_DAY  # CREATED_CAP is a midnight
        self.source_index_base = self.date_base
        self.source_index = [bisect.bisect_left(self.source_days, day)
                             for day in range(self.date_base, WINDOW_END_ORDINAL + 31)]
        self.status_pool = expand(STATUS_WEIGHTS)
        self.level_pool = expand(RECORD_LEVEL_WEIGHTS)
        self.start_precision_pool = expand(START_PRECISION_WEIGHTS)
        self.end_precision_pool = expand(END_PRECISION_WEIGHTS)
        self.combatant_pool = expand(((CombatantStatus.FIGHTERS, 7), (CombatantStatus.MIXED, 2),
                                      (CombatantStatus.UNKNOWN, 1)))
        self.strain_pool = expand(((Strain.NORMAL, 2), (Strain.STRAINED, 5), (Strain.OVERWHELMED, 2),
                                   (Strain.SUSPENDED, 1), (Strain.UNKNOWN, 1)))
        self.sectors = [str(v) for v in Sector.values]
        self.capacity_units = [str(v) for v in CapacityUnit.values]
        terms = []
        for term, weight in TERM_WEIGHTS:
            if term == DisplacementTerm.DISPLACED:  # new displacements (flow) and displaced people at a date (stock)
                terms += [(term, DisplacementCategory.FLOW)] * round(weight * 0.6)
                terms += [(term, DisplacementCategory.STOCK)] * round(weight * 0.4)
            else:
                category = DisplacementCategory.STOCK if term in STOCK_TERMS else DisplacementCategory.FLOW
                terms += [(term, category)] * weight
        self.term_pool = [(str(t), str(c), str(displacement_term_group(t, c))) for t, c in terms]
        self.surrender_terms = [str(SurrenderTerm.SURRENDERED)] * 3 + [str(SurrenderTerm.CAPTURED)]
        self.country_ids = [c["id"] for c in self.countries]
        self.record_places = {}
        for (country, level), rows in self.places_by.items():
            precision = LEVEL_PRECISION.get(level)
            self.record_places.setdefault(country, {})[level] = [
                (row["id"], str(precision) if precision else None) for row in rows
            ]
        self.localities = {
            country: [pk for pk, _ in levels.get(LocationLevel.LOCALITY, [])] for country, levels in
            self.record_places.items()
        }

    def first_source_from(self, day: int) -> int:
        """The index of the first source published on ``day`` (an ordinal) or later: ``bisect_left`` over
        ``source_days``, looked up in a table across the window."""
        if self.source_index_base <= day < self.source_index_base + len(self.source_index):
            return self.source_index[day - self.source_index_base]
        return bisect.bisect_left(self.source_days, day)

    def group(self, rng: random.Random, anchor: tuple | None = None) -> tuple[tuple, int, int, dict | None, tuple]:
        """What records drawn from one source share: the source, its event, country, end date, review, audit.

        A source yields a few records (an article gives several numbers), entered and reviewed together.
        ``anchor`` (a headline being supported or duplicated) fixes the event, country and end date.
        Returns the group's columns (``GROUP_COLUMNS``, times as minutes from ``date_base``: ``group_values``
        makes datetimes of them), the country, the end date ordinal, the event, and the group's share of its records'
        search documents: the stems of its notes and attribution, and the names it shows (event, source title,
        publisher, the organization quoted).
        """
        rand = rng.random
        if anchor is not None:
            event = self.events_by_id.get(anchor[5])
            country, end_ord = anchor[6], anchor[4]
        else:
            event = self.events[int(rand() * len(self.events))] if rand() < 0.7 else None
            if event:
                countries = event["countries"]
                country = countries[int(rand() * len(countries))]
                last = min(event["end"] + 60, WINDOW_END_ORDINAL)
                end_ord = event["start"] + int(rand() * (last - event["start"] + 1))
            else:
                country = self.country_ids[int(rand() * len(self.country_ids))]
                first = WINDOW_START_ORDINAL + 120
                end_ord = first + int(rand() * (WINDOW_END_ORDINAL - first + 1))
        # A source published on the end date or within three weeks after it.
        days, n = self.source_days, len(self.source_days)
        index = self.first_source_from(end_ord + int(rand() * 22))
        if index >= n:
            index = self.first_source_from(end_ord)
            if index >= n:
                index = n - 1 - int(rand() * min(5, n))
        published = days[index]
        group_end = min(end_ord, published)
        status = self.status_pool[int(rand() * len(self.status_pool))]
        if anchor is not None and status == REJECTED:
            status = APPROVED
        analyst = self.analysts[int(rand() * len(self.analysts))]
        created = min((published - self.date_base) * MINUTES_A_DAY + 60 + int(rand() * 43_140), self.cap_minute)
        updated, updated_by = created, analyst
        submitted_by = submitted_at = reviewed_by = reviewed_at = None
        comment = ""
        if status != DRAFT:
            submitted_by, submitted_at = analyst, created + 60
            updated = submitted_at
        if status in REVIEWED_STATUSES:
            reviewed_by = self.reviewers[int(rand() * len(self.reviewers))]
            reviewed_at = submitted_at + 60 * (2 + int(rand() * 70))
            updated, updated_by = reviewed_at, reviewed_by
            comment = REVIEW_COMMENTS.get(status, "")
        prose, organizations = self.prose, self.organization_names
        attributed, attribution = None, ""
        if rand() < 0.4:
            attributed = self.organizations[int(rand() * len(self.organizations))]
            attribution, attribution_stems = prose.attribution(rand, organizations[attributed][0])
        else:
            attribution_stems = ""
        note = prose.note(rand)
        columns = (created, updated, analyst, updated_by, 1, self.first_source + index, attributed, attribution,
                   event["id"] if event else None, status, submitted_by, submitted_at, reviewed_by, reviewed_at,
                   comment, rand() < 0.03, True, note, "", None, None)
        publisher = self.source_publishers[index]
        shown = (event["name"] if event else None, self.source_titles[index], *organizations[publisher],
                 *(organizations[attributed] if attributed else ()))
        # Their plain words from each one's, known in advance: the event's, the source's (title and publisher), the
        # quoted organization's unless it is the publisher (each name once, as tracker.search.documents lists them).
        named = " ".join(filter(None, (
            self.event_named[event["id"]] if event else "", self.source_named[index],
            self.organization_named[attributed] if attributed and attributed != publisher else "")))
        return columns, country, group_end, event, (prose.stemmed(note), attribution_stems, shown, named)

    def place_and_period(self, rand, pk: int, country: int, group_end: int, stock: bool,
                         anchor: tuple | None) -> tuple[tuple, int, str | None, int, int]:
        """The record's own columns as ``(id, place, precision, start ordinal, start precision, end ordinal, end
        precision)`` (``record_values`` and ``copy_text_rows`` make ``RECORD_ROW_COLUMNS`` of it), then the place,
        its precision and the period."""
        if anchor is not None:
            place, precision, start, end = anchor[1], anchor[2], min(anchor[3], group_end), group_end
        else:
            places = self.record_places[country]
            choices = places.get(self.level_pool[int(rand() * len(self.level_pool))]) or places["country"]
            place, precision = choices[int(rand() * len(choices))]
            if precision is None:
                precision = "near" if rand() < 0.15 else "exact"
            end = group_end - int(rand() * 3) if rand() < 0.2 else group_end
            start = end if stock else end - DURATIONS[int(rand() * len(DURATIONS))]
        start_precision = self.start_precision_pool[int(rand() * len(self.start_precision_pool))] if start != end \
            else "day"
        record = (pk, place, precision, start, start_precision, end,
                  self.end_precision_pool[int(rand() * len(self.end_precision_pool))])
        return record, place, precision, start, end

    def quantity(self, rng: random.Random, top: float, anchor_best: int | None = None) -> tuple:
        """One quantity block (``QUANTITY_COLUMNS``): inputs, then low/best/high/high_open from derive_quantity."""
        rand = rng.random
        quantifier = str(pick(rng, QUANTIFIERS))
        value = value_max = word = None
        unit = "persons" if quantifier == "unquantified" else str(pick(rng, UNITS))
        if anchor_best is not None:  # a second source on the same fact: a nearby number
            quantifier = rng.choice(("approximately", "more_than", "exact"))
            unit = "persons"
            value = max(1, round(anchor_best * rng.uniform(0.6, 1.2)))
        elif quantifier == "magnitude":
            word = str(pick(rng, MAGNITUDES))
        elif quantifier == "range":
            value = reported_number(rng, top)
            value_max = value + max(1, round(value * rng.uniform(0.2, 2)))
        elif quantifier != "unquantified":
            value = 0 if quantifier == "exact" and rand() < 0.03 else reported_number(rng, top)
        size = size_source = None
        if unit != "persons":
            size = HOUSEHOLD_SIZES[int(rand() * len(HOUSEHOLD_SIZES))]
            size_source = str(pick(rng, HOUSEHOLD_SIZE_SOURCES))
        override, reason = None, ""
        result = derive_quantity(quantifier=quantifier, reported_value=value, reported_value_max=value_max,
                                 magnitude_word=word, unit=unit, household_size=size)
        if result.high is not None and result.high - result.low > 1 and rand() < 0.01:
            override = result.low + 1 + int(rand() * (result.high - result.low - 1))
            reason = "Synthetic override: a second synthetic source gives a middle figure."
            result = derive_quantity(quantifier=quantifier, reported_value=value, reported_value_max=value_max,
                                     magnitude_word=word, unit=unit, household_size=size, best_override=override)
        printed = phrase(quantifier, value, value_max, word, unit, rand())
        return (quantifier, value, value_max, word or "", printed, unit, size, size_source or "", override, reason,
                result.low, result.best, result.high, result.high_open)

    def quantified_block(self, rng: random.Random, first: int, count: int, top: float, kind_columns,
                         composition: bool = False) -> list[tuple]:
        """Rows of a quantified kind. ``kind_columns(rand, anchor, country, event)`` returns (term_group,
        kind-specific columns, what a later record supporting this one must copy, the excerpt's template and
        values, the names of the organizations of the kind's own columns). ``composition``: the kind's last column
        is prose (the composition note), in its search text."""
        rand = rng.random
        prose, place_names, place_named = self.prose, self.place_values, self.place_named
        pool = [self.quantity(rng, top) for _ in range(QUANTITY_POOL)]
        headlines: list[tuple] = []  # approved, quantified, non-duplicate headlines: what later records may support
        rows: list[tuple] = []
        pk, last = first, first + count
        while pk < last:
            anchor, duplicate = None, False
            if headlines and rand() < 0.14:
                anchor = headlines[int(rand() * len(headlines))]
                duplicate = rand() < 0.3
                size = 1
            else:
                size = min(last - pk, 1 + int(rand() * rand() * 9))
            group, country, group_end, event, (note_stems, attribution_stems, shown, shown_named) = self.group(
                rng, anchor)
            approved = group[9] == APPROVED
            for _ in range(size):
                term_group, kind, memo, (lead, values), kind_names = kind_columns(rand, anchor, country, event)
                stock = memo[0] == "stock"
                record, place, precision, start, end = self.place_and_period(rand, pk, country, group_end, stock,
                                                                             anchor)
                quantity = self.quantity(rng, top, anchor[8]) if anchor is not None else pool[
                    int(rand() * QUANTITY_POOL)]
                if anchor is None:
                    links = (HEADLINE, None, None, term_group)
                    if approved and quantity[11]:
                        headlines.append((pk, place, precision, start, end, group[8], country, memo, quantity[11]))
                        if len(headlines) > 400:
                            del headlines[:200]
                elif duplicate:
                    links = (HEADLINE, None, anchor[0], term_group)
                else:
                    links = (TRIANGULATION, anchor[0], None, term_group)
                rest = links + kind(quantity[11], place)
                values["phrase"], values["place"] = quantity[4], place_names[place][0]
                excerpt, text = prose.excerpt(rand, lead, values, (
                    note_stems, attribution_stems, prose.stemmed(quantity[4]),
                    prose.stemmed(rest[-1]) if composition else ""))
                # The organizations of the kind's own columns may be the one quoted: each name once.
                named = prose.names_document((*shown, *kind_names)) if kind_names else shown_named
                rows.append((group, record, quantity, rest, (excerpt, text, f"{place_named[place]} {named}")))
                pk += 1
        return rows

    def displacement_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        def kind_columns(rand, anchor, country, event):
            term, category, term_group = anchor[7][1] if anchor else self.term_pool[int(rand() * len(self.term_pool))]
            localities = self.localities.get(country) or []

            def columns(best, place):
                origin = destination = None
                if category == "flow" and localities and rand() < 0.2:
                    other = localities[int(rand() * len(localities))]
                    if term in ("arrived", "returned"):
                        origin = other
                    else:
                        origin, destination = place, other
                women = children = None
                note = ""
                if best and rand() < 0.12:
                    children, women = int(best * (0.3 + rand() * 0.3)), int(best * (0.15 + rand() * 0.15))
                    note = "Synthetic composition: mostly women and children."
                return (term, category, origin, destination, women, None, children, None, note)

            return term_group, columns, (category, (term, category, term_group)), (term, {}), ()

        return self.quantified_block(rng, first, count, 150_000, kind_columns, composition=True)

    def surrender_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        def kind_columns(rand, anchor, country, event):
            if anchor:
                group, term = anchor[7][1]
            else:
                group = self.armed[int(rand() * len(self.armed))]
                term = self.surrender_terms[int(rand() * len(self.surrender_terms))]
            receivers = event["parties"] if event and event["parties"] else self.forces
            received = receivers[int(rand() * len(receivers))] if rand() < 0.8 else None
            if received == group:
                received = None
            status = self.combatant_pool[int(rand() * len(self.combatant_pool))]

            def columns(best, place):
                return (group, received, term, status)

            names = self.organization_names
            receiver = names[received][0] if received else "government forces"
            lead = ("captured" if term == "captured" else "surrendered",
                    {"group": names[group][0], "receiver": receiver})
            shown = (*names[group], *(names[received] if received else ()))
            return SURRENDERED, columns, ("flow", (group, term)), lead, shown

        return self.quantified_block(rng, first, count, 6_000, kind_columns)

    def aid_capacity_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        rand = rng.random
        prose, place_names, organizations = self.prose, self.place_values, self.organization_names
        place_named = self.place_named
        rows: list[tuple] = []
        pk, last = first, first + count
        while pk < last:
            group, country, group_end, event, (note_stems, attribution_stems, shown, shown_named) = self.group(rng)
            for _ in range(min(last - pk, 1 + int(rand() * 3))):
                record = self.place_and_period(rand, pk, country, group_end, rand() < 0.5, None)[0]
                named = rand() < 0.7
                capacity = reported_number(rng, 20_000) if rand() < 0.45 else None
                demand = round(capacity * (0.8 + rand() * 2.2)) if capacity is not None and rand() < 0.7 else None
                provider = self.providers[int(rand() * len(self.providers))] if named else None
                rest = (
                    provider, "" if named else "aid agencies in the area",
                    self.sectors[int(rand() * len(self.sectors))],
                    self.strain_pool[int(rand() * len(self.strain_pool))],
                    capacity, demand,
                    self.capacity_units[int(rand() * len(self.capacity_units))] if capacity is not None else "",
                )
                excerpt, text = prose.excerpt(rand, "aid", {
                    "provider": organizations[provider][0] if provider else rest[1], "place": place_names[record[1]][0],
                    "sector": SECTOR_WORDS[rest[2]], "strain": prose.strain(rest[3])},
                    (note_stems, attribution_stems, prose.stemmed(rest[1])))
                named = prose.names_document((*shown, *organizations[provider])) if provider else shown_named
                rows.append((group, record, NO_QUANTITY, rest, (excerpt, text, f"{place_named[record[1]]} {named}")))
                pk += 1
        return rows


def reported_number(rng: random.Random, top: float) -> int:
    """A reported number, log-uniform up to ``top``, rounded to two significant digits as sources round."""
    raw = math.exp(rng.uniform(0, math.log(top)))
    digits = max(0, int(math.log10(raw)) - 1)
    return max(1, round(raw / 10**digits) * 10**digits)


def phrase(quantifier: str, value, value_max, word, unit: str, variant: float = 0.0) -> str:
    """The number as a source would print it, in one of the ways sources print it (``variant`` in [0, 1) picks)."""
    nouns = PHRASE_NOUNS[unit]
    noun = nouns[int(variant * len(nouns))]
    if quantifier == Quantifier.UNQUANTIFIED:
        return ("large numbers of people", "many people", "an unknown number of people")[int(variant * 3)]
    if quantifier == Quantifier.MAGNITUDE:
        return f"{MagnitudeWord(word).label} of {noun}"
    if quantifier == Quantifier.RANGE:
        return f"between {value:,} and {value_max:,} {noun}"
    prefixes = PHRASE_PREFIXES[quantifier]
    return f"{prefixes[int(variant * 7) % len(prefixes)]}{value:,} {noun}"


PHRASE_PREFIXES = {"exact": ("",), "approximately": ("about ", "some ", "around ", "an estimated ", "roughly "),
                   "more_than": ("more than ", "over "), "at_least": ("at least ",),
                   "less_than": ("fewer than ", "less than ", "under "), "at_most": ("at most ", "up to ")}
PHRASE_NOUNS = {"persons": ("people", "people", "people", "people", "civilians", "residents", "individuals",
                            "persons", "people", "people"),
                "households": ("households",), "families": ("families", "families", "displaced families")}
QUANTIFIERS = weighted(QUANTIFIER_WEIGHTS)
MAGNITUDES = weighted(MAGNITUDE_WEIGHTS)
UNITS = weighted(UNIT_WEIGHTS)
HOUSEHOLD_SIZE_SOURCES = weighted(((HouseholdSizeSource.REPORTED, 3), (HouseholdSizeSource.COUNTRY_DEFAULT, 5),
                                   (HouseholdSizeSource.ANALYST_ESTIMATE, 2)))
NO_QUANTITY = ()  # an aid capacity report's quantity part
HEADLINE, TRIANGULATION, SURRENDERED = str(Role.HEADLINE), str(Role.TRIANGULATION), str(TermGroup.SURRENDERED)
QUANTITY_POOL = 1024  # distinct quantity blocks per block of records
DURATIONS = (0, 0, 0, 1, 2, 6, 6, 13, 29, 30, 89)  # days from start to end of a flow's period
APPROVED, REJECTED, DRAFT = str(ReviewStatus.APPROVED), str(ReviewStatus.REJECTED), str(ReviewStatus.DRAFT)
REVIEWED_STATUSES = frozenset({APPROVED, REJECTED, str(ReviewStatus.CHANGES_REQUESTED)})
MINUTES_A_DAY = 24 * 60
MINUTES = [timedelta(minutes=m) for m in range(MINUTES_A_DAY)]
CLOCK = [f" {m // 60:02d}:{m % 60:02d}:00+00" for m in range(MINUTES_A_DAY)]  # after a date: a UTC time
REVIEW_COMMENTS = {
    REJECTED: "Synthetic rejection: the source does not support the number.",
    str(ReviewStatus.CHANGES_REQUESTED): "Synthetic review: check the period against the source.",
}
GROUP_COLUMNS = ["created_at", "updated_at", "created_by_id", "updated_by_id", "version", "source_id",
                 "attributed_to_id", "attribution_text", "event_id", "review_status", "submitted_by_id",
                 "submitted_at", "reviewed_by_id", "reviewed_at", "review_comment", "is_confidential",
                 "is_synthetic", "notes", "excerpt_translation", "excerpt_start", "excerpt_end"]
GROUP_MOMENTS = tuple(i for i, column in enumerate(GROUP_COLUMNS) if column.endswith("_at"))
RECORD_ROW_COLUMNS = ["id", "excerpt", "location_id", "country_id", "adm1_id", "adm2_id", "location_precision",
                      "start_date", "start_precision", "end_date", "end_precision"]
QUANTITY_COLUMNS = ["quantifier", "reported_value", "reported_value_max", "magnitude_word", "reported_phrase",
                    "unit", "household_size", "household_size_source", "best_override", "best_override_reason",
                    "low", "best", "high", "high_open"]
LINK_COLUMNS = ["role", "supports_id", "duplicate_of_id", "term_group"]
RECORD_COLUMNS = {
    DisplacementFigure: GROUP_COLUMNS + RECORD_ROW_COLUMNS + QUANTITY_COLUMNS + LINK_COLUMNS
    + ["term", "category", "origin_id", "destination_id", "women", "men", "children", "elderly", "composition_note"],
    SurrenderFigure: GROUP_COLUMNS + RECORD_ROW_COLUMNS + QUANTITY_COLUMNS + LINK_COLUMNS
    + ["surrendering_group_id", "received_by_id", "term", "combatant_status"],
    AidCapacityReport: GROUP_COLUMNS + RECORD_ROW_COLUMNS
    + ["provider_id", "provider_description", "sector", "strain", "capacity", "demand", "capacity_unit"],
}
for _columns in RECORD_COLUMNS.values():
    _columns += ["search_text", "search_names"]  # the search document (tracker.search), after every other column
SECTOR_WORDS = {str(value): str(label).split(" (")[0].lower() for value, label in Sector.choices}
