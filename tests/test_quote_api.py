"""GET /api/sessions/{id}/quote: the amount due now, with the tariff breakdown."""

import uuid
from datetime import datetime, timedelta

from parking.models import ParkingSession
from payments.services import record_manual_payment

from .conftest import make_gate, make_lot

at = datetime.fromisoformat


def quote(client, session_id):
    return client.get(f"/api/sessions/{session_id}/quote")


def test_an_unpaid_car_is_quoted_with_its_breakdown(client, parked, clock):
    response = quote(client, parked.pk)

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["amount_due"], body["currency"]) == ("unpaid", 3000, "TWD")
    assert body["amount_due_display"] == "NT$30"
    assert (at(body["billing_from"]), at(body["until"])) == (parked.entered_at, clock.now())
    assert body["exit_allowed_until"] is None
    assert body["tariff"] == "free up to 10 min, NT$15 per 30 min"
    assert body["breakdown"] == [
        {
            "day": "2026-03-02",
            "first_period": False,
            "units": 2,
            "subtotal": 3000,
            "amount": 3000,
            "capped": False,
            "charged_earlier": 0,
        }
    ]


def test_inside_the_free_minutes_nothing_is_due(client, gates, entry_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(minutes=4)

    body = quote(client, session_id).json()

    assert (body["state"], body["amount_due"], body["breakdown"]) == ("free", 0, [])
    assert at(body["exit_allowed_until"]) == clock.now() + timedelta(minutes=6)


def test_a_paid_car_is_quoted_as_paid_until_its_window_closes(client, parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())

    body = quote(client, parked.pk).json()

    assert (body["state"], body["amount_due"]) == ("paid", 0)
    assert at(body["exit_allowed_until"]) == clock.now() + timedelta(minutes=15)


def test_after_the_window_the_fee_runs_from_its_end(client, parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    clock.advance(minutes=16)

    body = quote(client, parked.pk).json()

    assert (body["state"], body["amount_due"]) == ("unpaid", 1500)
    assert at(body["billing_from"]) == clock.now() - timedelta(minutes=1)


def test_a_long_stay_is_broken_down_per_day_with_the_daily_maximum(client, gates, owner, clock):
    lot = make_lot(
        owner,
        name="Capped",
        first_period_minutes=60,
        first_period_price=3000,
        unit_minutes=30,
        unit_price=1500,
        daily_cap=18000,
    )
    gates.enter(make_gate(lot, "entry"), "ABC-1234")
    clock.advance(hours=26)  # 09:00 Monday to 11:00 Tuesday

    body = quote(client, ParkingSession.objects.get().pk).json()

    monday, tuesday = body["breakdown"]
    assert (monday["day"], monday["first_period"], monday["units"]) == ("2026-03-02", True, 28)
    assert (monday["subtotal"], monday["amount"], monday["capped"]) == (45000, 18000, True)
    assert (tuesday["day"], tuesday["units"], tuesday["amount"]) == ("2026-03-03", 22, 18000)
    assert body["amount_due"] == 36000


def test_an_unknown_car_is_not_found(client, db):
    response = quote(client, uuid.uuid4())

    assert (response.status_code, response.json()["code"]) == (404, "session_not_found")
