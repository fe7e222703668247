"""How `make serve` runs each command: production settings and, for what neither the
environment nor `.env` sets (an empty value is unset), the defaults of a trial on this
machine (plain HTTP on localhost, the local PostgreSQL, the key in .secret_key).

`serve_env.py HOST:PORT command...` runs the command so; without a command it prints the
added variables as KEY=value words.
"""

import os
import sys
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent


def trial_defaults(bind: str) -> dict[str, str]:
    if (ROOT / ".env").exists():
        environ.Env.read_env(ROOT / ".env", overwrite=False)
    trial = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/openlot",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "GUNICORN_BIND": bind,
    }
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        trial["SECRET_KEY"] = (ROOT / ".secret_key").read_text().strip()
    added = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    added.update({name: value for name, value in trial.items() if not os.environ.get(name)})
    return added


def main() -> int:
    bind, *command = sys.argv[1:]
    added = trial_defaults(bind)
    if command:
        os.execvpe(command[0], command, {**os.environ, **added})
    print(" ".join(f"{name}={value}" for name, value in added.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
