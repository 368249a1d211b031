"""Login rate limiting: after too many failed logins for one username from one address, refuse for a while.

Failures are counted in Django's cache per (username, IP address) for STANCEMARK_LOGIN_LOCKOUT_MINUTES;
at STANCEMARK_LOGIN_MAX_FAILURES the pair is locked until the count expires. `LoginRateLimitBackend`
replaces ModelBackend in AUTHENTICATION_BACKENDS, so every `authenticate()` is refused while locked (the
login page, the admin, the API token endpoint) before any password is checked. The login page and the token
endpoint say so (429 for the API) instead of "wrong password".
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


def _max_failures() -> int:
    return int(getattr(settings, "STANCEMARK_LOGIN_MAX_FAILURES", 5))


def _lockout_seconds() -> int:
    return int(getattr(settings, "STANCEMARK_LOGIN_LOCKOUT_MINUTES", 15)) * 60


def _key(username: str, request: HttpRequest | None) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    digest = hashlib.sha256(f"{username.casefold()}\n{address}".encode()).hexdigest()
    return f"stancemark:login-failures:{digest}"


def login_locked(username: str, request: HttpRequest | None) -> bool:
    """True while this username from this address has failed too often."""
    return cache.get(_key(username, request), 0) >= _max_failures()


def login_failed(username: str, request: HttpRequest | None) -> None:
    """Count one failure; the count expires STANCEMARK_LOGIN_LOCKOUT_MINUTES after the first."""
    key = _key(username, request)
    if cache.add(key, 1, _lockout_seconds()):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, _lockout_seconds())


def login_reset(username: str, request: HttpRequest | None) -> None:
    cache.delete(_key(username, request))


def lockout_message() -> str:
    minutes = _lockout_seconds() // 60
    return f"Too many failed logins for this account from your address; try again in {minutes} minutes."


class LoginRateLimitBackend(ModelBackend):
    """Django's ModelBackend, refusing (before checking the password) while the username is locked out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and login_locked(str(username), request):
            raise PermissionDenied(lockout_message())
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get("username")
    if username is not None:
        login_failed(str(username), getattr(request, "_request", request))


@receiver(user_logged_in)
def _reset_on_login(sender, request, user, **kwargs) -> None:
    login_reset(user.get_username(), request)


class RateLimitedAuthenticationForm(AuthenticationForm):
    """The login form, saying when the account is locked out rather than "wrong password"."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and login_locked(username, self.request):
            raise forms.ValidationError(lockout_message(), code="locked")
        return super().clean()


class RateLimitedObtainAuthToken(ObtainAuthToken):
    """DRF's token endpoint, answering 429 while the username is locked out."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if isinstance(username, str) and login_locked(username, request._request):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return super().post(request, *args, **kwargs)
