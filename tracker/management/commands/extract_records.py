"""Read an article (text, HTML or PDF) and print the records the extraction assistant proposes from it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from tracker.extraction import Gazetteer, extract
from tracker.intake import IntakeError, read_upload

TEXT_COLUMNS = (
    ("kind", 12), ("term", 11), ("quantifier", 13), ("value", 19), ("unit", 10), ("place", 18),
    ("dates", 23), ("source", 22), ("conf", 4),
)


class Command(BaseCommand):
    help = (
        "Propose records from an article: reads a .txt, .html or .pdf file, matches places and organizations "
        "against the database, and prints the proposals (JSON list, or a readable table with --format text). "
        "Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The article: a text file, an HTML page or a PDF.")
        parser.add_argument("--published", default="",
                            help="Publication date (YYYY-MM-DD), the anchor of 'yesterday', 'last week'...; "
                                 "by default the date in the HTML page's metadata.")
        parser.add_argument("--format", choices=("json", "text"), default="json", help="json (default) or text.")
        parser.add_argument("--language", default="",
                            help="The article's language code (default: the page's, else en). The assistant reads "
                                 "English only for now.")

    def handle(self, *args, path: str, published: str, format: str, language: str, **options):
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            article = read_upload(data, file.name, None)
        except IntakeError as error:
            raise CommandError(f"{path}: {error.message}") from error
        if published:
            day = parse_date(published) if len(published) == 10 else None
            if day is None:
                raise CommandError(f"--published {published!r} is not a date: give it as YYYY-MM-DD.")
        elif article.publication_date:
            day = article.publication_date
        else:
            raise CommandError(
                f"{path} does not say when it was published: give the date with --published YYYY-MM-DD "
                "(dates such as 'yesterday' and 'last week' are counted from it)."
            )
        language = language or article.language or "en"
        started = time.perf_counter()
        gazetteer = Gazetteer.from_database()
        loaded = time.perf_counter()
        extraction = extract(article.text, published=day, gazetteer=gazetteer, language=language)
        done = time.perf_counter()
        if extraction.notice:
            self.stderr.write(extraction.notice)
        if format == "json":
            self.stdout.write(json.dumps([p.as_json() for p in extraction.proposals], ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._table(extraction.proposals))
        self.stdout.write(
            f"\n{len(extraction.proposals)} proposal(s) from {path}, published {day.isoformat()}; "
            f"gazetteer {1000 * (loaded - started):.0f} ms, rules {1000 * (done - loaded):.0f} ms."
        )

    @staticmethod
    def _table(proposals) -> str:
        header = "  ".join(name.ljust(width) for name, width in TEXT_COLUMNS)
        lines = [header, "-" * len(header)]
        for proposal in proposals:
            if proposal.quantifier:
                value = proposal.reported_phrase or ""
            else:
                value = f"{proposal.strain} ({proposal.sector})"
            place = proposal.location["name"] if proposal.location else "-"
            who = (proposal.attributed_to or {}).get("name") or proposal.attribution_text or "-"
            dates = f"{proposal.start_date.isoformat()}..{proposal.end_date.isoformat()}"
            cells = (proposal.kind, proposal.term or "-", proposal.quantifier or "-", value, proposal.unit or "-",
                     place, dates, who, f"{proposal.confidence:.2f}")
            lines.append("  ".join(str(cell)[:width].ljust(width) for cell, (_name, width) in zip(cells,
                                                                                                  TEXT_COLUMNS,
                                                                                                  strict=True)))
            excerpt = proposal.excerpt if len(proposal.excerpt) <= 110 else proposal.excerpt[:107] + "..."
            lines.append(f"    \u201c{excerpt}\u201d")
        return "\n".join(lines)
