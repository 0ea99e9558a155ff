"""Full-text search over the records: the same words on PostgreSQL (a GIN index over a tsvector) and SQLite (FTS5).

``text`` makes the words (pure Python), ``documents`` stores them on the records and keeps them true when a name
changes, ``query`` matches a user's words, ``schema`` makes the indexes (docs/decisions.md, "Search").
"""

from tracker.search.text import MAX_QUERY_WORDS, document, names, query_words, stem, stems, tokens

__all__ = ["MAX_QUERY_WORDS", "document", "names", "query_words", "stem", "stems", "tokens"]
