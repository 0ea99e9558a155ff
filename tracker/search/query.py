"""Matching a user's words against the stored documents: every word must match (AND), each either as the stem of
a whole word of the prose or as the beginning of a word of the names ("Bagh" finds Baghouz, "SY02" SY0203).

One condition, ``SearchMatch``, compiled by the database that runs the query: on PostgreSQL, per word, the
GIN-indexed expression of the prose ``@@`` the stem OR that of the names ``@@`` the word as a prefix (the planner
combines the indexes' bitmaps), its ids read first when the words are rare, or, for a page of a frequent word, the
words looked for in the stored text as the list walks its order; on SQLite the ids that the FTS5 table matches. All
see the same words (``tracker.search.text``), so all find the same records.
"""

from __future__ import annotations

import json

from django.db import NotSupportedError, models
from django.db.models import BooleanField, Expression, F, Q
from django.db.models.expressions import Col

from tracker.search.schema import SEARCH_TABLES, fts_table, vector_sql
from tracker.search.text import query_words, stem

#: Searches PostgreSQL reckons in at most this many records read their ids first (``SearchMatch.is_sparse``). About
#: where the two ways cost the same for a page of 100 at a million records: reading 20,000 ids costs ~100 ms, and
#: a word in 20,000 of 700,000 records is met every 35 rows of a walk, ~60 ms for a page.
SPARSE_MATCHES = 20_000
#: The alias of the record table inside the id subquery, apart from the list's own.
ROWS = "search_rows"


def tsqueries(words: list[str]) -> list[tuple[str, str]]:
    """PostgreSQL's form, per word: the stem for the prose, ``word:*`` for the names (words are letters and digits
    only)."""
    return [(stem(word), f"{word}:*") for word in words]


def fts5_query(words: list[str]) -> str:
    """FTS5's form: ``(search_text : "stem" OR search_names : "word" *) AND ...``."""
    return " AND ".join(f'(search_text : "{stem(word)}" OR search_names : "{word}" *)' for word in words)


class SearchMatch(Expression):
    """True for the records of ``model`` whose document matches every one of ``words`` (non-empty)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, model: type[models.Model], words: list[str]) -> None:
        super().__init__(output_field=BooleanField())
        if not words:
            raise ValueError("A search needs at least one word.")
        self.model, self.words = model, words
        self.text, self.names, self.pk = F("search_text"), F("search_names"), F("pk")
        # Shared by the copies Django makes of the condition (a list's count and its page each compile one), so the
        # planner is asked once per search and database.
        self._sparse: dict[str, bool] = {}

    def get_source_expressions(self):
        return [self.text, self.names, self.pk]

    def set_source_expressions(self, expressions) -> None:
        self.text, self.names, self.pk = expressions

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"Text search runs on PostgreSQL and SQLite, not {connection.vendor}.")

    def as_postgresql(self, compiler, connection):
        if self.is_sparse(connection):
            matches, params = self.condition_sql(f'"{ROWS}"."search_text"', f'"{ROWS}"."search_names"')
            table = self.model._meta.db_table
            if isinstance(self.pk, Col):
                # The rows' addresses, not their ids: the list then reads each match where the GIN index found it
                # (a TID scan) instead of looking its id up in the primary key first (one read in three of a
                # match's; the same statement, so the same snapshot, reads both).
                row = f"{compiler.quote_name_unless_alias(self.pk.alias)}.ctid"
                return f'{row} = ANY(ARRAY(SELECT "{ROWS}"."ctid" FROM "{table}" AS "{ROWS}" WHERE {matches}))', params
            pk, pk_params = compiler.compile(self.pk)
            return (f'{pk} = ANY(ARRAY(SELECT "{ROWS}"."id" FROM "{table}" AS "{ROWS}" WHERE {matches}))',
                    [*pk_params, *params])
        text, text_params = compiler.compile(self.text)
        names, names_params = compiler.compile(self.names)
        if compiler.query.is_sliced:
            return self.walk_sql(text, names, text_params, names_params)
        return self.condition_sql(text, names, text_params, names_params)

    def condition_sql(self, text: str, names: str, text_params=(), names_params=()) -> tuple[str, list]:
        per_word = (f"({vector_sql(text)} @@ to_tsquery('simple'::regconfig, %s) OR "
                    f"{vector_sql(names)} @@ to_tsquery('simple'::regconfig, %s))")
        params = []
        for prose, prefix in tsqueries(self.words):
            params += [*text_params, prose, *names_params, prefix]
        return "(" + " AND ".join([per_word] * len(self.words)) + ")", params

    def walk_sql(self, text: str, names: str, text_params=(), names_params=()) -> tuple[str, list]:
        """The same test on one row without making its documents: the stem as a whole word of the stored prose, the
        word at the start of a word of the stored names, found in the text itself (``strpos``).

        For a page of a frequent word, which PostgreSQL finds by walking the list's order and testing each row it
        meets. ``to_tsvector`` parses a row's text into a document to test it, about 60 microseconds for both
        columns at a million records; ``strpos`` takes about 1.3. The stored words are letters and digits with one
        space between them, so a word found between spaces is a word of the document, as FTS5 reads the same text.
        (PostgreSQL's parser alone reads a number in scientific notation followed by letters, ``12e3abc``, as two
        words; no other stored word is cut or changed by it.)"""
        per_word = f"(strpos(' ' || {text} || ' ', %s) > 0 OR strpos(' ' || {names}, %s) > 0)"
        params = []
        for word in self.words:
            params += [*text_params, f" {stem(word)} ", *names_params, f" {word}"]
        return "(" + " AND ".join([per_word] * len(self.words)) + ")", params

    def is_sparse(self, connection) -> bool:
        """Whether PostgreSQL reckons the words in at most ``SPARSE_MATCHES`` records (asked once per search).

        Such a search reads its records' ids from the GIN indexes first, and the list takes its page from those ids.
        Left to itself the planner walks the list's order index and tests the words on every row it meets, which
        costs it little on paper but about 17 microseconds a row in fact (the documents are made again to test
        them): a word in 0.4 % of a million records took 0.53 s that way, 33 ms through its ids; one in 1.2 %,
        1.7 s against 85 ms. A frequent word keeps the walk: its page is found within a few thousand rows."""
        if connection.alias not in self._sparse:
            matches, params = self.condition_sql(f'"{ROWS}"."search_text"', f'"{ROWS}"."search_names"')
            with connection.cursor() as cursor:
                cursor.execute(f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{self.model._meta.db_table}" AS "{ROWS}" '
                               f"WHERE {matches}", params)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            self._sparse[connection.alias] = plan[0]["Plan"]["Plan Rows"] <= SPARSE_MATCHES
        return self._sparse[connection.alias]

    def as_sqlite(self, compiler, connection):
        pk, pk_params = compiler.compile(self.pk)
        table = self.model._meta.db_table
        if table not in SEARCH_TABLES:
            raise NotSupportedError(f"{table} has no search index.")
        fts = fts_table(table)
        return f'{pk} IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s)', [*pk_params, fts5_query(self.words)]


def search_q(model: type[models.Model], text: str | None) -> Q:
    """The records of ``model`` (a kind of record) that ``text`` finds; ``Q()`` (every record) when ``text`` holds no
    word (empty, spaces, punctuation only): a search for nothing does not filter."""
    words = query_words(text)
    return Q(SearchMatch(model, words)) if words else Q()
