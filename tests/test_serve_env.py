"""`make serve` (scripts/serve_env.py): production settings; what the environment or
`.env` sets is used, and only the rest gets the localhost trial's defaults."""

import os
import shutil
import subprocess
import sys

from .servers import BASE_DIR


def serve_env(tmp_path, dotenv: str | None, **environment) -> dict:
    (tmp_path / "scripts").mkdir()
    shutil.copy(BASE_DIR / "scripts" / "serve_env.py", tmp_path / "scripts")
    (tmp_path / ".secret_key").write_text("k" * 60 + "\n")
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    env = {key: value for key, value in os.environ.items() if key not in SET_BY_SERVE}
    result = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "serve_env.py"), "127.0.0.1:8000"],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(word.split("=", 1) for word in result.stdout.split())


SET_BY_SERVE = {
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES", "GUNICORN_BIND", "SECRET_KEY", "SECRET_KEY_FILE",
}  # fmt: skip


def test_without_configuration_it_is_a_trial_on_localhost(tmp_path):
    env = serve_env(tmp_path, dotenv=None)

    assert env == {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/openlot",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "GUNICORN_BIND": "127.0.0.1:8000",
        "SECRET_KEY": "k" * 60,
    }


def test_what_env_or_the_environment_sets_is_left_to_them(tmp_path):
    dotenv = "ALLOWED_HOSTS=parking.example.com\nSECRET_KEY_FILE=/run/secrets/key\n"

    env = serve_env(tmp_path, dotenv, DATABASE_URL="postgres://db.internal/openlot")

    # Not passed on: settings read them from .env and the environment themselves.
    assert set(env) == {
        "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "SECURE_COOKIES", "GUNICORN_BIND",
    }  # fmt: skip


def test_an_empty_value_is_unset_as_in_env_example(tmp_path):
    # A copy of .env.example leaves DATABASE_URL= empty: the trial's PostgreSQL, not SQLite.
    env = serve_env(tmp_path, "DATABASE_URL=\nALLOWED_HOSTS=\n")

    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/openlot"
    assert env["ALLOWED_HOSTS"] == "127.0.0.1,localhost"


def test_a_command_is_run_with_them_and_a_failure_stops_it(tmp_path):
    serve_env(tmp_path, dotenv=None)  # the script and its .secret_key in place
    script = str(tmp_path / "scripts" / "serve_env.py")
    show = "import os; print(os.environ['DJANGO_SETTINGS_MODULE'], os.environ['GUNICORN_BIND'])"
    env = {key: value for key, value in os.environ.items() if key not in SET_BY_SERVE}

    ran = subprocess.run(
        [sys.executable, script, "127.0.0.1:8000", sys.executable, "-c", show],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    (tmp_path / ".secret_key").unlink()
    failed = subprocess.run(
        [sys.executable, script, "127.0.0.1:8000", sys.executable, "-c", show],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert ran.stdout == "config.settings.production 127.0.0.1:8000\n"
    assert failed.returncode != 0  # make stops, rather than serving with other settings
    assert failed.stdout == ""
