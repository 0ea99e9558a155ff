"""A file's headers matched to our columns: by the team's saved mapping, by HXL hashtag, or by name.

A header matches a column whose name it is, ignoring case, spaces, hyphens and underscores ("Location P-code"
is ``location_pcode``); a hashtag matches a column whose hashtag has the same attributes in any order, or
failing that, the one column whose attributes it holds all of (``#affected+displaced+ind+f`` is not
``#affected+displaced+ind``, but ``#adm1+code+v_pcode`` is ``#adm1+code``). Mappings a team saved
(``ImportMapping``) apply to the next file; a header nobody knows is an error that lists our columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.imports.spec import ImportColumn, import_columns
from tracker.models import ImportMapping


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-./]+", "", (text or "").casefold())


# Attributes our exports wrote before they took HXL's own (docs/hxl.md): files downloaded earlier read back.
FORMER_ATTRIBUTES = {"destination": "dest", "kind": "type", "pcode": "v_pcode"}


def _tag_parts(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().casefold() for p in (tag or "").split("+")]
    return parts[0], frozenset(FORMER_ATTRIBUTES.get(p, p) for p in parts[1:] if p)


@dataclass
class HeaderMatch:
    index: int
    header: str
    hashtag: str
    column: ImportColumn | None
    how: str  # name, hxl, mapping, ignored, blank, unknown

    @property
    def blank(self) -> bool:
        return self.how == "blank"

    def as_json(self) -> dict:
        return {"header": self.header, "hashtag": self.hashtag or None,
                "column": self.column.name if self.column else None, "matched_by": self.how}


def saved_mapping(kind: str) -> dict[str, str]:
    return {row.header: row.column for row in ImportMapping.objects.filter(kind=kind)}


def save_mapping(kind: str, mapping: dict[str, str], user) -> None:
    """Keep a team's header mapping for the next file (one row per header; a later mapping replaces it).

    One of our own column names is not kept: mapped for one file (``id`` ignored, to add copies), it would
    otherwise change how every later export reads back, unseen."""
    known = {column.name for column in import_columns(kind)}
    ours = {header_key(name) for name in known}
    for header, column in mapping.items():
        if (column and column not in known) or header_key(header) in ours:
            continue
        ImportMapping.objects.update_or_create(kind=kind, header=header_key(header),
                                               defaults={"column": column or "", "saved_by": user})


def _by_hashtag(columns: list[ImportColumn], tag: str) -> ImportColumn | None:
    head, attributes = _tag_parts(tag)
    exact = [c for c in columns if _tag_parts(c.hxl) == (head, attributes)]
    if exact:
        return exact[0]
    within = [c for c in columns if _tag_parts(c.hxl)[0] == head and _tag_parts(c.hxl)[1] <= attributes
              and _tag_parts(c.hxl)[1]]
    best = max((len(_tag_parts(c.hxl)[1]) for c in within), default=0)
    within = [c for c in within if len(_tag_parts(c.hxl)[1]) == best]
    return within[0] if len(within) == 1 else None


def match_headers(kind: str, headers: list[str], hashtags: list[str] | None,
                  mapping: dict[str, str] | None = None) -> tuple[list[HeaderMatch], list[str]]:
    """Each column of the file matched (or not); the errors that stop the whole file."""
    columns = import_columns(kind)
    by_name = {header_key(c.name): c for c in columns}
    by_column = {c.name: c for c in columns}
    mapped = {**saved_mapping(kind), **{header_key(h): c for h, c in (mapping or {}).items()}}
    width = max(len(headers), len(hashtags or []))
    matches, errors, unknown = [], [], []
    for index in range(width):
        header = (headers[index] if index < len(headers) else "") or ""
        header = str(header).strip()
        tag = ((hashtags[index] if hashtags and index < len(hashtags) else "") or "").strip()
        key = header_key(header)
        column, how = None, "unknown"
        if key and key in mapped:
            target = mapped[key]
            column, how = (by_column.get(target), "mapping") if target else (None, "ignored")
            if target and column is None:
                errors.append(f"The mapping of '{header}' names '{target}', which is not one of our columns.")
        elif tag and _by_hashtag(columns, tag) is not None:
            column, how = _by_hashtag(columns, tag), "hxl"
        elif key in by_name:
            column, how = by_name[key], "name"
        elif tag:
            how = "ignored"  # a hashtag we do not import: HDX datasets carry many (listed in the result's notes)
        elif not header:
            how = "blank"
        else:
            unknown.append(header)
        matches.append(HeaderMatch(index, header, tag, column, how))
    if unknown:
        unknown = list(dict.fromkeys(unknown))
        listed = ", ".join(repr(u) for u in unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20
                                                             else "")
        errors.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {listed}. Map each to "
            f"one of ours (or to nothing, to ignore it), or remove it. Our columns: "
            f"{', '.join(c.name for c in columns)}."
        )
    seen: dict[str, str] = {}
    for match in matches:
        if match.column is None:
            continue
        label = match.header or match.hashtag
        if match.column.name in seen:
            errors.append(f"Two columns are both '{match.column.name}': '{seen[match.column.name]}' and '{label}'. "
                          "Remove one or map it elsewhere.")
        seen[match.column.name] = label
    if not seen and not errors:
        errors.append("None of the file's columns is one of ours: is the first row the header row?")
    return matches, errors
