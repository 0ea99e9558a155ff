"""Analysts' write tokens (django-rest-knox): made here, shown once, stored as a hash, ended here.

``POST /api/v1/auth/login/`` with the account's username and password (HTTP Basic)
or a logged-in session answers ``{"token", "expiry"}``: the only time the token is
shown. ``logout/`` ends the token it is called with, ``logoutall/`` every token of
the account. Wrong passwords count towards the account's login lockout
(django-axes), as on the admin's login page.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.renderers import JSONRenderer

from tracker.api.authentication import TokenAuthentication
from tracker.api.schema import ERRORS
from tracker.api.throttling import UserRateThrottle
from tracker.security import lockout_seconds


class LockoutAwareBasicAuthentication(BasicAuthentication):
    """HTTP Basic whose refusal says so when the account is locked out at this address (django-axes)."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=lockout_seconds(),
                    detail="Too many failed logins for this account from your address: it is locked here. The "
                           "right password will not work until the lock ends or an administrator lifts it.",
                ) from None
            raise


class IsActiveStaff(permissions.BasePermission):
    message = "Only staff accounts (analysts, reviewers, administrators) hold write tokens."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


# What these endpoints may answer besides success: bad or missing credentials, not staff, rate limits.
AUTH_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 406, 415, 429)}

TOKEN_RESPONSE = inline_serializer("ApiToken", fields={
    "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only now."),
    "expiry": serializers.DateTimeField(help_text="When the token stops working (API_TOKEN_DAYS after now)."),
})


class TokenLoginView(knox.LoginView):
    """A new write token for the account that authenticates (HTTP Basic or a session)."""

    authentication_classes = [LockoutAwareBasicAuthentication, SessionAuthentication]
    permission_classes = [IsActiveStaff]
    throttle_classes = [UserRateThrottle]
    renderer_classes = [JSONRenderer]

    @extend_schema(request=None, responses={200: TOKEN_RESPONSE, **AUTH_ERRORS}, tags=["auth"],
                   summary="Make a write token", auth=[{"basicAuth": []}, {"cookieAuth": []}])
    def post(self, request, format=None):
        return super().post(request, format=format)


class TokenLogoutView(knox.LogoutView):
    """Ends the token this request was made with."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [UserRateThrottle]
    renderer_classes = [JSONRenderer]

    @extend_schema(request=None, responses={204: None, **AUTH_ERRORS}, tags=["auth"], summary="End this token")
    def post(self, request, format=None):
        return super().post(request, format=format)


class TokenLogoutAllView(knox.LogoutAllView):
    """Ends every token of the account this request was made with."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [UserRateThrottle]
    renderer_classes = [JSONRenderer]

    @extend_schema(request=None, responses={204: None, **AUTH_ERRORS}, tags=["auth"],
                   summary="End every token of this account")
    def post(self, request, format=None):
        return super().post(request, format=format)
