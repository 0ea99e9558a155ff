"""Wrong API keys and tokens are counted per address: past the limit, 429 before any key is looked at.

docs/security.md, "API keys and tokens", promises what these tests hold.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from knox.models import AuthToken

from tests.api.conftest import API, client_with, make_key
from tests.api.test_throttling import redis_url  # noqa: F401 (the fixture: real Redis, or skip/fail)
from tests.factories import AnalystFactory

URL = f"{API}/surrenders/"
HERE = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


def get(header: str, address: str = HERE, **extra):
    return client_with(header).get(URL, REMOTE_ADDR=address, **extra)


def wrong_key(n: int) -> str:
    return f"Api-Key Zx{n:06d}.{uuid.uuid4().hex}"


def test_twenty_wrong_keys_from_an_address_stop_every_key_from_it(db):
    _, good = make_key()
    assert get(f"Api-Key {good}").status_code == 200
    assert {get(wrong_key(n)).status_code for n in range(20)} == {401}  # API_AUTH_FAILURE_LIMIT's default
    refused = get(f"Api-Key {good}")  # the right key, from the guessing address: not even looked at
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json") and "wrong API keys" in refused.json()["detail"]
    assert 540 < int(refused["Retry-After"]) <= 600  # API_AUTH_FAILURE_MINUTES' default: 10
    # the same valid key from another address works on
    assert get(f"Api-Key {good}", address=ELSEWHERE).status_code == 200


@override_settings(API_AUTH_FAILURE_LIMIT=3)
def test_wrong_tokens_count_with_wrong_keys_and_stop_tokens_too(groups):
    analyst = AnalystFactory(username="writer")
    _, token = AuthToken.objects.create(user=analyst)
    _, key = make_key()
    assert get("Token " + "0" * 64).status_code == 401
    assert get(wrong_key(1)).status_code == 401
    assert get("Token " + "1" * 40).status_code == 401  # an old plain-text token's shape
    assert get(f"Token {token}").status_code == 429
    assert get(f"Api-Key {key}").status_code == 429
    # a request without credentials guesses nothing: the public schema still answers that address
    assert client_with().get(f"{API}/schema/", REMOTE_ADDR=HERE).status_code == 200
    assert get(f"Token {token}", address=ELSEWHERE).status_code == 200


@override_settings(API_AUTH_FAILURE_LIMIT=3)
def test_a_forged_forwarded_for_header_does_not_reset_the_count(db):
    """Without TRUSTED_PROXY_COUNT, X-Forwarded-For is the client's own writing: the address is REMOTE_ADDR."""
    _, good = make_key()
    for n in range(3):
        get(wrong_key(n), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert get(f"Api-Key {good}", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


@override_settings(API_AUTH_FAILURE_LIMIT=3, TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(db):
    _, good = make_key()
    proxy = "10.0.0.5"
    for n in range(3):
        get(wrong_key(n), address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.77, {HERE}")
    assert get(f"Api-Key {good}", address=proxy, HTTP_X_FORWARDED_FOR=HERE).status_code == 429
    assert get(f"Api-Key {good}", address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE).status_code == 200


@override_settings(API_AUTH_FAILURE_LIMIT=0)
def test_a_limit_of_zero_switches_the_count_off(db):
    _, good = make_key()
    assert {get(wrong_key(n)).status_code for n in range(25)} == {401}
    assert get(f"Api-Key {good}").status_code == 200


@pytest.mark.redis
def test_the_failure_count_lives_in_redis_shared_by_every_process(db, redis_url):  # noqa: F811
    import redis

    prefix = f"tracker-test-{uuid.uuid4().hex}"
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}
    _, good = make_key()
    raw_redis = redis.Redis.from_url(redis_url)
    try:
        with override_settings(CACHES={**settings.CACHES, "throttle": backend}, API_AUTH_FAILURE_LIMIT=3):
            for n in range(3):
                assert get(wrong_key(n)).status_code == 401
            # another server process reads the same count through a connection of its own
            elsewhere = RedisCache(redis_url, {"KEY_PREFIX": prefix})
            assert elsewhere.get(f"throttle_auth_failures_{HERE}") == 3
            refused = get(f"Api-Key {good}")
            assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
            # clearing it there clears it here: the state is in Redis, not in this process
            elsewhere.delete(f"throttle_auth_failures_{HERE}")
            assert get(f"Api-Key {good}").status_code == 200
    finally:
        for name in raw_redis.keys(f"{prefix}:*"):
            raw_redis.delete(name)
