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


def test_an_overstay_is_billed_by_the_unit_not_the_first_period_again(gates, owner, clock):
    from .conftest import make_gate, make_lot

    # "First hour NT$30, then NT$15 per half hour, daily max NT$180."
    lot = make_lot(
        owner, name="Sign", free_minutes=0, first_period_minutes=60, first_period_price=3000,
        unit_minutes=30, unit_price=1500, daily_cap=18000,
    )  # fmt: skip
    entry, exit_ = make_gate(lot, "entry"), make_gate(lot, "exit")
    session_id = gates.enter(entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=3)
    pay(session_id, clock)
    clock.advance(minutes=16)

    response = gates.leave(exit_, "ABC-1234")

    assert response.status_code == 402
    assert response.json()["amount_due"] == 1500  # one half hour, not the first hour's NT$30


def test_a_free_first_period_lets_the_car_out_until_it_ends(client, gates, owner, clock):
    from .conftest import make_gate, make_lot

    # "First 10 minutes free, then the first hour free, then NT$15 per half hour."
    lot = make_lot(
        owner, name="Free hour", free_minutes=10, first_period_minutes=60, first_period_price=0,
        unit_minutes=30, unit_price=1500,
    )  # fmt: skip
    session_id = gates.enter(make_gate(lot, "entry"), "ABC-1234").json()["session_id"]
    entered = clock.now()

    for minutes in (5, 20, 60):
        clock.advance(minutes=minutes - (clock.now() - entered).total_seconds() / 60)
        quote = client.get(f"/api/sessions/{session_id}/quote").json()

        assert quote["state"] == "free", minutes
        # The driver is told when the fee starts, not when the free minutes end.
        assert quote["exit_allowed_until"].startswith(
            (entered + timedelta(minutes=60)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        ), minutes
    clock.advance(minutes=1)
    assert client.get(f"/api/sessions/{session_id}/quote").json()["amount_due"] == 1500
