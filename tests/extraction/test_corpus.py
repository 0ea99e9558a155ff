"""The extraction corpus is well formed, covers what the issue asks, and the assistant meets its goals on it.

The corpus (tests/extraction/corpus/, README there) is what measures the assistant: a malformed record would
make the figures lie, so every record is checked against the domain's choices, the quantity rule, the
gazetteer and its own article. Then the assistant runs on the whole corpus and the issue's goals are held.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.choices import (
    DatePrecision,
    DisplacementTerm,
    LocationLevel,
    MagnitudeWord,
    OrganizationKind,
    Quantifier,
    Sector,
    Strain,
    SurrenderTerm,
    Unit,
)
from tracker.rules.quantities import quantity_input_errors

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "extraction" / "corpus"
RECORD_KEYS = {
    "kind", "term", "quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit",
    "reported_phrase", "excerpt", "start_date", "end_date", "start_precision", "end_precision", "location",
    "attributed_to", "attribution_text", "strain", "sector", "provider", "provider_description",
}
OPTIONAL_KEYS = {"category", "surrendering_group", "received_by", "combatant_status"}
ARTICLE_KEYS = {"title", "published", "language", "records", "not_records"}


def _articles() -> list[tuple[str, Path]]:
    return [(split, path) for split in ("dev", "heldout") for path in sorted((CORPUS / split).glob("*.json"))]


ARTICLES = _articles()
GAZETTEER = json.loads((CORPUS / "gazetteer.json").read_text(encoding="utf-8"))
PLACE_NAMES = {place["name"] for place in GAZETTEER["places"]}
ORGANIZATION_NAMES = {organization["name"] for organization in GAZETTEER["organizations"]}


def _load(path: Path) -> tuple[dict, str]:
    return json.loads(path.read_text(encoding="utf-8")), path.with_suffix(".txt").read_text(encoding="utf-8")


def test_the_corpus_is_large_enough_and_a_third_is_held_out():
    splits = [split for split, _ in ARTICLES]
    assert len(splits) >= 24
    assert splits.count("heldout") * 3 >= len(splits)
    for split, path in ARTICLES:
        assert path.with_suffix(".txt").exists(), f"{split}/{path.stem}: no article text"
    txt_only = {path.stem for split in ("dev", "heldout") for path in (CORPUS / split).glob("*.txt")}
    assert txt_only == {path.stem for _, path in ARTICLES}, "every article has both its .txt and its .json"


def test_the_gazetteer_has_unique_ids_real_parents_and_known_levels_and_kinds():
    places, organizations = GAZETTEER["places"], GAZETTEER["organizations"]
    place_ids = [place["id"] for place in places]
    assert len(place_ids) == len(set(place_ids))
    assert len(PLACE_NAMES) == len(places), "canonical place names are unique"
    for place in places:
        assert set(place) == {"id", "name", "level", "parent", "aliases"}
        assert place["level"] in LocationLevel.values
        assert place["parent"] is None or place["parent"] in place_ids, place["name"]
        assert all(isinstance(alias, str) and alias for alias in place["aliases"])
    organization_ids = [organization["id"] for organization in organizations]
    assert len(organization_ids) == len(set(organization_ids))
    for organization in organizations:
        assert set(organization) == {"id", "name", "acronym", "kind", "aliases"}
        assert organization["kind"] in OrganizationKind.values


@pytest.mark.parametrize(("split", "path"), ARTICLES, ids=[f"{split}/{path.stem}" for split, path in ARTICLES])
def test_every_article_and_record_is_valid(split, path):
    meta, text = _load(path)
    assert set(meta) == ARTICLE_KEYS
    published = date.fromisoformat(meta["published"])
    assert meta["language"] == "en"
    headline, blank, *_ = text.split("\n")
    assert headline == meta["title"] and blank == "", "the first line is the headline, then a blank line"
    assert 150 <= len(text.split()) <= 500, "an article has 150 to 500 words"

    for record in meta["records"]:
        where = f"{split}/{path.stem}: {record.get('excerpt', '')[:60]!r}"
        assert RECORD_KEYS <= set(record) <= RECORD_KEYS | OPTIONAL_KEYS, where
        assert record["excerpt"] and record["excerpt"] in text, f"{where}: the excerpt is not verbatim in the text"
        assert "\n" not in record["excerpt"], f"{where}: an excerpt is one sentence"
        start, end = date.fromisoformat(record["start_date"]), date.fromisoformat(record["end_date"])
        assert start <= end <= published, f"{where}: dates must run forward and end by publication"
        assert record["start_precision"] in DatePrecision.values and record["end_precision"] in DatePrecision.values
        assert record["location"] is None or record["location"] in PLACE_NAMES, f"{where}: place not in gazetteer"
        assert record["attributed_to"] is None or record["attributed_to"] in ORGANIZATION_NAMES, where
        if record["kind"] == "aid_capacity":
            assert record["strain"] in Strain.values and record["sector"] in Sector.values, where
            assert record["provider"] is None or record["provider"] in ORGANIZATION_NAMES, where
            assert record["provider"] or record["provider_description"], f"{where}: a provider or its description"
            assert record["term"] is None and record["quantifier"] is None and record["unit"] is None, where
            continue
        terms = DisplacementTerm.values if record["kind"] == "displacement" else SurrenderTerm.values
        assert record["kind"] in ("displacement", "surrender"), where
        assert record["term"] in terms, where
        assert record["unit"] in Unit.values, where
        assert record["magnitude_word"] is None or record["magnitude_word"] in MagnitudeWord.values, where
        assert record["strain"] is None and record["sector"] is None and record["provider"] is None, where
        assert record["quantifier"] != Quantifier.UNQUANTIFIED, f"{where}: unquantified statements are not records"
        errors = quantity_input_errors(
            quantifier=record["quantifier"], reported_value=record["reported_value"],
            reported_value_max=record["reported_value_max"], magnitude_word=record["magnitude_word"],
            unit=record["unit"], household_size=Decimal(5), best_override=None, best_override_reason="",
        )
        assert not errors, f"{where}: {errors}"
        assert record["reported_phrase"] in record["excerpt"], f"{where}: the phrase is printed in the excerpt"

    for item in meta["not_records"]:
        assert set(item) == {"excerpt", "why"} and item["why"], path.stem
        assert item["excerpt"] in text, f"{split}/{path.stem}: a not-record excerpt is not verbatim in the text"


def _all_records(split: str | None = None) -> list[dict]:
    return [record for s, path in ARTICLES if split in (None, s) for record in _load(path)[0]["records"]]


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_each_split_covers_the_quantifiers_units_terms_and_strains(split):
    records = _all_records(split)
    quantified = [record for record in records if record["kind"] != "aid_capacity"]
    quantifiers = {record["quantifier"] for record in quantified}
    assert {Quantifier.EXACT, Quantifier.APPROXIMATELY, Quantifier.MORE_THAN, Quantifier.AT_LEAST,
            Quantifier.LESS_THAN, Quantifier.AT_MOST, Quantifier.RANGE, Quantifier.MAGNITUDE} <= quantifiers
    assert set(Unit.values) <= {record["unit"] for record in quantified}
    assert set(DisplacementTerm.values) | set(SurrenderTerm.values) <= {record["term"] for record in quantified}
    assert {Strain.STRAINED, Strain.OVERWHELMED, Strain.SUSPENDED} <= {
        record["strain"] for record in records if record["kind"] == "aid_capacity"}
    assert any(record["reported_value"] == 0 for record in quantified), "a negation giving a zero figure"
    assert any("fighters" in record["reported_phrase"] for record in quantified)
    assert any("civilians" in record["reported_phrase"] for record in quantified)
    precisions = {record["start_precision"] for record in records}
    assert {DatePrecision.DAY, DatePrecision.WEEK, DatePrecision.MONTH} <= precisions


def test_the_whole_corpus_covers_every_magnitude_word_and_number_form():
    quantified = [record for record in _all_records() if record["kind"] != "aid_capacity"]
    assert set(MagnitudeWord.values) <= {record["magnitude_word"] for record in quantified}
    phrases = " | ".join(record["reported_phrase"].lower() for record in quantified)
    for form in ("1.2 million", "four thousand", "3,000 to 4,000", "between 500 and 700", "some 2,500",
                 "more than", "at least", "nearly", "some", "around", "about", "fewer than", "up to"):
        assert form in phrases, f"no record printed as {form!r}"
    texts = " ".join(_load(path)[1] for _, path in ARTICLES)
    for form in ("are expected to", "could flee", "may reach", "told reporters", "according to", "overnight",
                 "yesterday", "last week", "this week", "earlier this month", "last month", "since January",
                 "in the past 24 hours", "in the past 48 hours", "in the past week", "in the past month",
                 "in recent months", "over the past few months", "since the start of the year", "today"):
        assert form.lower() in texts.lower(), f"no article uses {form!r}"
    assert re.search(r"\bon (January|February|March|April|May|June|July|August|September|October|November|"
                     r"December) \d{1,2}\b", texts, re.IGNORECASE), "a date written month first"
    assert re.search(r"\b\d{1,2} \w+ \d{4}\b", texts), "a date with its year"


def test_several_places_and_organizations_are_named_only_by_an_alias():
    places_by_name = {place["name"]: place for place in GAZETTEER["places"]}
    organizations_by_name = {organization["name"]: organization for organization in GAZETTEER["organizations"]}
    alias_only_places, alias_only_organizations = set(), set()
    for _, path in ARTICLES:
        meta, text = _load(path)
        for record in meta["records"]:
            place = places_by_name.get(record["location"])
            if place and place["name"] not in text and any(alias in text for alias in place["aliases"]):
                alias_only_places.add(place["name"])
            organization = organizations_by_name.get(record["attributed_to"])
            if organization and organization["name"] not in text and (
                    (organization["acronym"] and organization["acronym"] in text)
                    or any(alias in text for alias in organization["aliases"])):
                alias_only_organizations.add(organization["name"])
    assert len(alias_only_places) >= 3, alias_only_places
    assert len(alias_only_organizations) >= 3, alias_only_organizations


def _scorer():
    spec = importlib.util.spec_from_file_location("extract_bench", ROOT / "bench" / "extract.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_assistant_meets_the_goals_on_the_whole_corpus():
    pytest.importorskip("tracker.extraction", reason="the extraction assistant (tracker.extraction) is not written yet")
    evaluation = _scorer().evaluate(CORPUS)
    figures = evaluation.figures()["all"]
    assert figures["recall"] >= 0.9, figures
    assert figures["precision"] >= 0.8, figures
    assert figures["term_accuracy"] >= 0.85, figures
    assert figures["place_accuracy"] >= 0.8, figures
    assert figures["offsets_exact"] == 1.0, figures
    assert figures["median_seconds"] < 0.5, figures
    assert evaluation.load_seconds < 5, evaluation.load_seconds
