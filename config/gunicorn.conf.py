"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Workers x threads sized from the CPU count; everything overridable from the environment.
"""

import multiprocessing
import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from config.dotenv import load_dotenv  # noqa: E402 (the project, importable from here)

load_dotenv()  # GUNICORN_*, FORWARDED_ALLOW_IPS and LOG_FORMAT in .env count here too


def _setting(name: str, default):
    """`name` from the environment; empty or unset means `default` (as .env.example has it)."""
    value = os.environ.get(name, "").strip()
    return type(default)(value) if value else default


bind = _setting("GUNICORN_BIND", "0.0.0.0:8000")
workers = _setting("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _setting("GUNICORN_THREADS", 4)
# Named, not left to gunicorn: it picks gthread only for 2 threads or more, and with one
# runs its sync worker, which closes every connection after its answer (gate clients and
# load balancers send call after call on one) and is held by a slow client.
worker_class = "gthread"
# Gate calls are short; a request still running after this is stuck, not busy.
timeout = _setting("GUNICORN_TIMEOUT", 30)
graceful_timeout = _setting("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _setting("GUNICORN_KEEPALIVE", 5)
# Requests are logged as JSON lines by the app (config.logging); gunicorn's own
# access log is off unless asked for (GUNICORN_ACCESS_LOG=- for stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = _setting("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25.1+ opens a control socket for gunicornc, by default one path per user
# (~/.gunicorn/gunicorn.ctl): a second server of the same user (the gate servers beside
# the page servers, docs/deploy.md; or the next one in a blue/green restart) takes it
# over, and removes it when it stops. Off unless a path of its own is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip():
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()
else:
    control_socket_disable = True
# gunicorn's own lines (workers booting, timeouts, a worker killed) as JSON too, like the
# app's, unless LOG_FORMAT=text: a log pipeline then reads every line on stderr alike.
if _setting("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            # gunicorn's defaults give the root logger this one.
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            # Only when asked for (it writes each request line, query string and all).
            "access": (
                {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stdout",
                }
                if accesslog in (None, "-")
                else {"class": "logging.FileHandler", "formatter": "json", "filename": accesslog}
            ),
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access"] if accesslog else [],
                "propagate": False,
            },
        },
    }


class AccessLogWhenAsked(Logger):
    """gunicorn's logger, building a request's access-log line only if the log is kept.

    With a logging configuration (ours above) gunicorn builds every request's line
    (its headers, its environ) and hands it to a logger with no handler: about
    50 us of every request for nothing (docs/performance.md).
    """

    def setup(self, cfg):  # at start, and again when a reload reads the settings anew
        super().setup(cfg)
        # gunicorn's own rule, less "any logging configuration".
        self.access_log_kept = bool(
            cfg.accesslog or (cfg.syslog and not cfg.disable_redirect_access_to_syslog)
        )

    def access(self, resp, req, environ, request_time):
        if self.access_log_kept:
            super().access(resp, req, environ, request_time)


logger_class = AccessLogWhenAsked
