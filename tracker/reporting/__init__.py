"""Totals that never double count (docs/counting.md), one module per rule.

- ``dimensions``: the one registry of groupings (SQL key, Python key, names, columns, HXL tags, list filters),
  ``group_by`` parsing and the time buckets (weeks start on Monday);
- ``counting``: which figures count (``counted``);
- ``stocks``: the stock rule (``CountedStocks``, ``StockRule``);
- ``grouping``: the grouped numbers and the rows as shown;
- ``warnings``: every warning a report gives;
- ``report``: ``figure_report``, the one entry point of every total;
- ``aid_capacity``: the aid capacity status (never summed);
- ``cache``: ``data_version``, the token cached reports and pages are keyed on.

The PostgreSQL fast paths a report takes (one snapshot on two connections, raw fetch, id arrays) are in
:mod:`tracker.db`, each beside its portable twin.
"""
