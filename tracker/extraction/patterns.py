"""The lexicon compiled into the patterns the proposing steps read: one compiled pattern per word list of
``lexicon.py``, and the few patterns of sentence shape (clause breaks, datelines, parentheses) beside them.
"""

from __future__ import annotations

import re

from tracker.choices import (
    DisplacementTerm,
    OrganizationKind,
)
from tracker.extraction import lexicon

AID_PLACE = "aid"  # where a provider works: not where its supplies come from

LEAVING_TERMS = frozenset(
    {DisplacementTerm.FLED, DisplacementTerm.EVACUATED, DisplacementTerm.DISPLACED, DisplacementTerm.RELOCATED}
)

AID_KINDS = frozenset({OrganizationKind.NGO, OrganizationKind.UN_AGENCY, OrganizationKind.RED_CROSS,
                       OrganizationKind.GOVERNMENT, OrganizationKind.OTHER})

def _words(pattern: str) -> re.Pattern:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)

_TERMS = [(_words(pattern), kind, term) for pattern, kind, term in lexicon.TERMS]

_CAMP_STAYS = _words(lexicon.CAMP_STAYS)

_CAMP_WORDS = _words(lexicon.CAMP_WORDS)

_NATIONWIDE = _words(lexicon.NATIONWIDE)

_SINCE_EVENT = re.compile(rf"\b{lexicon.SINCE_EVENT}$", re.IGNORECASE)

_OTHER_TOPICS = _words(lexicon.OTHER_TOPICS)

_FORECASTS = _words(lexicon.FORECASTS)

_NEGATIONS = re.compile(rf"(?:\b(?:{lexicon.NEGATIONS.replace('|n' + chr(39) + 't', '')})\b|n['\u2019]t\b)",
                        re.IGNORECASE)

_HEDGES = _words(lexicon.HEDGES)

_ZERO = re.compile(rf"\b(?:(?P<pronoun>{lexicon.ZERO_PRONOUNS})|(?P<head>{lexicon.ZERO_HEADS}))\b", re.IGNORECASE)

_NONE_OF = re.compile(
    rf"\s+of\s+(?:the|these|those|its|their|them)\b[^.;]{{0,40}}?\b(?P<unit>{'|'.join(lexicon.UNIT_WORDS)})\b",
    re.IGNORECASE,
)

_STRAINS = [(_words(pattern), strain) for pattern, strain in lexicon.STRAINS]

_AID_PROVIDERS = _words(lexicon.AID_PROVIDERS)

_SECTORS = [(_words(pattern), sector) for pattern, sector in lexicon.SECTORS]

_SUBJECT_SECTORS = _SECTORS + [(_words(pattern), sector) for pattern, sector in lexicon.SUBJECT_SECTORS]

_FACILITIES = _words(lexicon.PROVIDER_FACILITIES)

_GENERIC_PROVIDERS = _words(lexicon.GENERIC_PROVIDERS)

_LEFT_AREA = re.compile(rf"\s*(?:[\w-]+\s+)?(?:from|out of)\s+(?P<area>{'|'.join(lexicon.AREA_WORDS)})\b",
                        re.IGNORECASE)

_AREA_WORDS = re.compile(
    rf"\b(?:in|of|across|throughout|around|from|to|near|outside|inside|within|into|fled|flee|fleeing|left|leave"
    rf"|leaving|entered|entering|reached|evacuated|shelled|captured|seized|stormed|besieged)\s+"
    rf"(?P<area>{'|'.join(lexicon.AREA_WORDS)})\b", re.IGNORECASE)

_ORIGIN_CUE = re.compile(rf"\b(?:{lexicon.ORIGIN_CUES})\s+(?:the\s+)?(?P<extra>(?:[\w-]+\s+){{1,2}})?$",
                         re.IGNORECASE)

_DESTINATION_CUE = re.compile(
    rf"\b(?:{lexicon.DESTINATION_CUES})\s+(?:the\s+)?(?P<extra>(?:[\w-]+\s+){{1,2}})?$", re.IGNORECASE
)

_DATELINE = re.compile(rf"\b(?:{lexicon.DATELINE_CUES})\s+$", re.IGNORECASE)

_SPEECH_BEFORE = re.compile(
    r"\b(?:said|say|says|told(?:\s+\w+){0,2}|announced|added|reported|stated|confirmed|tweeted|wrote)\s*$",
    re.IGNORECASE,
)

_SPEECH_IN_SUBJECT = re.compile(rf"\b(?:{lexicon.SPEECH_VERBS})\b(?:\s+that\b)?\s*", re.IGNORECASE)

# A clause that describes the subject rather than names it: "The transit centre, built for 3,000 people, is ...".
_PARENTHETICAL = re.compile(
    r"(?:[a-z]+(?:ed|en|ing)|built|run|set|made|which|who|where|once|now|home to|a|an|one of|located|situated|near"
    r"|close to|about|some|with|just)\b"
)

_SUBJECT_HEAD = re.compile(r",|\s(?:in|at|near|across|around|of|on|to|for|along|outside|inside)\s", re.IGNORECASE)

_COMPARED = re.compile(rf"\b(?:{lexicon.COMPARISON_CUES})\b(?:[^,;]|(?<=\d),(?=\d))*$", re.IGNORECASE)

# Where people came from: no place of arrivals, returns, camps or the trapped ("in Goma, people who fled Rutshuru").
_LEFT_FROM = re.compile(
    r"\b(?:from|out of|fled|fleeing|flee|left|leaving|escaped|escaping|evacuated)\s+(?:the\s+)?(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)

# "JALALABAD, Afghanistan - ", "BEIRUT, Oct 3 - ": the place a story was filed from, before its first sentence.
_DATELINE_START = re.compile(
    r"[A-Z][A-Z'\u2019. -]{2,40}(?:,\s*[A-Z][\w'\u2019. ]{0,30}?)?(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"(?:\s*\([A-Za-z ]+\))?\s*[-\u2013\u2014]\s"
)

_BORDER_OF = re.compile(r"\s+(?:border|frontier)\b", re.IGNORECASE)

_PLURAL_FACILITY = re.compile(rf"(?:[\w-]+\s+)?(?:{lexicon.PROVIDER_FACILITIES})(?<=s)\s+(?:in|at|across|around)\b",
                              re.IGNORECASE)

_BACK_FROM = re.compile(r"\s+(?:home\s+)?from\b", re.IGNORECASE)

_SAME_DAY = re.compile(r"\b(?:on )?the same day\b|\bthat same day\b", re.IGNORECASE)

_OWNER_NOUN = re.compile(r"the (?P<noun>[a-z]+)['\u2019]s\b", re.IGNORECASE)

_EARLIER_YEAR = re.compile(lexicon.EARLIER_YEAR, re.IGNORECASE)

_WITH_FAMILIES = re.compile(r"^\s*(?:,\s*)?(?:and|with|along with|together with) (?:their |its )?(?:families"
                            r"|relatives|wives and children|dependants|dependents)", re.IGNORECASE)

_ELLIPSIS_BEFORE = re.compile(r"(?:,\s*|\s)(?:and|while|with|,)\s+(?:another\s+|a further\s+)?$", re.IGNORECASE)

_ELLIPSIS_AFTER = re.compile(r"\s+(?:to|into|from|in|at|towards|for)\s", re.IGNORECASE)

_OF_THOSE = re.compile(r"\s+of\s+(?:them|whom|those)\b", re.IGNORECASE)

_SUBJECT_TRIM = " ,\"'\u201c\u201d\u2018\u2019"

_CLAUSE_START = re.compile(r"(?:,(?!\d)|;|:|\u2014)")  # not the comma of "3,000"

_CLAUSE_BREAK = re.compile(r";|:|\s[\u2013\u2014]\s|\b(?:while|whereas|but|although)\b|,\s+and\b", re.IGNORECASE)

_STOCK_DISPLACED = re.compile(
    r"\b(?:are|remain|remains|remained|still|currently|now|there are|is home to|hosts?|hosting)\b(?:\s+[\w,.]+){0,5}?"
    r"\s+(?:internally\s+)?displaced\b",
    re.IGNORECASE,
)

_TOKEN = re.compile(r"[\w'\u2019-]+")

_COUNT_VERB_BEFORE = re.compile(r"^(?:reached|reaching|crossed the border)$", re.IGNORECASE)

_COUNTED_NOUN = re.compile(
    r"[ \t]+(?!(?:in|into|at|on|from|to|by|for|with|and|or|but|since|after|before|as|while|over|across|near|of|the|a"
    r"|this|that|last|more|others|people|who|which|have|has|had|were|was|are|is|be|been|had|remain|remained|now"
    r"|alone|so|still|already|yesterday|today|overnight)\b)[a-z][\w-]*",
    re.IGNORECASE,
)

_WHO_BEFORE = re.compile(r"\b(?:who|that|which)\s+(?:had\s+|have\s+|has\s+|were\s+|was\s+)?(?:been\s+)?$",
                         re.IGNORECASE)

_TO_TOTAL = re.compile(r"(?:\b(?:number|total|tally|figure|count)\b.*\b(?:to|at|of|reached|is|was|stands at)"
                       r"|\bpopulation\b.*\b(?:stands|stood) at)\s*$",
                       re.IGNORECASE)

# "Number of IDPs: 1,245,000": a short label and a colon, then the figure.
_KEY_FIGURE_LABEL = re.compile(r"^[^.;:!?]{2,60}:\s*$")

_LABEL_TERMS = [(_words(pattern), term) for pattern, term in lexicon.LABEL_TERMS]

_PLANNED_AFTER = re.compile(rf"[^,;.]{{0,30}}?\b(?:{lexicon.PLANNED_AFTER})\b", re.IGNORECASE)

_RETRACTION = re.compile(rf"(?:{lexicon.RETRACTIONS})", re.IGNORECASE)

_MORE = re.compile(r"\s+(?:more|others|another)\b", re.IGNORECASE)

# "No residents of the Velyka community could be evacuated": the zero's "of ..." complement, before its verb.
_ZERO_COMPLEMENT = re.compile(r"\s+of\s+(?:[\w'\u2019-]+\s+){1,5}?(?=(?:could|had|has|have|were|was|is|are)\b)",
                              re.IGNORECASE)

_SUBJECT_AUX = re.compile(
    r"(?:\s+(?:are|is|were|was|have been|has been|had been|had|has|have|say they are|said they were|remain"
    r"|remained|appear to be|were being|are being|now|also|still|already|increasingly))+\s*$",
    re.IGNORECASE,
)
