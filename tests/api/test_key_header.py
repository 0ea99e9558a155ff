"""The API docs' Authorize box takes the bare key: keys come in ``X-Api-Key: <key>`` as well as in
``Authorization: Api-Key <key>``, and every 401 says how to send one."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import API, client_with, make_key, token_client

pytestmark = pytest.mark.django_db

URL = f"{API}/surrenders/"
HOW = "Send your API key as `Authorization: Api-Key <key>` (or the bare key in `X-Api-Key: <key>`)"


def bare(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


def test_the_bare_key_in_x_api_key_reads_as_the_authorization_header_does(api_key):
    _, raw = api_key
    assert bare(raw).get(URL).status_code == 200
    assert bare(f"  {raw} ").get(URL).status_code == 200
    assert bare(f"Api-Key {raw}").get(URL).status_code == 200  # the header's form, pasted whole, is taken too
    assert bare(raw).get(URL, {"format": "csv"}).status_code == 200
    assert bare(raw).post(URL, {}, format="json").status_code == 403  # a key still only reads


@pytest.mark.parametrize("how", ["missing", "unknown", "revoked", "empty", "wrong keyword"])
def test_every_401_says_how_to_send_a_key(how):
    revoked, revoked_raw = make_key(name="revoked")
    revoked.revoked = True
    revoked.save()
    client = {
        "missing": APIClient(),
        "unknown": bare("nope.nope"),
        "revoked": client_with(f"Api-Key {revoked_raw}"),
        "empty": client_with("Api-Key "),
        "wrong keyword": client_with(f"Bearer {revoked_raw}"),
    }[how]
    response = client.get(URL)
    assert response.status_code == 401
    assert HOW in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    if how == "missing":
        assert response.json()["detail"].startswith("No credentials were sent.")
    if how == "wrong keyword":
        assert response.json()["detail"].startswith("The Authorization header names no scheme this API takes.")
    if how == "revoked":
        assert response.json()["detail"].startswith("Unknown or revoked API key.")


def test_a_wrong_bare_key_counts_against_the_address_like_any_wrong_key(settings):
    settings.API_AUTH_FAILURE_LIMIT = 3
    statuses = [bare("nope.nope").get(URL).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_key_in_x_api_key_beside_an_authorization_header_is_refused(reviewer, api_key):
    token = token_client(reviewer)._credentials["HTTP_AUTHORIZATION"]
    for authorization, key in ((token, "nope.nope"), (token, api_key[1]), (f"Api-Key {api_key[1]}", api_key[1])):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=authorization, HTTP_X_API_KEY=key)
        response = client.get(URL)
        assert response.status_code == 401
        assert response.json()["detail"].startswith("Send the key in X-Api-Key or credentials in Authorization")
        assert HOW in response.json()["detail"]


def test_the_schema_describes_the_key_on_the_header_that_takes_it_bare(client):
    schema = client.get(f"{API}/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["apiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Api-Key")
    assert "Authorization: Api-Key <key>" in scheme["description"]
    listing = schema["paths"][URL]["get"]
    assert {"apiKey": []} in listing["security"]
    assert "X-Api-Key: <key>" in listing["responses"]["401"]["description"]
