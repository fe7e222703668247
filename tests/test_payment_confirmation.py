"""Confirming payments, through the paths production takes: a platform's notification or the
driver's return (both end in `record_report`), and cash taken by hand (`record_manual_payment`)."""

from datetime import timedelta

import pytest

from parking.models import ParkingSession
from payments.models import Payment, Platform, ProviderEvent, SandboxCheckout
from payments.providers import REGISTRY
from payments.providers.sandbox import platform
from payments.services import MANUAL_PROVIDER, PaymentRefused, record_manual_payment

from .conftest import start_payment
from .fake_stripe import sign


def sandbox_checkout(client, parked) -> dict:
    response = start_payment(client, parked)
    assert response.status_code == 201
    return response.json()


def notify(client, checkout: SandboxCheckout):
    """The sandbox platform's signed notification about `checkout`, as it is now."""
    body, headers = platform.signed_notification(checkout)
    return client.post(
        "/payments/webhooks/sandbox/", data=body, content_type="application/json", headers=headers
    )


def stripe_checkout(client, parked) -> Payment:
    response = start_payment(client, parked, provider="stripe")
    assert response.status_code == 201
    return Payment.objects.get(pk=response.json()["payment_id"])


def stripe_webhook(client, fake_stripe, event_type, reference):
    payload = fake_stripe.event(event_type, reference)
    return client.post(
        "/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload)},
    )


def test_a_confirmed_payment_lets_the_car_out_for_fifteen_minutes_and_no_longer(
    client, parked, gates, exit_gate, clock
):
    payment = sandbox_checkout(client, parked)
    client.post(payment["redirect_url"], {"outcome": "succeed"})

    clock.advance(minutes=15, seconds=1)
    late = gates.leave(exit_gate, "ABC-1234")
    clock.advance(seconds=-1)
    in_time = gates.leave(exit_gate, "ABC-1234")

    assert (late.status_code, late.json()["code"]) == (402, "payment_required")
    assert (in_time.status_code, in_time.json()["code"]) == (200, "exit_granted")


def test_a_second_report_of_the_same_payment_changes_nothing(client, parked, clock):
    payment = sandbox_checkout(client, parked)
    client.post(payment["redirect_url"], {"outcome": "succeed"})
    first = Payment.objects.get(pk=payment["payment_id"])
    clock.advance(minutes=5)

    # Another notification (a new event id, not a replay), and the driver's return page.
    again = notify(client, SandboxCheckout.objects.get())
    page = client.get(f"/kiosk/payments/{first.pk}/")

    assert again.json()["outcomes"] == ["no_change"]
    paid = Payment.objects.get(pk=first.pk)
    assert (paid.paid_at, paid.receipt_number) == (first.paid_at, first.receipt_number)
    assert paid.exit_allowed_until == first.exit_allowed_until
    assert ParkingSession.objects.get(pk=parked.pk).exit_allowed_until == first.exit_allowed_until
    assert "Exit allowed until 10:15" in page.content.decode()
    assert ProviderEvent.objects.filter(outcome="confirmed").count() == 1


def test_money_taken_after_a_local_failure_still_counts(client, parked, fake_stripe):
    payment = stripe_checkout(client, parked)
    # Closed here (say the platform's answer was lost), but the driver paid on the page.
    Payment.objects.filter(pk=payment.pk).update(status="failed", failure_reason="timeout")
    fake_stripe.pay(payment.provider_reference)

    response = stripe_webhook(
        client, fake_stripe, "checkout.session.completed", payment.provider_reference
    )

    assert response.json()["outcomes"] == ["confirmed"]
    paid = Payment.objects.get(pk=payment.pk)
    assert (paid.status, paid.failure_reason) == ("succeeded", "")
    assert ParkingSession.objects.get(pk=parked.pk).exit_allowed_until == paid.exit_allowed_until


def test_a_payment_for_a_car_that_left_stands_as_a_record(
    client, parked, owner, fake_stripe, gates, exit_gate, clock
):
    payment = stripe_checkout(client, parked)
    fake_stripe.down = True  # cash at the booth, which cannot close the online checkout
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    fake_stripe.down = False
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200
    fake_stripe.pay(payment.provider_reference)  # the driver paid on the page still open

    stripe_webhook(client, fake_stripe, "checkout.session.completed", payment.provider_reference)

    record = Payment.objects.get(pk=payment.pk)
    assert (record.status, record.session, record.plate, record.amount) == (
        "succeeded",
        None,
        "ABC1234",
        3000,
    )
    assert client.get(f"/api/payments/{record.pk}").json()["status"] == "succeeded"


def test_a_manual_payment_records_the_amount_due_and_who_took_it(
    parked, owner, gates, exit_gate, clock
):
    payment = record_manual_payment(parked.pk, by=owner, now=clock.now())

    assert (payment.provider, payment.status, payment.amount) == ("manual", "succeeded", 3000)
    assert (payment.recorded_by, payment.paid_at, payment.plate) == (owner, clock.now(), "ABC1234")
    assert (payment.billing_from, payment.billing_until) == (parked.entered_at, clock.now())
    assert payment.exit_allowed_until == clock.now() + timedelta(minutes=15)
    assert gates.leave(exit_gate, "ABC-1234").json()["code"] == "exit_granted"


def test_a_manual_payment_is_refused_when_nothing_is_due(gates, entry_gate, owner, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]

    with pytest.raises(PaymentRefused) as refused:
        record_manual_payment(session_id, by=owner, now=clock.now())

    assert refused.value.code == "nothing_due"
    assert not Payment.objects.exists()


def test_a_manual_payment_for_a_car_that_left_is_refused(
    gates, entry_gate, exit_gate, owner, clock
):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    gates.leave(exit_gate, "ABC-1234")  # inside the free minutes

    with pytest.raises(PaymentRefused) as refused:
        record_manual_payment(session_id, by=owner, now=clock.now())

    assert refused.value.code == "session_not_found"


def test_every_platform_a_payment_can_come_from_has_a_name_to_show():
    # The admin names a payment's platform from Payment.provider's choices: a provider
    # added to the registry alone would be listed by its bare id.
    assert set(Platform.values) == {*REGISTRY, MANUAL_PROVIDER}
