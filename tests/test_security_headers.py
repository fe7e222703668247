"""Security by default: CSP, framing, sniffing, and a clean `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path


def test_pages_carry_a_content_security_policy_without_inline_code(client, db):
    response = client.get("/api/docs")

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_pages_cannot_be_framed_or_sniffed(client, db):
    response = client.get("/api/docs")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_json_answers_are_not_sniffable_and_carry_no_page_policy(client, db):
    response = client.get("/api/lots/nearby", {"lat": 25.0478, "lng": 121.5170})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response


def check_deploy(**environ) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "parking.example.com",
        "DATABASE_URL": "",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests, never in production
    env.pop("PAYMENTS_SANDBOX", None)  # production's default unless a test sets it
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_stripe_set_up_by_half_is_reported_not_silently_left_off():
    result = check_deploy(STRIPE_SECRET_KEY="sk_live_abc", STRIPE_WEBHOOK_SECRET="")

    assert result.returncode != 0
    assert "payments.W002" in result.stderr
    assert "STRIPE_WEBHOOK_SECRET is empty" in result.stderr


def test_check_deploy_warns_when_the_sandbox_platform_is_on_in_production():
    # Its Pay button lets a car out with no money taken.
    result = check_deploy(PAYMENTS_SANDBOX="true")

    assert result.returncode != 0
    assert "payments.W001" in result.stderr
    assert "leave without paying" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": ""}
    env.pop("ALLOWED_HOSTS", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("s" * 60 + "\n")  # as `echo` writes it: the line end is not the key
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY_FILE": str(secret_file),
        "ALLOWED_HOSTS": "parking.example.com",
    }
    env.pop("SECRET_KEY", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY)",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.endswith("s" * 60 + "\n"), result.stderr  # one line end: print's


def test_images_may_come_from_us_the_tile_server_and_https_cameras_only(client, db):
    policy = client.get("/api/docs")["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))

    assert img_src.split()[1:] == ["'self'", "data:", "https://tile.openstreetmap.org", "https:"]


def test_the_documented_env_file_starts_gunicorn():
    # .env.example as Docker's --env-file takes it (docs/deploy.md): KEY=VALUE lines, as written.
    root = Path(__file__).resolve().parent.parent
    lines = (root / ".env.example").read_text().splitlines()
    documented = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    # The image's STATIC_ROOT holds what collectstatic wrote at build: never overridden.
    assert "STATIC_ROOT" not in documented
    env = {**os.environ, **documented, "SECRET_KEY": secrets.token_urlsafe(60)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "-c", "config/gunicorn.conf.py", "--check-config", "config.wsgi"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
