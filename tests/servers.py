"""A real gunicorn serving the test database, for tests that need real HTTP and processes."""

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url(*, port: int | None = None) -> str:
    """DATABASE_URL naming the database the tests run on (the test database, not the real one).

    `port` sends PostgreSQL traffic elsewhere (through a fault-injecting proxy).
    """
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = "127.0.0.1" if port else db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


def postgres_address() -> tuple[str, int]:
    db = connection.settings_dict
    return db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)


class Server(str):
    """The server's base URL, which also knows its gunicorn master process."""

    def __new__(cls, url: str, process: subprocess.Popen):
        server = super().__new__(cls, url)
        server.process = process
        return server

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@contextmanager
def gunicorn(*, workers: int = 4, threads: int = 4, extra_env: dict | None = None):
    """Serve the project with gunicorn; yields its base URL.

    The listening socket is bound here and handed to gunicorn, so requests
    sent before the workers are up wait in the backlog instead of failing.
    """
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"fd://{listener.fileno()}",
        "--workers", str(workers), "--threads", str(threads),
        "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, pass_fds=[listener.fileno()])
    try:
        yield Server(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        listener.close()
