"""Admin login lockout (django-axes): wrong passwords lock an account at an address; documented unlocks work.

docs/security.md, "Lockouts", promises what these tests hold.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import AnalystFactory

LOGIN = "/admin/login/"
TOKEN_LOGIN = "/api/v1/auth/login/"
PASSWORD = "correct-horse-battery-staple"
HERE = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


@pytest.fixture
def account(groups):
    user = AnalystFactory(username="field_analyst")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client: Client, password: str, *, username: str = "field_analyst", address: str = HERE, **headers):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address, **headers)


def logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def lock(client: Client, address: str = HERE, **headers):
    """The default LOGIN_FAILURE_LIMIT (5) wrong passwords; returns the responses."""
    return [log_in(client, f"wrong-{n}", address=address, **headers) for n in range(5)]


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_refused(account):
    client = Client()
    answers = lock(client)
    assert [a.status_code for a in answers[:4]] == [200] * 4  # the login form again, with its error
    assert answers[4].status_code == 429
    locked = log_in(client, PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Login locked" in page and "The right password will not work" in page and "60 minutes" in page
    assert locked["Retry-After"] == "3600"
    assert not logged_in(client)


def test_the_lock_holds_for_that_account_at_that_address_only(account, groups):
    other = AnalystFactory(username="other_analyst")
    other.set_password(PASSWORD)
    other.save()
    lock(Client())
    # the same account from another address, another account from the same address: unaffected
    elsewhere = Client()
    assert log_in(elsewhere, PASSWORD, address=ELSEWHERE).status_code == 302 and logged_in(elsewhere)
    neighbour = Client()
    assert log_in(neighbour, PASSWORD, username="other_analyst").status_code == 302 and logged_in(neighbour)


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(account):
    """Without TRUSTED_PROXY_COUNT the header is the client's own writing: the address stays REMOTE_ADDR."""
    client = Client()
    lock(client, HTTP_X_FORWARDED_FOR="192.0.2.1")
    for n in range(3):
        assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 50}").status_code == 429
    assert AccessAttempt.objects.get().ip_address == HERE


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_address_counts_on_its_own(account):
    proxy = "10.0.0.5"
    locked = Client()
    lock(locked, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {HERE}")
    assert log_in(locked, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=HERE).status_code == 429
    # another person behind the same proxy is not locked out by the first one's failures
    other = Client()
    assert log_in(other, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE).status_code == 302
    assert AccessAttempt.objects.get().ip_address == HERE


def test_the_api_token_login_counts_towards_the_same_lock(account):
    """HTTP Basic on /api/v1/auth/login/ is another door to the password: locked there too."""
    lock(Client())
    basic = base64.b64encode(f"field_analyst:{PASSWORD}".encode()).decode()
    refused = Client().post(TOKEN_LOGIN, content_type="application/json", REMOTE_ADDR=HERE,
                            HTTP_AUTHORIZATION=f"Basic {basic}")
    assert refused.status_code == 429 and "token" not in refused.json()
    assert "locked" in refused.json()["detail"] and refused["Retry-After"] == "3600"
    # and wrong passwords there lock the admin login
    api = Client()
    wrong = base64.b64encode(b"other:wrong").decode()
    for _ in range(5):
        api.post(TOKEN_LOGIN, content_type="application/json", REMOTE_ADDR=ELSEWHERE,
                 HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert AccessAttempt.objects.filter(username="other", ip_address=ELSEWHERE, failures_since_start=5).exists()


@pytest.mark.parametrize("command, argument", [("axes_reset_username", "field_analyst"), ("axes_reset_ip", HERE)])
def test_an_administrator_unlocks_with_the_axes_commands(account, command, argument):
    client = Client()
    lock(client)
    assert log_in(client, PASSWORD).status_code == 429
    call_command(command, argument, stdout=StringIO())
    assert log_in(client, PASSWORD).status_code == 302 and logged_in(client)


def test_an_administrator_sees_and_deletes_the_lock_in_the_admin(account, django_user_model):
    lock(Client())
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", "boss@example.org", "x"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "field_analyst" in listing.content.decode()
    attempt = AccessAttempt.objects.get()
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    client = Client()
    assert log_in(client, PASSWORD).status_code == 302 and logged_in(client)


def test_the_lock_lifts_after_login_lockout_minutes(account):
    client = Client()
    lock(client)
    assert log_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    assert log_in(client, PASSWORD).status_code == 302 and logged_in(client)


def test_a_right_password_before_the_limit_clears_the_count(account):
    client = Client()
    for n in range(4):
        log_in(client, f"wrong-{n}")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    assert [log_in(client, f"again-{n}").status_code for n in range(4)] == [200] * 4
