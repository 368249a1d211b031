"""API token authentication in one plain query: it runs before every API request."""

import functools

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
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
