"""Citable releases: a dated, versioned bundle of every approved, non-confidential record and the reports, written
to ``RELEASES_ROOT`` by ``manage.py build_release`` and served from there as files (docs/releases.md).

``builder`` reads everything in one snapshot and writes the files through the export writers
(``tracker.exports``); ``manifest`` names, checksums and lists releases on disk; ``notes`` compares a release
with the one before (added, changed, withdrawn records); ``listing`` is the two doors that read the disk and never
the database: ``/api/v1/releases/`` and the files themselves at ``/releases/<version>/<file>``.
"""
