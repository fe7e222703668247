"""/healthz and /readyz for load balancers: answered by IP, over plain HTTP."""

import pytest
from django.core.management import call_command

from config import health

from .test_database_unavailable import database_unreachable


@pytest.fixture
def production_like(settings):
    settings.ALLOWED_HOSTS = ["parking.example.com"]
    settings.SECURE_SSL_REDIRECT = True


def test_healthz_answers_a_probe_by_ip_without_redirecting(client, production_like, db):
    response = client.get("/healthz", headers={"Host": "10.0.0.7"})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_other_pages_still_check_the_host(client, production_like, db):
    assert client.get("/api/openapi.json", headers={"Host": "10.0.0.7"}).status_code == 400


def test_readyz_is_ready_when_the_database_answers(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_while_the_database_is_unreachable(client):
    with database_unreachable():
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_until_migrations_are_applied(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    call_command("migrate", "payments", "zero", verbosity=0)
    try:
        response = client.get("/readyz")
    finally:
        call_command("migrate", verbosity=0)

    assert response.status_code == 503
    assert response.json()["reason"].startswith("unapplied migrations: ")
    assert client.get("/readyz").status_code == 200
