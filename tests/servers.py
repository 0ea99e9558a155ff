"""What the tests that start real processes share: a free port, a skip that fails under CI, HTTP without
redirects, the real Redis, and stopping a server's process group."""

from __future__ import annotations

import http.cookies
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request

import pytest


def require(condition: bool, message: str) -> None:
    """Skip with ``message`` when ``condition`` fails; under ``CI=true`` an absent piece fails instead."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: this test must run)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to look at, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None, data: bytes | None = None, method: str | None = None,
          timeout: float = 30) -> tuple[int, object, bytes]:
    """One request, redirects not followed: (status, headers, body), an error status as any other."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def cookies(headers) -> dict[str, str]:
    """The cookies an answer sets, by name."""
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def real_redis_url() -> str:
    """The real Redis (``TEST_REDIS_URL``, else a database of its own on the local server), or a skip."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        require(False, f"Redis unreachable at {url}: {error}")
    return url


def stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a server started in a process group of its own (its workers with it): SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
