"""The one normal form of a stored text (tracker/rules/normalise.py), whichever door the text came through."""

from __future__ import annotations

from tracker.rules.normalise import content_hash, normalise_stored_text


def test_line_ends_spaces_and_blank_lines_are_folded_and_paragraph_breaks_kept():
    raw = "\r\n\n  Headline\t here  \r\n\r\n\r\n\nFirst  paragraph,\tline one \rline two\n\n\n\nSecond.  \n\n"
    assert normalise_stored_text(raw) == " Headline here\n\nFirst paragraph, line one\nline two\n\nSecond."


def test_unicode_is_composed_so_the_same_words_are_the_same_text():
    decomposed = "Cafe\u0301 in Ra\u0301s al-\u02bfAyn"
    assert normalise_stored_text(decomposed) == "Caf\u00e9 in R\u00e1s al-\u02bfAyn"
    assert content_hash(normalise_stored_text(decomposed)) == content_hash("Caf\u00e9 in R\u00e1s al-\u02bfAyn")


def test_normalising_twice_changes_nothing():
    once = normalise_stored_text("a  b\r\n\r\n\r\nc \t d")
    assert normalise_stored_text(once) == once == "a b\n\nc d"
