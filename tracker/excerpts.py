"""Finding excerpts in a source's stored text, for highlighting beside the form."""

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


def highlight(text: str, excerpts: Iterable[tuple[str, str]]) -> tuple[SafeString, list[str]]:
    """The text as HTML with each (label, excerpt) marked, and the labels of excerpts not found."""
    spans: list[tuple[int, int, str]] = []
    missing = []
    for label, excerpt in excerpts:
        pattern = excerpt_pattern(excerpt)
        match = pattern.search(text) if pattern else None
        if match:
            spans.append((match.start(), match.end(), label))
        else:
            missing.append(label)
    spans.sort()
    out, position = [], 0
    for start, end, label in spans:
        if start < position:  # overlapping excerpts: mark the first only
            continue
        out.append(escape(text[position:start]))
        out.append(f'<mark title="{escape(label)}">{escape(text[start:end])}</mark>')
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out)), missing
