"""A deterministic, realistic, clearly synthetic data set: the parts of ``manage.py generate_synthetic``.

It makes a place tree over several invented countries (ISO3 codes from the user-assigned X.. range),
organizations, crises, events, sources and N records across the three kinds. Every row says it is synthetic
(``is_synthetic`` and its notes).

- ``generator``: the order of the parts, in one transaction, and the closing summary;
- ``world``: users, places, organizations, crises, events, sources (the reference rows);
- ``records``: drawing the records in blocks, and laying them out as values or COPY text;
- ``prose`` and ``words``: excerpts, notes, attributions and source titles with the word frequencies of real
  reporting, and each record's search document built from the words of their parts;
- ``workers``: forked processes that draw blocks while the main one sends them;
- ``database``: inserts and COPY, bulk loading, clearing earlier synthetic data, COPY text;
- ``shared``: the fixed window, the markers, weighted draws.

This is one of the two bulk paths allowed to skip per-row services and history (DOMAIN.md): rows are inserted
directly, with every derived column computed by the rules ``save()`` uses (``tracker/rules/``), and the
database constraints check every inserted row. The same seed gives the same rows: every random choice comes
from ``random.Random`` seeded from the seed, and dates sit in a fixed ten-year window.
"""
