"""API authentication as the API runs it on every request: session first, then token."""

import functools
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token

from annotator import plain_sql as sql


@functools.cache
def _token_sql() -> str:
    user = get_user_model()
    return (
        f"SELECT {sql.select_list(Token, 't')}, {sql.select_list(user, 'u')} FROM {sql.table(Token)} t "
        f"JOIN {sql.table(user)} u ON u.{sql.quote(user._meta.pk.column)} = t.user_id WHERE t.key = %s"
    )


# Token key → (monotonic time it expires, its row). Rows, not instances: every request gets its
# own user object, so nothing one request sets on it is seen by another.
_remembered: dict[str, tuple[float, tuple]] = {}
_REMEMBERED_AT_MOST = 10_000


def forget_tokens(**_signal: Any) -> None:
    """Forget every remembered token: a token or user changed (connected in AnnotatorConfig.ready)."""
    _remembered.clear()


def _token_row(key: str) -> tuple | None:
    """The token's row with its user's, remembered for STANCEMARK_TOKEN_CACHE_SECONDS.

    One query per request was a quarter of the statements an annotation write made.
    """
    now = time.monotonic()
    remembered = _remembered.get(key)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    row = sql.fetch_one(_token_sql(), [key])
    seconds = settings.STANCEMARK_TOKEN_CACHE_SECONDS
    if row is not None and seconds > 0:
        if len(_remembered) >= _REMEMBERED_AT_MOST:
            _remembered.clear()
        _remembered[key] = (now + seconds, row)
    return row


class PlainTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token …` with the token and its user read by `annotator.plain_sql`."""

    def authenticate_credentials(self, key: str) -> tuple:
        row = _token_row(key)
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = sql.instances(row, Token, get_user_model())
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        sql.attach(token, "user", user)
        return user, token


class CookieSessionAuthentication(SessionAuthentication):
    """DRF's session authentication, which does not load a session for a request without its cookie.

    Scripts and the load benchmark send a token and no cookie; without one the session holds
    nobody anyway, so the next authenticator (the token) decides, exactly as before.
    """

    def authenticate(self, request):  # noqa: ANN001, ANN201 - DRF's signature
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None
        return super().authenticate(request)


class CookieSessionScheme(SessionScheme):
    """The OpenAPI schema describes it as the session cookie it is."""

    target_class = CookieSessionAuthentication
