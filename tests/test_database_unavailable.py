"""With the database out of reach, gates get a 503 they can display, and recover by themselves."""

from contextlib import contextmanager

import psycopg
import pytest
from django.db import close_old_connections, connection

from parking.models import GateEvent, ParkingSession

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_unreachable():
    """Point the connection at nothing; on leaving, the real database is back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-directory/openlot.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_a_gate_gets_a_503_with_a_message_while_the_database_is_down(gates, entry_gate):
    with database_unreachable():
        response = gates.enter(entry_gate, "ABC-1234")

    assert response.status_code == 503
    assert response.json() == {
        "open": False,
        "code": "service_unavailable",
        "message": "The parking system is temporarily unavailable. Please try again.",
    }
    assert not ParkingSession.objects.exists()
    assert not GateEvent.objects.exists()


def test_the_vacancy_api_answers_503_too(client, lot):
    with database_unreachable():
        response = client.get(f"/api/lots/{lot.pk}/vacancy")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.parametrize(
    "language, words", [("en", "Temporarily unavailable"), ("zh-TW", "暫時無法使用")]
)
def test_the_pages_drivers_open_say_the_system_is_unavailable(client, lot, language, words):
    with database_unreachable():
        pages = [
            client.get(url, HTTP_ACCEPT_LANGUAGE=language) for url in (f"/kiosk/{lot.pk}/", "/")
        ]

    for response in pages:
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert words in response.content.decode()
    assert client.get(f"/kiosk/{lot.pk}/").status_code == 200  # and back by itself


def test_gates_work_again_once_the_database_is_back(gates, entry_gate):
    with database_unreachable():
        assert gates.enter(entry_gate, "ABC-1234").status_code == 503

    response = gates.enter(entry_gate, "ABC-1234")

    assert response.status_code == 201
    assert ParkingSession.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a server closing a kept connection: PostgreSQL"
)
def test_a_connection_the_server_closed_meanwhile_is_replaced_before_the_next_call(
    gates, entry_gate
):
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    kept = connection.connection.info.backend_pid
    assert gates.enter(entry_gate, "ABC-1234").status_code == 200  # the same connection, kept
    assert connection.connection.info.backend_pid == kept

    # What a database restart does to every kept connection (waits until it is gone).
    with psycopg.connect(**connection.get_connection_params()) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 10000)", [kept])
    close_old_connections()  # what every request starts with (the test client leaves it out)

    response = gates.enter(entry_gate, "XYZ-9876")

    assert response.status_code == 201
    assert connection.connection.info.backend_pid != kept
    assert ParkingSession.objects.count() == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL's fast path"
)
def test_a_connection_that_lost_its_prepared_statements_is_replaced(gates, entry_gate, caplog):
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    kept = connection.connection.info.backend_pid
    # What a pooler's DISCARD ALL does, unknown to the connection that prepared them.
    connection.connection.pgconn.exec_(b"DEALLOCATE ALL")

    response = gates.enter(entry_gate, "XYZ-9876")

    assert response.status_code == 201
    assert connection.connection.info.backend_pid != kept
    assert ParkingSession.objects.count() == 2
    assert "DB_PREPARED_STATEMENTS=false" in caplog.text  # the hint, should it repeat
