"""API authentication as the API runs it on every request: session first, then token."""

import functools

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


class PlainTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token …` with the token and its user read by `annotator.plain_sql`."""

    def authenticate_credentials(self, key: str) -> tuple:
        row = sql.fetch_one(_token_sql(), [key])
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = sql.instances(row, Token, get_user_model())
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user = user
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
