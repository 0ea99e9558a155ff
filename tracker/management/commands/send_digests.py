"""Send the saved queries' daily and weekly digests that are due (cron; docs/api.md, "Feeds and saved queries")."""

from django.core.management.base import BaseCommand, CommandError

from tracker.services import digests_send


class Command(BaseCommand):
    help = (
        "Send every daily or weekly digest of a saved query that is due: what changed under the query since its "
        "previous digest, by the feed's rule, through Django's mail backend (EMAIL_BACKEND). Digests with no "
        "change are not sent (the check is recorded); running it again at once sends nothing. Run it from cron, "
        "e.g. hourly or daily. Exits 1 if the mail server refused any digest (those stay due)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="",
                            help="The site's address for the links in the mail (default: SITE_URL).")

    def handle(self, *args, base_url: str, **options):
        results = digests_send(base_url=base_url or None)
        counts = {"sent": 0, "empty": 0, "skipped": 0, "failed": 0}
        for result in results:
            counts[result.outcome] += 1
            query = result.saved_query
            if result.outcome == "sent":
                line = f"Sent to {query.email}: {query.name} (#{query.pk}), {result.changes} change(s)."
            elif result.outcome == "empty":
                line = f"No changes, not sent: {query.name} (#{query.pk})."
            else:
                line = f"{result.outcome.capitalize()}: {query.name} (#{query.pk}): {result.detail}."
            self.stdout.write(line)
        self.stdout.write(f"{counts['sent']} digest(s) sent, {counts['empty']} without changes, "
                          f"{counts['skipped']} skipped, {counts['failed']} failed.")
        if counts["failed"]:
            raise CommandError("The mail server refused some digests: they stay due for the next run.")
