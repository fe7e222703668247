"""A `.env` file beside manage.py fills in what the real environment leaves unset.

Read before the settings module is chosen (manage.py, config.wsgi, config.asgi), so
a DJANGO_SETTINGS_MODULE written there is the one used, and again by the settings.
"""

from pathlib import Path

import environ

DOTENV = Path(__file__).resolve().parent.parent / ".env"


def load_dotenv() -> None:
    if DOTENV.exists():
        environ.Env.read_env(DOTENV, overwrite=False)
