"""Import a spreadsheet (CSV, XLSX or HXL-tagged CSV) of records, sources, places or organizations.

    python manage.py import_records FILE --kind displacement --user analyst [--dry-run] [--valid-rows-only]

Every row goes through the same rules as the admin; the whole file is written in one transaction, or nothing
when any row fails (unless --valid-rows-only: then the rows left out are written, with their errors, to
FILE.skipped.csv or --skipped). Exits 1 when any row or the file fails, 2 on bad arguments.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tracker.imports import Options, run_import
from tracker.imports.headers import save_mapping
from tracker.models import ImportKind


class Command(BaseCommand):
    help = "Import a spreadsheet of records, sources, places or organizations (docs/import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--user", required=True, help="The importing analyst's username (history names them).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        parser.add_argument("--valid-rows-only", action="store_true",
                            help="Write the rows that pass, and list the others in the skipped-rows CSV.")
        parser.add_argument("--skipped", help="Where to write the skipped rows (default FILE.skipped.csv).")
        parser.add_argument("--day-first", action="store_true", help="Read dates such as 05/03/2019 as 5 March.")
        parser.add_argument("--encoding", default="", help="The CSV's encoding when it is not UTF-8 (cp1252...).")
        parser.add_argument("--publisher", default="",
                            help="Who published the file, when its rows name no source (the file becomes theirs).")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=COLUMN",
                            help="Read your header as one of our columns (COLUMN empty: ignore it); saved for next "
                                 "time. Repeat for each header.")

    def handle(self, *args, file: str, kind: str, user: str, dry_run: bool, valid_rows_only: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(f"The file is larger than {settings.IMPORT_MAX_BYTES:,} bytes (IMPORT_MAX_BYTES).")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        mapping = {}
        for pair in options["map"]:
            header, sep, column = pair.partition("=")
            if not sep:
                raise CommandError(f"--map takes HEADER=COLUMN, not {pair!r}.")
            mapping[header.strip()] = column.strip()
        if mapping:
            save_mapping(kind, mapping, account)
        settings_ = Options(mapping=mapping, day_first=options["day_first"], encoding=options["encoding"],
                            publisher=options["publisher"], valid_rows_only=valid_rows_only)
        bar = tqdm(total=0, unit="rows", file=self.stderr._out, mininterval=0.5, disable=options["verbosity"] < 1)

        def progress(done: int, total: int) -> None:
            bar.total = max(total, done)
            bar.update(done - bar.n)

        try:
            result = run_import(kind, path.name, path.read_bytes(), user=account, commit=not dry_run,
                                options=settings_, progress=progress)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        self.report(result, dry_run)
        if result.skipped and valid_rows_only and result.written:
            target = Path(options["skipped"] or f"{file}.skipped.csv")
            target.write_text(result.skipped_csv(), encoding="utf-8")
            self.stdout.write(f"The {len(result.skipped)} rows left out, with their errors: {target}")
        if not result.ok:
            raise SystemExit(1)

    def report(self, result, dry_run: bool) -> None:
        counts = result.counts
        verb = "Would write" if dry_run or not result.written else "Wrote"
        if not result.written and not dry_run:
            verb = "Nothing written. Checked"
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(
            f"{verb}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['failed']} failed, of {counts['rows']} rows"
            + (f" (import #{result.batch.pk})" if result.batch and result.written else "") + "."
        )
        pairs = sum(1 for row in result.rows if row.double_counts)
        if pairs:
            self.stdout.write(f"{pairs} row(s) may double count records already stored: review them in the admin.")
        for line in result.error_lines():
            self.stderr.write(line)
