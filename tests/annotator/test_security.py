"""Login is rate-limited, uploads are bounded, browser writes need CSRF, passwords are hashed, no secrets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from factories import EMOJI_TEXT, PASSWORD, AnnotationSetFactory, MembershipFactory, UserFactory

from annotator.models import Membership
from annotator.urls import ui_patterns

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.STANCEMARK_LOGIN_MAX_FAILURES = 3
    settings.STANCEMARK_LOGIN_LOCKOUT_MINUTES = 15
    cache.clear()
    yield
    cache.clear()


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- login rate limiting ----------------------------------------------------------------------


def test_three_wrong_passwords_lock_the_login_page_even_for_the_right_one():
    user = UserFactory(username="lee")
    client = Client()
    for _ in range(3):
        assert login(client, "lee", "guess").status_code == 200  # the form again, with an error
    response = login(client, "lee", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert login(other_address, "lee", PASSWORD).status_code == 302  # another address is not locked out
    cache.clear()  # the lockout has expired
    assert login(client, "lee", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_login_resets_the_count():
    UserFactory(username="lee")
    client = Client()
    for _ in range(2):
        login(client, "lee", "guess")
    assert login(client, "lee", PASSWORD).status_code == 302
    for _ in range(2):
        login(Client(), "lee", "guess")
    assert login(Client(), "lee", PASSWORD).status_code == 302


def test_the_token_endpoint_is_locked_out_too_with_429(api_client):
    UserFactory(username="lee")
    for _ in range(3):
        assert (
            api_client.post("/api/auth/token/", {"username": "lee", "password": "guess"}).status_code == 400
        )
    response = api_client.post("/api/auth/token/", {"username": "lee", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]


def test_the_admin_login_shares_the_lockout():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(3):
        login(client, "root", "guess")
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200  # refused: the form again
    assert "_auth_user_id" not in client.session


# --- upload size ------------------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_with_the_limit_named(project, client_for, settings, tmp_path):
    settings.STANCEMARK_UPLOAD_DIR = tmp_path / "uploads"
    settings.STANCEMARK_MAX_UPLOAD_BYTES = 1024 * 1024
    manager = MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    )
    big = SimpleUploadedFile("big.txt", b"word " * 300_000)
    response = client_for(manager.user).post(
        f"/api/projects/{project.slug}/imports/", {"file": big, "format": "txt"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["file"] == ["the file is 1.4 MB; uploads are limited to 1.0 MB."]
    assert not list((tmp_path / "uploads").glob("*/*"))


def test_request_bodies_and_in_memory_files_are_bounded():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.STANCEMARK_MAX_UPLOAD_BYTES > 0


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def browser(project):
    """A manager logged in with a session cookie, on a client that checks CSRF as a browser's would."""
    manager = MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    )
    annotation_set = AnnotationSetFactory(project=project, annotator=manager.user, document__text=EMOJI_TEXT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager.user)
    values = {
        "slug": project.slug,
        "document_id": annotation_set.document_id,
        "set_id": annotation_set.pk,
        "layer": "stance",
        "username": "boss",
        "task_id": "x",
        "name": "x",
    }
    return client, values


def fill(route: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), route)


def test_every_session_authenticated_api_write_without_a_csrf_token_is_refused(browser):
    client, values = browser
    schema = client.get("/api/schema/?format=json").json()
    writes = [
        (re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path), method)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in ("post", "put", "patch", "delete") and path != "/api/auth/token/"
    ]
    assert len(writes) > 25
    for url, method in writes:
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 403, (method, url, response.status_code)
        assert "CSRF" in response.json()["detail"], url


def test_every_page_form_post_without_a_csrf_token_is_refused(browser):
    client, values = browser
    urls = [fill(str(p.pattern), values) for p in ui_patterns] + ["/accounts/logout/", "/admin/"]
    for url in urls:
        response = client.post(url, {"anything": "1"})
        assert response.status_code == 403, (url, response.status_code)


def test_the_same_write_with_the_token_passes_the_csrf_check(browser):
    client, values = browser
    client.get(f"/projects/{values['slug']}/import/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/api/annotation-sets/{values['set_id']}/spans/",
        {"label": "claim", "start": 2, "end": 11, "version": 1},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


# --- passwords and secrets --------------------------------------------------------------------


def test_passwords_are_stored_with_djangos_default_hasher(settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    user = UserFactory(username="lee", password="a-long-secret-phrase")
    assert "a-long-secret-phrase" not in user.password
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert check_password("a-long-secret-phrase", user.password)


def test_the_settings_keep_djangos_hashers():
    source = (ROOT / "annotator" / "settings.py").read_text(encoding="utf-8")
    assert "PASSWORD_HASHERS" not in source  # Django's defaults: PBKDF2, then Argon2/bcrypt/scrypt


SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    # A key-like value (placeholders with spaces or "…", as in the README, are not keys).
    "SECRET_KEY literal": re.compile(r"SECRET_KEY\s*=\s*['\"][^'\"\s…<>{}$]{20,}['\"]"),
    "django-insecure key": re.compile(r"django-insecure-[\w-]+"),
}
DEV_KEY = "django-insecure-stancemark-local-development-only"


def test_the_repository_holds_no_secrets():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = []
    for name in files.splitlines():
        path = ROOT / name
        if (
            name == "tests/annotator/test_security.py"
            or not path.is_file()
            or path.stat().st_size > 2_000_000
        ):
            continue
        if Path(name).name in (".env", "id_rsa", "id_ed25519") or name.endswith((".pem", ".key")):
            found.append((name, "secret file"))
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                if match.group(0) != DEV_KEY:
                    found.append((name, what, match.group(0)[:40]))
    assert found == []


def settings_subprocess(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STANCEMARK_"))}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "annotator.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_the_development_key_is_refused():
    refused = settings_subprocess(DJANGO_DEBUG="0")
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
    assert settings_subprocess(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50).returncode == 0
    assert settings_subprocess().returncode == 0  # development: DEBUG on, the fallback key is fine
