"""List the sources stored twice under one URL, for a reviewer to merge (nothing is changed)."""

from django.core.management.base import BaseCommand
from django.urls import reverse

from tracker.selectors.sources import source_url_collisions


class Command(BaseCommand):
    help = (
        "List groups of sources whose URLs name the same page under the current rule (compared without "
        "trailing slashes, 'www.', the scheme or tracking parameters): ids, titles, URLs, record counts and admin "
        "links. The migration that changed the rule left them apart; until a reviewer merges them, editing one "
        "is refused as a duplicate of the other. Exits 1 with --check when any group is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="",
                            help="The site's address (e.g. https://tracker.example.org), to print full admin links.")
        parser.add_argument("--check", action="store_true", help="Exit with status 1 when a group is found.")

    def handle(self, *args, url: str, check: bool, **options):
        groups = source_url_collisions()
        base = url.rstrip("/")
        for number, group in enumerate(groups, start=1):
            self.stdout.write(f"Group {number}: {len(group)} sources name one page")
            for source in group:
                link = base + reverse("admin:tracker_source_change", args=[source.pk])
                self.stdout.write(f"  #{source.pk} {source.title!r}: {source.url} ({source.records} record(s)) {link}")
        if not groups:
            self.stdout.write("No sources share a URL.")
            return
        self.stdout.write(
            f"{len(groups)} group(s). To merge a group, keep one source (usually the one with the most records), "
            "move the records of the others to it (each record's source, in the admin or through the API), then "
            "delete the others. Until then an edit of any of them is refused as a duplicate of another.")
        if check:
            raise SystemExit(1)
