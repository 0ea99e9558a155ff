"""Sentences with their character spans in the text, so that an excerpt is always ``text[start:end]``.

A sentence ends at a line break, or at ``.``, ``!`` or ``?`` (with any closing quotes or brackets after it)
followed by space and a capital, a digit or an opening quote, unless the word before the full stop is an
abbreviation ("Dr.", "Jan.", "U.N.") or an initial. Decimals ("1.2") never end a sentence: no space follows.
"""

from __future__ import annotations

import re

# Words written with a full stop that do not end a sentence (compared in lower case, without the stop).
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "sgt", "cpl", "gov", "sen", "rep",
        "st", "mt", "ft", "no", "nos", "vs", "etc", "approx", "est", "inc", "ltd", "co", "corp", "dept",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
        "e.g", "i.e", "u.n", "u.s", "u.k", "u.s.a", "e.u", "a.m", "p.m", "al", "fig", "para", "art",
        "c", "ca",  # circa: "c. 3,000"
    }
)
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u0600-\u06ff])")
_LINE = re.compile(r"\n")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, stop: int) -> bool:
    """Whether the full stop at ``stop`` closes an abbreviation or an initial rather than a sentence."""
    if text[stop] != ".":
        return False
    match = _WORD_BEFORE.search(text, 0, stop)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # An initial ("George W. Bush") or a dotted acronym ("U.N.").
    return len(word) == 1 and word.isalpha() and match.group(1)[0].isupper() or re.fullmatch(r"(?:\w\.)+\w", word)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence, in order; surrounding whitespace is left out of each span."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in [*_LINE.finditer(text), None]:
        line_end = line.start() if line else len(text)
        start = line_start
        for match in _END.finditer(text, line_start, line_end):
            if _is_abbreviation(text, match.start()):
                continue
            if span := _trimmed(text, start, match.end()):
                spans.append(span)
            start = match.end()
        if span := _trimmed(text, start, line_end):
            spans.append(span)
        line_start = line.end() if line else len(text)
    return spans
