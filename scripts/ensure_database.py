"""Create the PostgreSQL database DATABASE_URL names, if it does not exist yet.

`--fresh` drops it first (benchmarks start from an empty database, so a
function or index left by an older migration can never skew a measurement).
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
import psycopg
from psycopg import sql


def main() -> int:
    dotenv = Path(__file__).resolve().parent.parent / ".env"
    if dotenv.exists():  # as the settings read it: the environment first, then .env
        environ.Env.read_env(dotenv, overwrite=False)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return 0  # SQLite creates its file itself
    name = urlsplit(url).path.lstrip("/")
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
        if "--fresh" in sys.argv[1:]:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
