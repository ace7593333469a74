"""Settings for the JSNA site.

One module for every environment: development defaults are safe, and the differences of a
deployment come from environment variables (see `.env.example`). With DEBUG off, a missing
SECRET_KEY or ALLOWED_HOSTS is an error rather than a silent insecure default.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env (written by scripts/dev.py for development, never committed) fills in what the
# real environment leaves unset.
if not os.environ.get("DJANGO_DOTENV_DISABLED"):
    load_dotenv(BASE_DIR / ".env", override=False)

TESTING = "pytest" in sys.modules


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example), "
            "or set DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set; list the site's host names, comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "import_export",
    "csp",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    # Our apps, lowest first: each imports only those listed before it (tests/test_architecture.py).
    "core",
    "audit",
    "indicators",
    # pages is last of the apps with models: its post_migrate handler creates the officers'
    # group once every other app's permissions exist.
    "pages",
    # The open-data API (/api/v1/): no models; it reads through indicators and pages.
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change in the history of topics, sections and values.
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a clear refusal.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jsna.urls"

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
                "pages.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "jsna.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests (and an import) at once on one file: wait for the write lock rather
    # than failing with "database is locked", and let readers work during writes. Each
    # process keeps its connection (CONN_MAX_AGE, as on PostgreSQL): opening one, with its
    # PRAGMAs, costs more than a cached page.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes): after 5 failed logins for one username from one address,
# that pair is locked out for an hour.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# One way to write a date everywhere, the admin included: "19 March 2014" (jsna/formats).
FORMAT_MODULE_PATH = ["jsna.formats"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end libraries come from the npm registry (package.json and its lock file) and are
# served as static files under vendor/; nothing is loaded from a CDN.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS += [
    (f"vendor/{name}", NODE_MODULES / name / "dist")
    for name in ("chart.js",)
    if (NODE_MODULES / name / "dist").is_dir()
]

# Where uploads wait between an import's preview and its confirmation (indicators.admin.uploads):
# a folder the web server and the task worker both read. Default: the system's temporary one.
if os.environ.get("IMPORT_UPLOAD_ROOT"):
    IMPORT_UPLOAD_ROOT = os.environ["IMPORT_UPLOAD_ROOT"]

# The most one import file may hold, and how long reading it may take, for CSV and XLSX alike,
# in the admin, its background task and `import_values` (indicators.importing.reading.Limits):
# rows, columns, cells (rows times the widest row) and seconds spent reading (the importer's
# own work on the rows is not counted). A file past one is refused, saying where.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "5000000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", "1000"))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "100000000"))
IMPORT_MAX_SECONDS = int(os.environ.get("IMPORT_MAX_SECONDS", "300"))

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The whole-page cache (core/caching.py). One process: local memory, as each gunicorn worker
# keeps its own. Several processes or machines: a Redis server they share (REDIS_URL, e.g.
# redis://cache.internal:6379/0), so that a page built by one is served by all. Keys are
# "page:<content version>:<path>", so sites sharing one Redis need a database number each.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    redis_url = urlsplit(REDIS_URL)
    if redis_url.scheme not in {"redis", "rediss"} or not redis_url.hostname:
        raise ImproperlyConfigured(
            "REDIS_URL must look like redis://host:6379/0 (or rediss:// for TLS), "
            f"not {REDIS_URL!r}."
        )
    if TESTING and (xdist_worker := os.environ.get("PYTEST_XDIST_WORKER", "")):
        # Each test process (gw0, gw1, ...) gets a database of its own, counted from the
        # URL's: cache.clear() before each test empties a whole database (FLUSHDB), which a
        # key prefix would not protect.
        database = int(redis_url.path.strip("/") or 0) + int(xdist_worker.removeprefix("gw"))
        REDIS_URL = redis_url._replace(path=f"/{database}").geturl()
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that stops answering fails the request (an error page) after two
            # seconds, rather than holding a gunicorn worker until it times out.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "jsna",
        }
    }

# On PostgreSQL, each process hears of content changes as they commit (LISTEN/NOTIFY) and checks
# a cached page against its own copy of the change numbers, with no query
# (core/change_listener.py). Turn off behind a pooler in transaction mode (PgBouncer). Off in
# the test suite, whose changes are rolled back unheard and whose pins count the check's query,
# except in the tests of it (tests/core/test_change_listener.py).
HEAR_CHANGES = env_bool("HEAR_CHANGES", default=not TESTING)

LOGIN_URL = "admin:login"

# The open-data API (/api/v1/, api/http.py): requests one client (IP) may make, as
# "N/second|minute|hour|day"; empty for no limit. Behind our own proxy (BEHIND_PROXY), the
# client's address is the last one in X-Forwarded-For, which that proxy wrote.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")
API_TRUST_FORWARDED_FOR = env_bool("BEHIND_PROXY", default=False)

# Content-Security-Policy on every response (django-csp): scripts only from this site, never
# inline; chart data travels in <script type="application/json"> blocks, which do not run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Security. In production (DEBUG off) cookies are secure, HTTPS is enforced and HSTS is on;
# each can be relaxed through the environment, e.g. behind a proxy that terminates TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Only officers log in (the public have no session): a login lasts until the browser closes,
# and 12 hours at the most, on a shared office computer too.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Development and tests serve static files straight from their folders.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The topic form posts about 16 fields a section (and Django's default limit is 1,000, about
# 60 sections): 20,000 lets a page have 1,000 sections, while still refusing a flood.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# django-import-export: imports run in one transaction; only officers with the import
# permission see the import button.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

DJANGO_TABLES2_TEMPLATE = "django_tables2/semantic.html"

# The name the site goes by, shown in the header, titles and admin.
SITE_NAME = os.environ.get("SITE_NAME", "Lancashire JSNA")

# The site's address, which emails link to (an email has no request to take it from). In
# development the runserver's; in production the first of ALLOWED_HOSTS over HTTPS, unless set.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL:
    if DEBUG or TESTING:
        SITE_URL = "http://127.0.0.1:8000"
    elif not ALLOWED_HOSTS[0].startswith((".", "*")):
        SITE_URL = f"https://{ALLOWED_HOSTS[0]}"
    else:
        raise ImproperlyConfigured(
            "SITE_URL is not set, and the first of ALLOWED_HOSTS is a pattern: set SITE_URL "
            "to the site's address, e.g. https://jsna.example.gov.uk."
        )
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, not {SITE_URL!r}.")

# Email (notifications of pages sent for review, returned and published). Development prints
# each message in the runserver's console; production sends through the SMTP server the
# environment names. Tests keep every message in django.core.mail.outbox.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if EMAIL_USE_TLS else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# A server that does not answer holds up the request that sends (after its change is saved)
# for this many seconds at most; the failure is logged.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@{urlsplit(SITE_URL).hostname}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (imports, scheduled releases): Django's tasks framework, as backported for
# 5.2 by django-tasks. On one machine the database backend keeps the queue in our own
# database; with REDIS_URL (several machines) the queue is RQ's, in the same Redis as the page
# cache (django-tasks-rq). `manage.py run_worker` (started by `scripts/dev.py start` and
# `serve`) runs whichever it is. Tests run each task as it is enqueued (the immediate backend),
# unless a test chooses another backend and runs a worker.
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 60 * 60}}
TASK_QUEUE = "django_tasks_rq.RQBackend" if REDIS_URL else "django_tasks_db.DatabaseBackend"
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING and not env_bool("TASKS_IN_DATABASE", default=False)
            else TASK_QUEUE
        )
    }
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/jsna-test-media"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
