"""Finding excerpts in a source's stored text, for highlighting beside the form and for their offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_QUOTE_CLASS = {"'": "['\u2018\u2019\u201a\u201b\u2032]", '"': '["\u201c\u201d\u201e\u201f\u2033]'}


def excerpt_pattern(excerpt: str) -> re.Pattern | None:
    """A pattern matching the excerpt in raw text: any run of whitespace, straight or curly quotes."""
    words = excerpt.replace("\u00a0", " ").split()
    if not words:
        return None
    parts = []
    for word in words:
        parts.append("".join(_QUOTE_CLASS.get(ch) or re.escape(ch) for ch in word.translate(
            str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))))
    return re.compile(r"\s+".join(parts))


def excerpt_span(text: str, excerpt: str) -> tuple[int, int] | None:
    """The excerpt's character offsets in ``text`` when it occurs there exactly once; None when it is absent
    or ambiguous (twice or more: which one the analyst meant is theirs to say)."""
    pattern = excerpt_pattern(excerpt or "")
    if pattern is None or not text:
        return None
    matches = pattern.finditer(text)
    first = next(matches, None)
    if first is None or next(matches, None) is not None:
        return None
    return first.start(), first.end()


def highlight(
    text: str, excerpts: Iterable[tuple[str, str]], *, offsets: bool = False,
    spans: Iterable[tuple[int, int, str]] = (),
) -> tuple[SafeString, list[str]]:
    """The text as HTML with each (label, excerpt) marked, and the labels of excerpts not found.

    ``spans`` are (start, end, label) already known by their offsets (a record's own excerpt); with
    ``offsets``, every run of text is a ``<span data-start="N">`` giving its character offset in ``text``, so
    that a selection in the browser maps back to exact offsets whatever the escaping did to the HTML.
    """
    found: list[tuple[int, int, str]] = [
        (start, end, label) for start, end, label in spans if 0 <= start < end <= len(text)
    ]
    missing = []
    for label, excerpt in excerpts:
        pattern = excerpt_pattern(excerpt)
        match = pattern.search(text) if pattern else None
        if match:
            found.append((match.start(), match.end(), label))
        else:
            missing.append(label)
    found.sort()
    piece = _offset_piece if offsets else _plain_piece
    out, position = [], 0
    for start, end, label in found:
        if start < position:  # overlapping excerpts: mark the first only
            continue
        out.append(piece(text, position, start))
        out.append(f'<mark title="{escape(label)}">{piece(text, start, end)}</mark>')
        position = end
    out.append(piece(text, position, len(text)))
    return mark_safe("".join(out)), missing


def _plain_piece(text: str, start: int, end: int) -> str:
    return escape(text[start:end])


def _offset_piece(text: str, start: int, end: int) -> str:
    """``text[start:end]`` as spans of at most one line each, every one naming its offset in ``text``."""
    out = []
    position = start
    while position < end:
        line_end = text.find("\n", position, end)
        stop = end if line_end < 0 else line_end + 1
        out.append(f'<span data-start="{position}">{escape(text[position:stop])}</span>')
        position = stop
    return "".join(out)
