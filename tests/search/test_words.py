"""The words both databases index and match are made once, in Python: tokens of any script without their marks,
Snowball English stems for prose (PostgreSQL's english_stem), plain words for names."""

from __future__ import annotations

import pytest
from django.db import connection

from tracker.search import document, names, query_words, stems, tokens


def test_tokens_fold_case_and_accents_and_split_on_everything_but_letters_and_digits():
    assert tokens("Réfugiés at AL-HOL_camp: 2,000 (SY0203)") == ["refugies", "at", "al", "hol", "camp", "2", "000",
                                                                   "sy0203"]
    assert tokens("Straße ﬁnal İstanbul") == ["strasse", "final", "istanbul"]


def test_arabic_letters_are_words_and_their_vowel_signs_are_dropped():
    assert tokens("الْبَاغُوز، دير الزور") == ["الباغوز", "دير", "الزور"]


def test_stems_are_snowball_english_where_porter_differs():
    # Porter gives "dy" for dying and "gener" for generous; Snowball (english_stem) "die" and "generous".
    assert stems("dying died") == "die die"
    assert stems("generously generous") == "generous generous"
    # Not a stem pair: an irregular past tense keeps its own word.
    assert stems("fleeing fled") == "flee fled"


def test_names_are_kept_whole_and_a_document_is_built_from_plain_values():
    assert names("Al-Hol camp", None, "SY0203") == "al hol camp sy0203"
    assert document(["Families were fleeing.", None], ["Baghouz", "Baghouz", "ISIL"]) == (
        "famili were flee", "baghouz isil")


def test_a_query_keeps_ten_distinct_words():
    assert query_words("camp camp " + " ".join(f"w{n}" for n in range(12))) == ["camp", *(f"w{n}" for n in range(9))]
    assert query_words(" ... !!! ") == []


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own stemmer")
@pytest.mark.parametrize("word", ["dying", "died", "generously", "generous", "fleeing", "fled", "communities",
                                  "arrived", "agencies", "fighting", "overnight"])
def test_python_stems_are_postgresqls_english_stem(word):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ts_lexize('english_stem', %s)", [word])
        (lexemes,) = cursor.fetchone()
    assert lexemes == [stems(word)]
