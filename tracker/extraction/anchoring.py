"""Which place and which dates a figure takes: the place nearest the number in its clause, preferring where
people left from for leaving terms and where they are for the others (DOMAIN.md, "Which place"), else the one
carried forward; the date phrase of the figure's own clause, else the publication date.
"""

from __future__ import annotations

import re
from datetime import date

from tracker.choices import (
    DatePrecision,
    DisplacementTerm,
)
from tracker.extraction import lexicon
from tracker.extraction.dates import DateMention, publication_day
from tracker.extraction.numbers import Quantity
from tracker.extraction.patterns import (
    _AREA_WORDS,
    _BACK_FROM,
    _BORDER_OF,
    _CLAUSE_BREAK,
    _CLAUSE_START,
    _DATELINE,
    _DATELINE_START,
    _DESTINATION_CUE,
    _LEFT_AREA,
    _LEFT_FROM,
    _NATIONWIDE,
    _ORIGIN_CUE,
    _SINCE_EVENT,
    _SPEECH_BEFORE,
    LEAVING_TERMS,
)
from tracker.extraction.places import PLACE, Gazetteer, Mention
from tracker.extraction.records import ArticleState, TermMatch
from tracker.rules.periods import Period


def _gap(text: str, first_end: int, second_start: int) -> int:
    """Characters between two spans, plus a penalty for each clause break crossed."""
    between = text[first_end:second_start]
    return len(between) + 60 * len(_CLAUSE_BREAK.findall(between)) + 12 * between.count(",")

def _clause_start(text: str, sentence_start: int, position: int) -> int:
    breaks = list(_CLAUSE_START.finditer(text, sentence_start, position))
    return breaks[-1].end() if breaks else sentence_start

def _cue(before: str) -> tuple[bool, bool]:
    """(origin?, destination?) from the words just before a place: the nearest cue word decides."""
    for pattern, extra in ((_DESTINATION_CUE, False), (_ORIGIN_CUE, False), (_DESTINATION_CUE, True),
                           (_ORIGIN_CUE, True)):
        if (match := pattern.search(before)) and (extra or not match.group("extra")):
            return pattern is _ORIGIN_CUE, pattern is _DESTINATION_CUE
    return False, False

def _place_cost(text: str, sentence_start: int, mention: Mention, anchor: int, term: str | None) -> int:
    distance = abs(mention.start - anchor)
    before = text[max(sentence_start, mention.start - 30):mention.start]
    origin, destination = _cue(before)
    if term in LEAVING_TERMS:
        if destination:
            distance += 200
        elif origin:
            distance -= 20
    elif term is not None and origin and _LEFT_FROM.search(before):
        distance += 200
    return distance

def _places_in(text: str, sentence_start: int, mentions: list[Mention]) -> list[Mention]:
    """The places of the sentence, without where the reporter stands ("Reporting from Gaziantep", a dateline
    such as "JALALABAD, Afghanistan -")."""
    dateline = _DATELINE_START.match(text, sentence_start)
    places = [
        m for m in mentions
        if m.type == PLACE and not _DATELINE.search(text, max(sentence_start, m.start - 40), m.start)
        and not (dateline and m.end <= dateline.end())
    ]
    # "At Torkham, on the Pakistan border, officials counted ...": a border named by its neighbour describes the
    # place; it is no place of its own while the sentence names another.
    borders = [m for m in places
               if _BORDER_OF.match(text, m.end) and re.search(r"\bthe\s+\Z", text[max(0, m.start - 5):m.start])]
    return [m for m in places if m not in borders] if len(borders) < len(places) else places

def _dateline_places(text: str, sentence_start: int, mentions: list[Mention]) -> list[Mention]:
    dateline = _DATELINE_START.match(text, sentence_start)
    return [m for m in mentions if m.type == PLACE and dateline and m.end <= dateline.end()]

def _owner(text: str, mention: DateMention, terms: list[TermMatch]) -> TermMatch | None:
    """The term a date phrase belongs to: the nearest in its clause, a term before it preferred."""
    def cost(term: TermMatch) -> float:
        if mention.start >= term.end:
            return _gap(text, term.end, mention.start)
        return _gap(text, mention.end, term.start) * 1.5
    return min(terms, key=cost) if terms else None

def _place_owner(text: str, mention: Mention, figures: list[tuple[Quantity, TermMatch, bool]]) -> Quantity | None:
    """The figure a place belongs to: the nearest, counted in its clause, from the figure's number and term."""
    def cost(figure: tuple[Quantity, TermMatch, bool]) -> float:
        quantity, term, _guessed = figure
        first, last = min(quantity.start, term.start), max(quantity.end, term.end)
        if mention.start >= last:
            return _gap(text, last, mention.start)
        if mention.end <= first:
            return _gap(text, mention.end, first) * 1.2
        return 0
    return min(figures, key=cost)[0] if figures else None

def _ancestors(gazetteer: Gazetteer, place_id: int) -> set[int]:
    found, parent = set(), gazetteer.places[place_id].parent
    while parent is not None and parent not in found and parent in gazetteer.places:
        found.add(parent)
        parent = gazetteer.places[parent].parent
    return found

def _innermost(places: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """Places without a smaller place named beside them: "Plaine Savo camp in Djugu" is Plaine Savo camp."""
    return [
        m for m in places
        if not any(m.id in _ancestors(gazetteer, other.id) and abs(other.start - m.start) <= 60 for other in places)
    ]

def _country(gazetteer: Gazetteer, place_id: int) -> int:
    chain = [place_id, *_ancestors(gazetteer, place_id)]
    return next((p for p in chain if gazetteer.places[p].level == "country"), place_id)

def _choose_place(text: str, sentence_start: int, places: list[Mention], anchor: int, term: str | None,
                  state: ArticleState, gazetteer: Gazetteer, sentence_end: int,
                  term_end: int | None = None, sentence_places: list[Mention] | None = None) -> tuple[int | None, bool]:
    """(place id, carried forward?): the place nearest the figure in its sentence, the more specific of two
    nested places ("Plaine Savo camp in Djugu"), where people left from for leaving terms and where they are for
    the others; else the place carried forward (its country for a figure "nationwide")."""
    candidates = _innermost(places, gazetteer)
    if term in LEAVING_TERMS and state.place is not None and term_end is not None and (
        left := _LEFT_AREA.match(text, term_end, min(sentence_end, term_end + 30))
    ):
        # "relocated from the camp to a new settlement outside Jalalabad": the camp named before.
        if found := _area(gazetteer, state, lexicon.AREA_WORDS[" ".join(left["area"].lower().split())]):
            return found, True
    if term is not None:
        fitting = [m for m in candidates if _fits(text, sentence_start, m, term)]
        if candidates and not fitting and state.place is not None:
            candidates = []  # every place named is where people went (or came from): the figure's is earlier
    if candidates:
        chosen = min(candidates, key=lambda m: _place_cost(text, sentence_start, m, anchor, term))
        return _joined_places(text, chosen, candidates, gazetteer), False
    area = _AREA_WORDS.search(text, sentence_start, sentence_end)
    if area and sentence_places:
        # "went home to Sinjar ..., bringing the number who have moved back to the district to 120,000": the
        # district is the one this sentence names.
        level = lexicon.AREA_WORDS[" ".join(area["area"].lower().split())]
        if named := [m for m in sentence_places if gazetteer.places[m.id].level == level and m.start < area.start()]:
            return named[-1].id, False
    if state.place is not None:
        if _NATIONWIDE.search(text, sentence_start, sentence_end):
            return _country(gazetteer, state.place.id), True
        if term == DisplacementTerm.RETURNED and term_end is not None and _BACK_FROM.match(text, term_end):
            # "1.2 million Afghans have returned from the two neighbours": back to the country, no place in it named
            return _country(gazetteer, state.place.id), True
        if area:
            if (found := _area(gazetteer, state, lexicon.AREA_WORDS[" ".join(area["area"].lower().split())])):
                return found, True
        return state.place.id, True
    return None, False

def _joined_places(text: str, chosen: Mention, candidates: list[Mention], gazetteer: Gazetteer) -> int:
    """"gone home to Maru and Anka": two places joined are the smallest place holding both, when there is one."""
    for other in candidates:
        first, second = sorted((chosen, other), key=lambda m: m.start)
        if other is chosen or not re.fullmatch(r"\s*(?:,|and|or|&)\s*", text[first.end:second.start]):
            continue
        common = _ancestors(gazetteer, other.id)
        parent, seen = gazetteer.places[chosen.id].parent, set()
        while parent is not None and parent in gazetteer.places and parent not in seen:  # nearest first
            if parent in common:
                return parent
            seen.add(parent)
            parent = gazetteer.places[parent].parent
        return chosen.id
    return chosen.id

def _area(gazetteer: Gazetteer, state: ArticleState, level: str) -> int | None:
    """"the state": the carried place's area of that level; "the city": the locality named most so far."""
    if level in ("locality", "site"):
        towns = [(count, -order, id_) for order, (id_, count) in enumerate(state.counts.items())
                 if gazetteer.places[id_].level == level]
        return max(towns)[2] if towns else None
    chain = [state.place.id, *_ancestors(gazetteer, state.place.id)]
    return next((p for p in chain if gazetteer.places[p].level == level), None)

def _fits(text: str, sentence_start: int, mention: Mention, term: str) -> bool:
    """Whether a place can be the figure's: not a destination for people leaving, not an origin for others."""
    before = text[max(sentence_start, mention.start - 30):mention.start]
    origin, destination = _cue(before)
    if term in LEAVING_TERMS:
        return not destination
    return not (origin and _LEFT_FROM.search(before))

def _same_clause(text: str, sentence_start: int, mention: DateMention, anchor: int) -> bool:
    between = text[mention.end:anchor] if mention.end <= anchor else text[anchor:mention.start]
    if not _CLAUSE_START.search(between):
        return True
    if mention.end <= anchor and re.match(r",?\s*when\b", between) and not _CLAUSE_START.search(between, 1):
        return True  # "since the start of the year, when some 48,000 Venezuelans came through": the when's time
    if mention.start >= anchor and text[mention.start:mention.end].lower().startswith("since") and not (
        _CLAUSE_BREAK.search(between) or between.count(",") > 2
    ):
        return True  # "have arrived in Kanyarutshinya, north of Goma, since Tuesday": an appositive between
    if dateline := _DATELINE_START.match(text, sentence_start):
        sentence_start = dateline.end()
    return mention.end <= anchor and not _CLAUSE_START.search(text, sentence_start, mention.start)

def _choose_dates(text: str, dates: list[DateMention], anchor: int, published: date, *, stock: bool = False,
                  sentence_start: int = 0) -> Period:
    """The date phrase nearest the term, preferring one after it; the day a speaker spoke ("said on Sunday")
    only when there is no other. A stock is at one date: the end of the period named, else publication."""
    # A date in another clause than the term is another event's ("where fighting resumed in February"), unless
    # it opens the sentence ("On Sunday, 480 women and children ... were relocated").
    dates = [d for d in dates if _same_clause(text, sentence_start, d, anchor)]
    spoken = [d for d in dates if _SPEECH_BEFORE.search(text, max(0, d.start - 30), d.start)]
    usable = [d for d in dates if d not in spoken] or spoken
    if not usable:
        return publication_day(published)
    chosen = min(usable, key=lambda d: (d.start - anchor) if d.start >= anchor else (anchor - d.end) * 1.5)
    period = chosen.period
    if _SINCE_EVENT.search(text, max(sentence_start, chosen.start - 80), chosen.start):
        period = Period(period.start_date, period.start_precision, published, DatePrecision.DAY)
    if stock:
        if period.end_date == published and period.start_date != published:
            return publication_day(published)  # "living in camps, most of them since 2017": at publication
        return Period(period.end_date, period.end_precision, period.end_date, period.end_precision)
    return period
