"""Who made a claim: "X said", "said X", "according to X", "X told", "X reported", "X estimated".

The phrase naming the source is the attribution text ("Mustafa Bali, head of the SDF media office"); the
organization named inside it (by name, acronym or alias) is ``attributed_to``. People named once with their
organization are remembered, so that a later "Bali said" or "he said" is the same source. A journalist of an
outlet ("Al Jazeera's Hoda Abdel-Hamid", "a Reuters correspondent") is the outlet's own reporting: the text is
kept, no organization is attributed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from tracker.choices import OrganizationKind
from tracker.extraction import lexicon
from tracker.extraction.places import ORGANIZATION, Gazetteer, Mention, Organization

_VERBS = lexicon.SPEECH_VERBS.replace("|according to", "")
_ACCORDING = re.compile(r"\baccording to\s+", re.IGNORECASE)
_INVERTED = re.compile(
    rf"(?:[,\u201d\"]\s*|\s\u2014\s*)(?:{_VERBS})\s+"
    rf"(?P<who>(?:[^,.;:!?\u201c\"]|\.(?=\s*[A-Z][a-z]))+(?:,(?:[^.;:!?]|\.(?=\s*[A-Z][a-z]))+)?)",
    re.IGNORECASE,
)
_NORMAL = re.compile(
    rf"\s(?:(?:has|have|had|also|previously|earlier|later|separately|has also|have also)\s+)?(?P<verb>{_VERBS})\b",
    re.IGNORECASE,
)
_JOURNALIST = re.compile(lexicon.JOURNALIST_WORDS, re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s?\s+(?=[A-Z])")
_CAPITALISED = re.compile(r"^(?:[A-Z][\w'\u2019-]*\.?\s*){1,4}$")
_TERM = re.compile(r"\b(?:" + "|".join(pattern for pattern, _kind, _term in lexicon.TERMS) + r")\b", re.IGNORECASE)
_MAGNITUDE_WORD = re.compile(r"\b(?:several|dozens|hundreds|thousands|millions|no one|nobody|none)\b", re.IGNORECASE)
_FORCES = re.compile(r"\b(?:army|military|armed forces|government)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\s*(?:where|which|who|when|while|as|after|because|whose)\b", re.IGNORECASE)
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|is|are|been|be|being)\s*$", re.IGNORECASE)
_TRAILING = " ,.;:\u201d\"'\u2019"
_LINE_MARKER = re.compile(rf"\s*(?:{lexicon.LINE_MARKERS})")
_LEADING_TIME = re.compile(lexicon.LEADING_TIMES)  # case matters: a weekday or a month has its capital
_DOCUMENT_OF = re.compile(rf"^the (?P<owner>[a-z]+)['\u2019]s (?:[a-z]+ )?(?:{lexicon.DOCUMENTS})$")
_SAME = re.compile(r"^the same ")
_PERSON_OF = re.compile(rf"(?:an?|the) (?:[\w-]+ )?(?:{lexicon.PERSON_OF}) (?:for|of|from|with) (?P<rest>the .+)")


@dataclass(frozen=True)
class Attribution:
    organization: Organization | None
    text: str
    start: int = -1  # where the source is named in this sentence
    end: int = -1


@dataclass
class Speakers:
    """People named with their organization earlier in the article, by surname; and the last speaker."""

    known: dict[str, Attribution] = field(default_factory=dict)
    last: Attribution | None = None
    organizations: list[int] = field(default_factory=list)  # every organization named so far, in order
    country: str = ""  # the country of the place carried forward

    def remember(self, who: str, attribution: Attribution) -> None:
        name = re.split(r",|\s\(", who, maxsplit=1)[0].strip()
        name = _POSSESSIVE.split(name)[-1] if _POSSESSIVE.search(name) else name
        if _CAPITALISED.match(name) and len(name.split()) >= 2:
            self.known[name.split()[-1].lower()] = attribution
        self.last = attribution


def _organizations(mentions: list[Mention], gazetteer: Gazetteer, start: int, end: int) -> list[Organization]:
    return [
        gazetteer.organizations[m.id] for m in mentions if m.type == ORGANIZATION and start <= m.start < end
    ]


def _short_segment(segment: str, words: int = 8) -> bool:
    return not re.search(r"\d", segment) and not _TERM.search(segment) and len(segment.split()) <= words


def _resolve(text: str, who_start: int, who_end: int, mentions: list[Mention], gazetteer: Gazetteer,
             speakers: Speakers) -> Attribution | None:
    found = _resolve_name(text, who_start, who_end, mentions, gazetteer, speakers)
    return None if found is None else replace(found, start=who_start, end=who_end)


def _resolve_name(text: str, who_start: int, who_end: int, mentions: list[Mention], gazetteer: Gazetteer,
                  speakers: Speakers) -> Attribution | None:
    while who_end > who_start and text[who_end - 1] in _TRAILING:
        who_end -= 1
    while who_start < who_end and text[who_start] in _TRAILING:
        who_start += 1
    who = text[who_start:who_end]
    if not who:
        return None
    first_word = who.split()[0].lower()
    if who.lower() in lexicon.PRONOUNS or (first_word in lexicon.PRONOUNS and len(who.split()) == 1):
        return speakers.last
    key = " ".join(who.lower().split())
    if person_of := _PERSON_OF.fullmatch(key):
        key = person_of["rest"]  # "a spokesman for the brigade": the brigade
    if key in lexicon.LAST_SPEAKER and speakers.last is not None:
        return Attribution(speakers.last.organization, who)
    # "the agency's weekly update": the agency; "the same office": the office
    if not _organizations(mentions, gazetteer, who_start, who_end):
        key = _DOCUMENT_OF.sub(r"the \g<owner>", _SAME.sub("the ", key))
        if (longer := re.fullmatch(r"the (?:[a-z]+ ){2,3}(?P<noun>[a-z]+)", key)) and not lexicon.ANAPHORA.get(key):
            # "the national disarmament committee": the one organization whose name holds every word, else the
            # committee named last
            words = key.split()[1:]
            holding = [o for o in gazetteer.organizations.values()
                       if all(re.search(rf"\b{re.escape(w)}\b", o.name, re.IGNORECASE) for w in words)]
            if len(holding) == 1:
                attribution = Attribution(holding[0], who)
                speakers.remember(who, attribution)
                speakers.organizations.append(holding[0].id)  # so that "the committee said" is it again
                return attribution
            key = f"the {longer['noun']}"
    if match := re.fullmatch(r"the ([a-z]+(?: [a-z]+)?)", key):
        # "the committee said": the organization named last whose name holds the word; "the agency said": the
        # last of that kind; "the government said", in an article about Ethiopia: the Government of Ethiopia.
        noun, kinds = match.group(1), lexicon.ANAPHORA.get(key, ())
        earlier = [m.id for m in mentions if m.type == ORGANIZATION and m.end <= who_start]
        recent = [gazetteer.organizations[id_] for id_ in reversed(speakers.organizations + earlier)]
        named = next((o for o in recent if re.search(rf"\b{re.escape(noun)}\b", o.name, re.IGNORECASE)), None)
        if named is None and speakers.country:
            named = next((o for o in gazetteer.organizations.values()
                          if re.search(rf"\b{re.escape(noun)}\b", o.name, re.IGNORECASE)
                          and speakers.country.lower() in o.name.lower()), None)
        if named is None and kinds:
            named = next((o for o in recent if o.kind in kinds), None)
        if named is not None or kinds:
            return Attribution(named, who)
    organizations = _organizations(mentions, gazetteer, who_start, who_end)
    if not organizations and len(who.split()) <= 2 and who.split()[-1].lower() in speakers.known:
        return speakers.known[who.split()[-1].lower()]
    organization = organizations[0] if organizations else None
    if organization is None and speakers.country and (force := _FORCES.search(who)):
        # "army spokesman Col. Cyrille Atonfack", in an article about Cameroon: Cameroon's armed forces.
        kinds = ("government",) if force.group().lower() == "government" else ("state_force",)
        organization = next((o for o in gazetteer.organizations.values()
                             if o.kind in kinds and speakers.country.lower() in o.name.lower()), None)
    if organization and organization.kind == OrganizationKind.MEDIA and (
        _JOURNALIST.search(who) or _POSSESSIVE.search(who)
    ):
        organization = None  # the outlet's own journalist
    attribution = Attribution(organization, who)
    speakers.remember(who, attribution)
    return attribution


def find_attribution(text: str, start: int, end: int, mentions: list[Mention], gazetteer: Gazetteer,
                     speakers: Speakers) -> Attribution | None:
    """The source named in the sentence ``text[start:end]``, or None (the outlet's own reporting)."""
    sentence = text[start:end]
    if match := _ACCORDING.search(sentence):
        who_start = start + match.end()
        rest = sentence[match.end():]
        stop = re.search(r"[.;:!?)]|\s\u2014|\s-\s|$", rest).start()  # ")": "(..., according to X) have fled"
        who_end = who_start + stop
        comma = rest.find(",", 0, stop)
        while comma != -1:
            following = rest[comma + 1:stop]
            next_comma = following.find(",")
            segment = following if next_comma == -1 else following[:next_comma]
            if not _short_segment(segment):
                who_end = who_start + comma
                break
            comma = -1 if next_comma == -1 else comma + 1 + next_comma
        return _resolve(text, who_start, who_end, mentions, gazetteer, speakers)
    if match := _INVERTED.search(sentence):
        who = match["who"]
        if not re.search(r"\d", who) and len(who.split()) <= 14 and not re.match(r"\s*(?:that|on|in)\b", who):
            return _resolve(text, start + match.start("who"), start + match.end("who"), mentions, gazetteer,
                            speakers)
    for match in _NORMAL.finditer(sentence):
        if _PASSIVE_BEFORE.search(sentence, 0, match.start() + 1):
            continue
        before = sentence[:match.start()]
        quote = max(before.rfind("\u201d"), before.rfind('"'))
        if quote != -1:
            before_start = quote + 1
        else:
            before_start = marker.end() if (marker := _LINE_MARKER.match(before)) else 0
            if leading := _LEADING_TIME.match(before, before_start):
                before_start = leading.end()
        candidate = before[before_start:]
        # "The ministry of displacement said": a short name without a number may hold a term's word.
        plain_name = "," not in candidate and not re.search(r"\d", candidate) and len(candidate.split()) <= 8 \
            and not _MAGNITUDE_WORD.search(candidate)
        if not plain_name and not (len(candidate.split()) <= 14 and _short_segment(candidate.replace(",", " "))):
            cut = max(candidate.rfind(", "), candidate.rfind(" that "), candidate.rfind("; "))
            if cut == -1:
                continue
            before_start += cut + 2
            candidate = before[before_start:]
            if not (len(candidate.split()) <= 12 and (_short_segment(candidate, words=12)
                                                        or _CAPITALISED.match(candidate.strip()))):
                continue  # a name may hold a term's word: "IOM's Displacement Tracking Matrix reports"
        if not candidate.strip() or _RELATIVE.match(candidate):
            continue  # ", where aid teams said they were overwhelmed": said of something else
        return _resolve(text, start + before_start, start + match.start(), mentions, gazetteer, speakers)
    return None
