"""Make an API key for an NGO client and print it once (only its hash is stored)."""

from datetime import datetime, time
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from tracker.models import ApiKey
from tracker.services import api_key_create, api_key_revoke, saved_query_create
from tracker.services.saved_queries import feed_path


class Command(BaseCommand):
    help = (
        "Create a read-only API key for an NGO client and print it. The key is shown only now: store it safely. "
        "Revoke or change its expiry in the admin (API keys)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="The organization that holds the key, e.g. 'Demo NGO'.")
        parser.add_argument("--name", default="", help="A name for this key (default: '<client> key').")
        parser.add_argument("--expires", default="",
                            help="Expiry date or time (YYYY-MM-DD or ISO 8601, UTC); none by default.")
        parser.add_argument("--confidential", action="store_true",
                            help="Grant the confidential scope: the key also sees confidential records.")
        parser.add_argument("--replace", action="store_true",
                            help="Revoke the client's other keys first (the demo uses it to stay re-runnable).")
        parser.add_argument("--url", default="", help="The API's address, to print a ready curl example.")
        parser.add_argument("--quiet", action="store_true", help="Print the key alone.")
        parser.add_argument("--follow", default="", metavar="LIST?FILTERS",
                            help="Also save a query on the key's behalf and print its private feed URL, e.g. "
                                 "'displacement-figures?country=SYR' (needs --user).")
        parser.add_argument("--user", default="",
                            help="The account doing this, recorded in the key's history (its permissions apply: "
                                 "--confidential needs an administrator). Without it, history names no account.")

    @transaction.atomic
    def handle(self, *args, client: str, name: str, expires: str, confidential: bool, replace: bool, url: str,
               quiet: bool, user: str, follow: str = "", **options):
        client = client.strip()
        if not client:
            raise CommandError("--client cannot be empty.")
        expiry = self.parse_expiry(expires) if expires else None
        account = self.account(user) if user else None
        if follow and account is None:
            raise CommandError("--follow: name the account that saves the query with --user.")
        revoked = 0
        try:
            if replace:
                for old in ApiKey.objects.filter(client=client, revoked=False):
                    api_key_revoke(key=old, user=account, reason="Replaced by create_api_key --replace")
                    revoked += 1
            key_row, key = api_key_create(
                user=account, client=client, name=name, confidential_scope=confidential, expiry_date=expiry
            )
            feed = self.follow(follow, key_row, account) if follow else ""
        except (PermissionDenied, ValidationError) as error:
            raise CommandError("; ".join(getattr(error, "messages", None) or [str(error)])) from None
        if quiet:
            self.stdout.write(key)
            return
        scope = "confidential scope" if confidential else "approved, non-confidential records"
        until = f"expires {expiry:%Y-%m-%d %H:%M} UTC" if expiry else "no expiry"
        self.stdout.write(self.style.SUCCESS(f"API key for {client} ({scope}, {until}); shown once, store it now:"))
        self.stdout.write(f"  {key}")
        if revoked:
            self.stdout.write(f"  ({revoked} earlier key(s) of {client} revoked)")
        if url:
            example = f"{url.rstrip('/')}/surrenders/?format=csv&country=SYR"
            self.stdout.write(f'  curl -H "Authorization: Api-Key {key}" "{example}"')
        if feed:
            origin = urlsplit(url)
            address = f"{origin.scheme}://{origin.netloc}{feed}" if url else feed
            self.stdout.write(f"  Atom feed of {follow} as this key sees it (private, shown once): {address}")

    @staticmethod
    def follow(follow: str, key_row: ApiKey, account) -> str:
        """Save ``list?filters`` on the key's behalf; the path of its feed."""
        resource, _, query = follow.partition("?")
        try:
            _, token = saved_query_create(user=account, name=follow, resource=resource.strip(), query=query,
                                          api_key=key_row)
        except ValidationError as error:
            raise CommandError(f"--follow: {'; '.join(error.messages)}") from None
        return feed_path(token)

    @staticmethod
    def account(username: str):
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no account named {username!r}.") from None

    @staticmethod
    def parse_expiry(value: str) -> datetime:
        moment = parse_datetime(value)
        if moment is None:
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                raise CommandError(f"--expires: not a date or time: {value!r} (YYYY-MM-DD).")
            moment = datetime.combine(day, time.max)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment <= timezone.now():
            raise CommandError("--expires: that moment has passed.")
        return moment
