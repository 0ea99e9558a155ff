"""Every hashtag and attribute we emit is HXL's own or documented in docs/hxl.md as ours; best comes first.

HXL_HASHTAGS and HXL_ATTRIBUTES are the core hashtags and attributes of the HXL hashtag dictionary, version 1.1
(hxlstandard.org/standard/1-1final/dictionary/: its alphabetical index, plus what its list of changes for 1.1
final adds: ``+count``, ``+sum``, ``+average``, ``+min``, ``+max`` and ``+reliability`` for ``#meta``,
``+cluster`` for ``#sector``, and the default vocabularies ``+v_pcode`` and ``+v_iso3``). An attribute of ours
that is in neither fails here until docs/hxl.md's table of our own gives its meaning.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import hxl.model
import pytest
from django.conf import settings

from tracker.api.reports import AID_STATUS_COLUMNS, BEST_HXL, report_columns
from tracker.api.vocabularies import VOCABULARIES
from tracker.exports import columns
from tracker.imports.headers import match_headers
from tracker.reporting.dimensions import KEY_HXL

DOCS = Path(settings.BASE_DIR) / "docs" / "hxl.md"

HXL_HASHTAGS = frozenset("""
    access activity adm1 adm2 adm3 adm4 adm5 affected beneficiary capacity cause contact country crisis currency
    date description event geo group impact indicator inneed item loc meta modality need operations org output
    population reached region respondee sector service severity status subsector targeted value
""".split())
HXL_ATTRIBUTES = frozenset("""
    abducted adolescents adults approved bounds canceled children code converted coord dest displaced elderly
    elevation email end f funder hh i idps impl incamp ind infants infected injured killed label lat lon m name
    noncamp num occurred origin phone prog refugees reported source start text type url
    count sum average min max reliability cluster v_pcode v_iso3
""".split())

LISTS = {
    **columns.RECORD_LISTS,
    "sources": columns.SOURCE_COLUMNS,
    "organizations": columns.ORGANIZATION_COLUMNS,
    "locations": columns.LOCATION_COLUMNS,
    "events": columns.EVENT_COLUMNS,
}


def report_tags(kind: str) -> list[str]:
    """A report's hashtags with every key column and the time grouping's columns."""
    report = SimpleNamespace(kind=kind, key_columns=list(KEY_HXL), group_by=("month",))
    return [column.hxl for column in report_columns(report)]


def emitted() -> set[str]:
    tags = {column.hxl for listed in LISTS.values() for column in listed}
    tags |= {tag for kind in BEST_HXL for tag in report_tags(kind)}
    tags |= {column.hxl for column in AID_STATUS_COLUMNS}
    tags |= {hashtag for _, hashtag, _ in VOCABULARIES.values()}
    return tags


def documented(heading: str, sign: str) -> set[str]:
    """The first column of the table under ``heading`` in docs/hxl.md (``#x_...`` or ``+...``)."""
    text = DOCS.read_text()
    table = text[text.index(heading):].split("\n\n")[1]
    return set(re.findall(rf"^\| `\{sign}([a-z0-9_]+)` \|", table, re.MULTILINE))


def parts(tag: str) -> tuple[str, list[str]]:
    head, *attributes = tag.split("+")
    return head.removeprefix("#"), attributes


def test_the_core_lists_are_hxl_syntax_and_ours_are_not_core():
    for tag in emitted():
        assert hxl.model.TagPattern.parse(tag), tag
    ours = documented("Our own attributes:", "+")
    assert len(ours) > 20
    assert not ours & HXL_ATTRIBUTES, "listed as ours, but HXL has it: use HXL's"
    assert all(name.startswith("x_") for name in documented("Our own hashtag:", "#"))


def test_every_hashtag_and_attribute_we_emit_is_hxls_or_documented_as_ours():
    ours_hashtags = documented("Our own hashtag:", "#")
    ours = documented("Our own attributes:", "+")
    unknown_hashtags, unknown_attributes, used = set(), set(), set()
    for tag in emitted():
        head, attributes = parts(tag)
        if head not in HXL_HASHTAGS and head not in ours_hashtags:
            unknown_hashtags.add(tag)
        for attribute in attributes:
            used.add(attribute)
            if attribute not in HXL_ATTRIBUTES and attribute not in ours:
                unknown_attributes.add(f"+{attribute} (in {tag})")
    assert not unknown_hashtags, f"neither HXL's nor in docs/hxl.md: {sorted(unknown_hashtags)}"
    assert not unknown_attributes, f"neither HXL's nor in docs/hxl.md's table of our own: {sorted(unknown_attributes)}"
    assert ours <= used, f"docs/hxl.md lists attributes no export uses: {sorted(ours - used)}"


@pytest.mark.parametrize("tag", ["#loc+destination+name", "#country+code+pcode", "#meta+kind"])
def test_where_hxl_has_an_attribute_ours_is_gone(tag):
    assert tag not in emitted()


@pytest.mark.parametrize("name", [*LISTS, *(f"report:{kind}" for kind in BEST_HXL)])
def test_best_comes_before_the_columns_its_plain_hashtag_also_matches(name):
    """libhxl and the HXL Proxy read the first column a pattern matches: for every plain hashtag, that is the
    column that has exactly it (best), never a bound."""
    tags = report_tags(name.removeprefix("report:")) if name.startswith("report:") else [c.hxl for c in LISTS[name]]
    for plain in set(BEST_HXL.values()) & set(tags):
        pattern = hxl.model.TagPattern.parse(plain)
        first = next(tag for tag in tags if pattern.match(hxl.model.Column.parse(tag)))
        assert first == plain, (name, first)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "former", "column", "other"), [
    ("displacement", "#loc+destination+name", "destination_name", ("location_name", "#loc+name")),
    ("displacement", "#loc+destination+code", "destination_pcode", ("location_name", "#loc+name")),
    ("source", "#meta+kind", "kind", ("title", "#meta+source")),
])
def test_a_file_downloaded_with_our_former_attributes_imports_by_them(kind, former, column, other):
    """Before they took HXL's own, our exports wrote +destination and +kind: such a file still reads back (the
    former attribute alone would have matched the place's own column, or nothing)."""
    matches, errors = match_headers(kind, ["", other[0]], [former, other[1]])
    assert not errors, errors
    assert [(match.column.name, match.how) for match in matches] == [(column, "hxl"), (other[0], "hxl")]
