"""Rate limits: per API key (by its prefix), per user account, per address for the public schema,
and per address for wrong API keys and tokens.

The counters live in the ``throttle`` cache: Redis when ``REDIS_URL`` is set,
shared by every server process; local memory otherwise (per process). Rates
come from ``settings.API_THROTTLE_RATES`` at request time, so a rate set to
None switches that limit off. Over the limit: 429 with ``Retry-After``.

Each count is one atomic ``incr``, so requests of one key arriving together on
several servers are each counted (DRF's own throttle reads a list of times and
writes it back, and overlapping requests lost their counts: 24 of 60 passed a
limit of 20 on two servers). The window opens at a caller's first request and
lasts the rate's period; then the count starts again.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from tracker.api import authentication
from tracker.security import client_address


class _SettingsRateThrottle(SimpleRateThrottle):
    THROTTLE_RATES: dict = {}

    def __init__(self):
        # The base class reads the rate at construction; ours is read from settings, per request.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope)

    def get_ident(self, request) -> str:
        # X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies vouch for it (tracker.security).
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = time.time()
        self.opened = self.window_opened()
        # The count's own name carries its window, and it outlives the window by a minute: an incr racing with
        # its expiry (Redis's incr would then make a count that never expires) cannot happen within the window.
        count_key = f"{self.key}_{int(self.opened * 1000)}"
        try:
            count = self.cache.incr(count_key)
        except ValueError:  # the window's first request, unless another server's came first
            count = 1 if self.cache.add(count_key, 1, timeout=self.duration + 60) else self.cache.incr(count_key)
        return count <= self.num_requests

    def window_opened(self) -> float:
        """When the caller's current window opened: now, for the first request after the last one closed."""
        window_key = f"{self.key}_window"
        opened = self.cache.get(window_key)
        if opened is None:
            self.cache.add(window_key, self.now, timeout=self.duration)
            opened = self.cache.get(window_key, self.now)  # another server's request may have opened it first
        return opened

    def wait(self) -> float:
        return max(1, math.ceil(self.opened + self.duration - self.now))


class ApiKeyRateThrottle(_SettingsRateThrottle):
    """Requests made with one API key."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        key = authentication.api_key_of(request)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.prefix}


class UserRateThrottle(_SettingsRateThrottle):
    """Requests made by one account (session or token)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if authentication.api_key_of(request) is not None or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(_SettingsRateThrottle):
    """Requests without credentials (the public schema and docs), per client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


THROTTLE_CLASSES = [ApiKeyRateThrottle, UserRateThrottle, AnonRateThrottle]


class AuthFailureThrottle:
    """Wrong API keys and tokens, counted per client address.

    ``API_AUTH_FAILURE_LIMIT`` failures within ``API_AUTH_FAILURE_MINUTES`` of an
    address's first one, and every request from it that bears a key or token is
    refused with 429 until that window ends, before the key is looked at: a
    guesser learns nothing more, while keys used from other addresses work on.
    A limit of 0 switches the count off.
    """

    scope = "auth_failures"

    def __init__(self, request):
        address = client_address(request)
        self.count_key = f"throttle_{self.scope}_{address}"
        self.until_key = f"throttle_{self.scope}_{address}_until"
        self.limit = settings.API_AUTH_FAILURE_LIMIT
        self.window = settings.API_AUTH_FAILURE_MINUTES * 60

    @property
    def cache(self):
        return caches["throttle"]

    def wait(self) -> int | None:
        """Seconds until this address may try again, or None when it may now."""
        if self.limit <= 0 or self.window <= 0:
            return None
        values = self.cache.get_many([self.count_key, self.until_key])
        if values.get(self.count_key, 0) < self.limit:
            return None
        return max(1, math.ceil(values.get(self.until_key, time.time() + self.window) - time.time()))

    def record_failure(self) -> None:
        if self.limit <= 0 or self.window <= 0:
            return
        # The window opens at the first failure; later ones count within it (incr keeps the expiry).
        if self.cache.add(self.count_key, 0, timeout=self.window):
            self.cache.set(self.until_key, time.time() + self.window, timeout=self.window)
        try:
            self.cache.incr(self.count_key)
        except ValueError:  # expired between add and incr: this failure opens the next window
            self.cache.set(self.count_key, 1, timeout=self.window)
            self.cache.set(self.until_key, time.time() + self.window, timeout=self.window)
