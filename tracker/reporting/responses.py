"""Whole responses kept while the data is unchanged: the bytes of a report or a public page, asked again.

A kept response is keyed by what was asked (the kind, the audience, the query in a canonical order, the address)
and by :func:`~tracker.reporting.cache.data_version`: any change to what a total or a page shows makes a new key,
so a kept response is never older than the data. It lives in the shared cache (every app server serves what one
of them computed) and, the latest few, in this process's memory: a report of several megabytes read again from
Redis cost more than the rest of the request. The copy in memory is only used while the shared cache still holds
the key (one small question to Redis), so emptying the shared cache empties every process's copies.
``RESPONSE_MEMORY_MB`` bounds that memory per process (0: none).

A repeat carries an ``ETag`` (the key's digest); a client that sends it back in ``If-None-Match`` gets 304 with
no body while the data is unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from tracker.reporting.cache import data_version

# What a kept response carries besides its body; the outer middleware (security headers, the CSP, the length)
# adds the rest to every answer, kept or not.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "X-Frame-Options", "Link", "Vary")


def response_key(kind: str, asked: object, version: str | None = None) -> str:
    """The key of ``asked`` (anything with a stable ``repr``: what decides the bytes) at ``version`` (by default
    the data version read now)."""
    digest = hashlib.sha256(repr(asked).encode()).hexdigest()[:32]
    return f"tracker-{kind}:{digest}:{version or data_version()}"


def _etag(key: str) -> str:
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'


class Memory:
    """The latest kept responses of this process, least recently used dropped first, within ``limit`` bytes."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    @property
    def limit(self) -> int:
        return settings.RESPONSE_MEMORY_MB * 1024 * 1024

    def get(self, key: str) -> tuple | None:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: str, value: tuple) -> None:
        size = len(value[1])
        if size > self.limit:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = value
            self.size += size
            while self.size > self.limit:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped[1])

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


memory = Memory()


def kept(request: HttpRequest, key: str) -> HttpResponse | None:
    """The response kept under ``key``, or None: 304 when the client already holds these bytes."""
    value = memory.get(key)
    if value is not None and not cache.has_key(key):
        value = None  # emptied or expired in the shared cache: this process's copy goes with it
    if value is None:
        value = cache.get(key)
        if value is None:
            return None
        memory.put(key, value)
    etag = _etag(key)
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        headers, body = value
        response = HttpResponse(body)
        response["Content-Length"] = str(len(body))  # a kept page is answered before CommonMiddleware sets it
        for name, header in headers:
            response[name] = header
    response["ETag"] = etag
    return response


def keep(key: str, response: HttpResponse, seconds: int) -> HttpResponse:
    """Keep a rendered 200 (not streamed, setting no cookie) under ``key`` for ``seconds`` at most."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return response
    value = ([(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)], response.content)
    cache.set(key, value, seconds)
    memory.put(key, value)
    response["ETag"] = _etag(key)
    return response
