"""Cash at the booth closes the car's online checkout, so the driver cannot pay twice.

`record_manual_payment` (the admin's "Mark paid in cash") records the cash and lets the car
out; once that is committed, the car's pending online payment is closed at its platform first
and then here, as a replaced checkout is. A checkout that cannot be closed, or a quote for a
period already paid, is never offered to the driver again.
"""

from datetime import datetime, timedelta

import pytest

from lots.models import Tariff
from payments.models import Payment, SandboxCheckout
from payments.services import record_manual_payment

from .conftest import login, start_payment

VEHICLES = "/admin/parking/parkingsession/"


def pending(client, parked, provider="sandbox") -> Payment:
    response = start_payment(client, parked, provider=provider)
    assert response.status_code == 201
    return Payment.objects.get(pk=response.json()["payment_id"])


def mark_paid_in_cash(owner_client, session):
    # As the confirmation page posts it.
    data = {"action": "mark_paid_in_cash", "_selected_action": [str(session.pk)], "post": "yes"}
    response = owner_client.post(VEHICLES, data, follow=True)
    return [str(message) for message in response.context["messages"]]


def test_cash_closes_the_sandbox_checkout_and_its_page_can_no_longer_take_money(
    client, parked, owner, clock
):
    online = pending(client, parked)

    cash = record_manual_payment(parked.pk, by=owner, now=clock.now())

    online.refresh_from_db()
    assert (online.status, online.failure_reason) == ("expired", "Paid at the booth instead.")
    assert SandboxCheckout.objects.get(payment_id=online.pk).status == "canceled"
    client.post(online.redirect_url, {"outcome": "succeed"})  # the driver's phone, still open
    assert Payment.objects.get(pk=online.pk).status == "expired"
    assert list(Payment.objects.filter(status="succeeded")) == [cash]
    page = client.get(f"/kiosk/payments/{online.pk}/").content.decode()
    assert "Payment closed" in page and "Payment expired" not in page  # it did not expire
    assert "Paid at the booth instead." in page
    # The driver's page says where that leaves them: out, not "try again".
    assert "Your car is paid: exit allowed until 10:15" in page  # cash at 10:00
    assert "Try again" not in page


def test_cash_expires_the_stripe_checkout_at_stripe_first(
    client, parked, owner, clock, fake_stripe
):
    online = pending(client, parked, "stripe")

    record_manual_payment(parked.pk, by=owner, now=clock.now())

    assert fake_stripe.only_session()["status"] == "expired"
    assert Payment.objects.get(pk=online.pk).status == "expired"
    assert fake_stripe.calls("POST", f"/v1/checkout/sessions/{online.provider_reference}/expire")


def test_a_checkout_paid_online_just_before_the_cash_stands_and_the_owner_is_told(
    client, parked, owner, fake_stripe, clock
):
    online = pending(client, parked, "stripe")
    fake_stripe.pay(online.provider_reference)  # its webhook not here yet

    messages = mark_paid_in_cash(login(client, owner), parked)

    online.refresh_from_db()
    assert online.status == "succeeded"  # the money was taken: it stands
    assert any("Recorded NT$30 paid in cash" in message for message in messages)
    assert any(
        f"ABC1234 was also paid online (receipt {online.receipt_number}, NT$30)" in message
        for message in messages
    )


def test_a_checkout_stripe_cannot_close_stays_pending_and_the_owner_is_told(
    client, parked, owner, fake_stripe
):
    online = pending(client, parked, "stripe")
    fake_stripe.down = True

    messages = mark_paid_in_cash(login(client, owner), parked)

    assert Payment.objects.get(provider="manual").status == "succeeded"
    assert Payment.objects.get(pk=online.pk).status == "pending"
    assert any(
        "ABC1234: an online payment could not be closed at its platform" in message
        for message in messages
    )


def test_a_quote_for_a_period_paid_in_cash_is_never_offered_again(
    client, parked, owner, fake_stripe, clock, settings
):
    settings.EXIT_GRACE_MINUTES = 5  # shorter than the 10 minutes a quote holds
    online = pending(client, parked, "stripe")  # 10:00, NT$30 for 09:00-10:00
    fake_stripe.down = True
    record_manual_payment(parked.pk, by=owner, now=clock.now())  # may leave until 10:05
    fake_stripe.down = False
    clock.advance(minutes=8)  # 10:08: the grace ran out, a new period owes NT$15

    response = start_payment(client, parked, provider="stripe")

    assert response.status_code == 201
    body = response.json()
    assert body["payment_id"] != str(online.pk)
    assert body["amount"] == 1500
    assert Payment.objects.get(pk=online.pk).status == "expired"
    assert fake_stripe.sessions[online.provider_reference]["status"] == "expired"


def test_a_checkout_left_open_by_the_booth_is_closed_when_the_driver_asks_to_pay(
    client, parked, owner, fake_stripe, clock
):
    online = pending(client, parked, "stripe")
    fake_stripe.down = True
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    fake_stripe.down = False

    response = start_payment(client, parked, provider="stripe")

    assert (response.status_code, response.json()["code"]) == (409, "nothing_due")
    closed = Payment.objects.get(pk=online.pk)
    assert (closed.status, closed.failure_reason) == ("expired", "Nothing is due any more.")
    assert fake_stripe.only_session()["status"] == "expired"


@pytest.mark.parametrize("provider", ["sandbox", "stripe"])
def test_after_cash_the_kiosk_says_already_paid(
    client, parked, owner, clock, fake_stripe, provider
):
    pending(client, parked, provider)
    record_manual_payment(parked.pk, by=owner, now=clock.now())

    response = start_payment(client, parked, provider=provider)

    assert (response.status_code, response.json()["code"]) == (409, "nothing_due")
    assert datetime.fromisoformat(response.json()["exit_allowed_until"]) == clock.now() + timedelta(
        minutes=15
    )


def test_a_failed_attempt_of_a_car_that_now_owes_nothing_sends_it_to_the_exit(
    client, parked, clock
):
    online = pending(client, parked)
    client.post(online.redirect_url, {"outcome": "decline"})
    Tariff.objects.filter(lot=parked.lot).update(unit_price=0)  # the owner made parking free

    page = client.get(f"/kiosk/payments/{online.pk}/").content.decode()

    assert "Payment failed" in page
    assert "Nothing to pay." in page
    assert "Try again" not in page
