"""Settings for Mission Planner, read from the environment (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

from missionplanner.env import env_bool, env_cache, env_choice, env_int, env_list, env_redis_url, env_str
from missionplanner.spreadsheets import TextCSV, TextXLSX

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

# Absolute links in feeds and e-mails are built from this, never from the request's Host header, so a
# feed's bytes do not depend on who asked. Pages link to the scheme, host and port they were reached
# at, unless SITE_URL is set (then pages use it too). `make run` sets it from PORT.
SITE_URL_IS_SET = bool(env_str("SITE_URL"))
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://; got {SITE_URL!r}.")
# The domain in every calendar UID: stable for the life of the installation.
FEED_UID_DOMAIN = env_str("FEED_UID_DOMAIN", "missionplanner.invalid")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "axes",
    # Before django_tasks_db: its db_worker command is ours (missionplanner/worker.py).
    "missionplanner",
    "django_tasks",
    "django_tasks_db",
    "delegations",
    "itinerary",
    "publishing",
    "matchmaking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "missionplanner.private_links.NoIndexMiddleware",  # X-Robots-Tag on every answer, 4xx included
    "missionplanner.strict.RefuseNulMiddleware",  # before anything that reads the query string
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Reads never take SQLite's write lock; a write that waited too long for it is a 503, not a 500.
    "missionplanner.database.DatabaseLockMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise (feeds, delegate pages, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: counts failed logins and locks out guessers.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Five wrong passwords for one user name from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_VERBOSE = False

# Only our own files may run or style pages: no inline script, no CDN. data: images are the SVG
# icons inside Bootstrap's CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Token pages too: no Referer (so no token) to other sites, and same-site forms keep their Origin,
# which the CSRF check needs (no-referrer makes browsers send "Origin: null").
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

ROOT_URLCONF = "missionplanner.urls"
WSGI_APPLICATION = "missionplanner.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # Re-check a persistent connection before use, so the app recovers by itself after the
        # database restarts instead of failing the first request on a dead socket.
        conn_health_checks=True,
    )
}
# Each view is one transaction; on SQLite a read's begins DEFERRED (missionplanner.database).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # A write takes the lock when its transaction starts, so concurrent writers queue instead of
        # failing with "database is locked" halfway through; reads begin DEFERRED instead.
        transaction_mode="IMMEDIATE",
        # How long a write waits for the lock before its request answers 503 "busy, try again".
        timeout=env_int("SQLITE_BUSY_TIMEOUT", 5),
        # The write-ahead log lets readers read while one writer writes (the setting stays in the file).
        init_command="PRAGMA journal_mode=WAL",
    )

# Built calendar feeds live here. Local memory is per process; with several app servers, point
# CACHE_URL at a shared Redis or memcached so each feed is built once per change, not once per server.
CACHES = {"default": env_cache("CACHE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
# Only the fallback for pages with no city; every meeting is shown in its own city's zone.
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package.json) and are served by the app itself: no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/tom-select", BASE_DIR / "node_modules" / "tom-select" / "dist"),
    ("vendor/event-calendar", BASE_DIR / "node_modules" / "@event-calendar" / "build" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedStaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# An import either lands whole or not at all.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# What the admin offers for import and export, CSV first. Both open in Excel with 김다니엘 and 北京
# intact: XLSX as it is, CSV thanks to the byte-order mark it is written with.
# JSON, YAML and the rest stay off: nobody here opens them, and each is one more parser for uploads.
# Both write every cell as text, so a value typed as a formula never runs in a spreadsheet
# (missionplanner/spreadsheets.py), and read back what they wrote.
IMPORT_EXPORT_FORMATS = [TextCSV, TextXLSX]

# E-mail (notices to delegates) goes through Django's backends: the console with DEBUG on, SMTP
# otherwise. `make run` writes each message to a file under DJANGO_EMAIL_FILE_PATH instead.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

# Imports keep the uploaded file here between its preview and Import (missionplanner/uploads.py);
# with several app servers, a directory they share.
IMPORT_UPLOAD_DIR = env_str("IMPORT_UPLOAD_DIR", str(BASE_DIR / "var" / "uploads"))
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set DJANGO_EMAIL_USE_TLS (STARTTLS) or DJANGO_EMAIL_USE_SSL, not both.")
# Without a timeout a mail server that accepts the connection and then stalls holds a worker forever;
# a send that times out is recorded on the notice and retried (publishing.notices).
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Mission Planner <missions@localhost>")

# Background work (sending notices) through the Django tasks API. "database": the django-tasks-db
# backend, run by `manage.py db_worker` (make run starts one); "rq": RQ on Redis, run by
# `manage.py rqworker --job-class django_tasks_rq.Job --with-scheduler default`; "immediate": in the
# request, for tests and one-off scripts. See README, "Background work and e-mail".
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", TASKS_BACKENDS)
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND]}}
# RQ's queues live in Redis: TASKS_REDIS_URL, else REDIS_URL. Keep them apart from a Redis cache
# (another database number, e.g. /1) so clearing the cache never drops queued notices.
TASKS_REDIS_URL = env_redis_url("TASKS_REDIS_URL", env_redis_url("REDIS_URL"))
RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL}} if TASKS_REDIS_URL else {}
if TASKS_BACKEND == "rq":
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured(
            "TASKS_BACKEND=rq needs a Redis server: set TASKS_REDIS_URL (or REDIS_URL), "
            "e.g. redis://localhost:6379/1."
        )
    # django_rq brings `manage.py rqworker` and the queues RQBackend enqueues on.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# A task worker not seen for this long is taken for dead: the tasks it held run again, and /healthz
# answers 503 once a task has waited this long with no worker seen (missionplanner.worker).
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 60)
# Automatic publishing: a member's notice waits until the edits have been quiet this long, so a
# burst of saves ends in one notice.
NOTICE_QUIET_MINUTES = env_int("NOTICE_QUIET_MINUTES", 5)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [SITE_URL])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Tokens in delegates' and buyers' paths are logged as a digest prefix (missionplanner.private_links).
    "filters": {"mask_tokens": {"()": "missionplanner.private_links.MaskTokens"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]},
        # runserver's access log, as Django's default, with the filter
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},  # lockouts only, not every successful log-in
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
