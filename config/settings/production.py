"""Production: everything secure by default; secrets must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# The sandbox takes no money: never offered to real drivers unless asked for.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=False)

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from any client.
# gunicorn sets the request's scheme from it only for the proxies in FORWARDED_ALLOW_IPS
# (config/gunicorn.conf.py), and Django reads that scheme.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Cookies only over HTTPS; SECURE_COOKIES=false only for a plain-HTTP trial on localhost.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env.bool(
    "SECURE_COOKIES", default=True
)
