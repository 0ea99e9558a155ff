"""The extraction assistant: rules that read an article and propose records, offline, on one CPU.

Rules first, written to be read: the words are data in ``lexicon.py``; magnitude words come from the quantity
rule (tracker/rules/quantities.py), relative periods from tracker/rules/periods.py, a term's category from
tracker/rules/terms.py. Nothing here writes to the database: the proposals are kept and decided on by
tracker/services/extraction.py. docs/intake.md describes what is proposed and why.

- :func:`extract`: every proposal for an article's text, or a notice when the assistant cannot read it;
- :func:`propose_from_sentence`: the best guess for one selected span;
- :func:`parse_phrase`: a reported phrase ("more than 4,000 fighters") in its parts, for the claim forms;
- :func:`sentence_spans`: sentences with their character offsets;
- :class:`Gazetteer`: places and organizations with every name and alias.
"""

from tracker.extraction.numbers import PhraseParts, parse_phrase
from tracker.extraction.places import Gazetteer
from tracker.extraction.propose import extract, propose_from_sentence
from tracker.extraction.records import RULES_VERSION, Extraction, Proposal
from tracker.extraction.sentences import sentence_spans

__all__ = [
    "RULES_VERSION",
    "Extraction",
    "Gazetteer",
    "PhraseParts",
    "Proposal",
    "extract",
    "parse_phrase",
    "propose_from_sentence",
    "sentence_spans",
]
