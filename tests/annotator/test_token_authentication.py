"""API tokens: each web process remembers a token briefly, and forgets it as soon as it changes."""

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from annotator.api import authentication

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(annotator):
    authentication.forget_tokens()
    return Token.objects.create(user=annotator)


@pytest.fixture
def client(api_client, token):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/projects/").status_code == 200  # now remembered
    return api_client


def refused(response) -> bool:
    """DRF answers 403 here (the session scheme comes first), saying why."""
    return response.status_code in (401, 403) and response.json()["detail"] in (
        "Invalid token.",
        "User inactive or deleted.",
    )


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the token memory reads, moved on by hand."""
    now = [1000.0]
    monkeypatch.setattr(authentication.time, "monotonic", lambda: now[0])
    return now


def delete_behind_the_apps_back(token) -> None:
    """What another process deleting the token looks like to this one: no signal here."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Token._meta.db_table} WHERE {connection.ops.quote_name('key')} = %s", [token.key]
        )


def test_a_deleted_token_is_refused_at_once(client, token):
    token.delete()
    assert refused(client.get("/api/projects/"))


def test_a_deactivated_user_is_refused_at_once(client, annotator):
    annotator.is_active = False
    annotator.save()
    assert refused(client.get("/api/projects/"))


def test_a_token_deleted_elsewhere_is_refused_once_the_memory_runs_out(settings, clock, api_client, token):
    settings.STANCEMARK_TOKEN_CACHE_SECONDS = 5
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/projects/").status_code == 200
    delete_behind_the_apps_back(token)
    clock[0] += 4
    assert api_client.get("/api/projects/").status_code == 200
    clock[0] += 2
    assert refused(api_client.get("/api/projects/"))


def test_with_no_memory_every_request_reads_the_token(settings, api_client, token):
    settings.STANCEMARK_TOKEN_CACHE_SECONDS = 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/projects/").status_code == 200
    delete_behind_the_apps_back(token)
    assert refused(api_client.get("/api/projects/"))


def test_each_request_gets_its_own_user_object(client, annotator):
    first = authentication.PlainTokenAuthentication().authenticate_credentials(
        client._credentials["HTTP_AUTHORIZATION"][6:]
    )
    second = authentication.PlainTokenAuthentication().authenticate_credentials(
        client._credentials["HTTP_AUTHORIZATION"][6:]
    )
    assert first[0] == second[0] == annotator
    assert first[0] is not second[0]
