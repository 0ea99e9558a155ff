"""Rate limits: per API key (by its prefix), per user account, per address for the public schema.

The counters live in the ``throttle`` cache: Redis when ``REDIS_URL`` is set,
shared by every server process; local memory otherwise (per process). Rates
come from ``settings.API_THROTTLE_RATES`` at request time, so a rate set to
None switches that limit off. Over the limit: 429 with ``Retry-After``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from tracker.api.authentication import api_key_of


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


class ApiKeyRateThrottle(_SettingsRateThrottle):
    """Requests made with one API key."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        key = api_key_of(request)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.prefix}


class UserRateThrottle(_SettingsRateThrottle):
    """Requests made by one account (session or token)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if api_key_of(request) is not None or not request.user.is_authenticated:
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
