"""Stripe through the real SDK, against a local server that answers as Stripe's API does.

Webhooks are signed with Stripe's real scheme (t=...,v1=HMAC-SHA256). Events
are triggers: the Checkout Session is always read back from "Stripe" before a
payment changes.
"""

import json
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from parking.models import ParkingSession
from payments.models import Payment, ProviderEvent
from payments.providers.base import PaymentReport, ProviderState
from payments.providers.stripe_checkout import from_stripe_amount, to_stripe_amount
from payments.services import record_report

from .conftest import make_gate, make_lot, start_payment
from .fake_stripe import sign
from .servers import BASE_DIR

WEBHOOK = "/payments/webhooks/stripe/"


def checkout(client, parked, **fields):
    response = start_payment(client, parked, provider="stripe", **fields)
    assert response.status_code == 201, response.content
    return Payment.objects.get(pk=response.json()["payment_id"])


def deliver(client, payload: bytes, signature: str | None = None):
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature or sign(payload)},
    )


def retrieves(fake_stripe, session_id):
    return fake_stripe.calls("GET", f"/v1/checkout/sessions/{session_id}")


def test_a_payment_opens_a_checkout_session_for_the_amount_due(client, parked, fake_stripe):
    response = start_payment(client, parked, provider="stripe")

    assert response.status_code == 201
    body = response.json()
    session = fake_stripe.only_session()
    assert body["redirect_url"] == session["url"]
    assert (body["amount"], body["currency"], body["status"]) == (3000, "TWD", "pending")
    (create,) = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert create["key"] == f"openlot-payment-{body['payment_id']}"
    params = create["params"]
    assert params["mode"] == "payment"
    # Only methods that settle while the driver waits (cards, with Apple Pay and Google Pay).
    assert params["payment_method_types"] == ["card"]
    assert params["line_items"][0]["price_data"]["currency"] == "twd"
    assert params["line_items"][0]["price_data"]["unit_amount"] == "3000"
    assert params["metadata"]["payment_id"] == body["payment_id"]
    assert params["success_url"] == f"http://testserver/kiosk/payments/{body['payment_id']}/"
    assert params["cancel_url"].endswith(f"/kiosk/payments/{body['payment_id']}/cancel/")
    assert Payment.objects.get().provider_reference == session["id"]


def test_asking_again_while_pending_returns_the_same_checkout(client, parked, fake_stripe):
    first = start_payment(client, parked, provider="stripe")

    again = start_payment(client, parked, provider="stripe")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["payment_id"] == first.json()["payment_id"]
    assert again.json()["redirect_url"] == first.json()["redirect_url"]
    assert len(fake_stripe.sessions) == 1
    assert Payment.objects.count() == 1


def test_a_paid_checkout_confirms_the_payment_and_opens_the_exit(
    client, parked, fake_stripe, gates, exit_gate, clock
):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)

    response = deliver(
        client, fake_stripe.event("checkout.session.completed", payment.provider_reference)
    )

    assert (response.status_code, response.json()["outcomes"]) == (200, ["confirmed"])
    payment.refresh_from_db()
    assert (payment.status, payment.paid_at) == ("succeeded", clock.now())
    assert payment.exit_allowed_until == clock.now() + timedelta(minutes=15)
    assert len(retrieves(fake_stripe, payment.provider_reference)) == 1  # re-read, not trusted
    assert gates.leave(exit_gate, "ABC-1234").json()["code"] == "exit_granted"


def test_an_event_is_a_trigger_and_stripes_current_state_decides(client, parked, fake_stripe):
    payment = checkout(client, parked)
    # A correctly signed event whose body says "paid" while Stripe says it is still open.
    forged = json.loads(fake_stripe.event("checkout.session.completed", payment.provider_reference))
    forged["data"]["object"].update(status="complete", payment_status="paid")
    payload = json.dumps(forged).encode()

    response = deliver(client, payload)

    assert response.status_code == 200
    assert Payment.objects.get().status == "pending"
    assert ParkingSession.objects.get().exit_allowed_until is None


def test_a_declined_payment_fails_with_the_reason_and_may_be_tried_again(
    client, parked, fake_stripe
):
    payment = checkout(client, parked)
    fake_stripe.fail(payment.provider_reference, "Your card was declined.")

    deliver(
        client,
        fake_stripe.event("checkout.session.async_payment_failed", payment.provider_reference),
    )

    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == ("failed", "Your card was declined.")
    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()
    assert "Payment failed" in page
    assert "Your card was declined." in page
    assert "Try again" in page
    assert start_payment(client, parked, provider="stripe").status_code == 201


@pytest.mark.parametrize(
    "signature",
    [
        "t=1,v1=deadbeef",
        "",
        "garbage",
        "signed with another secret",
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, parked, fake_stripe, signature):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    payload = fake_stripe.event("checkout.session.completed", payment.provider_reference)
    if signature == "signed with another secret":
        signature = sign(payload, secret="whsec_someone_else")

    response = client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature} if signature else {},
    )

    assert response.status_code == 400
    assert Payment.objects.get().status == "pending"
    assert not ProviderEvent.objects.exists()
    assert not retrieves(fake_stripe, payment.provider_reference)


def test_a_signature_too_old_is_refused(client, parked, fake_stripe, clock):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    payload = fake_stripe.event("checkout.session.completed", payment.provider_reference)
    signature = sign(payload)
    clock.advance(minutes=6)

    assert deliver(client, payload, signature).status_code == 400
    assert Payment.objects.get().status == "pending"


def test_a_replayed_event_changes_nothing_twice(client, parked, fake_stripe, clock):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    payload = fake_stripe.event("checkout.session.completed", payment.provider_reference)
    deliver(client, payload)
    first = Payment.objects.get()
    clock.advance(minutes=3)

    replay = deliver(client, payload)

    assert (replay.status_code, replay.json()["outcomes"]) == (200, ["duplicate"])
    again = Payment.objects.get()
    assert (again.paid_at, again.receipt_number) == (first.paid_at, first.receipt_number)
    assert ProviderEvent.objects.count() == 1
    assert len(retrieves(fake_stripe, payment.provider_reference)) == 1


def test_a_late_failure_event_after_success_changes_nothing(client, parked, fake_stripe):
    payment = checkout(client, parked)
    reference = payment.provider_reference
    fake_stripe.fail(reference)
    stale_failure = fake_stripe.event("checkout.session.async_payment_failed", reference)
    fake_stripe.pay(reference)
    deliver(client, fake_stripe.event("checkout.session.async_payment_succeeded", reference))

    response = deliver(client, stale_failure)

    assert response.json()["outcomes"] == ["no_change"]
    assert Payment.objects.get().status == "succeeded"
    assert ParkingSession.objects.get().exit_allowed_until is not None


def test_events_in_reverse_order_end_in_the_state_stripe_reports(client, parked, fake_stripe):
    payment = checkout(client, parked)
    reference = payment.provider_reference
    fake_stripe.process(reference)
    completed_unpaid = fake_stripe.event("checkout.session.completed", reference)
    fake_stripe.pay(reference)
    succeeded = fake_stripe.event("checkout.session.async_payment_succeeded", reference)

    outcomes = [deliver(client, succeeded).json(), deliver(client, completed_unpaid).json()]

    assert [o["outcomes"] for o in outcomes] == [["confirmed"], ["no_change"]]
    assert Payment.objects.get().status == "succeeded"


def test_an_expiry_event_closes_an_unpaid_checkout(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.expire(payment.provider_reference)

    deliver(client, fake_stripe.event("checkout.session.expired", payment.provider_reference))

    assert Payment.objects.get().status == "expired"


def test_webhook_before_the_driver_returns(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    deliver(client, fake_stripe.event("checkout.session.completed", payment.provider_reference))

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Exit allowed until 10:15" in page
    assert "NT$30" in page
    assert Payment.objects.get().receipt_number in page
    assert len(retrieves(fake_stripe, payment.provider_reference)) == 1  # no second look


def test_driver_returns_before_the_webhook(client, parked, fake_stripe, clock):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Exit allowed until 10:15" in page
    paid = Payment.objects.get()
    assert paid.status == "succeeded"
    clock.advance(seconds=20)
    late = deliver(
        client, fake_stripe.event("checkout.session.completed", payment.provider_reference)
    )
    assert late.json()["outcomes"] == ["no_change"]
    assert Payment.objects.get().receipt_number == paid.receipt_number
    assert ParkingSession.objects.get().exit_allowed_until == paid.exit_allowed_until


def test_reloading_the_return_page_asks_stripe_once_per_refresh_interval(
    client, parked, fake_stripe, clock
):
    payment = checkout(client, parked)
    page = f"/kiosk/payments/{payment.pk}/"

    for _reload in range(3):
        assert "Confirming payment" in client.get(page).content.decode()
    client.get(f"/api/payments/{payment.pk}")  # the page's own poll shares the interval

    assert len(retrieves(fake_stripe, payment.provider_reference)) == 1
    clock.advance(seconds=3)  # PAYMENT_REFRESH_SECONDS
    client.get(page)
    assert len(retrieves(fake_stripe, payment.provider_reference)) == 2


def test_a_slow_stripe_holds_the_return_page_only_for_the_short_status_timeout(
    client, parked, fake_stripe, settings
):
    payment = checkout(client, parked)
    settings.STRIPE_STATUS_TIMEOUT_SECONDS = 0.2
    settings.STRIPE_MAX_NETWORK_RETRIES = 2  # for opening checkouts; status reads never retry
    released = threading.Event()
    fake_stripe.on_request = lambda method, path: method == "GET" and released.wait(10)

    started = time.monotonic()
    try:
        page = client.get(f"/kiosk/payments/{payment.pk}/")
    finally:
        released.set()

    assert time.monotonic() - started < 5  # not the 10 s Stripe took, nor 15 s x 3 tries
    assert (page.status_code, Payment.objects.get().status) == (200, "pending")
    assert "Confirming payment" in page.content.decode()
    assert len(retrieves(fake_stripe, payment.provider_reference)) == 1


def test_driver_back_while_stripe_is_still_processing_sees_confirming(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.process(payment.provider_reference)

    page = client.get(f"/kiosk/payments/{payment.pk}/").content.decode()

    assert "Confirming payment" in page
    assert f'data-payment-status-url="/api/payments/{payment.pk}"' in page
    assert client.get(f"/api/payments/{payment.pk}").json()["status"] == "pending"
    fake_stripe.pay(payment.provider_reference)
    deliver(
        client,
        fake_stripe.event("checkout.session.async_payment_succeeded", payment.provider_reference),
    )
    status = client.get(f"/api/payments/{payment.pk}").json()
    assert status["status"] == "succeeded"
    assert status["exit_allowed_until"] is not None


@pytest.mark.parametrize("tampered", [{"amount_total": 1500}, {"currency": "usd"}])
def test_a_paid_amount_or_currency_that_differs_does_not_count(
    client, parked, fake_stripe, gates, exit_gate, tampered
):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    fake_stripe.sessions[payment.provider_reference].update(tampered)

    response = deliver(
        client, fake_stripe.event("checkout.session.completed", payment.provider_reference)
    )

    assert response.json()["outcomes"] == ["amount_mismatch"]
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert "does not match" in payment.failure_reason
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_the_cancel_link_expires_the_checkout_at_stripe(client, parked, fake_stripe):
    payment = checkout(client, parked)

    response = client.get(f"/kiosk/payments/{payment.pk}/cancel/")

    assert response.status_code == 302
    assert fake_stripe.only_session()["status"] == "expired"
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == ("canceled", "You canceled the payment.")
    page = client.get(response["Location"]).content.decode()
    assert "Payment canceled" in page and "Try again" in page


def test_cancel_after_paying_confirms_instead(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)

    client.get(f"/kiosk/payments/{payment.pk}/cancel/")

    assert Payment.objects.get().status == "succeeded"


def test_an_event_for_a_payment_we_do_not_know_is_acknowledged(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.sessions[payment.provider_reference]["metadata"] = {"payment_id": str(uuid.uuid4())}
    fake_stripe.sessions[payment.provider_reference]["id"] = "cs_test_elsewhere"
    payload = fake_stripe.event("checkout.session.completed", payment.provider_reference)

    response = deliver(client, payload)

    assert (response.status_code, response.json()["outcomes"]) == (200, ["unknown_payment"])
    assert Payment.objects.get().status == "pending"


def test_event_types_we_do_not_handle_are_acknowledged(client, parked, fake_stripe):
    payment = checkout(client, parked)
    payload = json.loads(
        fake_stripe.event("checkout.session.completed", payment.provider_reference)
    )
    payload["type"] = "customer.created"

    response = deliver(client, json.dumps(payload).encode())

    assert (response.status_code, response.json()["outcomes"]) == (200, ["ignored"])


def test_stripe_down_when_opening_answers_a_retryable_error_and_keeps_the_payment(
    client, parked, fake_stripe
):
    fake_stripe.down = True

    response = start_payment(client, parked, provider="stripe")

    assert (response.status_code, response.json()["code"]) == (502, "provider_unavailable")
    assert "please try again" in response.json()["message"]
    # Pending, not failed: Stripe may have opened the checkout all the same, and
    # the one-pending rule must keep guarding it.
    payment = Payment.objects.get()
    assert (payment.status, payment.redirect_url) == ("pending", "")
    fake_stripe.down = False
    retry = start_payment(client, parked, provider="stripe")
    assert (retry.status_code, retry.json()["payment_id"]) == (200, str(payment.pk))
    assert retry.json()["redirect_url"] == fake_stripe.only_session()["url"]
    # The same idempotency key both times: Stripe opens one checkout at most.
    keys = {call["key"] for call in fake_stripe.calls("POST", "/v1/checkout/sessions")}
    assert keys == {f"openlot-payment-{payment.pk}"}


def while_stripe_opens_the_checkout(fake_stripe, request):
    """Run `request()` once, from Stripe's side, while it is still opening the first checkout."""
    answers = []

    def meanwhile(method, path):
        if (method, path) == ("POST", "/v1/checkout/sessions") and not answers:
            answers.append(None)
            try:
                answers[0] = request()
            finally:
                connection.close()  # this thread's own connection

    fake_stripe.on_request = meanwhile
    return answers


@pytest.mark.django_db(transaction=True)
def test_a_second_tap_while_stripe_opens_the_checkout_never_orphans_it(client, parked, fake_stripe):
    # Stripe answers the second request 409: the same idempotency key is still in flight.
    second = while_stripe_opens_the_checkout(
        fake_stripe, lambda: start_payment(Client(), parked, provider="stripe")
    )

    first = start_payment(client, parked, provider="stripe")

    statuses = [call["status"] for call in fake_stripe.calls("POST", "/v1/checkout/sessions")]
    assert statuses == [200, 409]  # the first request's answer, and the second's meanwhile
    assert (second[0].status_code, second[0].json()["code"]) == (502, "provider_unavailable")
    assert first.status_code == 201
    assert first.json()["status"] == "pending"
    assert first.json()["redirect_url"] == fake_stripe.only_session()["url"]
    # Still the one pending payment of this car: no second payment, no second checkout.
    again = start_payment(client, parked, provider="stripe")
    assert (again.status_code, again.json()["payment_id"]) == (200, first.json()["payment_id"])
    assert Payment.objects.count() == 1
    assert len(fake_stripe.sessions) == 1


@pytest.mark.django_db(transaction=True)
def test_a_checkout_opened_for_a_payment_replaced_meanwhile_is_closed_at_stripe(
    client, parked, fake_stripe
):
    # While Stripe opens the checkout, the driver picks the sandbox on another screen.
    other = while_stripe_opens_the_checkout(
        fake_stripe, lambda: start_payment(Client(), parked, provider="sandbox")
    )

    first = start_payment(client, parked, provider="stripe")

    assert other[0].status_code == 201
    assert (first.status_code, first.json()["code"]) == (409, "payment_in_progress")
    # Nobody was sent to the Stripe checkout, and it can no longer be paid.
    assert fake_stripe.only_session()["status"] == "expired"
    stripe_payment = Payment.objects.get(provider="stripe")
    assert (stripe_payment.status, stripe_payment.redirect_url) == ("expired", "")
    assert Payment.objects.get(provider="sandbox").status == "pending"


def test_closing_a_payment_whose_checkout_was_stored_meanwhile_changes_nothing(
    client, parked, fake_stripe, clock
):
    # A replacement asked about the payment before its checkout was stored (no
    # checkout yet: "canceled"); a concurrent request stored one since.
    payment = checkout(client, parked)

    _payment, outcome = record_report(
        payment.pk,
        PaymentReport(ProviderState.CANCELED),
        now=clock.now(),
        closed_as="expired",
        reason="Replaced by a new quote.",
        reference="",
    )

    assert outcome == "no_change"
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    # So the next request closes the stored checkout at Stripe before replacing it.
    clock.advance(minutes=11)
    assert start_payment(client, parked, provider="stripe").status_code == 201
    assert fake_stripe.sessions[payment.provider_reference]["status"] == "expired"


def test_stripe_down_during_a_webhook_asks_for_a_retry(client, parked, fake_stripe):
    payment = checkout(client, parked)
    fake_stripe.pay(payment.provider_reference)
    payload = fake_stripe.event("checkout.session.completed", payment.provider_reference)
    fake_stripe.down = True

    assert deliver(client, payload).status_code == 503
    assert not ProviderEvent.objects.exists()

    fake_stripe.down = False
    assert deliver(client, payload).json()["outcomes"] == ["confirmed"]


def test_a_stale_quote_is_expired_at_stripe_and_replaced(client, parked, fake_stripe, clock):
    old = checkout(client, parked)
    clock.advance(minutes=11)

    response = start_payment(client, parked, provider="stripe")

    assert response.status_code == 201
    new = Payment.objects.get(pk=response.json()["payment_id"])
    assert new.amount == 4500  # 71 minutes: three started half hours
    old.refresh_from_db()
    assert (old.status, old.failure_reason) == ("expired", "Replaced by a new quote.")
    assert fake_stripe.sessions[old.provider_reference]["status"] == "expired"
    assert len(fake_stripe.sessions) == 2


def test_a_stale_checkout_paid_meanwhile_is_confirmed_not_replaced(
    client, parked, fake_stripe, clock
):
    old = checkout(client, parked)
    fake_stripe.pay(old.provider_reference)
    clock.advance(minutes=11)

    response = start_payment(client, parked, provider="stripe")

    assert (response.status_code, response.json()["code"]) == (409, "nothing_due")
    assert "Already paid" in response.json()["message"]
    assert Payment.objects.get().status == "succeeded"


def test_choosing_another_platform_closes_the_stripe_checkout_first(client, parked, fake_stripe):
    stripe_payment = checkout(client, parked)

    response = start_payment(client, parked, provider="sandbox")

    assert response.status_code == 201
    assert fake_stripe.only_session()["status"] == "expired"
    stripe_payment.refresh_from_db()
    assert stripe_payment.status == "expired"


@pytest.mark.parametrize(
    ("amount", "currency", "stripe_amount"),
    [
        (3000, "TWD", 3000),
        (500, "JPY", 500),
        (5, "ISK", 500),
        (6000, "UGX", 600000),  # whole shillings, sent as two-decimal (Stripe's special case)
        (5120, "KWD", 5120),
        (1234, "USD", 1234),
    ],
)
def test_amounts_are_converted_to_stripes_units_and_back(amount, currency, stripe_amount):
    assert to_stripe_amount(amount, currency) == stripe_amount
    assert from_stripe_amount(stripe_amount, currency) == amount


@pytest.mark.parametrize(("amount", "currency"), [(5124, "KWD"), (1, "MGA")])
def test_an_amount_stripe_cannot_charge_exactly_is_refused(amount, currency):
    with pytest.raises(ValueError, match="cannot be charged through Stripe exactly"):
        to_stripe_amount(amount, currency)


def parked_in(owner, gates, clock, **lot):
    """A car parked 61 minutes at a lot of its own (per half hour, nothing free)."""
    lot = make_lot(owner, free_minutes=0, unit_minutes=30, **lot)
    session_id = gates.enter(make_gate(lot, "entry"), "ABC-1234").json()["session_id"]
    clock.advance(minutes=61)
    return ParkingSession.objects.get(pk=session_id)


def test_shillings_are_charged_as_the_driver_was_shown_them(
    client, owner, gates, clock, fake_stripe
):
    parked = parked_in(owner, gates, clock, currency="UGX", unit_price=2000)

    payment = checkout(client, parked)

    assert (payment.amount, payment.currency) == (6000, "UGX")  # UGX 6,000 on the kiosk
    session = fake_stripe.only_session()
    assert (session["amount_total"], session["currency"]) == (600000, "ugx")  # 6,000.00
    fake_stripe.pay(payment.provider_reference)
    deliver(client, fake_stripe.event("checkout.session.completed", payment.provider_reference))
    payment.refresh_from_db()
    assert payment.status == "succeeded"


@pytest.mark.parametrize(
    ("lot", "why"),
    [
        ({"currency": "JPY", "unit_price": 10}, "below Stripe's least charge, \u00a550"),
        ({"currency": "KWD", "unit_price": 125}, "KWD 0.375: Stripe takes fils in tens"),
    ],
)
def test_an_amount_stripe_does_not_take_is_refused_and_another_way_offered_at_once(
    client, owner, gates, clock, fake_stripe, settings, lot, why
):
    settings.PAYMENTS_SANDBOX = True
    parked = parked_in(owner, gates, clock, **lot)

    response = start_payment(client, parked, provider="stripe")

    assert (response.status_code, response.json()["code"]) == (422, "amount_not_accepted"), why
    assert response.json()["message"] == (
        "This payment platform cannot take this amount. Nothing was charged: please choose "
        "another way to pay, or pay at the booth."
    )
    # Not "try again": the payment is closed, and the next platform opens at once.
    assert Payment.objects.get().status == "failed"
    assert start_payment(client, parked, provider="sandbox").status_code == 201


def test_the_stripe_sdk_is_imported_in_exactly_one_module():
    importing = re.compile(r"^\s*(import stripe\b|from stripe\b)", re.MULTILINE)
    found = [
        str(path.relative_to(BASE_DIR))
        for package in ("config", "lots", "parking", "payments", "admin_portal")
        for path in sorted((BASE_DIR / package).rglob("*.py"))
        if importing.search(path.read_text())
    ]
    assert found == ["payments/providers/stripe_checkout.py"]
