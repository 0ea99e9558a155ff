"""Synthetic prose: excerpts, notes, attributions and source titles that read like news and aid-agency reporting,
with the word frequencies of real text, and their search documents built as they are written.

Words come from ``words.py``, each part of speech drawn with a Zipf-like law (rank r weighs 1 / (r + 2.7)), so a
few words are in about half of the records, most in a fraction of a percent, and names invented from syllables
(people, villages) in one record or a handful. Sentences come from templates around the record's own facts: its
number as printed (``reported_phrase``), its place, its term, a cause and a time.

Each text is written as a list of parts joined at spaces or punctuation, so its words are the words of its parts
(``tracker.search.tokens`` splits on anything that is not a letter or a digit). The search document of a record is
then the parts' stems (``tracker.search.stems``) or plain words (``tracker.search.names``) joined, each distinct
part stemmed once (``Prose.stemmed``), which is what ``tracker.search.documents.search_document`` gives for the
stored record, a test holds them equal, at a small part of the cost of stemming each record.

Everything is drawn from generators seeded from the seed: the same seed gives the same text.
"""

from __future__ import annotations

import random
from functools import lru_cache
from itertools import accumulate
from string import Formatter

from tracker.search import names, stems
from tracker.synthetic import words as vocabulary

SYLLABLES = ("al", "ba", "dar", "el", "fa", "ghu", "ha", "ka", "kir", "lat", "ma", "nur", "qa", "ra", "sa",
             "shi", "ta", "um", "wa", "ya", "za", "bek", "dun", "gor", "mi", "tos", "vel", "zan", "or", "is")
TABLE = 1 << 16  # entries of a draw table: a word of rank r fills about TABLE * weight(r) of them
NOTE_PREFIX = "Synthetic record: "  # every record says it is synthetic (test_every_row_is_marked_synthetic)


def copy_safe(*texts: str) -> bool:
    """No tab, line end or backslash: text that COPY's text format takes as it is."""
    return not any(char in text for text in texts for char in "\t\n\r\\")


def split(text: str, separator: str = "|") -> list[str]:
    """A list of words.py, first occurrences kept in order."""
    items = (" ".join(item.split()) for item in text.split(separator if separator != " " else None))
    return list(dict.fromkeys(item for item in items if item))


class Zipf:
    """Draws from ranked values with weight 1 / (rank + 2.7): one ``random()`` and a table lookup a draw."""

    def __init__(self, values: list[str], exponent: float = 1.0):
        weights = [1 / (rank + 2.7) ** exponent for rank in range(1, len(values) + 1)]
        bounds = list(accumulate(weights))
        total, self.values = bounds[-1], values
        self.table, index = [], 0
        for slot in range(TABLE):
            while bounds[index] / total * TABLE <= slot and index < len(values) - 1:
                index += 1
            self.table.append(values[index])

    def __call__(self, rand) -> str:
        return self.table[int(rand() * TABLE)]


def invented(rand, syllables: int) -> str:
    """A name made of syllables, capitalised: a person's surname, a village, a quarter."""
    return "".join(SYLLABLES[int(rand() * len(SYLLABLES))] for _ in range(syllables)).capitalize()


@lru_cache(maxsize=1)
def draw_tables() -> tuple[Zipf, ...]:
    """Nouns, verbs, adjectives, adverbs, causes and times, each a ``Zipf`` draw (made once a process)."""
    return (Zipf(split(vocabulary.NOUNS, " ")), Zipf(split(vocabulary.VERBS, " ")),
            Zipf(split(vocabulary.ADJECTIVES, " ")), Zipf(split(vocabulary.ADVERBS, " ")),
            Zipf(split(vocabulary.CAUSES), 0.8), Zipf(split(vocabulary.WHEN), 0.6))


# Context sentences: n noun, a adjective, v verb (past), d adverb; drawn words, the rest as written.
CONTEXT_PATTERNS = [
    "the {a} {n} {v} the {n} of {n}.", "{n} and {n} remain {a}, {n} {v}.",
    "aid agencies {v} that {n} in the {n} {d} {v} {a} {n}.", "many {n} {v} without {n} or {n}.",
    "the {n} {v} {a} {n} to {n} in the {a} {n}.", "according to {n}, the {n} {v} {d} after the {n}.",
    "{a} {n} have {v} {n} for the {a} {n}.", "local {n} {v} the {n} as {a}.", "the {n} of {n} {v} by {a} {n}.",
    "there is {a} {n} of {n}, {n} and {n}.", "the {n} {d} {v} {n} from {a} {n}.", "{n} {v} in {a} {n} near the {n}.",
    "most of the {n} {v} on {n}, {n} {v}.", "it was not clear how many {n} had {v}.",
    "the figures could not be independently verified.", "the {a} {n} {v} the {n} {d}.",
    "{n} said they {v} their {n} and {n}.", "the {n} {v} to {n} and {a} {n}.", "another {a} {n} {v} the {n} in {n}.",
    "some {n} {v} {a} {n} while others {v}.", "the {n} has {v} {a} {n} since the {n}.",
    "{a} {n} and {a} {n} were {v}.", "the {n} said the {n} was {a} and {a}.", "{n} {v} the {n} amid {a} {n}.",
    "the number of {n} {v} {d}.", "{n} {d} {v} {a} {n}, the {n} {v}.", "the {a} {n} {v} more {n} than {n}.",
    "without {n}, {n} {v} {a}.", "the {n} warned of {a} {n} and {a} {n}.", "{a} {n} {v} {n} at the {n}.",
]
# The record's own sentence, by term: {phrase} as printed, {place} its place, {cause}, {when}; {Phrase} capitalised.
LEADS = {
    "fled": ["{Phrase} fled {place} {when} as {cause} spread.", "{Phrase} have fled their homes in {place} {when}.",
             "Fleeing {cause}, {phrase} left {place} {when}.", "{Phrase} escaped {place} {when}, fleeing {cause}."],
    "displaced": ["{Phrase} were displaced from {place} by {cause} {when}.",
                  "{Cause} displaced {phrase} in {place} {when}.",
                  "{Phrase} remain displaced in {place}, {when}.",
                  "In {place}, {phrase} have been displaced {when}."],
    "evacuated": ["{Phrase} were evacuated from {place} {when} ahead of {cause}.",
                  "Authorities evacuated {phrase} from {place} {when}."],
    "relocated": ["{Phrase} were relocated from {place} {when}.", "{Phrase} were moved from {place} to a new site "
                  "{when}."],
    "returned": ["{Phrase} returned to {place} {when} after {cause} eased.",
                 "{Phrase} have gone back to their homes in {place} {when}."],
    "arrived": ["{Phrase} arrived in {place} {when}, fleeing {cause}.", "{Place} received {phrase} {when}."],
    "in_camp": ["{Phrase} are now sheltering in {place}.", "{Place} hosts {phrase}, {when}.",
                "{Phrase} live in tents in {place}, {when}."],
    "trapped": ["{Phrase} are trapped in {place} by {cause}.", "{Phrase} remain cut off in {place} {when}."],
    "surrendered": ["{Phrase} from {group} surrendered to {receiver} in {place} {when}.",
                    "{Phrase} linked to {group} handed themselves over in {place} {when}."],
    "captured": ["{Phrase} from {group} were captured by {receiver} near {place} {when}.",
                 "{Receiver} said it captured {phrase} from {group} in {place} {when}."],
    "aid": ["{Provider} said its {sector} work in {place} was {strain} {when}.",
            "In {place}, {provider} described {sector} services as {strain} {when}.",
            "{Provider} warned that {sector} support in {place} was {strain} after {cause}."],
}
NOTES = [
    "figure taken from the {a} paragraph; the source cites {n}.", "the source gives the {n} of {n}.",
    "counted as described in the article: {a} {n}.", "the period is the week before publication.",
    "place given as the nearest {n}; the article names no village.", "attribution as printed.",
    "checked against an earlier {n} of the same {n}.", "the number refers to {n} and {n}.",
    "the article mixes {a} {n} and {n}; only the first is counted.", "entered from the {a} {n}.",
]
QUOTES = ["We left with nothing", "We could not stay any longer", "There is no water here",
          "We walked for three days", "The shelling did not stop", "Our house is gone", "The children are sick",
          "We do not know when we can go home", "Nobody has helped us yet", "We sleep outside"]
STRAINS = {"normal": "coping", "strained": "struggling to cope", "overwhelmed": "overwhelmed",
           "suspended": "suspended", "unknown": "hard to assess"}
TITLES = ["{Phrase} flee {cause} in {place}", "{Place}: aid agencies warn of {a} {n}", "{Cause} forces families from "
          "{place}", "{A} {n} in {place} as {cause} continues", "Thousands displaced in {place}", "Update on {place}: "
          "{n} and {n}", "{Place} {n} report", "Fighting near {place} drives new displacement",
          "{A} needs in {place} after {cause}", "Returns to {place} {v} {d}"]


# Excerpts are written into COPY text unescaped (records.copy_text_rows): everything they are made of must be safe.
COPY_SAFE = copy_safe(*(word for name in ("NOUNS", "VERBS", "ADJECTIVES", "ADVERBS", "FIRST_NAMES")
                        for word in split(getattr(vocabulary, name), " ")),
                      *(item for name in ("CAUSES", "WHEN", "OCCUPATIONS", "ROLES") for item in
                        split(getattr(vocabulary, name))), *SYLLABLES, *CONTEXT_PATTERNS,
                      *(t for templates in LEADS.values() for t in templates), *QUOTES, *STRAINS.values())
if not COPY_SAFE:
    raise ValueError("A word or template of synthetic prose would need escaping in COPY text.")


class Words(dict):
    """The search words of each distinct part, computed on first use by ``make`` (``stems`` or ``names``)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, part: str | None) -> str:
        words = self[part] = self.make(part) if part is not None else ""
        return words


class Prose:
    """Pools of sentences and notes built once from the seed; records' texts drawn from them and from templates.

    ``stemmed`` and ``named`` cache the search words of each distinct part."""

    def __init__(self, seed: int, figures: int):
        self.nouns, self.verbs, self.adjectives, self.adverbs, self.causes, self.when = draw_tables()
        self.first_names, self.occupations = split(vocabulary.FIRST_NAMES, " "), split(vocabulary.OCCUPATIONS)
        self.roles = split(vocabulary.ROLES)
        self.slots = {"n": self.nouns, "v": self.verbs, "a": self.adjectives, "d": self.adverbs,
                      "cause": self.causes, "when": self.when}
        self.titles = [self.compiled(t) for t in TITLES]
        self.stems, self.names = Words(stems), Words(names)
        # ``stemmed(part)`` and ``named(value)``: the search words of a part of prose, of a name, each computed once.
        self.stemmed, self.named = self.stems.__getitem__, self.names.__getitem__
        self.leads = {key: [self.sentence(t) for t in templates] for key, templates in LEADS.items()}
        rng = random.Random(f"{seed}-prose")
        rand = rng.random
        # About fifty records share a context sentence at any size: the pool grows with the data.
        patterns = [self.compiled(pattern) for pattern in CONTEXT_PATTERNS]
        self.sentences, self.sentence_stems = [], []
        for _ in range(min(20_000, max(200, figures // 50))):
            parts = self.parts(patterns[int(rand() * len(patterns))], rand, {})
            parts[0] = parts[0][:1].upper() + parts[0][1:]
            self.sentences.append("".join(parts))
            self.sentence_stems.append(self.document(*map(self.stemmed, parts)))
        notes = [self.compiled(note) for note in NOTES]
        self.notes = [NOTE_PREFIX + self.fill(notes[int(rand() * len(notes))], rand) for _ in range(1000)]

    def compiled(self, template: str) -> list[tuple]:
        """A template as steps: (literal text, field name, what draws its value or None, capitalised)."""
        return [(literal, field and field.lower(), field and self.slots.get(field.lower()),
                 bool(field) and field[:1].isupper()) for literal, field, _, _ in Formatter().parse(template)]

    def sentence(self, template: str) -> tuple[str, str, tuple]:
        """A record's sentence as two format strings, one for its text and one for its stems (each literal's stems
        known here), and its fields: (name, what draws its value or None, capitalised). Every field's value has
        words, so the stems of the whole are the format of the fields' stems."""
        text, stemmed, fields = [], [], []
        for literal, field, draw, capital in self.compiled(template):
            text.append(literal.replace("{", "{{").replace("}", "}}"))
            if self.stemmed(literal):
                stemmed.append(self.stemmed(literal))
            if field:
                text.append(f"{{{len(fields)}}}")
                stemmed.append(f"{{{len(fields)}}}")
                fields.append((field, draw, capital))
        return "".join(text), " ".join(stemmed), tuple(fields)

    def fill(self, template: list[tuple], rand, values: dict | None = None) -> str:
        """A template with drawn words (``{n}``, ``{a}``...) and given values; a capitalised field name
        (``{Place}``) capitalises its value; the first letter of the text is a capital."""
        parts = self.parts(template, rand, values or {})
        parts[0] = parts[0][:1].upper() + parts[0][1:]
        return "".join(parts)

    def parts(self, template, rand, values: dict) -> list[str]:
        """A template's parts: its literal text and each field's value, in order (``fill`` joins them)."""
        out = []
        append = out.append
        for literal, field, draw, capital in template:
            if literal:
                append(literal)
            if field:
                value = draw(rand) if draw else values[field]
                append(value[:1].upper() + value[1:] if capital else value)
        return out

    def excerpt(self, rand, lead: str, values: dict, after: tuple[str, ...]) -> tuple[str, str]:
        """A record's excerpt and its search text: its own sentence, then none to two context sentences from the
        pool, now and then a witness quoted by a name no other record may share; its stems followed by ``after``
        (the stems of the record's other prose, in ``PROSE_FIELDS`` order)."""
        leads = self.leads[lead]
        text, stems_format, fields = leads[int(rand() * len(leads))]
        stemmed = self.stemmed
        texts, words = [], []
        for field, draw, capital in fields:
            value = draw(rand) if draw else values[field]
            words.append(stemmed(value))
            texts.append(value[:1].upper() + value[1:] if capital else value)
        parts = [text.format(*texts)]
        text_stems = [stems_format.format(*words)]
        roll = rand()
        for _ in range(0 if roll < 0.2 else 1 if roll < 0.75 else 2):
            index = int(rand() * len(self.sentences))
            parts.append(" " + self.sentences[index])
            text_stems.append(self.sentence_stems[index])
        if rand() < 0.03:
            quote = (' "', QUOTES[int(rand() * len(QUOTES))], '," said ', invented(rand, 2 + int(rand() * 2)), ", a ",
                     self.occupations[int(rand() * len(self.occupations))], " from ",
                     invented(rand, 3 + int(rand() * 2)), ".")
            parts += quote
            text_stems += map(stemmed, quote)
        text_stems += after
        return "".join(parts), " ".join(filter(None, text_stems))

    def note(self, rand) -> str:
        return self.notes[int(rand() * len(self.notes))]

    def attribution(self, rand, organization: str) -> tuple[str, str]:
        """Who said it, as printed (a role at the organization, a named person, or officials), and its stems."""
        roll = rand()
        if roll < 0.5:
            parts = (self.roles[int(rand() * len(self.roles))], " ", organization)
        elif roll < 0.85:
            parts = (self.first_names[int(rand() * len(self.first_names))], " ", invented(rand, 2 + int(rand() * 2)),
                     ", ", self.occupations[int(rand() * len(self.occupations))])
        else:
            parts = (("local officials", "residents", "camp managers", "community leaders")[int(rand() * 4)],)
        return "".join(parts), self.document(*map(self.stemmed, parts))

    def title(self, rand, place: str, phrase: str) -> str:
        """A source's headline about a place; its plain words (``named``) are known from its parts."""
        parts = self.parts(self.titles[int(rand() * len(self.titles))], rand, {"place": place, "phrase": phrase})
        parts[0] = parts[0][:1].upper() + parts[0][1:]
        title = "".join(parts)
        self.names[title] = " ".join(filter(None, map(self.named, parts)))
        return title

    def strain(self, strain: str) -> str:
        return STRAINS.get(strain, "strained")

    def document(self, *stemmed_parts: str) -> str:
        return " ".join(filter(None, stemmed_parts))

    def names_document(self, values) -> str:
        """``search_names`` of the values a record shows, in order, each distinct value once (as
        ``tracker.search.documents`` reads them)."""
        named = self.named
        return " ".join(filter(None, map(named, dict.fromkeys(values))))
