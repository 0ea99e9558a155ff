"""``create_api_key``: what an administrator runs to give an NGO access."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.api.conftest import API, client_with
from tracker.models import ApiKey


def run(*args) -> str:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def test_the_key_is_printed_once_stored_hashed_and_works(db):
    key = run("--client", "Demo NGO", "--quiet").strip()
    stored = ApiKey.objects.get()
    assert stored.client == "Demo NGO" and not stored.confidential_scope and stored.expiry_date is None
    assert key.startswith(stored.prefix + ".") and key.split(".")[1] not in stored.hashed_key
    assert client_with(f"Api-Key {key}").get(f"{API}/surrenders/").status_code == 200


def test_options_scope_expiry_and_replace(db):
    output = run("--client", "Trusted NGO", "--confidential", "--expires", "2999-01-31",
                 "--url", "http://127.0.0.1:8000/api/v1/")
    stored = ApiKey.objects.get()
    assert stored.confidential_scope and stored.expiry_date.date().isoformat() == "2999-01-31"
    assert 'curl -H "Authorization: Api-Key ' in output and "/api/v1/surrenders/?format=csv&country=SYR" in output
    first = stored.prefix
    run("--client", "Trusted NGO", "--replace")
    assert ApiKey.objects.get(prefix=first).revoked
    assert ApiKey.objects.filter(client="Trusted NGO", revoked=False).count() == 1


@pytest.mark.parametrize("args, message", [
    (["--client", " "], "cannot be empty"),
    (["--client", "X", "--expires", "soon"], "not a date"),
    (["--client", "X", "--expires", "2001-01-01"], "has passed"),
    (["--client", "X", "--expires", "2019-02-30"], "not a date"),
])
def test_bad_arguments_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiKey.objects.exists()
