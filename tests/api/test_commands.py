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


def test_follow_saves_a_query_on_the_keys_behalf_and_prints_its_private_feed(db, django_user_model, client):
    django_user_model.objects.create_superuser("chief", "chief@example.org", "pw")
    output = run("--client", "Demo NGO", "--user", "chief", "--url", "http://127.0.0.1:8000/api/v1/",
                 "--follow", "surrenders?quantified=true")
    feed = next(line.split(": ", 1)[1] for line in output.splitlines() if "Atom feed" in line)
    assert feed.startswith("http://127.0.0.1:8000/feeds/")
    response = client.get(feed.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    saved = ApiKey.objects.get().saved_queries.get()
    assert (saved.resource, saved.query) == ("surrenders", "quantified=true")


def test_follow_refuses_a_filter_the_list_does_not_have_and_keeps_no_key(db, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.org", "pw")
    with pytest.raises(CommandError, match="--follow: colour: Unknown parameter"):
        run("--client", "Demo NGO", "--user", "chief", "--follow", "surrenders?colour=blue")
    assert not ApiKey.objects.exists()
