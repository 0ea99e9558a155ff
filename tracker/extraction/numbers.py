"""Numbers as printed ("more than 4,000 fighters", "between 500 and 700", "tens of thousands of people").

Magnitude phrases are read first, from the quantity rule's one table (tracker/rules/quantities.py), and masked,
so that "tens of thousands" is never read as 10 x 1,000. Then numbers in digits ("4,000", "1.2 million") and in
words ("four thousand", "twenty-five"), ranges, the qualifier before them and the unit after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tracker.choices import MagnitudeWord, Quantifier, Unit
from tracker.extraction import lexicon
from tracker.rules.quantities import MAGNITUDE_RANGES


@dataclass
class Quantity:
    """One number or magnitude phrase found in the text, with its qualifier and unit."""

    start: int  # the whole phrase, qualifier to unit
    end: int
    number_start: int  # the number (or magnitude words) alone
    number_end: int
    quantifier: str
    value: int | None
    value_max: int | None = None
    magnitude_word: str | None = None
    unit: str | None = None
    unit_word: str | None = None
    distractor: bool = False
    zero: bool = False

    @property
    def combatants(self) -> bool:
        return self.unit_word in lexicon.COMBATANT_WORDS


# Magnitude phrases: the labels of MagnitudeWord for every entry of MAGNITUDE_RANGES, and their variants.
MAGNITUDE_PHRASES: dict[str, str] = {
    **{MagnitudeWord(word).label.lower(): word for word in MAGNITUDE_RANGES},
    **lexicon.MAGNITUDE_VARIANTS,
}


def _alternation(words) -> str:
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True))


_MAGNITUDE = re.compile(
    rf"\b(?:(?P<prefix>{_alternation(lexicon.MAGNITUDE_PREFIXES)})\s+)?(?P<words>{_alternation(MAGNITUDE_PHRASES)})"
    r"\b(?P<of>\s+of)?",
    re.IGNORECASE,
)
_NUMBER_WORD = _alternation([*lexicon.NUMBER_WORDS, *lexicon.SCALE_WORDS])
_SCALE = _alternation(lexicon.SCALE_WORDS)
_ABBREVIATION = _alternation(lexicon.SCALE_ABBREVIATIONS)
# One number: digits with an optional scale ("1.2 million", "300k"), words ("four thousand", "twenty-five"),
# or an article number ("a dozen", "half a million").
NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?:\s*(?:{_SCALE})\b|(?:{_ABBREVIATION})\b)?"
    rf"|\b(?:{_alternation(lexicon.ARTICLE_NUMBERS)})\b"
    rf"|\b(?:{_NUMBER_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_NUMBER_WORD}))*\b"
)
_QUALIFIER = _alternation(lexicon.QUALIFIERS)
_JOIN = "|".join(lexicon.RANGE_JOINERS)
_FIGURE = re.compile(
    rf"(?:\b(?P<qualifier>{_QUALIFIER})\s+)?(?:(?P<between>between|from)\s+)?"
    rf"(?<![\w.,])(?P<first>{NUMBER})(?:(?P<join>{_JOIN})(?P<second>{NUMBER}))?(?![\w])",
    re.IGNORECASE,
)
_CHANGE = re.compile(rf"\b{lexicon.CHANGE_VERBS}\s*$", re.IGNORECASE)
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# On the same line only: a key-figures line may follow one that ends with a date ("since 3 November").
_DATE_AFTER = re.compile(rf"[ \t]*(?:{_MONTH})\b", re.IGNORECASE)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTH})\.?[ \t]*\Z", re.IGNORECASE)  # \Z: "$" would match before "\n"
_RATE = re.compile(rf"(?:\s+[\w-]+s)?\s+(?:{lexicon.RATES})\b", re.IGNORECASE)
_BEFORE_PART = re.compile(
    rf"\b(?:{lexicon.BREAKDOWN_CUES}|{lexicon.COMPARISON_CUES})\s+(?:the\s+|some\s+|about\s+|nearly\s+)?$",
    re.IGNORECASE,
)
_OF_THEM = re.compile(r"\s+of\s+(?:them|whom|those)\b", re.IGNORECASE)
# "more than 76,000 refugees, about 2,300 of whom arrived since January": a part with a verb of its own is a figure
_OF_THEM_VERB = re.compile(r"\s+of\s+(?:them|whom|those)\s+(?:have|has|had|were|was|are|is|\w+ed)\b", re.IGNORECASE)
_CAPACITY = re.compile(rf"\b(?:{lexicon.CAPACITY_CUES})\s+(?:up to\s+|some\s+|about\s+)?$", re.IGNORECASE)
_TOKEN = re.compile(r"[\w'\u2019%-]+|[^\w\s]")
# "2,000 or so": approximately, written after the number.
_AFTER_QUALIFIER = re.compile(rf"(?:\s+|(?=-))(?:{lexicon.AFTER_QUALIFIERS})\b", re.IGNORECASE)
# "14,000 people (about 2,300 households)": the same people again, in another unit.
_RESTATED = re.compile(r"\d(?:[\d,.]*\d)?(?:\s*[a-z]+)?(?:\s+[\w-]+){1,2}\s*\(\s*$", re.IGNORECASE)
# Tokens that end the search for a unit: verbs, prepositions and conjunctions.
_UNIT_STOPS = frozenset(
    {
        "have", "has", "had", "were", "was", "are", "is", "be", "been", "who", "which", "that", "to", "from",
        "in", "into", "at", "on", "by", "for", "with", "and", "or", "but", "since", "after", "before", "as",
        "while", "said", "the", "a", "an", "their", "its", "his", "her", "this", "these", "those",
    }
)


def word_value(phrase: str) -> int | None:
    """The value of a number written in words or digits: "four thousand" 4000, "1.2 million" 1200000."""
    key = " ".join(phrase.lower().split())
    if key in lexicon.ARTICLE_NUMBERS:
        return lexicon.ARTICLE_NUMBERS[key]
    if match := re.fullmatch(rf"((?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s*({_SCALE}|{_ABBREVIATION})?", key):
        try:
            number = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            return None
        scale = match.group(2)
        if scale:
            number *= lexicon.SCALE_WORDS.get(scale) or lexicon.SCALE_ABBREVIATIONS[scale]
        return int(number) if number == number.to_integral_value() else None
    total = current = 0
    for word in re.split(r"[\s-]+", key):
        if word == "and":
            continue
        if word in lexicon.NUMBER_WORDS:
            current += lexicon.NUMBER_WORDS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in lexicon.SCALE_WORDS:
            total += (current or 1) * lexicon.SCALE_WORDS[word]
            current = 0
        else:
            return None
    return total + current


_FRACTION_WORD = re.compile(r"[- ](?:thirds?|quarters?|fifths?|tenths?|halves)\b", re.IGNORECASE)
_DEMONYM = re.compile(rf"(?:{lexicon.DEMONYM})")
_PART_OF = re.compile(r"\s+of\s+(?:the|these|those|its|their|[\w-]+['\u2019]s?)\s+(?:[\w'\u2019-]+['\u2019]s?\s+)?\Z",
                      re.IGNORECASE)
_FRACTION_OF = re.compile(
    rf"\b(?:{lexicon.FRACTIONS})\s+of\s+(?:the\s+|its\s+|their\s+|[\w-]+['\u2019]s?\s+){{1,2}}\Z", re.IGNORECASE)


def _unit_after(text: str, position: int, limit: int) -> tuple[str | None, str | None, bool, int]:
    """(unit, unit word, distractor?, end of the unit word) reading up to four words after ``position``."""
    previous = ""
    demonym = None
    for count, token in enumerate(_TOKEN.finditer(text, position, limit)):
        word = token.group().lower().replace("\u2019", "'")
        if word in lexicon.UNIT_WORDS:
            return lexicon.UNIT_WORDS[word], word, False, token.end()
        if word in lexicon.DISTRACTOR_UNITS or (count == 0 and (word.endswith("-year-old") or word == "%")):
            return None, word, True, token.end()
        if word in ("the", "their") and previous == "of":
            previous = word
            continue  # "500 of the families", "about 200 of their wives and children"
        if count >= 3 or word in _UNIT_STOPS or not word[0].isalnum():
            break
        if demonym is None and _DEMONYM.fullmatch(token.group()):
            demonym = token  # "1.5 million Sudanese have crossed", unless a unit word follows ("Sudanese refugees")
        previous = word
    if demonym is not None:
        return Unit.PERSONS, demonym.group().lower(), False, demonym.end()
    return None, None, False, position


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def find_quantities(text: str, start: int, end: int) -> list[Quantity]:
    """Every number and magnitude phrase in ``text[start:end]``, with qualifier, unit and whether it is a
    distractor (money, weight, a year, a date, a percentage...). Spans are offsets into ``text``."""
    found: list[Quantity] = []
    mask: list[tuple[int, int]] = []
    for match in _MAGNITUDE.finditer(text, start, end):
        word = MAGNITUDE_PHRASES[" ".join(match["words"].lower().split())]
        after = match.end()
        unit, unit_word, distractor, unit_end = _unit_after(text, after, end)
        if word == MagnitudeWord.SEVERAL and unit is None:
            continue  # "several times", "several villages": not a count of people
        if match["prefix"] and match["of"]:
            continue  # "in hundreds of villages"
        found.append(
            Quantity(
                start=match.start(), end=max(unit_end, match.end("words")), number_start=match.start("words"),
                number_end=match.end("words"), quantifier=Quantifier.MAGNITUDE, value=None, magnitude_word=word,
                unit=unit, unit_word=unit_word, distractor=distractor,
            )
        )
        mask.append((match.start(), match.end()))
    masked = _masked(text, mask)
    for match in _FIGURE.finditer(masked, start, end):
        if (match["second"] and re.fullmatch(lexicon.RANGE_JOINERS[0], match["join"])
                and _DATE_BEFORE.search(text, 0, match.start("first"))):
            # "MAROUA, March 14 - Forty-two fighters surrendered": a dateline's dash, no range; the day is a date
            match = _FIGURE.match(masked, match.start("second"), end)
        found.extend(_figure(text, match, end))
    found.sort(key=lambda quantity: quantity.start)
    for part, whole in zip(found, found[1:], strict=False):
        if _PART_OF.search(text, part.number_end, whole.start) and not part.unit_word:
            # "around 800 of the 1,200 residents have fled": 800 residents; the whole is no figure
            part.unit, part.unit_word, part.end = whole.unit, whole.unit_word, whole.end
            whole.distractor = True
    for quantity in found:
        if _FRACTION_OF.search(text, max(start, quantity.start - 40), quantity.start):
            quantity.distractor = True  # "two-thirds of the town's 60,000 residents"
    return found


def _figure(text: str, match: re.Match, limit: int) -> list[Quantity]:
    first, second = word_value(match["first"]), word_value(match["second"]) if match["second"] else None
    if first is None or _FRACTION_WORD.match(text, match.end()):
        return []  # "two-thirds": a fraction, no count
    qualifier = match["qualifier"].lower() if match["qualifier"] else None
    quantifier = lexicon.QUALIFIERS.get(" ".join(qualifier.split())) if qualifier else Quantifier.EXACT
    value, value_max = first, None
    number_start, number_end = match.start("first"), match.end("first")
    joiner = (match["join"] or "").strip().lower()
    if second is not None:
        if joiner == "and" and not match["between"]:
            # "500 and 700" without "between" are two numbers: keep the first only.
            second = None
        else:
            number_end = match.end("second")
    if second is not None:
        # "3 to 4 million": the scale of the second number applies to the first.
        if first < second and re.search(_SCALE, match["second"], re.IGNORECASE) and not re.search(
            _SCALE, match["first"], re.IGNORECASE
        ):
            scale = next(v for w, v in lexicon.SCALE_WORDS.items() if re.search(w, match["second"], re.IGNORECASE))
            first *= scale
        if match["between"] and match["between"].lower() == "from" and _CHANGE.search(text, 0, match.start()):
            value, quantifier = second, Quantifier.EXACT  # "rose from 3,000 to 5,000": the figure is 5,000
        elif second > first:
            value, value_max, quantifier = first, second, Quantifier.RANGE
        else:
            number_end = match.end("first")
    elif match["between"] and match["between"].lower() == "between":
        return []
    phrase_start = number_start
    if match["between"] and (value_max is not None or value == second):
        phrase_start = match.start("between")
    if qualifier:
        phrase_start = match.start("qualifier")
    if value_max is None and (after := _AFTER_QUALIFIER.match(text, number_end)):
        if quantifier == Quantifier.EXACT:
            quantifier = lexicon.AFTER_QUALIFIERS_MEAN
        number_end = after.end()  # "around 40-odd fighters": one qualifier is enough
    unit, unit_word, distractor, unit_end = _unit_after(text, number_end, limit)
    raw = match["first"]
    before = text[max(0, number_start - 4):number_start]
    if any(before.rstrip().endswith(sign) for sign in lexicon.CURRENCY_SIGNS):
        distractor = True
    if _DATE_AFTER.match(text, number_end) or _DATE_BEFORE.search(text, 0, number_start):
        distractor = True  # "10 March", "March 10"
    if re.search(r"\d:\Z", text[max(0, number_start - 2):number_start]) or re.match(r":\d", text[number_end:]):
        distractor = True  # a time: "08:00", "14:10 GMT"
    if unit is None and re.fullmatch(r"(?:1[89]|20)\d\d", raw):
        distractor = True  # a year
    if "." in raw and not re.search(_SCALE + "|" + _ABBREVIATION, raw, re.IGNORECASE):
        distractor = True  # "2.5 km", a decimal that counts no people
    if re.match(r"\s*(?:per\s*cent|percent|%)", text[number_end:number_end + 10], re.IGNORECASE):
        distractor = True
    if re.search(r"[,(]\s*or\s+$", text[max(0, phrase_start - 6):phrase_start]):
        distractor = True  # "90 families, or about 450 people": the same figure said again
    if _RESTATED.search(text, max(0, phrase_start - 40), phrase_start):
        distractor = True  # "14,000 people (about 2,300 households)"
    appositive = re.search(r"[,\u2014\u2013(]\s*$", text[max(0, phrase_start - 3):phrase_start])
    if _BEFORE_PART.search(text, max(0, phrase_start - 30), phrase_start) or (
        appositive and _OF_THEM.match(text, number_end) and not _OF_THEM_VERB.match(text, number_end)
    ):
        distractor = True  # "including 1,500 children", "1,500 of them children", "up from 60,000"
    if _CAPACITY.search(text, max(0, phrase_start - 40), phrase_start):
        distractor = True  # "built for 3,000 people"
    if re.search(r"\b(?:his|her|my)\s+\Z", text[max(0, phrase_start - 5):phrase_start], re.IGNORECASE):
        distractor = True  # "the mayor, who fled with his 12 children": one person's family, no count
    if _RATE.match(text, max(unit_end, number_end)):
        distractor = True  # "2,000 arrivals a day"
    return [
        Quantity(
            start=phrase_start, end=max(unit_end, number_end), number_start=number_start, number_end=number_end,
            quantifier=quantifier, value=value, value_max=value_max, unit=unit, unit_word=unit_word,
            distractor=distractor,
        )
    ]


@dataclass(frozen=True)
class PhraseParts:
    """A reported phrase read into the fields of a quantified record."""

    quantifier: str
    reported_value: int | None
    reported_value_max: int | None
    magnitude_word: str | None
    unit: str | None


_ZERO_PHRASE = re.compile(rf"^\s*(?:{lexicon.ZERO_HEADS}|{lexicon.ZERO_PRONOUNS})\b", re.IGNORECASE)


def parse_phrase(phrase: str) -> PhraseParts | None:
    """"more than 4,000 fighters" -> more_than, 4000, None, None, persons; None when there is no number."""
    quantities = [q for q in find_quantities(phrase, 0, len(phrase)) if not q.distractor]
    if not quantities:
        if _ZERO_PHRASE.match(phrase):
            unit, _word, _distractor, _end = _unit_after(phrase, _ZERO_PHRASE.match(phrase).end(), len(phrase))
            return PhraseParts(Quantifier.EXACT, 0, None, None, unit or Unit.PERSONS)
        return None
    quantity = quantities[0]
    return PhraseParts(
        quantity.quantifier, quantity.value, quantity.value_max, quantity.magnitude_word, quantity.unit
    )
