"""Who is knocking, and what a locked-out login sees (docs/security.md, "Lockouts").

The client address is what login lockouts (django-axes) and the API's
failed-credential throttle count by. By default it is ``REMOTE_ADDR``: a client
can write any ``X-Forwarded-For`` it likes, so that header is believed only
behind ``TRUSTED_PROXY_COUNT`` proxies, each of which appends the address it
saw; the client's is then the one the outermost proxy appended.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as far as the configured proxies vouch for it."""
    meta = request.META
    remote = _valid(meta.get("REMOTE_ADDR", "")) or "0.0.0.0"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    # Each trusted proxy appended one entry; anything further left was written by the client.
    return _valid(forwarded[-min(proxies, len(forwarded))]) or remote


def lockout_seconds() -> int | None:
    """How long a lockout lasts, or None when only an administrator ends it."""
    cool_off = settings.AXES_COOLOFF_TIME
    return math.ceil(cool_off.total_seconds()) if cool_off else None


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """429 with ``Retry-After``: a page for people, JSON under ``/api/``. The password was not checked."""
    seconds = lockout_seconds()
    message = (
        f"Too many failed logins for this account from your address: it is locked here for "
        f"{math.ceil(seconds / 60)} minutes. The right password will not work until then, unless an "
        "administrator unlocks the account."
        if seconds else
        "Too many failed logins for this account from your address: it is locked here until an administrator "
        "unlocks it. The right password will not work until then."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = TemplateResponse(request, "admin/lockout.html", {
            "title": "Login locked", "message": message, "failure_limit": settings.AXES_FAILURE_LIMIT,
            "site_header": "Displacement Tracker",
        }, status=429)
        response.render()
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
