"""Local development and the `make run` demo: debug on, the embedded SQLite default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

# The sandbox payment platform makes the kiosk work with no account and no network.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=True)
