"""Who is asking: an NGO's API key, an analyst's token or session.

``djangorestframework-api-key``'s ``HasAPIKey`` is only a permission: the key would
stay unknown to throttling and access rules. This authentication class makes it
``request.auth``, with a stand-in ``request.user`` that holds no permission.

Analysts' tokens are django-rest-knox tokens: only their SHA-512 hash is stored,
and each expires (``API_TOKEN_DAYS``). Every wrong key or token counts against
the client's address; past the limit, that address is refused with 429 before
any key it sends is looked at (``tracker.api.throttling.AuthFailureThrottle``).
"""

from __future__ import annotations

import re

from django.utils.functional import cached_property
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.settings import knox_settings
from rest_framework import authentication, exceptions

from tracker.api import throttling
from tracker.models import ApiKey

KEYWORD = "Api-Key"
#: The header that carries the bare key (the API docs' Authorize box, clients that cannot set Authorization).
KEY_HEADER = "X-Api-Key"
KEY_META = "HTTP_X_API_KEY"
#: What every 401 says, so that a client learns how to send its key.
HOW_TO_AUTHENTICATE = (
    f"Send your API key as `Authorization: {KEYWORD} <key>` (or the bare key in `{KEY_HEADER}: <key>`); "
    "staff send `Authorization: Token <token>`."
)
# What knox hands out: hex, AUTH_TOKEN_CHARACTER_LENGTH long (no prefix is configured).
TOKEN_FORMAT = re.compile(f"[0-9a-f]{{{knox_settings.AUTH_TOKEN_CHARACTER_LENGTH}}}")


class CountedFailures:
    """Refuses an address over its failure limit before checking anything; counts each failure."""

    def counted(self, request, check):
        failures = throttling.AuthFailureThrottle(request)
        wait = failures.wait()
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail="Too many wrong API keys or tokens from your address: try again later."
            )
        try:
            return check()
        except exceptions.AuthenticationFailed:
            failures.record_failure()
            raise


class ApiKeyClient:
    """The ``request.user`` of a request made with an API key: authenticated, no account, no permission."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey):
        self.key = key

    @cached_property
    def username(self) -> str:
        return f"api-key:{self.key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.key.prefix} ({self.key.client})"

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perms, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class ApiKeyAuthentication(CountedFailures, authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``, or the bare key in ``X-Api-Key: <prefix>.<secret>`` (what the
    API docs' Authorize box sends): a valid, unexpired, unrevoked key. A request that sends ``X-Api-Key`` and an
    Authorization header is refused: which one should count is the client's to say, and a wrong key must not
    pass unnoticed beside a valid token."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1", errors="replace")
        keyword, _, key = header.partition(" ")
        bare = request.META.get(KEY_META)
        if bare is not None and header.strip():
            raise exceptions.AuthenticationFailed(
                f"Send the key in {KEY_HEADER} or credentials in Authorization, not both.")
        if keyword.lower() == KEYWORD.lower():
            return self.counted(request, lambda: self.check_key(key, where=f"after '{KEYWORD}'"))
        if bare is None:
            return None
        # "Api-Key <key>" pasted whole into the header is taken too.
        bare_keyword, _, rest = bare.strip().partition(" ")
        if bare_keyword.lower() == KEYWORD.lower():
            bare = rest
        return self.counted(request, lambda: self.check_key(bare, where=f"in {KEY_HEADER}"))

    def check_key(self, key: str, *, where: str):
        key = key.strip()
        if not key or "\x00" in key:
            raise exceptions.AuthenticationFailed(f"No API key given {where}.")
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired: ask for a new one.")
        return ApiKeyClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request that did not authenticate.
        return f'{KEYWORD} realm="api"'


class TokenAuthentication(CountedFailures, KnoxTokenAuthentication):
    """``Authorization: Token <token>``: an analyst's unexpired knox token (its account must be active)."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != knox_settings.AUTH_HEADER_PREFIX.lower().encode():
            return None
        return self.counted(request, lambda: self.check_token(parts))

    def check_token(self, parts: list[bytes]):
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Give one token after 'Token'.")
        token = parts[1].decode("latin-1")
        # Anything else (an old plain-text token, a NUL byte, non-ASCII) is refused before the database sees it.
        if not TOKEN_FORMAT.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return self.authenticate_credentials(parts[1])


def api_key_of(request) -> ApiKey | None:
    """The API key a request was made with, or None (a user, or nobody)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def is_staff_request(request) -> bool:
    """A logged-in or token-holding staff account: sees what the admin shows it."""
    user = getattr(request, "user", None)
    return bool(api_key_of(request) is None and user and user.is_authenticated and user.is_active and user.is_staff)
