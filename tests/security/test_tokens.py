"""Analysts' write tokens (django-rest-knox): shown once, stored hashed, expiring.

docs/security.md, "API keys and tokens", promises what these tests hold.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from tests.api.conftest import API, client_with
from tests.factories import AnalystFactory, UserFactory

LOGIN = f"{API}/auth/login/"
PASSWORD = "correct-horse-battery-staple"


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def account(groups):
    user = AnalystFactory(username="writer")
    user.set_password(PASSWORD)
    user.save()
    return user


def stored_values(row: AuthToken) -> list[str]:
    return [str(getattr(row, field.attname)) for field in AuthToken._meta.concrete_fields]


def test_a_token_is_made_with_the_password_shown_once_and_stored_as_a_hash(account):
    made = Client().post(LOGIN, content_type="application/json", HTTP_AUTHORIZATION=basic("writer", PASSWORD))
    assert made.status_code == 200
    token = made.json()["token"]
    expiry = timezone.datetime.fromisoformat(made.json()["expiry"])
    assert timedelta(days=29, hours=23) < expiry - timezone.now() <= timedelta(days=30)  # API_TOKEN_DAYS
    row = AuthToken.objects.get(user=account)
    assert row.digest == hashlib.sha512(token.encode()).hexdigest()
    assert not any(token in value for value in stored_values(row))
    # it writes: a draft source through the API
    writer = client_with(f"Token {token}")
    assert writer.get(f"{API}/sources/").status_code == 200
    # a second login makes another token (the first is never shown again: only its hash exists)
    again = Client().post(LOGIN, content_type="application/json", HTTP_AUTHORIZATION=basic("writer", PASSWORD))
    assert again.json()["token"] != token and AuthToken.objects.filter(user=account).count() == 2


def test_a_logged_in_session_makes_a_token_too(account):
    client = Client(enforce_csrf_checks=False)
    client.force_login(account)
    made = client.post(LOGIN, content_type="application/json")
    assert made.status_code == 200 and client_with(f"Token {made.json()['token']}").get(f"{API}/").status_code == 200


def test_wrong_passwords_and_non_staff_accounts_get_no_token(account, db):
    assert Client().post(LOGIN, content_type="application/json",
                         HTTP_AUTHORIZATION=basic("writer", "wrong")).status_code == 401
    outsider = UserFactory(username="outsider", is_staff=False)
    outsider.set_password(PASSWORD)
    outsider.save()
    assert Client().post(LOGIN, content_type="application/json",
                         HTTP_AUTHORIZATION=basic("outsider", PASSWORD)).status_code == 403
    assert not AuthToken.objects.exists()


def test_an_expired_token_is_refused(account):
    _, token = AuthToken.objects.create(user=account, expiry=timedelta(seconds=-1))
    refused = client_with(f"Token {token}").get(f"{API}/sources/")
    assert refused.status_code == 401 and refused["Content-Type"].startswith("application/json")


def test_logout_ends_one_token_and_logoutall_every_token(account):
    _, first = AuthToken.objects.create(user=account)
    _, second = AuthToken.objects.create(user=account)
    _, third = AuthToken.objects.create(user=account)
    assert client_with(f"Token {first}").post(f"{API}/auth/logout/").status_code == 204
    assert client_with(f"Token {first}").get(f"{API}/sources/").status_code == 401
    assert client_with(f"Token {second}").get(f"{API}/sources/").status_code == 200
    assert client_with(f"Token {second}").post(f"{API}/auth/logoutall/").status_code == 204
    assert client_with(f"Token {third}").get(f"{API}/sources/").status_code == 401


@pytest.mark.parametrize("value", ["0" * 40, "a" * 63, "g" * 64, "abc\x00def", "\xe9" * 64, "a b"])
def test_malformed_tokens_are_a_401_not_a_500(account, value):
    response = client_with(f"Token {value}").get(f"{API}/sources/")
    assert response.status_code == 401 and response.json()["detail"]


def test_create_api_token_prints_a_working_token_once(account, db):
    out = StringIO()
    call_command("create_api_token", "--user", "writer", "--quiet", stdout=out)
    token = out.getvalue().strip()
    assert client_with(f"Token {token}").get(f"{API}/sources/").status_code == 200
    assert not any(token in value for value in stored_values(AuthToken.objects.get()))
    outsider = UserFactory(username="outsider", is_staff=False)
    with pytest.raises(CommandError, match="not an active staff account"):
        call_command("create_api_token", "--user", outsider.username, stdout=StringIO())
    with pytest.raises(CommandError, match="no account"):
        call_command("create_api_token", "--user", "nobody", stdout=StringIO())


def test_the_schema_names_the_token_scheme(client, db):
    schema = client.get(f"{API}/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization" and "Token <token>" in scheme["description"]
    assert f"{API}/auth/login/" in schema["paths"]


def test_the_admin_lists_and_ends_tokens_but_never_makes_or_shows_one(account, django_user_model):
    row, token = AuthToken.objects.create(user=account)
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", "boss@example.org", "x"))
    listing = admin.get("/admin/knox/authtoken/")
    assert listing.status_code == 200 and "writer" in listing.content.decode()
    assert token not in listing.content.decode()
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403
    assert admin.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client_with(f"Token {token}").get(f"{API}/sources/").status_code == 401
