"""The daily maximum on the sign holds for the whole stay.

A car that paid, overstayed its exit window and is billed again pays on that day
only what is left of the day's maximum ("daily max NT$180" is NT$180 a day, not
NT$180 a fee period). Through the gates (both decision paths), the kiosk's quote
and a real sandbox payment.
"""

from datetime import UTC, timedelta

import pytest

from .conftest import make_gate, make_lot, start_payment

pytestmark = pytest.mark.usefixtures("gate_path")


@pytest.fixture
def capped(owner):
    """ "First hour NT$30, then NT$15 per half hour, daily max NT$180", with its gates."""
    lot = make_lot(
        owner, name="Capped", free_minutes=10, first_period_minutes=60, first_period_price=3000,
        unit_minutes=30, unit_price=1500, daily_cap=18000,
    )  # fmt: skip
    lot.entry, lot.exit = make_gate(lot, "entry"), make_gate(lot, "exit")
    return lot


def pay_at_the_kiosk(client, session_id) -> int:
    """The driver pays what the kiosk quotes, with the sandbox platform; the amount paid."""
    quote = client.get(f"/api/sessions/{session_id}/quote").json()
    payment = start_payment(client, type("S", (), {"pk": session_id})).json()
    client.post(payment["redirect_url"], {"outcome": "succeed"})
    assert payment["amount"] == quote["amount_due"]
    return payment["amount"]


def test_a_car_that_paid_the_days_maximum_and_overstays_leaves_free_until_midnight(
    client, gates, capped, clock, settings
):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=8)  # 17:00: the day's maximum
    assert pay_at_the_kiosk(client, session_id) == 18000
    clock.advance(hours=3)  # 20:00: the exit window closed at 17:15

    quote = client.get(f"/api/sessions/{session_id}/quote").json()
    page = client.get(f"/kiosk/{capped.pk}/vehicles/{session_id}/").content.decode()
    refused = start_payment(client, type("S", (), {"pk": session_id})).json()
    response = gates.leave(capped.exit, "ABC-1234")

    assert (quote["state"], quote["amount_due"]) == ("free", 0)
    # Free until the first half hour that starts on the next day: 00:15 (17:15 + 14 x 30 min).
    assert quote["exit_allowed_until"] == "2026-03-02T16:15:00Z"
    assert "Nothing to pay." in page
    assert "The maximum of NT$180 for Mon 2 Mar is paid." in page
    assert "Exit allowed until Tue 3 Mar, 00:15" in page  # tomorrow, said so
    assert refused["message"] == "Nothing to pay: this vehicle may leave until Tue 3 Mar, 00:15."
    assert (response.status_code, response.json()["code"]) == (200, "exit_granted")


def test_an_overstay_pays_what_is_left_of_the_days_maximum(client, gates, capped, clock, settings):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=3)  # 12:00: first hour NT$30 + 4 half hours NT$60
    assert pay_at_the_kiosk(client, session_id) == 9000
    clock.advance(hours=8)  # 20:00: 16 half hours since 12:15 would be NT$240

    quote = client.get(f"/api/sessions/{session_id}/quote").json()
    response = gates.leave(capped.exit, "ABC-1234")

    assert quote["amount_due"] == 9000  # NT$180 - NT$90 paid at noon
    (day,) = quote["breakdown"]
    assert (day["units"], day["subtotal"], day["amount"]) == (16, 24000, 9000)
    assert (day["charged_earlier"], day["capped"]) == (9000, True)
    assert (response.status_code, response.json()["amount_due"]) == (402, 9000)
    page = client.get(f"/kiosk/{capped.pk}/vehicles/{session_id}/").content.decode()
    assert "NT$90 paid earlier that day" in page


def test_a_new_day_has_a_whole_maximum_again(client, gates, capped, clock, settings):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=14, minutes=50)  # 23:50: the day's maximum; the window ends 00:05
    assert pay_at_the_kiosk(client, session_id) == 18000
    clock.advance(hours=1, minutes=15)  # 01:05: two half hours since 00:05, on a new day

    response = gates.leave(capped.exit, "ABC-1234")

    assert (response.status_code, response.json()["amount_due"]) == (402, 3000)


def test_paying_twice_in_a_day_never_passes_the_maximum(client, gates, capped, clock, settings):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=2)  # 11:00
    paid = [pay_at_the_kiosk(client, session_id)]  # NT$60
    clock.advance(hours=3)  # 14:00: since 11:15, 6 half hours
    paid.append(pay_at_the_kiosk(client, session_id))  # NT$90
    clock.advance(hours=4)  # 18:00: since 14:15, 8 half hours would be NT$120

    quote = client.get(f"/api/sessions/{session_id}/quote").json()

    assert paid == [6000, 9000]
    assert quote["amount_due"] == 18000 - 6000 - 9000
    assert quote["exit_allowed_until"] is None
    assert quote["billing_from"] == (clock.now() - timedelta(hours=3, minutes=45)).astimezone(
        UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_payment_made_after_its_quote_counts_what_was_paid(
    client, gates, capped, clock, settings
):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=2, minutes=59)  # 11:59: first hour NT$30 + 4 half hours NT$60
    payment = start_payment(client, type("S", (), {"pk": session_id})).json()
    clock.advance(minutes=2)  # 12:01: Pay pressed; a fifth half hour began at 12:00
    client.post(payment["redirect_url"], {"outcome": "succeed"})
    clock.advance(hours=8)  # 20:01: 16 half hours since 12:16

    quote = client.get(f"/api/sessions/{session_id}/quote").json()

    assert payment["amount"] == 9000
    assert quote["breakdown"][0]["charged_earlier"] == 9000  # what was paid, not NT$105
    assert quote["amount_due"] == 18000 - 9000


def test_after_midnight_the_kiosk_names_the_day_whose_maximum_was_paid(
    client, gates, capped, clock, settings
):
    settings.PAYMENTS_SANDBOX = True
    session_id = gates.enter(capped.entry, "ABC-1234").json()["session_id"]
    clock.advance(hours=8)  # 17:00: the day's maximum; the window closes at 17:15
    pay_at_the_kiosk(client, session_id)
    clock.advance(hours=7, minutes=5)  # 00:05 on Tuesday: the block begun 23:45 was Monday's

    page = client.get(f"/kiosk/{capped.pk}/vehicles/{session_id}/").content.decode()
    refused = start_payment(client, type("S", (), {"pk": session_id})).json()

    assert "The maximum of NT$180 for Mon 2 Mar is paid." in page
    assert "Exit allowed until 00:15" in page  # today now: no day needed
    assert refused["message"] == "Nothing to pay: this vehicle may leave until 00:15."
