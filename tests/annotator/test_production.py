"""Production mode: with the documented environment `check --deploy` is clean and nothing insecure is on."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Schema-generation warnings are about the OpenAPI document, not the deployment; the API tests own them.
OWNED_ELSEWHERE: tuple[str, ...] = ()


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment the README's "Running in production" section documents."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STANCEMARK_"))}
    env.update(
        STANCEMARK_PRODUCTION="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="stancemark.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "tasks", [{}, {"STANCEMARK_TASKS_BACKEND": "django_tasks_rq.RQBackend"}], ids=["db-tasks", "rq-tasks"]
)
def test_check_deploy_reports_no_warnings_in_production(tmp_path, tasks):
    done = manage(production_env(tmp_path, **tasks), "check", "--deploy")
    assert done.returncode == 0, done.stderr
    warnings = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.startswith("?: (") and not line.startswith(tuple(f"?: ({p}" for p in OWNED_ELSEWHERE))
    ]
    assert warnings == []


def test_production_settings_are_secure_and_static_files_go_through_whitenoise(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, 'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE, "
        "s.STORAGES['staticfiles']['BACKEND'], getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    done = manage(production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="1"), "shell", "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    done = manage(env, "check")
    assert done.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in done.stderr


def test_collectstatic_writes_hashed_compressed_files(tmp_path):
    env = production_env(tmp_path)
    done = manage(env, "collectstatic", "--no-input", "-v", "0")
    assert done.returncode == 0, done.stderr
    static = tmp_path / "static"
    assert (static / "staticfiles.json").exists()
    assert list(static.glob("annotator/workspace.*.js.gz"))
