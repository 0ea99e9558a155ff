"""``make extract-bench``: the extraction assistant scored on the corpus in tests/extraction/corpus/.

Runs :func:`tracker.extraction.extract` on every article and compares its proposals with the records a careful
analyst wrote down for that article (see tests/extraction/corpus/README.md). Figures for ``dev/`` (the articles
the rules are written against) and ``heldout/`` (committed before the rules, never used to write them) are
reported apart, then together:

- recall and precision of quantified records (displacement and surrender figures): a proposal matches an
  expected record when kind, quantifier, value, range end, magnitude word and unit agree and its excerpt's span
  overlaps the expected sentence's span; each expected record matches at most one proposal;
- among the matches, how often the term, the place, the dates and the attribution are right;
- aid capacity apart (kind and strain agree, spans overlap), with sector and provider among its matches;
- the share of proposals whose offsets are exact (``text[start:end] == excerpt``);
- the time to load (import and gazetteer) and per article (median and max).

The issue's goals are printed beside the figures with PASS or FAIL. Every miss and every false proposal of
``dev/`` is listed with what differed; held-out articles are listed only with ``--show-heldout``, and only on
the terminal, so that no rule is written against them by accident.

    .venv/bin/python -u bench/extract.py [--json] [--show-heldout]

The markdown summary goes to ``bench/results/extract.md``; ``--json`` also writes ``bench/results/extract.json``.
Not part of the test suite; tests/extraction/test_corpus.py asserts the same goals through :func:`evaluate`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "extraction" / "corpus"
RESULTS = ROOT / "bench" / "results"
SPLITS = ("dev", "heldout")

QUANTIFIED_KINDS = frozenset({"displacement", "surrender"})
AID_CAPACITY = "aid_capacity"
QUANTITY_KEYS = ("kind", "quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit")

# The goals, on articles the rules were not written against. (figure, label, test, threshold text)
GOALS = (
    ("recall", "recall of quantified records", lambda v: v >= 0.9, ">= 0.90"),
    ("precision", "precision of quantified proposals", lambda v: v >= 0.8, ">= 0.80"),
    ("term_accuracy", "term right among matches", lambda v: v >= 0.85, ">= 0.85"),
    ("place_accuracy", "place right among matches", lambda v: v >= 0.8, ">= 0.80"),
    ("offsets_exact", "offsets exact", lambda v: v == 1.0, "= 1.00"),
    ("median_seconds", "median time per article (s)", lambda v: v < 0.5, "< 0.5"),
    ("max_seconds", "max time per article (s)", lambda v: v < 0.5, "< 0.5"),
)
LOAD_GOAL = 5.0  # seconds to import the assistant and build its gazetteer


# --- the corpus -------------------------------------------------------------------------------------------------


@dataclass
class Article:
    split: str
    slug: str
    text: str
    published: date
    language: str
    records: list[dict]
    not_records: list[dict]

    @property
    def name(self) -> str:
        return f"{self.split}/{self.slug}"


def load_corpus(root: Path = CORPUS) -> tuple[dict, list[Article]]:
    """The gazetteer entries and every article of ``dev/`` and ``heldout/``, in name order."""
    gazetteer = json.loads((root / "gazetteer.json").read_text(encoding="utf-8"))
    articles = []
    for split in SPLITS:
        for path in sorted((root / split).glob("*.json")):
            meta = json.loads(path.read_text(encoding="utf-8"))
            articles.append(
                Article(
                    split=split,
                    slug=path.stem,
                    text=path.with_suffix(".txt").read_text(encoding="utf-8"),
                    published=date.fromisoformat(meta["published"]),
                    language=meta.get("language", "en"),
                    records=meta["records"],
                    not_records=meta.get("not_records", []),
                )
            )
    return gazetteer, articles


def excerpt_span(text: str, excerpt: str) -> tuple[int, int] | None:
    """Where an expected excerpt sits in the article (its first verbatim occurrence), or None."""
    start = text.find(excerpt)
    return None if start < 0 else (start, start + len(excerpt))


# --- matching -------------------------------------------------------------------------------------------------


def proposal_span(proposal: dict) -> tuple[int, int]:
    return proposal["excerpt_start"], proposal["excerpt_end"]


def overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def differences(proposal: dict, expected: dict) -> list[str]:
    """The matching keys on which a proposal and an expected record disagree (empty: they match in substance)."""
    keys = ("kind", "strain") if expected["kind"] == AID_CAPACITY else QUANTITY_KEYS
    return [key for key in keys if proposal.get(key) != expected.get(key)]


def is_match(proposal: dict, expected: dict, expected_span: tuple[int, int]) -> bool:
    """The corpus rule: the keys agree and the proposal's excerpt overlaps the expected sentence."""
    return not differences(proposal, expected) and overlaps(proposal_span(proposal), expected_span)


def match_records(proposals: list[dict], expected: list[dict], text: str) -> list[tuple[int, int]]:
    """One-to-one (proposal index, expected index) pairs, as many as the matching rule allows.

    A maximum bipartite matching (augmenting paths), each expected record trying first the proposal whose
    span starts nearest its own, so that a right proposal is never taken by a neighbour's record.
    """
    spans = [excerpt_span(text, record["excerpt"]) for record in expected]
    candidates: list[list[int]] = []
    for record, span in zip(expected, spans, strict=True):
        if span is None:
            candidates.append([])
            continue
        fitting = [index for index, proposal in enumerate(proposals) if is_match(proposal, record, span)]
        fitting.sort(key=lambda index: (abs(proposals[index]["excerpt_start"] - span[0]), index))
        candidates.append(fitting)
    owner: dict[int, int] = {}  # proposal index -> expected index

    def augment(record_index: int, seen: set[int]) -> bool:
        for proposal_index in candidates[record_index]:
            if proposal_index in seen:
                continue
            seen.add(proposal_index)
            if proposal_index not in owner or augment(owner[proposal_index], seen):
                owner[proposal_index] = record_index
                return True
        return False

    for record_index in range(len(expected)):
        augment(record_index, set())
    return sorted((proposal_index, record_index) for proposal_index, record_index in owner.items())


def _name(value: dict | str | None) -> str | None:
    if isinstance(value, dict):
        return value.get("name")
    return value


def same_place(proposal: dict, expected: dict, place_ids: dict[str, int]) -> bool:
    """Location id or name equal; both null is right."""
    got, want = proposal.get("location"), expected.get("location")
    if got is None or want is None:
        return got is None and want is None
    if isinstance(got, dict) and got.get("id") is not None and want in place_ids:
        return got["id"] == place_ids[want]
    return _name(got) == want


def same_organization(got: dict | str | None, want: str | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return _name(got) == want


def same_dates(proposal: dict, expected: dict) -> bool:
    return proposal.get("start_date") == expected["start_date"] and proposal.get("end_date") == expected["end_date"]


def same_precisions(proposal: dict, expected: dict) -> bool:
    return (proposal.get("start_precision"), proposal.get("end_precision")) == (
        expected["start_precision"],
        expected["end_precision"],
    )


# --- scoring ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for one set of articles."""

    articles: int = 0
    expected: int = 0
    proposals: int = 0
    matches: int = 0
    term_right: int = 0
    place_right: int = 0
    dates_right: int = 0
    precision_right: int = 0
    attribution_right: int = 0
    aid_expected: int = 0
    aid_proposals: int = 0
    aid_matches: int = 0
    aid_sector_right: int = 0
    aid_provider_right: int = 0
    aid_place_right: int = 0
    offsets_checked: int = 0
    offsets_exact: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name, value in vars(other).items():
            if name == "seconds":
                self.seconds.extend(value)
            else:
                setattr(self, name, getattr(self, name) + value)

    def figures(self) -> dict:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "articles": self.articles,
            "expected": self.expected,
            "proposals": self.proposals,
            "matches": self.matches,
            "recall": share(self.matches, self.expected),
            "precision": share(self.matches, self.proposals),
            "term_accuracy": share(self.term_right, self.matches),
            "place_accuracy": share(self.place_right, self.matches),
            "dates_accuracy": share(self.dates_right, self.matches),
            "date_precision_accuracy": share(self.precision_right, self.matches),
            "attribution_accuracy": share(self.attribution_right, self.matches),
            "aid_expected": self.aid_expected,
            "aid_proposals": self.aid_proposals,
            "aid_matches": self.aid_matches,
            "aid_recall": share(self.aid_matches, self.aid_expected),
            "aid_precision": share(self.aid_matches, self.aid_proposals),
            "aid_sector_accuracy": share(self.aid_sector_right, self.aid_matches),
            "aid_provider_accuracy": share(self.aid_provider_right, self.aid_matches),
            "aid_place_accuracy": share(self.aid_place_right, self.aid_matches),
            "offsets_exact": share(self.offsets_exact, self.offsets_checked),
            "median_seconds": round(statistics.median(self.seconds), 4) if self.seconds else None,
            "max_seconds": round(max(self.seconds), 4) if self.seconds else None,
        }


@dataclass
class Finding:
    """A line a rules author can act on."""

    article: str
    what: str  # "miss", "false proposal", "wrong field"
    excerpt: str
    detail: str


def _describe(record: dict) -> str:
    if record["kind"] == AID_CAPACITY:
        return f"aid capacity {record.get('strain')}"
    value = record.get("reported_value")
    if record.get("quantifier") == "range":
        value = f"{value}-{record.get('reported_value_max')}"
    elif record.get("quantifier") == "magnitude":
        value = record.get("magnitude_word")
    return f"{record['kind']} {record.get('term')} {record.get('quantifier')} {value} {record.get('unit')}"


def _nearest(text_span: tuple[int, int], items: list[tuple[dict, tuple[int, int] | None]]) -> dict | None:
    for item, span in items:
        if span is not None and overlaps(text_span, span):
            return item
    return None


def score_article(article: Article, proposals: list[dict], place_ids: dict[str, int]) -> tuple[Tally, list[Finding]]:
    """Tallies for one article's proposals against its expected records, and what went wrong."""
    tally = Tally(articles=1)
    findings: list[Finding] = []
    text = article.text
    for proposal in proposals:
        tally.offsets_checked += 1
        start, end = proposal.get("excerpt_start"), proposal.get("excerpt_end")
        if isinstance(start, int) and isinstance(end, int) and text[start:end] == proposal.get("excerpt"):
            tally.offsets_exact += 1
        else:
            findings.append(Finding(article.name, "inexact offsets", proposal.get("excerpt", ""),
                                    f"text[{start}:{end}] is not the excerpt"))

    for group, kinds in (("quantified", QUANTIFIED_KINDS), ("aid", {AID_CAPACITY})):
        expected = [record for record in article.records if record["kind"] in kinds]
        offered = [proposal for proposal in proposals if proposal.get("kind") in kinds]
        pairs = match_records(offered, expected, text)
        if group == "quantified":
            tally.expected += len(expected)
            tally.proposals += len(offered)
            tally.matches += len(pairs)
        else:
            tally.aid_expected += len(expected)
            tally.aid_proposals += len(offered)
            tally.aid_matches += len(pairs)
        for proposal_index, record_index in pairs:
            proposal, record = offered[proposal_index], expected[record_index]
            wrong = []
            if group == "quantified":
                checks = (
                    ("term", proposal.get("term") == record.get("term"), "term_right"),
                    ("place", same_place(proposal, record, place_ids), "place_right"),
                    ("dates", same_dates(proposal, record), "dates_right"),
                    ("attribution", same_organization(proposal.get("attributed_to"), record.get("attributed_to")),
                     "attribution_right"),
                )
                if same_precisions(proposal, record):
                    tally.precision_right += 1
            else:
                checks = (
                    ("sector", proposal.get("sector") == record.get("sector"), "aid_sector_right"),
                    ("provider", same_organization(proposal.get("provider"), record.get("provider")),
                     "aid_provider_right"),
                    ("place", same_place(proposal, record, place_ids), "aid_place_right"),
                )
            for label, right, counter in checks:
                if right:
                    setattr(tally, counter, getattr(tally, counter) + 1)
                else:
                    wrong.append(label)
            if wrong:
                findings.append(Finding(article.name, "wrong field", record["excerpt"],
                                        "; ".join(_field_difference(label, proposal, record) for label in wrong)))
        matched_records = {record_index for _, record_index in pairs}
        matched_proposals = {proposal_index for proposal_index, _ in pairs}
        spans = [(proposal, proposal_span(proposal)) for proposal in offered]
        for record_index, record in enumerate(expected):
            if record_index in matched_records:
                continue
            span = excerpt_span(text, record["excerpt"])
            unmatched = [item for index, item in enumerate(spans) if index not in matched_proposals]
            near = None if span is None else _nearest(span, unmatched)
            if span is None:
                detail = "the expected excerpt is not in the text"
            elif near is None:
                detail = f"expected {_describe(record)} ({record.get('reported_phrase') or ''}): no proposal here"
            else:
                differing = ", ".join(
                    f"{key} {near.get(key)!r} for {record.get(key)!r}" for key in differences(near, record)
                ) or "already matched elsewhere"
                detail = f"expected {_describe(record)}: proposal has {differing}"
            findings.append(Finding(article.name, "miss", record["excerpt"], detail))
        traps = [(item, excerpt_span(text, item["excerpt"])) for item in article.not_records]
        records = [(record, excerpt_span(text, record["excerpt"])) for record in expected]
        for proposal_index, proposal in enumerate(offered):
            if proposal_index in matched_proposals:
                continue
            span = proposal_span(proposal)
            trap = _nearest(span, traps)
            record = _nearest(span, records)
            if trap is not None:
                reason = f"not a record: {trap['why']}"
            elif record is not None:
                reason = "expected " + _describe(record) + (
                    " (matched by another proposal)" if not differences(proposal, record) else "")
            else:
                reason = "no record expected in this sentence"
            findings.append(Finding(article.name, "false proposal", proposal.get("excerpt", ""),
                                    f"proposed {_describe(proposal)} ({proposal.get('reported_phrase') or ''}): "
                                    f"{reason}"))
    return tally, findings


def _field_difference(label: str, proposal: dict, record: dict) -> str:
    if label == "place":
        return f"place {_name(proposal.get('location'))!r} for {record.get('location')!r}"
    if label == "dates":
        return (f"dates {proposal.get('start_date')}..{proposal.get('end_date')} for "
                f"{record['start_date']}..{record['end_date']}")
    if label in ("attribution", "provider"):
        key = "attributed_to" if label == "attribution" else "provider"
        return f"{label} {_name(proposal.get(key))!r} for {record.get(key)!r}"
    return f"{label} {proposal.get(label)!r} for {record.get(label)!r}"


@dataclass
class Evaluation:
    load_seconds: float
    rules_version: str
    tallies: dict[str, Tally]  # "dev", "heldout", "all"
    findings: dict[str, list[Finding]]
    batches: dict[str, Tally] = field(default_factory=dict)  # held-out batches (heldout_batches.json)

    def figures(self) -> dict:
        return {
            "rules_version": self.rules_version,
            "load_seconds": round(self.load_seconds, 3),
            **{name: tally.figures() for name, tally in self.tallies.items()},
        }


def evaluate(root: Path = CORPUS, *, assistant=None) -> Evaluation:
    """Run the assistant on the whole corpus and score it. Needs ``tracker.extraction`` and Django's settings.

    ``assistant`` stands in for ``tracker.extraction`` (anything with ``RULES_VERSION``, ``Gazetteer`` and
    ``extract``): the scorer's own tests give it a tiny fake, so the matching rule is tested on its own.
    """
    entries, articles = load_corpus(root)
    began = time.perf_counter()
    if assistant is None:
        import tracker.extraction as assistant
    gazetteer = assistant.Gazetteer.from_entries(entries["places"], entries["organizations"])
    load_seconds = time.perf_counter() - began
    place_ids = {place["name"]: place["id"] for place in entries["places"]}

    tallies = {name: Tally() for name in (*SPLITS, "all")}
    findings: dict[str, list[Finding]] = {split: [] for split in SPLITS}
    batch_of = held_out_batches(root)
    batches: dict[str, Tally] = {name: Tally() for name in dict.fromkeys(batch_of.values())}
    for article in articles:
        began = time.perf_counter()
        extraction = assistant.extract(article.text, published=article.published, gazetteer=gazetteer,
                             language=article.language)
        seconds = time.perf_counter() - began
        proposals = [proposal.as_json() for proposal in extraction.proposals]
        tally, found = score_article(article, proposals, place_ids)
        tally.seconds.append(seconds)
        tallies[article.split].add(tally)
        findings[article.split].extend(found)
        if article.split == "heldout" and article.slug[:2] in batch_of:
            batches[batch_of[article.slug[:2]]].add(tally)
    for split in SPLITS:
        tallies["all"].add(tallies[split])
    return Evaluation(load_seconds, assistant.RULES_VERSION, tallies, findings, batches)


def held_out_batches(root: Path) -> dict[str, str]:
    """Held-out article number -> the batch it was written in (who, and before or after which rules)."""
    path = root / "heldout_batches.json"
    if not path.exists():
        return {}
    batches = json.loads(path.read_text(encoding="utf-8"))["batches"]
    return {number: batch["name"] for batch in batches for number in batch["articles"]}


BATCH_COLUMNS = (("articles", "articles"), ("recall", "recall"), ("precision", "precision"),
                 ("term_accuracy", "term"), ("place_accuracy", "place"), ("dates_accuracy", "dates"),
                 ("aid_recall", "aid recall"))


# --- reporting -------------------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def goal_rows(evaluation: Evaluation) -> list[tuple[str, str, list[str]]]:
    """(label, goal, [dev, heldout, all] cells with PASS/FAIL)."""
    figures = evaluation.figures()
    rows = []
    for key, label, test, threshold in GOALS:
        cells = []
        for name in (*SPLITS, "all"):
            value = figures[name][key]
            verdict = "-" if value is None else ("PASS" if test(value) else "FAIL")
            cells.append(f"{_cell(value)} {verdict}")
        rows.append((label, threshold, cells))
    load = evaluation.load_seconds
    rows.append(("load: import and gazetteer (s)", f"< {LOAD_GOAL:g}",
                 [f"{load:.3f} {'PASS' if load < LOAD_GOAL else 'FAIL'}", "", ""]))
    return rows


FIGURE_ROWS = (
    ("articles", "articles"),
    ("expected", "expected quantified records"),
    ("proposals", "quantified proposals"),
    ("matches", "matches"),
    ("recall", "recall"),
    ("precision", "precision"),
    ("term_accuracy", "term right (of matches)"),
    ("place_accuracy", "place right (of matches)"),
    ("dates_accuracy", "start and end dates right (of matches)"),
    ("date_precision_accuracy", "date precisions right (of matches)"),
    ("attribution_accuracy", "attribution right (of matches)"),
    ("aid_expected", "aid capacity: expected"),
    ("aid_proposals", "aid capacity: proposals"),
    ("aid_matches", "aid capacity: matches"),
    ("aid_recall", "aid capacity: recall"),
    ("aid_precision", "aid capacity: precision"),
    ("aid_sector_accuracy", "aid capacity: sector right (of matches)"),
    ("aid_provider_accuracy", "aid capacity: provider right (of matches)"),
    ("aid_place_accuracy", "aid capacity: place right (of matches)"),
    ("offsets_exact", "offsets exact (of all proposals)"),
    ("median_seconds", "median time per article (s)"),
    ("max_seconds", "max time per article (s)"),
)


def markdown(evaluation: Evaluation, *, show_heldout: bool) -> str:
    figures = evaluation.figures()
    lines = [
        "# Extraction assistant on the corpus (`make extract-bench`)",
        "",
        f"Rules version {evaluation.rules_version}; loaded (import and gazetteer) in "
        f"{evaluation.load_seconds:.3f} s. Corpus: tests/extraction/corpus/ (README there). Goals hold on "
        "`heldout/`, the articles the rules were not written against.",
        "",
        "## Goals",
        "",
        "| goal | target | dev | heldout | all |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {label} | {target} | {' | '.join(cells)} |" for label, target, cells in goal_rows(evaluation)]
    lines += ["", "## Figures", "", "| figure | dev | heldout | all |", "|---|---|---|---|"]
    for key, label in FIGURE_ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(figures[name][key]) for name in (*SPLITS, "all")) + " |")
    if evaluation.batches:
        lines += ["", "## Held-out articles by batch", "",
                  "| batch | " + " | ".join(label for _, label in BATCH_COLUMNS) + " |",
                  "|---|" + "---|" * len(BATCH_COLUMNS)]
        for name, tally in evaluation.batches.items():
            batch = tally.figures()
            lines.append(f"| {name} | " + " | ".join(_cell(batch[key]) for key, _ in BATCH_COLUMNS) + " |")
    for split in SPLITS:
        found = evaluation.findings[split]
        lines += ["", f"## What went wrong in {split}/ ({len(found)})", ""]
        if split == "heldout" and not show_heldout:
            counts: dict[str, int] = {}
            for finding in found:
                counts[finding.what] = counts.get(finding.what, 0) + 1
            summary = ", ".join(f"{count} {what}" for what, count in sorted(counts.items())) or "nothing"
            lines.append(f"{summary}. Not listed: rules are never written against held-out articles "
                         "(`--show-heldout` lists them, for a review of the corpus itself).")
            continue
        if not found:
            lines.append("Nothing.")
        for finding in found:
            lines.append(f"- **{finding.what}**, {finding.article}: {finding.detail}  \n  > {finding.excerpt}")
    return "\n".join(lines) + "\n"


def print_summary(evaluation: Evaluation, *, show_heldout: bool) -> None:
    figures = evaluation.figures()
    print(f"Extraction assistant, rules {evaluation.rules_version}: loaded in {evaluation.load_seconds:.3f} s")
    print()
    width = max(len(label) for _, label in FIGURE_ROWS)
    print(f"{'':{width}}  {'dev':>10}  {'heldout':>10}  {'all':>10}")
    for key, label in FIGURE_ROWS:
        print(f"{label:{width}}  " + "  ".join(f"{_cell(figures[name][key]):>10}" for name in (*SPLITS, "all")))
    print()
    print("Goals (they hold on heldout/, the articles the rules were not written against):")
    for label, target, cells in goal_rows(evaluation):
        print(f"  {label:{width}} {target:>7}   dev {cells[0]:<12} heldout {cells[1]:<12} all {cells[2]}")
    if evaluation.batches:
        print()
        print("Held-out articles by batch:")
        for name, tally in evaluation.batches.items():
            batch = tally.figures()
            print(f"  {name:<52} " + "  ".join(f"{label} {_cell(batch[key])}" for key, label in BATCH_COLUMNS))
    for split in SPLITS:
        found = evaluation.findings[split]
        print()
        if split == "heldout" and not show_heldout:
            print(f"heldout/: {len(found)} findings, not listed (--show-heldout to review the corpus itself).")
            continue
        print(f"{split}/: {len(found)} findings")
        for finding in found:
            print(f"  [{finding.what}] {finding.article}: {finding.detail}")
            print(f"      {finding.excerpt}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="also write bench/results/extract.json")
    parser.add_argument("--show-heldout", action="store_true",
                        help="list held-out misses and false proposals too (to review the corpus, never the rules)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
    import django

    django.setup()
    evaluation = evaluate(args.corpus)
    print_summary(evaluation, show_heldout=args.show_heldout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # The summary on disk never lists held-out findings, whatever the terminal shows: it is shared and committed.
    (RESULTS / "extract.md").write_text(markdown(evaluation, show_heldout=False), encoding="utf-8")
    print(f"\nSummary written to {(RESULTS / 'extract.md').relative_to(ROOT)}")
    if args.json:
        (RESULTS / "extract.json").write_text(json.dumps(evaluation.figures(), indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {(RESULTS / 'extract.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
