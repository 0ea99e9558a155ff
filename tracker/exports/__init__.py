"""Downloads: the export columns and the formats they are written in (CSV, HXL, XLSX, GeoJSON).

``columns`` is the one registry of export columns (name, HXL hashtag, Python getter, SQL cell); ``csv``,
``xlsx`` (streamed as it is written) and ``geojson`` write records' JSON representations through them;
``copy`` is PostgreSQL's fast path for CSV and HXL, which writes the same bytes as ``csv``, and GeoJSON has
its own twin built in the database (tests/api/test_exports.py and test_downloads.py hold each pair equal);
``escape`` is the formula-escaping rule both follow. The API's renderers (``tracker.api.renderers``)
and the pages' CSV are doors over these modules.
"""
