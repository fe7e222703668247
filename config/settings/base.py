"""Settings shared by every environment, read from the environment (django-environ).

Every variable is documented in `.env.example`. The per-environment modules
(`dev`, `test`, `production`) only change defaults; they never hard-code secrets.
"""

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """NAME_FILE=/path: the file's text without the line end `echo` and editors put
    after it (a key with it signs differently from the same key given plainly)."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(key + "_FILE") else value


class _Env(environ.Env):
    ENVIRON = _SecretFiles()


# Any NAME may be given as NAME_FILE=/path (Docker and Kubernetes secrets).
env = _Env()
# A `.env` fills in what the real environment leaves unset (config.dotenv).
load_dotenv()

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "config.http.csrf_failure"

INSTALLED_APPS = [
    "admin_portal.apps.OwnerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "csp",
    "lots",
    "parking",
    "payments",
    "admin_portal",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.logging.RequestLogMiddleware",
    "config.http.JsonApiErrorsMiddleware",
    # Gate calls are answered here (config/machine.py): the middleware below never
    # sees them. Put what gate calls need too above this line.
    "config.machine.GateCallMiddleware",
    "config.csp.DocumentCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.http.RefuseNulInQueryMiddleware",
    "config.health.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = env.str("ROOT_URLCONF", default="config.urls")  # benchmarks add a baseline view
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# psycopg's own default. parking.fastpath reads it as on/off only (None: gate calls
# are not prepared) and prepares its statements itself; Django's cursors bind on the
# client and never prepare.
PSYCOPG_PREPARE_THRESHOLD = 5


def database_from_env(url: str) -> dict:
    """The default database: SQLite in the project unless DATABASE_URL names another."""
    config = env.db_url_config(url or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Gates write concurrently. WAL lets readers run beside the writer,
        # IMMEDIATE takes the write lock at BEGIN (so two writers queue instead
        # of failing on lock upgrade) and the timeout makes them wait, not fail.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = env.bool("DB_HEALTH_CHECKS", default=True)
        options = config.setdefault("OPTIONS", {})
        options["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
        # Gate calls run as prepared statements, planned once per connection
        # (parking.fastpath prepares them itself, under their own names, when
        # psycopg's prepare_threshold is set). Django's own queries are never
        # prepared either way (client-side binding). A pooler that cannot keep
        # prepared statements (PgBouncer before 1.22 in transaction mode) needs
        # DB_PREPARED_STATEMENTS=false.
        prepared = env.bool("DB_PREPARED_STATEMENTS", default=True)
        options["prepare_threshold"] = PSYCOPG_PREPARE_THRESHOLD if prepared else None
    return config


DATABASES = {"default": database_from_env(env.str("DATABASE_URL", default=""))}


def cache_from_env(url: str) -> dict:
    """Django's cache (rate limits, throttles): CACHE_URL, e.g. redis://host:6379/0."""
    config = env.cache_url_config(url)
    if config["BACKEND"].endswith(("LocMemCache", "DatabaseCache", "FileBasedCache")):
        # Their default of 300 entries would forget rate-limit counters under load.
        config.setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)
    return config


# Shared by every app server, so that rate limits (kiosk searches, login
# attempts) hold across all of them: by default a table in the database
# (`manage.py migrate` makes it); redis://host:6379/0 for Redis.
# locmemcache:// is per process: for development only.
CACHES = {"default": cache_from_env(env.str("CACHE_URL", default="") or "dbcache://openlot_cache")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin login rate limit (admin_portal.login), counted in the cache: after this
# many failed logins for one username from one client address, for one username
# from anywhere, or from one client address, logins are refused without checking
# the password until the window has passed since the last counted failure. 0 turns
# a limit off.
LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS = env.int(
    "LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS", default=5
)
LOGIN_MAX_FAILURES_PER_USER = env.int("LOGIN_MAX_FAILURES_PER_USER", default=20)
LOGIN_MAX_FAILURES_PER_ADDRESS = env.int("LOGIN_MAX_FAILURES_PER_ADDRESS", default=30)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# Behind a reverse proxy every request comes from the proxy's address: name the
# header it puts the client's address in (X-Forwarded-For, X-Real-IP). Only set
# it when such a proxy is always in front: clients can send the header too.
# (config.http.client_address; Django's HTTP_X_FORWARDED_FOR spelling works too.)
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")

# Languages people read OpenLot in (docs/i18n.md). Each name is written in its own
# language, so everyone finds theirs in the switcher. LANGUAGE_CODE is the
# default: for a browser that asks for none of these, for new gates, and for
# the command line. Taiwan first; LANGUAGE_CODE=en for an English-first site.
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hant")
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Taipei")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Taiwan's number and date conventions where Django's zh_Hant differ (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
# Grouped amounts (NT$1,200) where no language is active (the command line).
NUMBER_GROUPING = 3
# A language chosen in the switcher is remembered for a year (a session cookie by default).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Leaflet as django-leaflet packages it (no CDN). Only its static files: as an
    # installed app its admin module would import GeoDjango, which needs GDAL.
    Path(importlib.util.find_spec("leaflet").origin).parent / "static",
]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Our own media (uploaded gate photos, demo photos) served by Django itself.
# On by default so a single-server install works; a site with a CDN or an
# object store turns it off and serves MEDIA_URL from there.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# A gate's JSON body is a plate and a URL: 64 KiB is generous. Photo uploads
# are multipart and limited separately (PHOTO_MAX_BYTES).
GATE_JSON_MAX_BYTES = env.int("GATE_JSON_MAX_BYTES", default=64 * 1024)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=4096)
PHOTO_THUMBNAIL_SIDE = env.int("PHOTO_THUMBNAIL_SIDE", default=320)

# An ISO 4217 code; new lots count in it (lots.models.validate_currency checks the code).
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="TWD").strip().upper()
if not (len(DEFAULT_CURRENCY) == 3 and DEFAULT_CURRENCY.isascii() and DEFAULT_CURRENCY.isalpha()):
    raise ImproperlyConfigured(
        f"DEFAULT_CURRENCY must be an ISO 4217 code such as TWD, not {DEFAULT_CURRENCY!r}."
    )
# How long a paid vehicle may take to reach the exit gate.
EXIT_GRACE_MINUTES = env.int("EXIT_GRACE_MINUTES", default=15)
# On PostgreSQL, gate decisions run in one round trip through SQL functions
# (parking.fastpath); false takes the ORM path everywhere (for comparison).
GATE_FAST_PATH = env.bool("GATE_FAST_PATH", default=True)
# A gate's retry with the same read_id gets the first answer for this long; an
# older read_id is forgotten (firmware that reuses ids gets fresh decisions).
READ_ID_TTL_SECONDS = env.int("READ_ID_TTL_SECONDS", default=600)
# For this long after a car leaves, a read of its plate (or a look-alike of it) at an exit
# is the camera reading it again as it drives off: it is not matched to an OCR look-alike
# still parked. 0 turns this off (a negative number too).
EXIT_REREAD_SECONDS = env.int("EXIT_REREAD_SECONDS", default=60)
# Gates' last_seen is written at most this often, so the hot path stays read-mostly.
GATE_LAST_SEEN_RESOLUTION_SECONDS = env.int("GATE_LAST_SEEN_RESOLUTION_SECONDS", default=60)

# --- Payments and the exit kiosk ---
# The built-in sandbox platform (no real money): on in development, off in production.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=False)
# Stripe is enabled when both are set (the webhook endpoint's signing secret is whsec_...).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Stripe's API base URL, for tests and mocks only (empty: api.stripe.com).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=15.0)
# Status reads (result page, polls, webhooks) wait less and never retry: a slow
# platform must not hold the threads that also answer gates.
STRIPE_STATUS_TIMEOUT_SECONDS = env.float("STRIPE_STATUS_TIMEOUT_SECONDS", default=3.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# How long a quoted amount holds: an unpaid checkout older than this is closed
# and replaced by one at the current amount when the driver asks again.
PAYMENT_QUOTE_MINUTES = env.int("PAYMENT_QUOTE_MINUTES", default=10)
# Pages waiting for a payment ask its provider at most this often (seconds).
PAYMENT_REFRESH_SECONDS = env.int("PAYMENT_REFRESH_SECONDS", default=3)
# Kiosk plate searches per client: "attempts/seconds", every limit applies.
KIOSK_SEARCH_RATE_LIMITS = env.list("KIOSK_SEARCH_RATE_LIMITS", default=["20/60", "300/3600"])
# Payments started per client (each may call the platform twice: close the pending
# checkout, open a new one), so nobody can flood the platform's API through ours.
KIOSK_PAYMENT_RATE_LIMITS = env.list("KIOSK_PAYMENT_RATE_LIMITS", default=["10/60", "100/3600"])
# The lot's own kiosk terminals (addresses or CIDR blocks): never rate-limited.
KIOSK_TRUSTED_ADDRESSES = env.list("KIOSK_TRUSTED_ADDRESSES", default=[])
# Which kiosk pages start over when idle: "all" (the safe default), or "terminals"
# (only those of KIOSK_TRUSTED_ADDRESSES; drivers' phones keep their receipts).
KIOSK_IDLE_RESET = env.str("KIOSK_IDLE_RESET", default="all")

# Where the simulator and printed demo URLs point by default.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Public map and nearby search -----------------------------------------------
# The nearby search answers at most this many lots within this radius (and
# callers may ask for less, never more).
NEARBY_RADIUS_M = env.int("NEARBY_RADIUS_M", default=3000)
NEARBY_LIMIT = env.int("NEARBY_LIMIT", default=15)
# With none within the radius, the nearest lot is named if it is at most this far.
NEARBY_NEAREST_MAX_M = env.int("NEARBY_NEAREST_MAX_M", default=100_000)
# Where the map opens before it knows where the user is: Taipei Main Station.
MAP_DEFAULT_LATITUDE = env.float("MAP_DEFAULT_LATITUDE", default=25.0478)
MAP_DEFAULT_LONGITUDE = env.float("MAP_DEFAULT_LONGITUDE", default=121.5170)
MAP_DEFAULT_PLACE_NAME = env.str("MAP_DEFAULT_PLACE_NAME", default="Taipei Main Station")
MAP_DEFAULT_ZOOM = env.int("MAP_DEFAULT_ZOOM", default=15)
# Raster tiles for the map; an empty URL shows the lots on a blank background.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    "contributors",
)
MAP_TILE_MAX_ZOOM = env.int("MAP_TILE_MAX_ZOOM", default=19)
# How often the map re-reads the vacancy of the lot a user has selected.
MAP_VACANCY_REFRESH_SECONDS = env.int("MAP_VACANCY_REFRESH_SECONDS", default=5)
# Typed addresses are geocoded only when a geocoder is configured: GEOCODER=nominatim
# (with a user agent naming your site, as Nominatim's usage policy asks). Off by default.
GEOCODER = env.str("GEOCODER", default="")
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="")
GEOCODER_DOMAIN = env.str("GEOCODER_DOMAIN", default="nominatim.openstreetmap.org")
GEOCODER_SCHEME = env.str("GEOCODER_SCHEME", default="https")
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=5.0)
# Restrict geocoding to these ISO 3166-1 countries, e.g. "tw" (empty: anywhere).
GEOCODER_COUNTRY_CODES = env.list("GEOCODER_COUNTRY_CODES", default=[])
if GEOCODER not in ("", "nominatim"):
    raise ImproperlyConfigured(f"GEOCODER must be empty or 'nominatim', not {GEOCODER!r}.")
if GEOCODER and not GEOCODER_USER_AGENT:
    raise ImproperlyConfigured("GEOCODER=nominatim needs GEOCODER_USER_AGENT (e.g. your site).")


def _origin(url: str) -> list[str]:
    """scheme://host[:port] of a URL template such as the tile server's, for the CSP."""
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content Security Policy: our own scripts and styles only, no inline code; on pages,
# not on JSON answers (config.csp).
# Images: ours, the tile server's, and vehicle photos, which gate cameras host
# themselves: CSP_PHOTO_SOURCES says where (any https host by default; list the
# cameras' origins, e.g. http://10.1.2.3, to allow plain-HTTP cameras).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            *_origin(MAP_TILE_URL),
            *env.list("CSP_PHOTO_SOURCES", default=["https:"]),
        ],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Forms that end at a payment platform's page redirect there.
        "form-action": [
            SELF,
            *env.list("CSP_FORM_ACTION", default=["https://checkout.stripe.com"]),
        ],
    },
}

# LOG_FORMAT=json writes one JSON object per line (production default); text is for people.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every request is logged once by config.logging.RequestLogMiddleware.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # The SDK logs every request at INFO; ours say what matters.
        "stripe": {"level": "WARNING"},
    },
}
