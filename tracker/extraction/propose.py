"""From sentences to proposed records: each number or magnitude phrase is paired with the nearest term of its
clause, its place, its source and its dates; statements of strain become aid capacity reports.

The steps, in order, for each sentence (docs/intake.md, "How the assistant reads"):

1. find the quantities (numbers.py) and the zero figures ("no further civilians had emerged");
2. pair each with the nearest term of the lexicon, or with a figure of another topic ("killed"), which drops it;
3. drop forecasts, plans, conditionals and negated terms ("could flee", "have not returned");
4. pick the place: in the sentence, the one nearest the number, preferring where people left from for leaving
   terms and where they are for the others (DOMAIN.md, "Which place"); else the place carried forward;
5. the source (attribution.py) and the dates (dates.py).
"""

from __future__ import annotations

import re
from datetime import date

from tracker.choices import (
    CombatantStatus,
    DisplacementCategory,
    DisplacementTerm,
    Quantifier,
    Sector,
    SurrenderTerm,
    Unit,
)
from tracker.extraction import lexicon
from tracker.extraction.anchoring import (
    _choose_dates,
    _choose_place,
    _clause_start,
    _country,
    _cue,
    _dateline_places,
    _gap,
    _innermost,
    _owner,
    _place_owner,
    _places_in,
)
from tracker.extraction.attribution import Attribution, find_attribution
from tracker.extraction.dates import DateMention, find_dates
from tracker.extraction.numbers import Quantity, find_quantities
from tracker.extraction.patterns import (
    _AID_PROVIDERS,
    _CAMP_STAYS,
    _CAMP_WORDS,
    _CLAUSE_START,
    _COMPARED,
    _COUNT_VERB_BEFORE,
    _COUNTED_NOUN,
    _DATELINE_START,
    _EARLIER_YEAR,
    _ELLIPSIS_AFTER,
    _ELLIPSIS_BEFORE,
    _FACILITIES,
    _FORECASTS,
    _GENERIC_PROVIDERS,
    _HEDGES,
    _KEY_FIGURE_LABEL,
    _LABEL_TERMS,
    _LEFT_FROM,
    _MORE,
    _NEGATIONS,
    _NONE_OF,
    _OF_THOSE,
    _OTHER_TOPICS,
    _OWNER_NOUN,
    _PARENTHETICAL,
    _PLANNED_AFTER,
    _PLURAL_FACILITY,
    _RETRACTION,
    _SAME_DAY,
    _SECTORS,
    _SPEECH_IN_SUBJECT,
    _STOCK_DISPLACED,
    _STRAINS,
    _SUBJECT_AUX,
    _SUBJECT_HEAD,
    _SUBJECT_SECTORS,
    _SUBJECT_TRIM,
    _TERMS,
    _TO_TOTAL,
    _TOKEN,
    _WHO_BEFORE,
    _WITH_FAMILIES,
    _ZERO,
    _ZERO_COMPLEMENT,
    AID_KINDS,
    AID_PLACE,
    LEAVING_TERMS,
)
from tracker.extraction.places import ORGANIZATION, PLACE, Gazetteer, Mention
from tracker.extraction.records import (
    ArticleState,
    Extraction,
    Proposal,
    TermMatch,
    _attribution_fields,
    _confidence,
    _organization_json,
    _place_json,
)
from tracker.extraction.sentences import sentence_spans
from tracker.rules.periods import Period
from tracker.rules.terms import TERM_CATEGORIES

NOTICE_NOT_ENGLISH = (
    "The assistant reads English only for now: it proposes nothing for a source in {language}. Enter its records "
    "by hand, with the excerpt in the source's language and its English translation in excerpt_translation."
)


# --- helpers -------------------------------------------------------------------------------------------------


def _terms(text: str, start: int, end: int) -> list[TermMatch]:
    found = [TermMatch(m.start(), m.end(), kind, term) for pattern, kind, term in _TERMS
             for m in pattern.finditer(text, start, end)]
    if _CAMP_WORDS.search(text, start, end):
        found += [TermMatch(m.start(), m.end(), lexicon.DISPLACEMENT, DisplacementTerm.IN_CAMP)
                  for m in _CAMP_STAYS.finditer(text, start, end)]
    found += [TermMatch(m.start(), m.end(), None, None) for m in _OTHER_TOPICS.finditer(text, start, end)]
    # "reached 4,000" counts; it is no arrival.
    return [t for t in found if not (_COUNT_VERB_BEFORE.match(text[t.start:t.end])
                                     and re.match(r"\s+(?:\w+\s+){0,2}\d", text[t.end:t.end + 30]))]


def _nearest_term(text: str, quantity: Quantity, terms: list[TermMatch]) -> TermMatch | None:
    best, best_cost = None, None
    for term in terms:
        if term.start >= quantity.number_end:
            # "4,000 displaced people", "the families displaced in 2018 have returned": a participle next to
            # the unit says less than a verb elsewhere in the clause.
            beside = term.end <= quantity.end or (quantity.unit_word and not text[quantity.end:term.start].strip())
            cost = _gap(text, quantity.number_end, term.start)
            if beside and text[term.start:term.end].lower() in lexicon.ADJECTIVE_TERMS:
                cost += 45
            if _WHO_BEFORE.search(text, quantity.end, term.start):
                cost += 45  # "480 women and children who came out with them were relocated": the main verb says more
        elif term.end <= quantity.number_start:
            cost = int(_gap(text, term.end, quantity.number_start) * 1.3)
        else:
            continue
        if best_cost is None or cost < best_cost:
            best, best_cost = term, cost
    return best if best_cost is not None and best_cost < 220 else None


def _is_forecast(text: str, sentence_start: int, first: int, term_start: int, *, zero: bool = False) -> bool:
    window_start = _clause_start(text, sentence_start, first)
    if re.match(r"\s*if\b", text[sentence_start:sentence_start + 4], re.IGNORECASE):
        window_start = sentence_start
    return any(m.group() != "May" and not (zero and m.group().lower() in lexicon.ZERO_PAST)
               for m in _FORECASTS.finditer(text, window_start, term_start))


def _restated(text: str, quantity: Quantity, earlier: list[tuple[Quantity, TermMatch, bool]],
              terms: list[TermMatch]) -> bool:
    """"700 households returned to Mosul last month (about 4,200 people)": a figure alone in parentheses, in
    another unit than the figure before it, is the same people again."""
    opening = text.rfind("(", 0, quantity.start)
    closing = text.find(")", quantity.end)
    if opening == -1 or closing == -1 or text[opening + 1:quantity.start].strip(" ,") and not re.fullmatch(
        rf"\s*(?:{lexicon.RESTATEMENT_WORDS})\s*", text[opening + 1:quantity.start], re.IGNORECASE
    ):
        return False
    if text[quantity.end:closing].strip(" ,.") or any(opening < t.start < closing for t in terms):
        return False
    return any(q.end <= opening and q.unit != quantity.unit and not q.zero for q, _t, _g in earlier)


def _is_earlier_year(text: str, sentence_start: int, quantity: Quantity, published: date) -> bool:
    """"since 2023, when almost 250,000 people had to leave": a figure of an earlier year's event, no record."""
    return any(int(m["year"]) < published.year for m in _EARLIER_YEAR.finditer(text, sentence_start, quantity.start))


def _is_planned(text: str, quantity: Quantity, sentence_end: int) -> bool:
    """"a further 120 to 150 families is planned for next week": the figure's own clause makes it a plan."""
    return not quantity.zero and bool(_PLANNED_AFTER.match(text, quantity.end, sentence_end))


def _is_negated(text: str, quantity_end: int, term: TermMatch) -> bool:
    window_start = quantity_end if term.start >= quantity_end else max(0, term.start - 15)
    window_start = max(window_start, term.start - 25)
    return bool(_NEGATIONS.search(text, window_start, term.start))


def _zeros(text: str, start: int, end: int, terms: list[TermMatch]) -> list[tuple[Quantity, TermMatch]]:
    """"no further civilians had emerged", "no one has left": a zero figure of the term that follows."""
    starts = {t.start: t for t in terms if t.kind}
    found = []
    for match in _ZERO.finditer(text, start, end):
        unit, unit_word, position = Unit.PERSONS, None, match.end()
        if match["pronoun"] and (of := _NONE_OF.match(text, match.end(), end)):
            # "None of the 3,000 residents has returned": a zero of those people.
            unit_word = of["unit"].lower()
            unit, position = lexicon.UNIT_WORDS[unit_word], of.end()
        if match["head"]:
            tokens = []
            for token in list(_TOKEN.finditer(text, match.end(), end))[:3]:
                if token.group().lower() in lexicon.AUXILIARIES:
                    break
                tokens.append(token)
            # "no displaced families": the last unit word is the noun
            hit = next((t for t in reversed(tokens) if t.group().lower() in lexicon.UNIT_WORDS), None)
            if hit is None:
                continue
            unit_word = hit.group().lower()
            unit, position = lexicon.UNIT_WORDS[unit_word], hit.end()
        phrase_end = position
        if complement := _ZERO_COMPLEMENT.match(text, position, end):
            position = complement.end()
        term = None
        for token in _TOKEN.finditer(text, position, end):
            if token.start() in starts:
                term = starts[token.start()]
                break
            if token.group().lower() not in lexicon.AUXILIARIES and not token.group().lower().endswith("ly"):
                break
        if term is None:
            continue
        quantity = Quantity(
            start=match.start(), end=phrase_end, number_start=match.start(), number_end=phrase_end,
            quantifier=Quantifier.EXACT, value=0, unit=unit, unit_word=unit_word, zero=True,
        )
        found.append((quantity, term))
    return found


def _accept_without_unit(text: str, sentence_start: int, quantity: Quantity, terms: list[TermMatch]) -> bool:
    """A number with no unit word counts people only where a verb or a term frames it."""
    if _KEY_FIGURE_LABEL.match(text[sentence_start:quantity.start]):
        return True  # "IDPs in camps: 230,000"
    after = text[quantity.number_end:quantity.number_end + 40]
    if re.match(r"\s+(?:of\s+(?:them|whom|those)\b|(?:have|has|had|were|was|are|is|more|others|remain|remained)\b)",
                after, re.IGNORECASE):
        return True  # "4,000 have fled", "1.7 million of them live in camps"
    if any(t.kind and quantity.number_end <= t.start <= quantity.number_end + 20
           and re.fullmatch(r"(?:\s+[\w-]+)?\s*", text[quantity.number_end:t.start]) for t in terms):
        return True  # "4,500 new arrivals"
    if _COUNTED_NOUN.match(text, quantity.number_end):
        return False  # "received 62 AK-47s", "12 camels": the word after the number says what is counted
    if any(t.kind and 0 <= quantity.start - t.end <= 4 for t in terms):
        return True  # "displaced 4,000", "evacuated some 300"
    if quantity.magnitude_word and re.match(r"(?:in|by)\b", text[quantity.start:quantity.start + 3], re.IGNORECASE):
        return True  # "coming out of Baghouz in the thousands"
    return bool(_TO_TOTAL.search(text, sentence_start, quantity.start))


def _label_term(text: str, sentence_start: int, quantity: Quantity) -> TermMatch | None:
    """The term a key-figures line's label gives its figure: "Returnees (cumulative): 312,400" returned."""
    if not _KEY_FIGURE_LABEL.match(text[sentence_start:quantity.start]):
        return None
    for pattern, term in _LABEL_TERMS:
        if match := pattern.search(text, sentence_start, quantity.start):
            return TermMatch(match.start(), match.end(), lexicon.DISPLACEMENT, term)
    return None


def _unit_before(text: str, sentence_start: int, position: int) -> str | None:
    for token in reversed(list(_TOKEN.finditer(text, _clause_start(text, sentence_start, position), position))):
        if token.group().lower() in lexicon.UNIT_WORDS:
            return lexicon.UNIT_WORDS[token.group().lower()]
    return None


# --- one sentence --------------------------------------------------------------------------------------------


def _sentence(text: str, start: int, end: int, *, published: date, gazetteer: Gazetteer,
              state: ArticleState) -> list[Proposal]:
    mentions = gazetteer.mentions(text, start, end)
    if state.place is not None:
        state.speakers.country = gazetteer.places[_country(gazetteer, state.place.id)].name
    attribution = find_attribution(text, start, end, mentions, gazetteer, state.speakers)
    terms = _terms(text, start, end)
    if attribution is not None:
        # "The ministry of displacement said ...": the source's name holds no term of the figure.
        terms = [t for t in terms if not (attribution.start <= t.start < attribution.end)]
    places = _places_in(text, start, mentions)
    dates = find_dates(text, start, end, published)
    if dateline := _DATELINE_START.match(text, start):
        dates = [d for d in dates if d.start >= dateline.end()]  # "MAROUA, March 14 - ": the day it was filed
    hedged = bool(_HEDGES.search(text, start, end))
    excerpt = text[start:end]
    attributed_to, attribution_text = _attribution_fields(gazetteer, attribution)
    proposals: list[Proposal] = []
    seen: set[tuple] = set()

    retracted, state.retracted = state.retracted, None
    if _RETRACTION.search(text, start, end):
        # "Correction: an earlier post said 3,000 families had reached Damazin": taken back, not counted.
        state.retracted = next(((t.kind, t.term) for t in terms if t.kind), None)
        return []

    pairs: list[tuple[Quantity, TermMatch, bool]] = []
    following: set[int] = set()  # figures that count "more" of the one before ("and three more were arrested")
    zeros = _zeros(text, start, end, terms)
    for quantity, term in zeros:
        pairs.append((quantity, term, False))
    for quantity in find_quantities(text, start, end):
        if quantity.distractor or any(z.start <= quantity.number_start < z.end for z, _t in zeros):
            continue
        term = _nearest_term(text, quantity, terms)
        label_term = _label_term(text, start, quantity) if term is None else None
        if label_term is not None:
            term = label_term
            terms = [*terms, label_term]
        if term is None and retracted and _TO_TOTAL.search(text, start, quantity.start):
            # "The figure given by the commissioner was 3,000 people": the corrected figure, the same term.
            term = TermMatch(quantity.number_start, quantity.number_end, *retracted)
        if term is None or term.kind is None:
            continue
        if quantity.unit is None and pairs and pairs[-1][1].kind == term.kind and (
            more := _MORE.match(text, quantity.number_end)
        ):
            # "seven militants turned themselves in ..., and three more were arrested": the same people counted
            quantity.unit, quantity.unit_word = pairs[-1][0].unit, pairs[-1][0].unit_word
            quantity.end = more.end()
            following.add(quantity.start)
        if term.term == SurrenderTerm.SURRENDERED and quantity.unit_word in lexicon.FAMILY_MEMBERS:
            term = TermMatch(term.start, term.end, lexicon.DISPLACEMENT, DisplacementTerm.FLED)
        if term.term == SurrenderTerm.CAPTURED and not quantity.combatants:
            continue  # "police detained 14 people", "detained 3,000 migrants": arrests, no capture of fighters
        unit_guessed = False
        if (quantity.unit is None and not quantity.unit_word and pairs and not pairs[-1][0].zero
                and _ELLIPSIS_BEFORE.search(text, pairs[-1][0].end, quantity.start)
                and _ELLIPSIS_AFTER.match(text, quantity.number_end)):
            # "2,000 residents fled to Erbil and 1,500 to Dohuk": the second figure shares the first's verb and unit.
            quantity.unit, term = pairs[-1][0].unit, pairs[-1][1]
        if quantity.unit is None:
            if quantity.unit_word or not _accept_without_unit(text, start, quantity, terms):
                continue
            if text[quantity.number_start:quantity.number_end].lower() == "one":
                continue
            quantity.unit = _unit_before(text, start, quantity.number_start) or Unit.PERSONS
            unit_guessed = True
        if quantity.unit_word in ("others", "more") and pairs:
            quantity.unit = pairs[-1][0].unit  # "3,500 families returned, while 700 others went back"
        if _restated(text, quantity, pairs, terms):
            continue
        pairs.append((quantity, term, unit_guessed))

    kept = [
        (quantity, term, unit_guessed) for quantity, term, unit_guessed in sorted(pairs, key=lambda p: p[0].start)
        if not _is_forecast(text, start, min(quantity.start, term.start), term.start, zero=quantity.zero)
        and not _is_planned(text, quantity, end)
        and not _is_earlier_year(text, start, quantity, published)
        and (quantity.zero or not _is_negated(text, quantity.number_end, term))
    ]
    # With several figures in a sentence, a place or a date belongs to the figure nearest it.
    # A date right after another term is that term's: "the families displaced in 2018 have returned".
    figure_terms = {term for _quantity, term, _guessed in kept}
    dates = [d for d in dates if not any(t not in figure_terms and 0 <= d.start - t.end <= 2
                                         and text[t.start:t.end].lower() in lexicon.ADJECTIVE_TERMS for t in terms)
             and not _COMPARED.search(text, max(start, d.start - 40), d.start)]  # "up from 2,000 last week"
    for quantity, term, unit_guessed in kept:
        own_places = [m for m in places if _place_owner(text, m, kept) is quantity]
        if not own_places:
            # "118 fighters and about 200 of their wives and children gave themselves up around Mora": figures
            # that share one verb share the place after it
            sharing = {id(q) for q, t, _g in kept if q is not quantity and (t.start, t.end) == (term.start, term.end)}
            own_places = [m for m in places if m.start >= term.end and id(_place_owner(text, m, kept)) in sharing]
        # by span: family members counted with a surrender share its verb, read as a displacement term
        own_dates = [d for d in dates if (owner := _owner(text, d, [t for _q, t, _g in kept])) is not None
                     and (owner.start, owner.end) == (term.start, term.end)]
        key = (term.kind, quantity.quantifier, quantity.value, quantity.value_max, quantity.magnitude_word,
               quantity.unit)
        if key in seen:
            continue
        seen.add(key)
        place_id, carried = _choose_place(text, start, own_places, quantity.number_start, term.term, state,
                                          gazetteer, end, term.end, sentence_places=places)
        if not own_places and proposals and _OF_THOSE.match(text, quantity.number_end):
            # "2.8 million people in Syria are displaced, and 1.7 million of them live in camps": the same place.
            place_id = (proposals[-1].location or {}).get("id", place_id)
            carried = False
        stock = term.term in (DisplacementTerm.IN_CAMP, DisplacementTerm.TRAPPED)
        if not own_dates and kept:
            # "Over the whole of last week, more than 96,000 people returned ..., while 9,000 came back ...": a date
            # that opens the sentence, before its first figure and its first comma, holds for every figure in it
            first = min(q.start for q, _t, _g in kept)
            own_dates = [d for d in dates if d.end <= first and not _CLAUSE_START.search(text, start, d.start)]
        period = _choose_dates(text, own_dates, term.start, published, stock=stock, sentence_start=start)
        if own_dates:
            state.dated = period
        elif state.dated is not None and _SAME_DAY.search(text, start, end):
            period = state.dated  # "counted 2,150 returnees on the same day": the day of the figure before
        if not own_dates and quantity.start in following and proposals:
            # "seven militants surrendered on Wednesday ..., and three more were arrested": the same day
            previous = proposals[-1]
            period = Period(previous.start_date, previous.start_precision, previous.end_date, previous.end_precision)
        proposal = Proposal(
            kind=term.kind, excerpt=excerpt, excerpt_start=start, excerpt_end=end,
            start_date=period.start_date, end_date=period.end_date, start_precision=period.start_precision,
            end_precision=period.end_precision,
            confidence=_confidence(carried=carried, no_place=place_id is None, attribution=attribution,
                                   hedged=hedged, unit_guessed=unit_guessed),
            term=term.term, quantifier=quantity.quantifier, reported_value=quantity.value,
            reported_value_max=quantity.value_max, magnitude_word=quantity.magnitude_word, unit=quantity.unit,
            reported_phrase=text[quantity.start:quantity.end], location=_place_json(gazetteer, place_id),
            attributed_to=attributed_to, attribution_text=attribution_text,
        )
        if term.kind == lexicon.DISPLACEMENT:
            proposal.category = _category(text, start, end, term.term)
        else:
            _surrender_fields(proposal, text, start, end, mentions, term, quantity, gazetteer, state)
        proposals.append(proposal)

    if aid := _aid_capacity(text, start, end, mentions, places, dates, attribution, hedged, published, gazetteer,
                            state):
        proposals.append(aid)
    return proposals


def _category(text: str, start: int, end: int, term: str) -> str:
    categories = TERM_CATEGORIES[DisplacementTerm(term)]
    if len(categories) == 1:
        return next(iter(categories))
    return DisplacementCategory.STOCK if _STOCK_DISPLACED.search(text, start, end) else DisplacementCategory.FLOW


def _surrender_fields(proposal: Proposal, text: str, start: int, end: int, mentions: list[Mention],
                      term: TermMatch, quantity: Quantity, gazetteer: Gazetteer, state: ArticleState) -> None:
    organizations = [m for m in mentions if m.type == ORGANIZATION]
    received = None
    for mention in organizations:
        between = text[term.end:mention.start]
        if mention.start >= term.end and re.fullmatch(r"\s+(?:\w+\s+){0,3}?(?:to|by)\s+(?:the\s+)?", between):
            received = mention.id
            break
    parties = [m.id for m in organizations if gazetteer.organizations[m.id].is_party and m.id != received]
    if parties:
        group = min(parties, key=lambda id_: min(abs(m.start - quantity.number_start) for m in organizations
                                                if m.id == id_))
    else:
        group = next((id_ for id_ in reversed(state.parties) if id_ != received), None)
    proposal.received_by = _organization_json(gazetteer, received)
    proposal.surrendering_group = _organization_json(gazetteer, group)
    if quantity.combatants and _WITH_FAMILIES.search(text, quantity.end, min(end, quantity.end + 40)):
        proposal.combatant_status = CombatantStatus.MIXED  # "1,200 ex-combatants and their families"
    else:
        proposal.combatant_status = CombatantStatus.FIGHTERS if quantity.combatants else CombatantStatus.UNKNOWN


def _aid_capacity(text: str, start: int, end: int, mentions: list[Mention], places: list[Mention],
                  dates: list[DateMention], attribution: Attribution | None, hedged: bool, published: date,
                  gazetteer: Gazetteer, state: ArticleState) -> Proposal | None:
    found = sorted(((m, strain) for pattern, strain in _STRAINS for m in pattern.finditer(text, start, end)),
                   key=lambda pair: (-lexicon.STRAIN_SEVERITY[pair[1]], pair[0].start(), -len(pair[0].group())))
    for match, strain in found:
        clause = _clause_start(text, start, match.start())
        if _is_forecast(text, start, clause, match.start()) or _NEGATIONS.search(text, max(clause, match.start() - 12),
                                                                                  match.start()):
            continue
        aid_organizations = [m for m in mentions if m.type == ORGANIZATION
                             and gazetteer.organizations[m.id].kind in AID_KINDS]
        if not _AID_PROVIDERS.search(text, start, end) and not aid_organizations:
            continue
        subject_start = clause
        if speech := list(_SPEECH_IN_SUBJECT.finditer(text, clause, match.start())):
            subject_start = speech[-1].end()  # "Save the Children said food distributions had been suspended"
        subject = _SUBJECT_AUX.sub("", text[subject_start:match.start()]).strip(_SUBJECT_TRIM)
        while (not subject or _PARENTHETICAL.match(subject)) and subject_start > start:
            # "The transit centre in Renk, built for 3,000 people, is overwhelmed": the subject is a clause back.
            subject_start = _clause_start(text, start, subject_start - 1)
            if speech := list(_SPEECH_IN_SUBJECT.finditer(text, subject_start, match.start())):
                subject_start = speech[-1].end()
            subject = _SUBJECT_AUX.sub("", text[subject_start:match.start()]).strip(_SUBJECT_TRIM)
        if cut := list(re.finditer(r"\bthat\s+", subject)):
            subject_start += text[subject_start:match.start()].find(subject) + cut[-1].end()
            subject = subject[cut[-1].end():]
        provider = next((m.id for m in aid_organizations if subject_start <= m.start < match.start()), None)
        if provider is None:
            provider = _speaker_provider(subject, attribution, aid_organizations, gazetteer)
        if provider is None and (owner := _OWNER_NOUN.match(subject)):
            # "The council's teams suspended distributions": the aid organization named last whose name holds it
            noun = re.compile(rf"\b{re.escape(owner['noun'])}\b", re.IGNORECASE)
            provider = next((id_ for id_ in reversed(state.speakers.organizations)
                             if gazetteer.organizations[id_].kind in AID_KINDS
                             and noun.search(gazetteer.organizations[id_].name)), None)
        description = None
        words = subject.lower().split()
        if provider is None and words and words[0] in lexicon.PRONOUNS and attribution and not attribution.organization:
            # "Local NGOs said they had run out of food": the speaker, described.
            subject = attribution.text
            words = []
        if provider is None and subject and not (words and (words[-1] in lexicon.PRONOUNS
                                                           or words[0] in ("its", "their", "our"))):
            first = subject.split()[0]
            named = any(m.start == subject_start + text[subject_start:match.start()].find(first) for m in mentions)
            description = subject if named or first.isupper() else subject[0].lower() + subject[1:]
        head = _SUBJECT_HEAD.split(subject, maxsplit=1)[0]  # "aid agencies at the camp": the agencies
        named_first = min(((m.start(), sector) for pattern_, sector in _SUBJECT_SECTORS
                           if (m := pattern_.search(head))), default=None)
        in_head = {sector for pattern_, sector in _SUBJECT_SECTORS if pattern_.search(head)}
        if len(in_head) > 1 and re.search(r"\band\b", head):
            named_first = (0, Sector.MULTI_SECTOR)  # "its food and medical services": several sectors, joined
        sectors = {named_first[1]} if named_first else {
            sector for pattern_, sector in _SECTORS if pattern_.search(text, start, end)}
        if not sectors and provider is not None:
            # Nothing in the sentence names a sector: the provider's own name may ("World Food Programme").
            name = gazetteer.organizations[provider].name
            sectors = {sector for pattern_, sector in _SECTORS if pattern_.search(name)}
        in_subject = [m for m in places if subject_start <= m.start < match.start()]
        place_id, carried = _choose_place(text, start, in_subject or places, match.start(), AID_PLACE, state,
                                          gazetteer, end)
        period = _choose_dates(text, dates, match.start(), published, stock=True, sentence_start=start)
        attributed_to, attribution_text = _attribution_fields(gazetteer, attribution)
        return Proposal(
            kind=lexicon.AID_CAPACITY, excerpt=text[start:end], excerpt_start=start, excerpt_end=end,
            start_date=period.start_date, end_date=period.end_date, start_precision=period.start_precision,
            end_precision=period.end_precision,
            confidence=_confidence(carried=carried, no_place=place_id is None, attribution=attribution,
                                   hedged=hedged, unit_guessed=False),
            reported_phrase=match.group(), location=_place_json(gazetteer, place_id), attributed_to=attributed_to,
            attribution_text=attribution_text, strain=strain,
            sector=next(iter(sectors)) if len(sectors) == 1 else Sector.MULTI_SECTOR,
            provider=_organization_json(gazetteer, provider), provider_description=description,
        )
    return None


def _speaker_provider(subject: str, attribution: Attribution | None, aid_organizations: list[Mention],
                      gazetteer: Gazetteer) -> int | None:
    """The provider when the subject is the speaker's own ("its trauma unit", "it", "the hospital in Adre ...,
    MSF said"): the attributed organization, or the aid organization the sentence names ("run by the NRC")."""
    words = subject.lower().split()
    own = not words or words[-1] in lexicon.PRONOUNS or words[0] in ("its", "their", "our", *lexicon.PRONOUNS)
    if not own and not (_FACILITIES.search(subject) and not _GENERIC_PROVIDERS.search(subject)):
        return None
    if not own and _PLURAL_FACILITY.match(subject):
        return None  # "Health facilities in the district", "health teams in the camps": an area's, not the speaker's
    if attribution and attribution.organization and attribution.organization.kind in AID_KINDS:
        return attribution.organization.id
    if own and attribution and not attribution.organization:
        return None  # "Aid groups in Tawilah say they are struggling": the speaker described, not an org named later
    return aid_organizations[0].id if aid_organizations else None


def _remember(text: str, start: int, end: int, gazetteer: Gazetteer, state: ArticleState) -> None:
    """Carry forward what this sentence names: its most specific place, the parties it names."""
    mentions = gazetteer.mentions(text, start, end)
    places = _places_in(text, start, mentions)
    outer = {m.id for m in places} - {m.id for m in _innermost(places, gazetteer)}
    # Where people went is no place the article goes on about: "relocated to Sennar".
    staying = [m for m in places if not _cue(text[max(start, m.start - 30):m.start])[1]] or places
    terms = {t.term for t in _terms(text, start, end) if t.kind}
    if terms and not terms & LEAVING_TERMS:
        # "Afghan returns from Pakistan": where people came back from is not where the story is.
        staying = [m for m in staying if not _LEFT_FROM.search(text, max(start, m.start - 30), m.start)]
    for mention in staying:
        state.counts[mention.id] = state.counts.get(mention.id, 0) + 1
    if staying:
        state.place = max(staying, key=lambda m: (m.id not in outer, gazetteer.places[m.id].rank, m.start))

    state.speakers.organizations.extend(m.id for m in mentions if m.type == ORGANIZATION)
    state.parties.extend(m.id for m in mentions
                         if m.type == ORGANIZATION and gazetteer.organizations[m.id].is_party)


def _seed_from_dateline(text: str, start: int, end: int, gazetteer: Gazetteer, state: ArticleState) -> None:
    """A dateline's country is where the story is until a sentence names a place ("JALALABAD, Afghanistan -")."""
    if state.place is None and (filed_from := _dateline_places(text, start, gazetteer.mentions(text, start, end))):
        state.place = Mention(PLACE, _country(gazetteer, filed_from[0].id), filed_from[0].start, filed_from[0].end)


def _headline_end(text: str) -> int:
    """End of a headline: a first line without a final stop, followed by a blank line and more text."""
    match = re.match(r"\s*([^\n]+)\n[ \t]*\n\s*\S", text)
    if match and not re.search(r"[.!?:\"\u201d]\s*$", match.group(1)):
        return match.end(1)
    return -1


# --- the public interface ------------------------------------------------------------------------------------


def extract(text: str, *, published: date, gazetteer: Gazetteer, language: str = "en") -> Extraction:
    """Every record the rules find in an article, in the order of their excerpts."""
    if not (language or "en").lower().startswith("en"):
        return Extraction([], NOTICE_NOT_ENGLISH.format(language=language))
    state = ArticleState()
    headline_end = _headline_end(text)
    proposals: list[Proposal] = []
    for start, end in sentence_spans(text):
        _seed_from_dateline(text, start, end, gazetteer, state)
        if end > headline_end:
            proposals.extend(_sentence(text, start, end, published=published, gazetteer=gazetteer, state=state))
        _remember(text, start, end, gazetteer, state)
    for proposal in proposals:  # offsets are verified, always (not an assert: it must hold under -O too)
        if text[proposal.excerpt_start:proposal.excerpt_end] != proposal.excerpt:
            raise RuntimeError(f"Excerpt offsets {proposal.excerpt_start}:{proposal.excerpt_end} do not hold.")
    proposals.sort(key=lambda p: p.excerpt_start)
    return Extraction(proposals)


def propose_from_sentence(text: str, start: int, end: int, *, published: date, gazetteer: Gazetteer) -> dict:
    """The best guess for one selected span, even when no rule fires: the JSON keys of a proposal, with the
    selected text as the excerpt and the span as its offsets."""
    if not (0 <= start < end <= len(text)):
        raise ValueError("The selection must be a non-empty span of the text.")
    state = ArticleState()
    for sentence_start, sentence_end in sentence_spans(text[:start]):
        mentions = gazetteer.mentions(text, sentence_start, sentence_end)
        find_attribution(text, sentence_start, sentence_end, mentions, gazetteer, state.speakers)
        _remember(text, sentence_start, sentence_end, gazetteer, state)
    proposals = _sentence(text, start, end, published=published, gazetteer=gazetteer, state=state)
    if proposals:
        best = max(proposals, key=lambda p: p.confidence).as_json()
        best.update(excerpt=text[start:end], excerpt_start=start, excerpt_end=end)
        return best
    mentions = gazetteer.mentions(text, start, end)
    attribution = find_attribution(text, start, end, mentions, gazetteer, state.speakers)
    places = _places_in(text, start, mentions)
    terms = [t for t in _terms(text, start, end) if t.kind]
    term = terms[0] if terms else None
    quantity = next((q for q in find_quantities(text, start, end) if not q.distractor), None)
    anchor = quantity.number_start if quantity else start
    place_id, _carried = _choose_place(text, start, places, anchor, term.term if term else None, state, gazetteer, end)
    period = _choose_dates(text, find_dates(text, start, end, published), term.start if term else start, published,
                           sentence_start=start)
    attributed_to, attribution_text = _attribution_fields(gazetteer, attribution)
    kind = term.kind if term else lexicon.DISPLACEMENT
    guess = Proposal(
        kind=kind, excerpt=text[start:end], excerpt_start=start, excerpt_end=end,
        start_date=period.start_date, end_date=period.end_date, start_precision=period.start_precision,
        end_precision=period.end_precision, confidence=0.2, term=term.term if term else None,
        quantifier=quantity.quantifier if quantity else None, reported_value=quantity.value if quantity else None,
        reported_value_max=quantity.value_max if quantity else None,
        magnitude_word=quantity.magnitude_word if quantity else None,
        unit=(quantity.unit or Unit.PERSONS) if quantity else None,
        reported_phrase=text[quantity.start:quantity.end] if quantity else None,
        location=_place_json(gazetteer, place_id), attributed_to=attributed_to, attribution_text=attribution_text,
    )
    if kind == lexicon.DISPLACEMENT and term:
        guess.category = _category(text, start, end, term.term)
    return guess.as_json()
