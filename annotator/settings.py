"""Stancemark settings: one file, everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# STANCEMARK_PRODUCTION=1: DEBUG off, hashed and compressed static files served by whitenoise (run
# collectstatic first), secure cookies, HSTS and the HTTPS redirect; each can be switched off below.
PRODUCTION = env_bool("STANCEMARK_PRODUCTION", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
# The fallback key is only for local development; production must set DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "" if PRODUCTION else "django-insecure-stancemark-local-development-only"
)
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (50 or more random characters) in production.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "corpus",
    "annotator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if PRODUCTION:
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "annotator.urls"
WSGI_APPLICATION = "annotator.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'stancemark.sqlite3'}",
        # Production keeps each worker's connection (opening one per request costs more than most
        # requests); DJANGO_CONN_MAX_AGE sets the seconds either way.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600" if PRODUCTION else "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with writers queued on a file lock (see annotator/backends/sqlite3).
    DATABASES["default"]["ENGINE"] = "annotator.backends.sqlite3"
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DJANGO_PG_PREPARE", "1") != "0"
):
    # Server-side parameters let psycopg prepare a statement it has run twice on a connection, so
    # PostgreSQL stops planning the same queries again: planning cost more than running them (1.3
    # instead of 2.9 ms of PostgreSQL CPU per request in `benchmark load`). Behind a pooler in
    # transaction mode (PgBouncer), which cannot keep prepared statements, set DJANGO_PG_PREPARE=0.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 2}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names need collectstatic's manifest, so only production uses them (tests and runserver don't).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# HTTPS. Behind a proxy that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=1 so X-Forwarded-Proto
# counts (only if the proxy always sets it).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotator:project-list"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotator.api.authentication.CookieSessionAuthentication",
        "annotator.api.authentication.PlainTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotator.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "annotator.api.negotiation.JsonFirstNegotiation",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Stancemark API",
    "DESCRIPTION": "Annotate articles for stance, argument steps and rhetoric. "
    "Offsets are Unicode code points, end-exclusive, over the stored text.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("STANCEMARK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # Workers: python manage.py rqworker --job-class django_tasks_rq.Job
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEFAULT_TIMEOUT": int(os.environ.get("STANCEMARK_RQ_TIMEOUT", "3600")),
        }
    }
# Pre-annotation is split into tasks of this many documents, so several workers share a project.
STANCEMARK_SUGGEST_CHUNK_SIZE = int(os.environ.get("STANCEMARK_SUGGEST_CHUNK_SIZE", "8"))

# The spaCy pipeline used for suggestions; without it the app falls back to a blank English pipeline.
STANCEMARK_SPACY_MODEL = os.environ.get("STANCEMARK_SPACY_MODEL", "en_core_web_sm")
# Where trained suggester models (spaCy pipelines) are saved, one folder per project, kind and version.
STANCEMARK_MODEL_DIR = Path(os.environ.get("STANCEMARK_MODEL_DIR", BASE_DIR / "var" / "models"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Security (annotator/security.py): login rate limiting, upload sizes, no dev key without DEBUG ---
AUTHENTICATION_BACKENDS = ["annotator.security.LoginRateLimitBackend"]  # ModelBackend, rate-limited
STANCEMARK_LOGIN_MAX_FAILURES = int(os.environ.get("STANCEMARK_LOGIN_MAX_FAILURES", "5"))
STANCEMARK_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("STANCEMARK_LOGIN_LOCKOUT_MINUTES", "15"))
# An API token's row is remembered this long by each web process (annotator/api/authentication.py):
# a deleted token or a changed user is forgotten at once by the process that changed it, and by the
# others within this many seconds. 0: read the token on every request.
STANCEMARK_TOKEN_CACHE_SECONDS = float(os.environ.get("STANCEMARK_TOKEN_CACHE_SECONDS", "5"))
# Uploads: request bodies other than files stay small; files above 2.5 MB stream to disk; an import
# upload larger than STANCEMARK_MAX_UPLOAD_BYTES is refused with a message naming the limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
STANCEMARK_MAX_UPLOAD_BYTES = int(os.environ.get("STANCEMARK_MAX_UPLOAD_BYTES", str(500 * 1024 * 1024)))
if not DEBUG and SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured("DEBUG is off: set DJANGO_SECRET_KEY; the development key is refused.")
