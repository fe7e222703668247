"""Print a PostgreSQL DATABASE_URL that answers, or exit 1.

DATABASE_URL is used when it names PostgreSQL; otherwise the local server
(127.0.0.1:5432, user postgres, trust auth) is tried.
"""

import os
import sys

import psycopg

DEFAULT = "postgres://postgres@127.0.0.1:5432/openlot"


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT
    server = url.rsplit("/", 1)[0] + "/postgres"  # the test database is created beside it
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {server}: {exc}".strip(), file=sys.stderr)
        return 1
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
