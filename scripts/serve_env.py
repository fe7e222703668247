"""What `make serve` adds to the environment: production settings and, for what neither
the environment nor `.env` sets, the defaults of a trial on this machine (plain HTTP on
localhost, the local PostgreSQL, the key in .secret_key). Prints KEY=value words for `env`.
"""

import os
import sys
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    bind = sys.argv[1]
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
    words = ["DJANGO_SETTINGS_MODULE=config.settings.production"]
    words += [f"{name}={value}" for name, value in trial.items() if name not in os.environ]
    print(" ".join(words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
