"""No call to the payment platform is made while OpenLot holds a database lock.

While the local Stripe answers a call, another connection tries to lock the
vehicle's session, its payments and its lot without waiting (PostgreSQL: FOR
UPDATE NOWAIT; SQLite: a write transaction with no busy wait). If the request
that called Stripe held any of them, or an open write transaction, the probe
fails and says so.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from lots.models import Lot
from parking.models import ParkingSession
from payments.models import Payment

from .conftest import login, start_payment
from .fake_stripe import sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lock_probe(fake_stripe, parked):
    violations = []

    def probe(method, path):
        try:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 0")
            with transaction.atomic():
                list(ParkingSession.objects.select_for_update(nowait=True).filter(pk=parked.pk))
                list(Payment.objects.select_for_update(nowait=True).filter(session_id=parked.pk))
                list(Lot.objects.select_for_update(nowait=True).filter(pk=parked.lot_id))
        except DatabaseError as exc:
            violations.append(f"{method} {path}: {exc}")
        finally:
            connection.close()  # this thread's own connection

    fake_stripe.on_request = probe
    return violations


def test_opening_reading_and_closing_checkouts_hold_no_lock(
    client, parked, fake_stripe, lock_probe, clock
):
    first = start_payment(client, parked, provider="stripe").json()["payment_id"]
    client.get(f"/kiosk/payments/{first}/")  # the driver is back: status fetch
    client.get(f"/kiosk/payments/{first}/cancel/")  # the driver gave up: expire
    start_payment(client, parked, provider="stripe")
    clock.advance(minutes=11)
    last = start_payment(client, parked, provider="stripe").json()["payment_id"]  # stale: replaced
    reference = Payment.objects.get(pk=last).provider_reference
    fake_stripe.pay(reference)
    payload = fake_stripe.event("checkout.session.completed", reference)
    client.post(
        "/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload)},
    )

    assert Payment.objects.get(pk=last).status == "succeeded"
    assert len(fake_stripe.requests) == 7  # create, get, expire, create, expire, create, get
    assert lock_probe == []


def test_cash_at_the_booth_closes_the_online_checkout_holding_no_lock(
    client, owner, parked, fake_stripe, lock_probe
):
    online = start_payment(client, parked, provider="stripe").json()["payment_id"]

    login(client, owner).post(
        "/admin/parking/parkingsession/",
        {"action": "mark_paid_in_cash", "_selected_action": [str(parked.pk)], "post": "yes"},
    )

    assert Payment.objects.get(pk=online).status == "expired"
    assert fake_stripe.calls("POST", "/v1/checkout/sessions/")[-1]["path"].endswith("/expire")
    assert lock_probe == []


def test_the_probe_would_notice_a_lock(client, parked, fake_stripe, lock_probe):
    with transaction.atomic():
        ParkingSession.objects.select_for_update().get(pk=parked.pk)
        start_payment(client, parked, provider="stripe")

    assert lock_probe
