"""Drop the stored texts whose licence does not allow keeping them, once their working time is over (cron)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.services.intake import source_texts_drop_due


class Command(BaseCommand):
    help = (
        "Drop every source text that its licence does not allow keeping and whose working time "
        "(SOURCE_TEXT_WORKING_HOURS after it was stored) is over. The hash, the near-duplicate signature, "
        "the records' excerpts and their offsets stay. Run it from cron, e.g. hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", default="", help="The account recorded in the sources' history (default: none).")

    def handle(self, *args, user: str, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No account named {user!r}.") from None
        dropped = source_texts_drop_due(dropped_by=account)
        for source in dropped:
            self.stdout.write(f"Dropped the text of source #{source.pk}: {source.title}")
        self.stdout.write(f"{len(dropped)} text(s) dropped.")
