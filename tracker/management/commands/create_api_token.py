"""Make an analyst's write token and print it once (only its hash is stored)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = (
        "Create a write token for a staff account and print it. The token is shown only now (the database keeps "
        "a hash): store it safely. It expires after API_TOKEN_DAYS days; end it earlier with "
        "POST /api/v1/auth/logout/ or in the admin (Auth tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The staff account the token acts as.")
        parser.add_argument("--quiet", action="store_true", help="Print the token alone.")

    def handle(self, *args, user: str, quiet: bool, **options):
        try:
            account = get_user_model().objects.get_by_natural_key(user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"--user: no account named {user!r}.") from None
        if not (account.is_active and account.is_staff):
            raise CommandError(f"--user: {user!r} is not an active staff account; only staff write through the API.")
        row, token = AuthToken.objects.create(user=account, expiry=settings.REST_KNOX["TOKEN_TTL"])
        if quiet:
            self.stdout.write(token)
            return
        self.stdout.write(self.style.SUCCESS(
            f"Write token for {account.get_username()} (expires {row.expiry:%Y-%m-%d %H:%M} UTC); shown once, "
            "store it now:"
        ))
        self.stdout.write(f"  {token}")
        self.stdout.write(f'  curl -H "Authorization: Token {token}" ...')
