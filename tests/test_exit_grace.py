"""The 15-minute exit window after paying, derived from time (injected clock)."""

from datetime import UTC, timedelta

import pytest

from parking.models import ParkingSession
from parking.services import SessionState, grant_exit, session_status

from .conftest import start_payment

pytestmark = pytest.mark.usefixtures("gate_path")


def pay(session_id, clock):
    """What a payment does: exit allowed for the next 15 minutes."""
    return grant_exit(session_id, clock.now() + timedelta(minutes=15), now=clock.now())


def test_a_paid_car_may_leave_until_the_window_closes(gates, entry_gate, exit_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    pay(session_id, clock)
    clock.advance(minutes=15)

    assert gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_sixteen_minutes_after_paying_the_fee_runs_again_from_the_expiry(
    gates, entry_gate, exit_gate, clock
):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    paid_at = clock.now()
    pay(session_id, clock)
    clock.advance(minutes=16)

    response = gates.leave(exit_gate, "ABC-1234")

    # One minute past the window: one started half hour, no free minutes again.
    assert response.status_code == 402
    assert response.json()["amount_due"] == 1500
    status = session_status(ParkingSession.objects.get(), clock.now())
    assert status.state == SessionState.UNPAID
    assert status.grace_expired
    assert status.billing_from == paid_at + timedelta(minutes=15)


def test_the_restarted_fee_grows_with_time_from_the_expiry(gates, entry_gate, exit_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    pay(session_id, clock)
    clock.advance(minutes=15 + 31)

    assert gates.leave(exit_gate, "ABC-1234").json()["amount_due"] == 3000


def test_paying_again_after_the_window_reopens_the_exit(gates, entry_gate, exit_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    pay(session_id, clock)
    clock.advance(minutes=40)
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402

    session = pay(session_id, clock)
    # The second payment covers the time since the first window closed.
    assert session.billing_from == session.entered_at + timedelta(minutes=15)
    clock.advance(minutes=5)
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_inside_the_free_minutes_the_exit_is_allowed_until_they_end(gates, entry_gate, clock):
    gates.enter(entry_gate, "ABC-1234")
    clock.advance(minutes=4)

    status = session_status(ParkingSession.objects.select_related("lot__tariff").get(), clock.now())

    assert status.state == SessionState.FREE
    assert status.amount_due == 0
    assert status.exit_allowed_until == status.billing_from + timedelta(minutes=10)


def test_granting_exit_to_a_car_that_left_changes_nothing(gates, entry_gate, exit_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    gates.leave(exit_gate, "ABC-1234")

    assert pay(session_id, clock) is None
    assert not ParkingSession.objects.exists()


def test_sixteen_minutes_after_paying_at_the_kiosk_the_gate_asks_again(
    client, gates, entry_gate, exit_gate, clock
):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    payment = start_payment(client, ParkingSession.objects.get(pk=session_id)).json()
    client.post(payment["redirect_url"], {"outcome": "succeed"})  # sandbox: Pay
    paid_at = clock.now()
    clock.advance(minutes=16)

    response = gates.leave(exit_gate, "ABC-1234")

    assert response.status_code == 402
    # One minute past the window closing at paid_at + 15: one started half hour.
    assert (response.json()["amount_due"], response.json()["code"]) == (1500, "payment_required")
    quote = client.get(f"/api/sessions/{session_id}/quote").json()
    assert quote["billing_from"].startswith(
        (paid_at + timedelta(minutes=15)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    )
