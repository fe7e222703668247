"""Many requests for one payment at once, through real HTTP and a real gunicorn: one payment,
one checkout, one confirmation."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from parking.models import Direction, ParkingSession
from parking.services import PlateRead, admit_vehicle
from payments.models import Payment, ProviderEvent, SandboxCheckout

from .conftest import make_gate, make_lot
from .fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign
from .servers import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 10


@pytest.fixture(scope="module")
def stripe_api():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, stripe_api):
    settings = {
        "PAYMENTS_SANDBOX": "true",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_api.url,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        # Ten calls at once from one client, the same car: what is measured is one
        # payment made, not the client's limit (tests/test_payments_api.py).
        "KIOSK_PAYMENT_RATE_LIMITS": "1000/60",
    }
    with gunicorn(workers=4, threads=4, extra_env=settings) as url:
        yield url


@pytest.fixture
def parked(owner):
    """A car parked for 50 minutes, NT$30 due (real time: gunicorn runs on the real clock)."""
    lot = make_lot(owner)
    gate = make_gate(lot, Direction.ENTRY)
    admit_vehicle(
        gate, PlateRead("ABC1234", "ABC-1234"), now=timezone.now() - timedelta(minutes=50)
    )
    return ParkingSession.objects.get(lot=lot)


def all_at_once(call, count=CALLS):
    """`call()` from `count` threads released together."""
    start = threading.Barrier(count)

    def released(_n):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def pay(server, session, provider):
    response = requests.post(
        f"{server}/api/payments",
        json={"session_id": str(session.pk), "provider": provider},
        timeout=60,
    )
    return response.status_code, response.json()


@pytest.mark.parametrize("provider", ["sandbox", "stripe"])
def test_ten_payment_requests_at_once_make_one_payment(server, stripe_api, parked, provider):
    results = all_at_once(lambda: pay(server, parked, provider))

    assert Counter(status for status, _body in results) == {201: 1, 200: CALLS - 1}
    assert len({body["payment_id"] for _status, body in results}) == 1
    assert len({body["redirect_url"] for _status, body in results}) == 1
    payment = Payment.objects.get(session=parked)
    assert (payment.status, payment.amount) == ("pending", 3000)
    if provider == "sandbox":
        assert SandboxCheckout.objects.filter(payment_id=payment.pk).count() == 1
    else:
        opened = [
            session
            for session in stripe_api.sessions.values()
            if session["metadata"]["payment_id"] == str(payment.pk)
        ]
        assert len(opened) == 1


def test_ten_deliveries_of_one_success_event_confirm_once(server, stripe_api, parked):
    status, body = pay(server, parked, "stripe")
    assert status == 201
    payment = Payment.objects.get(pk=body["payment_id"])
    stripe_api.pay(payment.provider_reference)
    payload = stripe_api.event("checkout.session.completed", payment.provider_reference)

    def deliver():
        response = requests.post(
            f"{server}/payments/webhooks/stripe/",
            data=payload,
            headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
            timeout=60,
        )
        return response.status_code, response.json()["outcomes"]

    results = all_at_once(deliver)

    assert {status for status, _outcomes in results} == {200}
    outcomes = Counter(outcome for _status, (outcome,) in results)
    assert outcomes["confirmed"] == 1
    assert outcomes["duplicate"] == CALLS - 1
    assert ProviderEvent.objects.filter(payment=payment).count() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    parked.refresh_from_db()
    assert parked.exit_allowed_until == payment.paid_at + timedelta(minutes=15)
