"""The public pages at the site root: events and places with their totals, charts, sources and CSV."""
