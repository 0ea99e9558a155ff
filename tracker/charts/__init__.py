"""Server-rendered SVG charts: no JavaScript, no CDN, no web fonts.

A chart draws numbers the aggregation module (:mod:`tracker.reporting`) has computed, or single figures as
they were recorded; it adds up nothing. Each chart has a visible title, labelled axes, a ``<title>``/``<desc>``
text alternative referenced by ``aria-labelledby``, a native tooltip on every drawn figure, and a data table
beside it. :mod:`tracker.charts.weekly` says how each thing is drawn so that nothing is overstated.
"""
