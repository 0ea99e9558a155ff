"""Settings shared by every environment, read once from the environment.

Every variable is documented in ``docs/configuration.md``. Nothing here reads the
environment after start-up.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "tracker.admin_apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, from the app itself (docs/deployment.md)
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "tracker.pages.middleware.WholePageMiddleware",  # a public page asked again: the bytes kept the first time
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tracker.errors.ApiErrorMiddleware",  # JSON errors under /api/, 503 while the database is down
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tracker.db.middleware.ReplicaMiddleware",  # reads from the replica or the primary (DATABASE_REPLICA_URL)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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


# True when DATABASE_URL (and DATABASE_REPLICA_URL) lead to PgBouncer in transaction pooling mode.
DATABASE_POOLED = env.bool("DATABASE_POOLED", default=False)


def _database(url: str) -> dict:
    """One database from a URL, with the per-vendor options the tracker relies on."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent writers (a live server and a test, two analysts) wait instead of
        # failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
        if "postgresql" in config["ENGINE"] and DATABASE_POOLED:
            # Through PgBouncer in transaction pooling (docs/deployment.md): a server connection is ours for one
            # transaction only, so no cursor may outlive one (Django's iterator() fetches client-side), and no
            # statement is prepared (PgBouncer 1.18 cannot route them). PgBouncer passes no "options" on: set
            # jit = off on the server side (its connect_query, or ALTER DATABASE ... SET jit = off).
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
            config.setdefault("OPTIONS", {})["prepare_threshold"] = None
        elif "postgresql" in config["ENGINE"]:
            # The report queries nest many subqueries; PostgreSQL's JIT spent 18 of 21 seconds compiling
            # one of them at 300,000 figures (docs/decisions.md, "Reports"), so it is off for our connections.
            config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return config


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# A streaming replica of DATABASE_URL (docs/decisions.md, "A read replica"): NGO and public reads go to it; writes,
# staff, sync and a caller's reads for REPLICA_STICKY_SECONDS after its own write go to the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**_database(env.str("DATABASE_REPLICA_URL")), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["tracker.db.routers.ReplicaRouter"]
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out login before any password is checked (docs/security.md, "Lockouts").
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For,
# the address the outermost of them saw (tracker.security.client_address). Login lockouts and failed-credential
# throttles count per address, so a header the proxies do not set must not be believed.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Admin login lockout (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one account from one address lock that
# account at that address for LOGIN_LOCKOUT_MINUTES (0: until an administrator unlocks it). Kept in the database,
# so every server process sees the same count.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60)) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_address"
AXES_LOCKOUT_CALLABLE = "tracker.security.lockout_response"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []

# What browsers may load and run on every page (django-csp; docs/decisions.md, "Serving and CSP"): our own
# scripts, styles, images and fonts only, no inline script or style, no plugins, no framing. Swagger UI's
# stylesheet draws its icons from data: URIs.
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

LOGIN_URL = "admin:login"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
FORMS_URLFIELD_ASSUME_HTTPS = True  # the Django 6 default, opted into now

# The licence every export states.
DATA_LICENSE = env.str("DATA_LICENSE", default="CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)")

# Citable releases (docs/releases.md): build_release writes each release's files here, and they are served from
# here at /releases/ without a database query. Every app server must see the same folder (a shared volume).
RELEASES_ROOT = env.path("RELEASES_ROOT", default=BASE_DIR / "var" / "releases")

# Intake of sources (docs/intake.md): the largest file an analyst may upload (HTML, PDF or text), and how
# long a text whose licence does not allow keeping it is held for work before drop_source_texts drops it.
SOURCE_UPLOAD_MAX_BYTES = env.int("SOURCE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
SOURCE_TEXT_WORKING_HOURS = env.int("SOURCE_TEXT_WORKING_HOURS", default=72)

# The public event and place pages (approved, non-confidential data only): true makes them ask for a login.
PAGES_REQUIRE_LOGIN = env.bool("PAGES_REQUIRE_LOGIN", default=False)
# A visitor without credentials may get a kept public page up to this many seconds later than the data (each server
# process asks the database whether the data changed at most this often; tracker.pages.middleware). 0: at every
# request. A caller with a key, a token or a session always gets the page of the data as it is now.
PAGE_VERSION_SECONDS = env.float("PAGE_VERSION_SECONDS", default=1.0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.ApiKeyAuthentication",
        "tracker.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.api.renderers.FormatNegotiation",
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    # JSON only; a body too deep or too large is a 400 or 413, not a 500 (tracker/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["tracker.api.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": False,
}

# --- the NGO data API (docs/api.md) -------------------------------------------------------
# Caches: Redis when REDIS_URL is set (shared by every server process), local memory otherwise
# (per process). Rate limits live in the "throttle" alias.
REDIS_URL = env.str("REDIS_URL", default="")


def _cache(name: str) -> dict:
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tracker") + f":{name}",
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"tracker-{name}"}


CACHES = {"default": _cache("default"), "throttle": _cache("throttle")}
# Sessions live in the database; with Redis they are also read through the default cache (cached_db), so every
# server process sees the same login and a Redis restart or flush logs nobody out (docs/decisions.md, "Stateless
# app servers").
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
# Reports of the API are cached (default cache) under tracker.reporting.cache.data_version(): a change to what
# they count makes a new key, so this only bounds how long an unused report stays. 0 switches the cache off.
REPORT_CACHE_SECONDS = env.int("REPORT_CACHE_SECONDS", default=600)
# A kept report or page (tracker.reporting.responses) is also held in each server process's memory, the latest
# ones within this many megabytes, so that a repeat does not fetch megabytes from Redis again. 0: none.
RESPONSE_MEMORY_MB = env.int("RESPONSE_MEMORY_MB", default=32)

# Requests per period ("600/minute", "10000/day"; s, m, h, d); an empty value switches a limit off.
API_THROTTLE_RATES = {
    "api_key": env.str("API_KEY_RATE", default="1000/hour") or None,
    "user": env.str("API_USER_RATE", default="5000/hour") or None,
    "anon": env.str("API_ANON_RATE", default="300/hour") or None,
}
# Wrong API keys and tokens, per client address: over API_AUTH_FAILURE_LIMIT within API_AUTH_FAILURE_MINUTES, the
# address gets 429 before any key is looked at, until the window passes (tracker.api.throttling).
API_AUTH_FAILURE_LIMIT = env.int("API_AUTH_FAILURE_LIMIT", default=20)
API_AUTH_FAILURE_MINUTES = env.int("API_AUTH_FAILURE_MINUTES", default=10)
# Analysts' write tokens (django-rest-knox): stored as a SHA-512 hash, shown once, valid API_TOKEN_DAYS days.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=100)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=1000)
# Excel's limit: 1,048,576 rows including the header.
API_XLSX_MAX_ROWS = 1_048_575

SPECTACULAR_SETTINGS = {
    "TITLE": "Displacement Tracker API",
    "DESCRIPTION": (
        "Sourced, reviewed records of displacement, surrenders and aid capacity. NGO clients read with an API "
        "key (`Authorization: Api-Key <key>`, or the bare key in `X-Api-Key: <key>`: Authorize here takes the "
        "key as it is) and see approved, non-confidential records only; analysts write "
        "with a personal token (`Authorization: Token <token>`) or a logged-in session. Every list takes the "
        "filters documented on it, `?format=json|csv|hxl|xlsx|geojson`, keyset pagination (`cursor`, "
        "`page_size`) for JSON, and `updated_since` for incremental sync together with `/api/v1/deletions/`. "
        "An unknown or invalid query parameter is a 400 naming it. Guide: docs/api.md in the repository."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "tracker.api.schema.downloads_are_not_pages"],
    "ENUM_NAME_OVERRIDES": {
        "DisplacementTermEnum": "tracker.choices.DisplacementTerm",
        "SurrenderTermEnum": "tracker.choices.SurrenderTerm",
        "ReviewStatusEnum": "tracker.choices.ReviewStatus",
        "LocationPrecisionEnum": "tracker.choices.LocationPrecision",
        "DatePrecisionEnum": "tracker.choices.DatePrecision",
        "LocationLevelEnum": "tracker.choices.LocationLevel",
        "OrganizationKindEnum": "tracker.choices.OrganizationKind",
        "SourceKindEnum": "tracker.choices.SourceKind",
        "EventKindEnum": "tracker.choices.EventKind",
        "QuantifierEnum": "tracker.choices.Quantifier",
        "UnitEnum": "tracker.choices.Unit",
        "RoleEnum": "tracker.choices.Role",
        "SectorEnum": "tracker.choices.Sector",
        "StrainEnum": "tracker.choices.Strain",
        "CapacityUnitEnum": "tracker.choices.CapacityUnit",
        "MagnitudeWordEnum": "tracker.choices.MagnitudeWord",
        "HouseholdSizeSourceEnum": "tracker.choices.HouseholdSizeSource",
        "ReliabilityEnum": "tracker.choices.Reliability",
        "CombatantStatusEnum": "tracker.choices.CombatantStatus",
        "DisplacementCategoryEnum": "tracker.choices.DisplacementCategory",
        "TermGroupEnum": "tracker.choices.TermGroup",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Email (digests of saved queries, docs/api.md "Feeds and saved queries"): Django's mail backend, SMTP unless
# EMAIL_BACKEND names another (the demo prints mail to the console). SITE_URL is how mail links to the site.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# Spreadsheet imports (docs/import.md): the most rows one file may hold, and its largest size in bytes.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
