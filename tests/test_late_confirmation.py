"""A payment OpenLot learns of late opens the exit for the window the driver could have used.

The exit window starts when the driver paid, by the platform's own clock (Stripe: the charge;
the sandbox: the press of Pay), and never later than the checkout's end of life (35 minutes
after the quote: a checkout cannot be paid after it expires). A retried webhook, a driver back
hours later, or a slow payment method therefore never opens the gate for hours never billed.
"""

from datetime import datetime, timedelta

from parking.models import ParkingSession
from payments.models import Payment, SandboxCheckout
from payments.services import record_manual_payment

from .conftest import start_payment
from .fake_stripe import sign


def sandbox_payment(client, parked) -> Payment:
    response = start_payment(client, parked)
    assert response.status_code == 201
    return Payment.objects.get(pk=response.json()["payment_id"])


def stripe_payment(client, parked) -> Payment:
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


def test_a_sandbox_payment_seen_hours_later_does_not_open_the_exit(
    client, parked, gates, exit_gate, clock
):
    payment = sandbox_payment(client, parked)  # quoted at 10:00 for 09:00-10:00
    # Paid on the platform, but its notification never arrived and no time was recorded.
    SandboxCheckout.objects.update(status="paid")
    clock.advance(hours=6)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    paid = Payment.objects.get(pk=payment.pk)
    assert paid.status == "succeeded"
    # The checkout could be paid until 10:35 at the latest: the window ends 10:50.
    assert paid.paid_at == payment.created_at + timedelta(minutes=35)
    assert paid.exit_allowed_until == payment.created_at + timedelta(minutes=50)
    assert "Exit window ended at 10:50" in page
    assert "The payment platform confirmed your payment after the time to leave" in page
    assert "Pay the rest" in page
    response = gates.leave(exit_gate, "ABC-1234")
    assert (response.status_code, response.json()["code"]) == (402, "payment_required")
    # 10:50 to 16:00, billed from the end of the window: 11 started half hours.
    assert response.json()["amount_due"] == 11 * 1500


def test_the_payment_api_polled_late_does_not_open_the_exit_either(
    client, parked, gates, exit_gate, clock
):
    payment = sandbox_payment(client, parked)
    SandboxCheckout.objects.update(status="paid")
    clock.advance(hours=6)

    body = client.get(f"/api/payments/{payment.pk}").json()

    assert body["status"] == "succeeded"
    assert datetime.fromisoformat(body["exit_allowed_until"]) == payment.created_at + timedelta(
        minutes=50
    )
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_the_sandbox_window_starts_when_pay_was_pressed(client, parked, gates, exit_gate, clock):
    payment = sandbox_payment(client, parked)
    pressed_at = clock.advance(minutes=5)  # 10:05
    # Pay pressed, the notification lost; the driver's return page asks 7 minutes later.
    SandboxCheckout.objects.update(status="paid", completed_at=pressed_at)
    clock.advance(minutes=7)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    paid = Payment.objects.get(pk=payment.pk)
    assert paid.paid_at == pressed_at
    assert "Exit allowed until 10:20" in page
    clock.advance(minutes=8)  # 10:20
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_a_driver_who_paid_in_time_and_stayed_on_is_not_told_the_platform_was_late(
    client, parked, gates, exit_gate, clock
):
    payment = sandbox_payment(client, parked)
    SandboxCheckout.objects.update(status="paid", completed_at=clock.now())
    client.get(f"/kiosk/payments/{payment.pk}/")  # confirmed at once: exit until 10:15
    clock.advance(minutes=40)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Exit window ended at 10:15" in page
    assert "The car stayed past the time to leave." in page
    assert "payment platform confirmed" not in page
    assert "Pay the rest" in page
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_the_receipt_of_a_car_that_has_left_says_nothing_of_exit_windows(
    client, parked, gates, exit_gate, clock
):
    payment = sandbox_payment(client, parked)
    SandboxCheckout.objects.update(status="paid", completed_at=clock.now())
    client.get(f"/kiosk/payments/{payment.pk}/")
    clock.advance(minutes=5)
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200

    for minutes in (1, 30):  # inside its exit window, and after it
        clock.advance(minutes=minutes)
        page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

        assert "Paid, thank you" in page
        assert "This vehicle is no longer parked here." in page
        assert "Drive to the exit" not in page
        assert "Exit window ended" not in page
        assert "charged again" not in page
        assert "Pay the rest" not in page


def test_a_payment_confirmed_before_confirmation_times_were_kept_blames_no_one(
    client, parked, clock
):
    payment = sandbox_payment(client, parked)
    SandboxCheckout.objects.update(status="paid", completed_at=clock.now())
    client.get(f"/kiosk/payments/{payment.pk}/")
    Payment.objects.filter(pk=payment.pk).update(confirmed_at=None)  # before 1 December 2026
    clock.advance(minutes=40)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Exit window ended at 10:15" in page
    assert "The time parked since then is charged again." in page
    assert "payment platform confirmed" not in page
    assert "stayed past" not in page
    assert "Pay the rest" in page


def test_a_stripe_webhook_retried_hours_later_does_not_open_the_exit(
    client, parked, fake_stripe, gates, exit_gate, clock
):
    payment = stripe_payment(client, parked)
    clock.advance(minutes=2)
    fake_stripe.pay(payment.provider_reference)  # charged at 10:02
    clock.advance(hours=6)  # the first deliveries failed; Stripe's retry arrives

    response = stripe_webhook(
        client, fake_stripe, "checkout.session.completed", payment.provider_reference
    )

    assert response.json()["outcomes"] == ["confirmed"]
    paid = Payment.objects.get(pk=payment.pk)
    assert paid.paid_at == payment.created_at + timedelta(minutes=2)
    assert paid.exit_allowed_until == payment.created_at + timedelta(minutes=17)
    assert ParkingSession.objects.get().exit_allowed_until == paid.exit_allowed_until
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_a_driver_back_from_stripe_has_fifteen_minutes_from_the_charge(
    client, parked, fake_stripe, gates, exit_gate, clock
):
    payment = stripe_payment(client, parked)
    clock.advance(minutes=3)
    fake_stripe.pay(payment.provider_reference)  # 10:03
    clock.advance(minutes=2)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Exit allowed until 10:18" in page
    clock.advance(minutes=13)  # 10:18
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_a_late_payment_never_shortens_a_later_exit_grant(
    client, parked, fake_stripe, owner, gates, exit_gate, clock
):
    payment = stripe_payment(client, parked)
    fake_stripe.pay(payment.provider_reference)  # 10:00, the webhook delayed
    clock.advance(minutes=5)
    fake_stripe.down = True  # the booth cannot reach Stripe to close the checkout
    record_manual_payment(parked.pk, by=owner, now=clock.now())  # cash: exit until 10:20
    fake_stripe.down = False

    stripe_webhook(client, fake_stripe, "checkout.session.completed", payment.provider_reference)

    assert Payment.objects.get(pk=payment.pk).exit_allowed_until == payment.created_at + timedelta(
        minutes=15
    )
    assert ParkingSession.objects.get().exit_allowed_until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=15)  # 10:20
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200
