"""Settings for pytest: the dev defaults, made fast and deterministic."""

from .base import BASE_DIR, DATABASES
from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
MEDIA_ROOT = BASE_DIR / ".test-media"
ALLOWED_HOSTS = ["*"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that start gunicorn share the database with it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

# Serve static files straight from the apps, as runserver does, without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Request lines would drown test output; tests that check logs capture them.
LOGGING["loggers"]["openlot.requests"] = {"level": "WARNING"}  # noqa: F405

# Per process and emptied between tests (tests/conftest.py); production shares one.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
