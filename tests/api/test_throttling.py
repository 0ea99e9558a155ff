"""Rate limits per key (and per account): 429 with Retry-After, on local memory or on the shared Redis."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

from tests.api.conftest import API, client_with, make_key, token_client
from tests.servers import real_redis_url

URL = f"{API}/surrenders/"
RATES = {"api_key": "3/minute", "user": "2/minute", "anon": "2/minute"}


def test_a_key_over_its_limit_gets_429_with_retry_after(db):
    _, first = make_key(name="first")
    _, second = make_key(name="second")
    with override_settings(API_THROTTLE_RATES=RATES):
        client = client_with(f"Api-Key {first}")
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(URL, {"format": "csv"})
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= 60
        assert refused["Content-Type"].startswith("application/json")
        # the limit is per key: another client is unaffected
        assert client_with(f"Api-Key {second}").get(URL).status_code == 200


def test_accounts_are_limited_per_user(analyst):
    with override_settings(API_THROTTLE_RATES=RATES):
        client = token_client(analyst)
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_no_rate_means_no_limit(db):
    _, raw = make_key()
    with override_settings(API_THROTTLE_RATES={"api_key": None}):
        client = client_with(f"Api-Key {raw}")
        assert {client.get(URL).status_code for _ in range(5)} == {200}


@pytest.fixture
def redis_url():
    """The real Redis (a database of its own); skipped with the reason when unreachable, failed under CI."""
    return real_redis_url()


@pytest.mark.redis
def test_rate_limits_live_in_redis_shared_by_every_process(db, redis_url):
    import redis

    prefix = f"tracker-test-{uuid.uuid4().hex}"
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}
    key, raw = make_key()
    raw_redis = redis.Redis.from_url(redis_url)
    try:
        with override_settings(CACHES={**settings.CACHES, "throttle": backend}, API_THROTTLE_RATES=RATES):
            client = client_with(f"Api-Key {raw}")
            assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
            # Another server process sees the same counter: read it through a connection of its own.
            elsewhere = RedisCache(redis_url, {"KEY_PREFIX": prefix})
            opened = elsewhere.get(f"throttle_api_key_{key.prefix}_window")
            assert elsewhere.get(f"throttle_api_key_{key.prefix}_{int(opened * 1000)}") == 3
            assert raw_redis.keys(f"{prefix}:*")
            refused = client.get(URL)
            assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
            # closing the window through that other connection opens a new one here: the state lives in Redis
            elsewhere.delete(f"throttle_api_key_{key.prefix}_window")
            assert client.get(URL).status_code == 200
    finally:
        for name in raw_redis.keys(f"{prefix}:*"):
            raw_redis.delete(name)


def test_the_public_schema_is_limited_per_address(client, db):
    with override_settings(API_THROTTLE_RATES=RATES):
        assert [client.get(f"{API}/schema/").status_code for _ in range(3)] == [200, 200, 429]
