"""The words of full-text search, decided in Python so that PostgreSQL and SQLite index and match the same words.

A text is cut into tokens (``tokens``): compatibility-decomposed (NFKD), every mark dropped (accents, Arabic
vowel signs), case-folded, split on anything that is not a letter or a digit (the underscore too). Letters of
every script are kept, so Arabic place names are words like any other. Prose is stored stemmed (``stems``:
Snowball English, the algorithm of PostgreSQL's ``english_stem``); names, codes and aliases unstemmed
(``names``), so that a query word can match them as a prefix ("Bagh" finds Baghouz, "SY02" the P-code SY0203).

No database here: the synthetic generator builds documents from plain values with ``document``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

#: At most this many words of a query are matched (as the search always allowed); the rest are ignored.
MAX_QUERY_WORDS = 10

_WORD = re.compile(r"[^\W_]+")
_stemmer = Stemmer.Stemmer("english")


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.category(char).startswith("M"))


def tokens(text: str | None) -> list[str]:
    """The words of ``text``: NFKD, marks dropped, case-folded, split on every character not a letter or digit.

    >>> tokens("Al-Hol camp: 2,000 réfugiés in الباغوز_فوقاني")
    ['al', 'hol', 'camp', '2', '000', 'refugies', 'in', 'الباغوز', 'فوقاني']
    """
    if not text:
        return []
    if text.isascii():  # no marks, nothing to decompose, and casefold() is lower() (the common case, ten times faster)
        return _WORD.findall(text.lower())
    # Case-folding can undo a decomposition (and add marks: "İ"), so marks are dropped after it too.
    return _WORD.findall(_without_marks(_without_marks(text).casefold()))


@lru_cache(maxsize=100_000)
def _name_words(value: str) -> str:
    return " ".join(tokens(value))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball English stem of one token ("dying" and "died" are "die"; "fled" stays "fled")."""
    return _stemmer.stemWord(word)


def stems(*texts: str | None) -> str:
    """The stemmed words of ``texts``, one space between them: what ``search_text`` stores."""
    return " ".join(stem(word) for text in texts for word in tokens(text))


def names(*values: str | None) -> str:
    """The unstemmed words of ``values`` (names, acronyms, aliases, P-codes), one space between them: what
    ``search_names`` stores."""
    # A place's or an organization's name is shown by thousands of records: its words are made once.
    return " ".join(words for words in (_name_words(value) for value in values if value) if words)


def document(prose: Iterable[str | None], name_values: Iterable[str | None]) -> tuple[str, str]:
    """``(search_text, search_names)`` of a record from plain values: its prose (excerpt, translation, notes,
    attribution, reported phrase...) and every name it shows (place, event, source, organizations)."""
    return stems(*prose), names(*dict.fromkeys(name_values))


def query_words(text: str | None) -> list[str]:
    """The words of a query that are matched (the first ``MAX_QUERY_WORDS``, repeats once)."""
    return list(dict.fromkeys(tokens(text)))[:MAX_QUERY_WORDS]
