"""API keys keep history like every other write; the confidential scope needs an administrator; revocation is final.

docs/security.md, "API keys and tokens", promises what these tests hold.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.api.conftest import API, client_with
from tests.factories import UserFactory
from tracker import services
from tracker.models import ApiKey
from tracker.permissions import ADMINISTRATORS

URL = f"{API}/surrenders/"


@pytest.fixture
def boss(groups):
    """An administrator (the Administrators group): may grant the confidential scope."""
    return UserFactory(username="boss", groups=[ADMINISTRATORS])


@pytest.fixture
def key_manager(db):
    """Staff who may make and change keys, but not grant the confidential scope."""
    user = UserFactory(username="key_manager")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="tracker", codename__in=["add_apikey", "change_apikey", "view_apikey"]))
    return user


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(key: ApiKey | None = None, **changes) -> dict:
    data = {"client": "Field NGO", "name": "field key", "expiry_date_0": "", "expiry_date_1": ""}
    if key is not None:
        data.update(client=key.client, name=key.name)
        if key.expiry_date:
            data.update(expiry_date_0=f"{key.expiry_date:%Y-%m-%d}", expiry_date_1=f"{key.expiry_date:%H:%M:%S}")
        if key.confidential_scope:
            data["confidential_scope"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def change_url(key: ApiKey) -> str:
    return reverse("admin:tracker_apikey_change", args=[key.pk])


def history(key: ApiKey) -> list[tuple]:
    rows = ApiKey.history.filter(id=key.pk).order_by("history_date", "history_id")
    return [(row.history_type, row.history_user.username if row.history_user else None, row.history_change_reason,
             row.confidential_scope, row.revoked) for row in rows]


def test_every_admin_change_to_a_key_is_in_its_history_with_who_made_it(boss):
    client = admin_client(boss)
    made = client.post(reverse("admin:tracker_apikey_add"), form(), follow=True)
    assert made.status_code == 200
    key = ApiKey.objects.get()
    shown = next(str(m) for m in made.context["messages"] if "API key for Field NGO is" in str(m))
    raw = shown.split(" is: ")[1].split(" ")[0]
    assert client_with(f"Api-Key {raw}").get(URL).status_code == 200
    assert raw.split(".")[1] not in str(list(ApiKey.history.values()))  # history never holds the key itself

    assert client.post(change_url(key), form(key, confidential_scope="on")).status_code == 302
    assert client.post(change_url(key), form(key, confidential_scope="on", expiry_date_0="2999-01-31",
                                             expiry_date_1="12:00:00")).status_code == 302
    key.refresh_from_db()
    assert client.post(change_url(key), form(key, revoked="on")).status_code == 302
    assert client_with(f"Api-Key {raw}").get(URL).status_code == 401
    assert history(key) == [
        ("+", "boss", "Created", False, False),
        ("~", "boss", "Confidential scope granted", True, False),
        ("~", "boss", "Expiry set to 2999-01-31 12:00 UTC", True, False),
        ("~", "boss", "Revoked", True, True),
    ]
    page = client.get(reverse("admin:tracker_apikey_history", args=[key.pk])).content.decode()
    assert "Confidential scope granted" in page and "Revoked" in page and "boss" in page


def test_only_an_administrator_grants_the_confidential_scope(key_manager, boss):
    key, _ = services.api_key_create(user=key_manager, client="Field NGO")
    refused = admin_client(key_manager).post(change_url(key), form(key, confidential_scope="on"))
    assert refused.status_code == 200
    assert "Only an administrator may grant the confidential scope" in refused.content.decode()
    key.refresh_from_db()
    assert not key.confidential_scope and len(history(key)) == 1
    made = admin_client(key_manager).post(reverse("admin:tracker_apikey_add"), form(confidential_scope="on"))
    assert made.status_code == 200 and ApiKey.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.api_key_update(key=key, user=key_manager, data={"confidential_scope": True})
    # the administrator grants it; the key manager may take it away again
    services.api_key_update(key=key, user=boss, data={"confidential_scope": True})
    assert admin_client(key_manager).post(change_url(key), form(key, confidential_scope=None)).status_code == 302
    assert [row[1:4] for row in history(key)] == [
        ("key_manager", "Created", False), ("boss", "Confidential scope granted", True),
        ("key_manager", "Confidential scope removed", False)]


def test_revocation_is_for_good(boss):
    key, raw = services.api_key_create(user=boss, client="Field NGO", confidential_scope=True)
    services.api_key_revoke(key=key, user=boss)
    with pytest.raises(ValidationError, match="revoked, for good"):
        services.api_key_update(key=key, user=boss, data={"name": "again"})
    with pytest.raises(ValidationError):
        services.api_key_update(key=key, user=boss, data={"revoked": False})
    client = admin_client(boss)
    # the admin shows a revoked key read-only: posting "not revoked" changes nothing
    client.post(change_url(key), form(key, revoked=None))
    key.refresh_from_db()
    assert key.revoked and client_with(f"Api-Key {raw}").get(URL).status_code == 401
    # keys are revoked, not deleted; history is read, not reverted
    assert client.get(reverse("admin:tracker_apikey_delete", args=[key.pk])).status_code == 403
    version = ApiKey.history.filter(id=key.pk).earliest("history_date").history_id
    revert = reverse("admin:tracker_apikey_simple_history", args=[key.pk, version])
    assert client.post(revert, form(key, revoked=None)).status_code == 403
    key.refresh_from_db()
    assert key.revoked


def test_the_revoke_action_records_who_revoked(boss):
    first, _ = services.api_key_create(user=boss, client="A")
    second, _ = services.api_key_create(user=boss, client="B")
    response = admin_client(boss).post(reverse("admin:tracker_apikey_changelist"), {
        "action": "revoke_keys", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    for key in (first, second):
        assert history(key)[-1] == ("~", "boss", "Revoked", False, True)


def test_create_api_key_records_the_user_and_checks_the_scope_permission(boss, key_manager):
    call_command("create_api_key", "--client", "Trusted NGO", "--confidential", "--user", "boss", stdout=StringIO())
    key = ApiKey.objects.get()
    assert history(key) == [("+", "boss", "Created", True, False)]
    with pytest.raises(CommandError, match="Only an administrator may grant"):
        call_command("create_api_key", "--client", "Other NGO", "--confidential", "--user", "key_manager",
                     stdout=StringIO())
    with pytest.raises(CommandError, match="no account"):
        call_command("create_api_key", "--client", "Other NGO", "--user", "nobody", stdout=StringIO())
    call_command("create_api_key", "--client", "Trusted NGO", "--replace", "--user", "key_manager", stdout=StringIO())
    assert history(key)[-1] == ("~", "key_manager", "Replaced by create_api_key --replace", True, True)
    assert ApiKey.objects.filter(client="Trusted NGO", revoked=False).count() == 1
