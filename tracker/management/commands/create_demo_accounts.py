"""Create (or reset) the demo analyst, reviewer and administrator, and print how to log in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from tracker.permissions import ADMINISTRATORS, ANALYSTS, REVIEWERS, ensure_groups

DEMO_ACCOUNTS = (
    # username, group, superuser
    ("demo_analyst", ANALYSTS, False),
    ("demo_reviewer", REVIEWERS, False),
    ("demo_admin", ADMINISTRATORS, True),
)


class Command(BaseCommand):
    help = "Create the demo accounts (one per group) with known passwords. For demos only."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-password", help="Password for every demo account.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Admin URL to print.")

    @transaction.atomic
    def handle(self, *args, password: str, url: str, **options):
        ensure_groups()
        users = get_user_model()
        for username, group, superuser in DEMO_ACCOUNTS:
            user, _ = users.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = superuser
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password '{password}') at {url}"))
        for username, group, _ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<15} {group}")
