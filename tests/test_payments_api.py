"""POST /api/payments and GET /api/payments/{id}: the server computes the amount, one pending
payment per vehicle, clear refusals."""

import uuid
from datetime import datetime, timedelta

import pytest

from parking.models import ParkingSession
from payments.models import Payment, SandboxCheckout
from payments.services import record_manual_payment

from .conftest import start_payment

at = datetime.fromisoformat


def test_a_payment_is_created_for_the_amount_due_now(client, parked, clock):
    # An amount sent by the client is ignored: the server computes it.
    response = start_payment(client, parked, amount=1)

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["amount"], body["currency"]) == ("pending", 3000, "TWD")
    assert body["amount_display"] == "NT$30"
    assert body["redirect_url"].startswith("http://testserver/sandbox/checkout/sbx_")
    payment = Payment.objects.get()
    assert (payment.plate, payment.billing_from, payment.billing_until) == (
        "ABC1234",
        parked.entered_at,
        clock.now(),
    )
    assert (payment.lot, payment.session_id, payment.provider) == (parked.lot, parked.pk, "sandbox")


def test_asking_again_while_pending_returns_the_pending_payment(client, parked, clock):
    first = start_payment(client, parked)
    clock.advance(minutes=2)

    again = start_payment(client, parked)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Payment.objects.count() == 1
    assert SandboxCheckout.objects.count() == 1


def test_a_stale_pending_payment_is_closed_and_replaced_at_the_current_amount(
    client, parked, clock
):
    first = start_payment(client, parked).json()
    clock.advance(minutes=11)

    response = start_payment(client, parked)

    assert response.status_code == 201
    assert response.json()["amount"] == 4500
    old = Payment.objects.get(pk=first["payment_id"])
    assert (old.status, old.failure_reason) == ("expired", "Replaced by a new quote.")
    # Closed at the platform too: its page can no longer take the old amount.
    assert SandboxCheckout.objects.get(payment_id=old.pk).status == "canceled"
    assert client.post(first["redirect_url"], {"outcome": "succeed"}).status_code == 302
    assert Payment.objects.get(pk=old.pk).status == "expired"


def test_an_app_that_shows_the_amount_is_told_when_it_has_changed(client, parked, clock):
    clock.advance(minutes=1)  # NT$30 was shown at 10:00; a third half hour has started

    response = start_payment(client, parked, expected_amount=3000)

    assert response.status_code == 409
    assert response.json() == {
        "code": "amount_changed",
        "message": "The amount due is now NT$45. Please check it and pay again.",
        "amount_due": 4500,
        "currency": "TWD",
    }
    assert not Payment.objects.exists()
    assert start_payment(client, parked, expected_amount=4500).json()["amount"] == 4500


@pytest.mark.parametrize("sent", ["3000", 3000.0, True, 1e3, -1, 10**23, "abc"])
def test_an_expected_amount_that_is_no_whole_number_of_minor_units_is_refused(client, parked, sent):
    response = start_payment(client, parked, expected_amount=sent)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert response.json()["errors"][0]["field"] == "expected_amount"
    assert not Payment.objects.exists()


def test_an_unknown_vehicle_is_not_found(client, db):
    response = client.post(
        "/api/payments",
        data={"session_id": str(uuid.uuid4()), "provider": "sandbox"},
        content_type="application/json",
    )

    assert (response.status_code, response.json()["code"]) == (404, "session_not_found")


def test_nothing_is_charged_inside_the_free_minutes(client, gates, entry_gate, clock):
    gates.enter(entry_gate, "ABC-1234")
    clock.advance(minutes=5)

    response = start_payment(client, ParkingSession.objects.get())

    assert (response.status_code, response.json()["code"]) == (409, "nothing_due")
    assert response.json()["message"] == "Nothing to pay: this vehicle may leave until 09:10."
    assert not Payment.objects.exists()


def test_a_paid_vehicle_is_not_charged_again(client, parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())

    response = start_payment(client, parked)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "nothing_due"
    assert body["message"] == "Already paid: this vehicle may leave until 10:15."
    assert at(body["exit_allowed_until"]) == clock.now() + timedelta(minutes=15)


def test_an_unknown_platform_is_refused(client, parked):
    response = start_payment(client, parked, provider="paypal")

    assert (response.status_code, response.json()["code"]) == (422, "unknown_provider")
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("invoice", "message"),
    [
        ({"kind": "mobile_barcode", "value": "ABC1234"}, "mobile barcode"),
        ({"kind": "company", "value": "12345678"}, "not valid"),
        ({"kind": "donation", "value": "12"}, "3 to 7 digits"),
    ],
)
def test_an_invalid_e_invoice_is_refused_and_nothing_is_charged(client, parked, invoice, message):
    response = start_payment(client, parked, invoice=invoice)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_invoice")
    assert message in response.json()["message"]
    assert not Payment.objects.exists()
    assert not SandboxCheckout.objects.exists()


def test_another_e_invoice_choice_is_a_new_checkout_the_open_one_is_never_changed(client, parked):
    # Whoever can read the plate can ask to pay for the car: they must not put their
    # own carrier (and the invoice's prize) on the checkout the driver is paying.
    first = start_payment(client, parked, invoice={"kind": "mobile_barcode", "value": "/abc+123"})
    assert first.status_code == 201

    again = start_payment(client, parked, invoice={"kind": "mobile_barcode", "value": "/ABC+123"})
    assert (again.status_code, again.json()["payment_id"]) == (200, first.json()["payment_id"])

    other = start_payment(client, parked, invoice={"kind": "company", "value": "22099131"})

    assert other.status_code == 201
    driver = Payment.objects.get(pk=first.json()["payment_id"])
    assert (driver.status, driver.invoice_kind, driver.invoice_value) == (
        "expired",
        "mobile_barcode",
        "/ABC+123",
    )
    assert driver.failure_reason == "Replaced by a payment with another e-invoice choice."
    assert SandboxCheckout.objects.get(payment_id=driver.pk).status == "canceled"
    assert Payment.objects.values_list("invoice_kind", "invoice_value").get(status="pending") == (
        "company",
        "22099131",
    )
    # No invoice at all is another choice too: it does not wipe the open one's.
    start_payment(client, parked)
    assert Payment.objects.values_list("invoice_kind", "invoice_value").get(status="pending") == (
        "",
        "",
    )


@pytest.mark.parametrize("body", ["{nope", '{"session_id": NaN, "provider": "sandbox"}'])
def test_a_malformed_body_is_refused(client, db, body):
    response = client.post("/api/payments", data=body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "malformed_json")


def test_a_key_given_twice_is_refused_not_guessed(client, parked, gates, entry_gate):
    gates.enter(entry_gate, "XYZ-9999")
    other = ParkingSession.objects.exclude(pk=parked.pk).get()
    body = f'{{"session_id": "{parked.pk}", "provider": "sandbox", "session_id": "{other.pk}"}}'

    response = client.post("/api/payments", data=body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["errors"] == [
        {"field": "session_id", "message": "Send this field once."}
    ]
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{{"session_id": "{pk}", "provider": "sandbox", '
         '"invoice": {{"kind": "donation", "value": "123", "kind": "company"}}}}', "invoice.kind"),
        # Named once, found in one pass, however many times it is repeated.
        ('{{"session_id": "{pk}", "provider": "sandbox", ' + '"x": 1, ' * 20000 + '"x": 2}}',
         "x"),
    ],
)  # fmt: skip
def test_a_key_given_twice_is_named_by_its_path_once(client, parked, body, field):
    response = client.post(
        "/api/payments", data=body.format(pk=parked.pk), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": "Send this field once."}]
    assert not Payment.objects.exists()


def test_a_wrong_field_is_named_as_the_client_sent_it(client, parked):
    response = client.post(
        "/api/payments",
        data={
            "session_id": "not-a-uuid",
            "provider": "sandbox",
            "invoice": {"kind": "nonsense", "value": "x"},
        },
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert sorted(error["field"] for error in response.json()["errors"]) == [
        "invoice.kind",
        "session_id",
    ]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_refused_as_such(client, parked, content_type):
    response = client.post("/api/payments", data="session_id=x", content_type=content_type)

    assert response.status_code == 415
    assert response.json() == {
        "code": "unsupported_media_type",
        "message": "Send the body as application/json.",
    }
    assert not Payment.objects.exists()


def test_the_payment_reports_its_status_and_exit_window(client, parked, clock):
    payment = start_payment(client, parked).json()
    assert client.get(f"/api/payments/{payment['payment_id']}").json()["status"] == "pending"
    client.post(payment["redirect_url"], {"outcome": "succeed"})

    response = client.get(f"/api/payments/{payment['payment_id']}")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["amount"], body["currency"]) == ("succeeded", 3000, "TWD")
    assert at(body["exit_allowed_until"]) == clock.now() + timedelta(minutes=15)
    assert body["receipt_number"].startswith("20260302-")


def test_a_receipt_is_numbered_by_the_lot_s_date(client, parked, clock):
    clock.advance(hours=15, minutes=30)  # 00:30 on 3 March in Taipei, still 2 March in UTC
    payment = start_payment(client, parked).json()
    client.post(payment["redirect_url"], {"outcome": "succeed"})

    receipt = client.get(f"/api/payments/{payment['payment_id']}").json()["receipt_number"]

    assert receipt.startswith("20260303-")


def test_an_unknown_payment_is_not_found(client, db):
    response = client.get(f"/api/payments/{uuid.uuid4()}")

    assert (response.status_code, response.json()["code"]) == (404, "payment_not_found")


def test_payments_started_are_rate_limited_per_client(client, parked, settings, clock):
    # Each start may close a checkout and open one at the platform: unlimited, anyone
    # could spend its API limit, or close a driver's checkout as fast as it opens.
    settings.KIOSK_PAYMENT_RATE_LIMITS = ["3/60"]
    kinds = [{"kind": "donation", "value": code} for code in ("111", "112", "113", "114")]
    for invoice in kinds[:3]:
        assert start_payment(client, parked, invoice=invoice).status_code == 201

    refused = start_payment(client, parked, invoice=kinds[3])

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert refused["Retry-After"] == "60"
    assert refused.json()["message"] == (
        "Too many payment attempts from this device. Please wait 60 seconds."
    )
    assert Payment.objects.get(status="pending").invoice_value == "113"  # nothing replaced
    assert Payment.objects.count() == SandboxCheckout.objects.count() == 3
    # Another client is not affected; the next minute this one may start again.
    other = {"REMOTE_ADDR": "198.51.100.4"}
    assert (
        client.post(
            "/api/payments",
            {"session_id": str(parked.pk), "provider": "sandbox"},
            content_type="application/json",
            **other,
        ).status_code
        == 201
    )
    clock.advance(minutes=1)
    assert start_payment(client, parked, invoice=kinds[3]).status_code == 201


def test_the_lots_own_kiosk_terminals_start_payments_without_limit(client, parked, settings, clock):
    settings.KIOSK_PAYMENT_RATE_LIMITS = ["1/60"]
    settings.KIOSK_TRUSTED_ADDRESSES = ["127.0.0.0/8"]  # the test client's address

    for code in ("111", "112", "113"):
        invoice = {"kind": "donation", "value": code}
        assert start_payment(client, parked, invoice=invoice).status_code == 201
