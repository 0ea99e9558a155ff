"""Build a citable release of the public data in RELEASES_ROOT (docs/releases.md)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tracker.releases.builder import ReleaseError, build


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r}: give a date as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = ("Write a dated, versioned release of every approved, non-confidential record and the reports (CSV, HXL, "
            "GeoJSON, XLSX, a data dictionary, the licence, notes and a manifest with checksums) to RELEASES_ROOT, "
            "read in one snapshot. Nothing is written when the latest release holds the same data.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the release here, not Django's version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The release's date (YYYY-MM-DD); default: the day of the latest change.")
        parser.add_argument("--version", dest="release_version",
                            help="The release's version; default: its date as 2026.12.05 (2026.12.05.2 for a "
                                 "second that day).")

    def handle(self, *args, date=None, release_version=None, **options):
        day = _day(date) if date is not None else None
        try:
            outcome = build(day=day, version=release_version)
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        manifest = outcome.manifest
        if not outcome.created:
            self.stdout.write(f"Unchanged: release {manifest['version']} ({manifest['date']}) holds this data "
                              f"already; no release made. {outcome.folder}")
            return
        counts = ", ".join(f"{count:,} {kind}" for kind, count in manifest["records"].items())
        self.stdout.write(self.style.SUCCESS(
            f"Release {manifest['version']} ({manifest['date']}): {counts}; {len(manifest['files'])} files in "
            f"{outcome.folder}"))
