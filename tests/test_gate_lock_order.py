"""Gate calls queue behind the rows they decide on, in one order, instead of deadlocking.

An exit that reads a misread plate waits for every look-alike it weighs: one that
is leaving at that moment is gone when it counts them, so the car left is let out.

Two exit calls for one car queue behind a busy gate row instead of deadlocking.

Every gate decision takes the vehicle row, then the lot row, then the gate row
(last_seen_at) last. Here a third connection holds the gate row while one exit
records its decision (the second round trip, `openlot_gate_exit`: it holds the
car's row and waits for the gate row), and a second exit for the same car arrives
through the API (`openlot_gate_leave`: it waits for the car's row). When the gate
row is released both must finish. Had either function taken the gate row before
the car's, PostgreSQL would find a deadlock and a gate would get a 503.
"""

import threading
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from parking.fastpath import RECORD_EXIT
from parking.models import Direction, Gate, ParkingSession
from parking.services import PlateRead, admit_vehicle

from .conftest import make_gate, make_lot
from .servers import database_url

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="row locks in the one-round-trip gate path exist on PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]


def wait_for_lock_waiters(monitor, count: int, caller: threading.Thread | None = None) -> None:
    """Poll PostgreSQL until `count` backends wait on a lock (no sleeping: a bounded poll).

    With `caller`, the thread whose call should be waiting: fails at once if it
    finished instead.
    """
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(100_000):
        if monitor.execute(query).fetchone()[0] >= count:
            return
        if caller is not None and not caller.is_alive():
            raise AssertionError("the call finished without waiting on a lock")
    raise AssertionError(f"never saw {count} calls waiting on a lock")


def test_two_exits_of_one_car_wait_for_a_busy_gate_row_without_deadlock(owner, settings):
    settings.GATE_FAST_PATH = True
    lot = make_lot(owner, free_minutes=10)
    entry, exit_ = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
    now = timezone.now()
    admit_vehicle(entry, PlateRead("ABC1234", "ABC-1234"), now=now - timedelta(minutes=5))
    car = ParkingSession.objects.get()
    Gate.objects.filter(pk=exit_.pk).update(last_seen_at=now - timedelta(hours=2))
    answers = {}

    def record_exit() -> None:
        # The second round trip of an exit Python decided to let out.
        with psycopg.connect(database_url(), autocommit=True) as conn:
            answers["recorded"] = conn.execute(
                RECORD_EXIT,
                [
                    exit_.pk,
                    lot.pk,
                    "exit_granted",
                    car.pk,
                    car.billing_from,
                    None,
                    car.plate,
                    "ABC-1234",
                    None,
                    19,
                    None,
                    "TWD",
                    now,
                    True,
                ],  # fmt: skip
            ).fetchone()[0]

    def leave() -> None:
        response = Client().post(
            "/api/gates/exit",
            data={"plate": "A8C-1234"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {exit_.token}"},
        )
        answers["api"] = (response.status_code, response.json()["code"])
        connections.close_all()

    with (
        psycopg.connect(database_url(), autocommit=True) as monitor,
        psycopg.connect(database_url()) as holder,
    ):
        holder.execute("SELECT 1 FROM parking_gate WHERE id = %s FOR UPDATE", [exit_.pk])
        first = threading.Thread(target=record_exit)
        first.start()
        wait_for_lock_waiters(monitor, 1)  # holds the car's row, waits for the gate row
        second = threading.Thread(target=leave)
        second.start()
        wait_for_lock_waiters(monitor, 2)  # waits for the car's row
        holder.rollback()
        first.join()
        second.join()

    assert answers == {"recorded": "exit_granted", "api": (404, "no_entry_record")}
    assert not ParkingSession.objects.exists()


@pytest.mark.parametrize("fast_path", [True, False], ids=["sql-functions", "orm"])
@pytest.mark.parametrize(
    ("parked_for", "answer"),
    [
        (timedelta(minutes=5), (200, "exit_granted", "ABC1234")),  # free minutes: one call
        (timedelta(hours=2), (402, "payment_required", "ABC1234")),  # a fee: two calls
    ],
    ids=["free", "owes"],
)
def test_a_misread_exit_waits_for_a_look_alike_leaving_and_answers_for_the_other(
    owner, settings, fast_path, parked_for, answer
):
    # Both paths lock the look-alikes in id order; what is checked here is what the
    # gate answers (the ORM path always locked before counting).
    settings.GATE_FAST_PATH = fast_path
    lot = make_lot(owner, free_minutes=10)
    entry, exit_ = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
    entered = timezone.now() - parked_for
    admit_vehicle(entry, PlateRead("ABC1234", "ABC-1234"), now=entered)
    admit_vehicle(entry, PlateRead("A8C1234", "A8C-1234"), now=entered)
    answers = {}

    def leave() -> None:
        # "ABC-I234" is neither car's plate, and either car's up to OCR confusions.
        response = Client().post(
            "/api/gates/exit",
            data={"plate": "ABC-I234"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {exit_.token}"},
        )
        answers["api"] = (response.status_code, response.json()["code"], response.json()["plate"])
        connections.close_all()

    with (
        psycopg.connect(database_url(), autocommit=True) as monitor,
        psycopg.connect(database_url()) as other_gate,
    ):
        # A8C1234 leaves through another gate: its exit is decided, not yet committed.
        other_gate.execute("DELETE FROM parking_parkingsession WHERE plate = 'A8C1234'")
        other_gate.execute("UPDATE lots_lot SET occupied = occupied - 1 WHERE id = %s", [lot.pk])
        reader = threading.Thread(target=leave)
        reader.start()
        wait_for_lock_waiters(monitor, 1, reader)  # counting look-alikes waits for that one
        other_gate.commit()
        reader.join()

    assert answers == {"api": answer}
    staying = [] if answer[1] == "exit_granted" else ["ABC1234"]
    assert list(ParkingSession.objects.values_list("plate", flat=True)) == staying
    lot.refresh_from_db()
    assert lot.occupied == len(staying)
