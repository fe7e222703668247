"""The sandbox platform: its hosted Pay / Decline page, its signed notification, its switch."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest

from parking.models import ParkingSession
from payments.models import Payment, ProviderEvent, SandboxCheckout
from payments.providers.sandbox import platform

from .conftest import start_payment
from .servers import BASE_DIR


def open_checkout(client, parked):
    response = start_payment(client, parked)
    assert response.status_code == 201
    return response.json()


def press(client, payment, outcome):
    return client.post(payment["redirect_url"], {"outcome": outcome})


def test_the_sandbox_page_shows_the_amount_with_pay_and_decline(client, parked):
    payment = open_checkout(client, parked)

    page = client.get(payment["redirect_url"])

    assert page.status_code == 200
    text = page.content.decode()
    assert "NT$30" in text
    assert 'value="succeed"' in text and 'value="decline"' in text
    assert "csrfmiddlewaretoken" in text
    assert "Sandbox: no real money" in text


def test_pay_confirms_the_payment_and_sends_the_driver_back(client, parked, clock):
    payment = open_checkout(client, parked)

    response = press(client, payment, "succeed")

    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/kiosk/payments/{payment['payment_id']}/"
    paid = Payment.objects.get(pk=payment["payment_id"])
    assert (paid.status, paid.paid_at, paid.amount) == ("succeeded", clock.now(), 3000)
    assert paid.exit_allowed_until == clock.now() + timedelta(minutes=15)
    parked.refresh_from_db()
    assert parked.exit_allowed_until == clock.now() + timedelta(minutes=15)
    # The app learnt it from the sandbox's signed notification, recorded once.
    (event,) = ProviderEvent.objects.all()
    assert (event.provider, event.event_type, event.outcome) == (
        "sandbox",
        "checkout.paid",
        "confirmed",
    )
    result = client.get(response["Location"]).content.decode()
    assert "Exit allowed until 10:15" in result
    assert "A car still inside after that time is charged again from then." in result
    assert paid.receipt_number in result


def test_decline_fails_the_payment_and_the_driver_may_try_again(client, parked):
    payment = open_checkout(client, parked)

    response = press(client, payment, "decline")

    declined = Payment.objects.get(pk=payment["payment_id"])
    assert declined.status == "failed"
    assert declined.failure_reason == "The sandbox declined the payment."
    result = client.get(response["Location"]).content.decode()
    assert "Payment failed" in result
    assert "The sandbox declined the payment." in result
    assert f"/kiosk/{parked.lot_id}/vehicles/{parked.pk}/" in result  # Try again
    ParkingSession.objects.get(pk=parked.pk, exit_allowed_until=None)

    again = start_payment(client, parked)
    assert again.status_code == 201
    assert again.json()["payment_id"] != payment["payment_id"]


def test_its_back_link_cancels_the_payment_and_offers_to_pay_again(client, parked):
    payment = open_checkout(client, parked)
    page = client.get(payment["redirect_url"]).content.decode()
    back = re.search(r'<a class="button secondary" href="([^"]+)">Cancel and go back', page)

    response = client.get(back.group(1))

    assert response["Location"] == f"/kiosk/payments/{payment['payment_id']}/"
    assert Payment.objects.get(pk=payment["payment_id"]).status == "canceled"
    assert SandboxCheckout.objects.get().status == "canceled"  # no longer payable there
    result = client.get(response["Location"]).content.decode()
    assert "Payment canceled" in result
    assert f"/kiosk/{parked.lot_id}/vehicles/{parked.pk}/" in result  # Try again


def test_trying_again_offers_the_same_platform_and_e_invoice(
    client, parked, gates, entry_gate, clock
):
    payment = open_checkout_with_invoice(client, parked)
    result = client.get(press(client, payment, "decline")["Location"]).content.decode()
    try_again = f"/kiosk/{parked.lot_id}/vehicles/{parked.pk}/?retry={payment['payment_id']}"
    assert try_again in result

    page = client.get(try_again).content.decode()
    plain = client.get(f"/kiosk/{parked.lot_id}/vehicles/{parked.pk}/").content.decode()

    assert 'name="provider" value="sandbox" required checked' in page
    assert '<option value="mobile_barcode" selected data-hint=' in page
    assert 'value="/QRS-7T8"' in page
    assert "/QRS-7T8" not in plain  # only the link from that attempt fills it in
    another_car = gates.enter(entry_gate, "XYZ-9876").json()["session_id"]
    clock.advance(hours=1)  # past its free minutes: its page offers to pay
    elsewhere = f"/kiosk/{parked.lot_id}/vehicles/{another_car}/?retry={payment['payment_id']}"
    other_page = client.get(elsewhere).content.decode()
    assert "Pay NT$" in other_page
    assert "/QRS-7T8" not in other_page  # that car's attempt only
    Payment.objects.filter(pk=payment["payment_id"]).update(
        status="succeeded", paid_at=parked.entered_at
    )
    assert "/QRS-7T8" not in client.get(try_again).content.decode()  # a paid one is not retried


def open_checkout_with_invoice(client, parked):
    invoice = {"kind": "mobile_barcode", "value": "/QRS-7T8"}
    response = start_payment(client, parked, invoice=invoice)
    assert response.status_code == 201
    return response.json()


def test_pressing_pay_twice_confirms_once(client, parked):
    payment = open_checkout(client, parked)
    press(client, payment, "succeed")
    receipt = Payment.objects.get(pk=payment["payment_id"]).receipt_number

    second = press(client, payment, "succeed")

    assert second.status_code == 302
    assert Payment.objects.get(pk=payment["payment_id"]).receipt_number == receipt
    assert ProviderEvent.objects.count() == 1


def test_decline_after_pay_changes_nothing(client, parked):
    payment = open_checkout(client, parked)
    press(client, payment, "succeed")

    press(client, payment, "decline")

    assert Payment.objects.get(pk=payment["payment_id"]).status == "succeeded"
    assert SandboxCheckout.objects.get().status == "paid"


def test_a_notification_with_a_bad_signature_is_refused_and_changes_nothing(client, parked):
    payment = open_checkout(client, parked)
    SandboxCheckout.objects.update(status="paid")
    body, headers = platform.signed_notification(SandboxCheckout.objects.get())
    forged = headers["Sandbox-Signature"][:-4] + "0000"

    response = client.post(
        "/payments/webhooks/sandbox/",
        data=body,
        content_type="application/json",
        headers={"Sandbox-Signature": forged, "Accept-Language": "zh-TW"},
    )

    assert response.status_code == 400
    # For the platform's delivery log: English, whatever the site's language.
    assert response.json() == {
        "code": "invalid_signature",
        "message": "The notification could not be verified.",
    }
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert Payment.objects.get(pk=payment["payment_id"]).status == "pending"
    assert not ProviderEvent.objects.exists()


def test_a_replayed_notification_is_acknowledged_and_changes_nothing(client, parked, clock):
    payment = open_checkout(client, parked)
    SandboxCheckout.objects.update(status="paid")
    body, headers = platform.signed_notification(SandboxCheckout.objects.get())
    deliver = {"data": body, "content_type": "application/json", "headers": headers}
    first = client.post("/payments/webhooks/sandbox/", **deliver)
    receipt = Payment.objects.get(pk=payment["payment_id"]).receipt_number
    clock.advance(minutes=1)

    replay = client.post("/payments/webhooks/sandbox/", **deliver)

    assert first.json()["outcomes"] == ["confirmed"]
    assert (replay.status_code, replay.json()["outcomes"]) == (200, ["duplicate"])
    paid = Payment.objects.get(pk=payment["payment_id"])
    assert paid.receipt_number == receipt
    assert paid.paid_at == clock.now() - timedelta(minutes=1)


def test_an_old_signed_notification_is_refused(client, parked, clock):
    open_checkout(client, parked)
    body, headers = platform.signed_notification(SandboxCheckout.objects.get())
    clock.advance(minutes=6)

    response = client.post(
        "/payments/webhooks/sandbox/", data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 400


def test_a_notification_past_the_upload_limit_is_refused_and_changes_nothing(
    client, parked, settings
):
    payment = open_checkout(client, parked)
    SandboxCheckout.objects.update(status="paid")
    body, headers = platform.signed_notification(SandboxCheckout.objects.get())
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - 1

    response = client.post(
        "/payments/webhooks/sandbox/", data=body, content_type="application/json", headers=headers
    )

    assert response.status_code == 413
    assert response.json() == {
        "code": "body_too_large",
        "message": "The request body is too large.",
    }
    assert Payment.objects.get(pk=payment["payment_id"]).status == "pending"
    assert not ProviderEvent.objects.exists()


def test_a_checkout_left_open_too_long_expires_and_cannot_be_paid(client, parked, clock):
    payment = open_checkout(client, parked)
    clock.advance(minutes=36)

    page = client.get(payment["redirect_url"]).content.decode()
    response = press(client, payment, "succeed")

    assert "This checkout has expired." in page
    assert SandboxCheckout.objects.get().status == "open"  # never paid
    result = client.get(response["Location"]).content.decode()
    # Closed, with why: it ran out of time (other closed attempts were replaced, or the
    # car was paid at the booth: tests/test_cash_at_the_booth.py).
    assert "Payment closed" in result and "The payment was not completed in time." in result
    assert Payment.objects.get(pk=payment["payment_id"]).status == "expired"


def test_with_the_sandbox_off_its_pages_and_payments_are_gone(client, parked, settings):
    payment = open_checkout(client, parked)
    settings.PAYMENTS_SANDBOX = False

    assert client.get(payment["redirect_url"]).status_code == 404
    refused = start_payment(client, parked)
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_provider")
    assert (
        "Sandbox"
        not in client.get(f"/kiosk/{parked.lot_id}/vehicles/{parked.pk}/").content.decode()
    )
    SandboxCheckout.objects.update(status="paid")
    body, headers = platform.signed_notification(SandboxCheckout.objects.get())
    notified = client.post(
        "/payments/webhooks/sandbox/", data=body, content_type="application/json", headers=headers
    )
    assert (notified.status_code, notified.json()["code"]) == (404, "unknown_provider")
    assert notified.json()["message"] == "This payment platform is not enabled here."
    assert Payment.objects.get(pk=payment["payment_id"]).status == "pending"


def enabled_providers_under(settings_module: str, **environ) -> list[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "parking.example.com",
        "DATABASE_URL": "",
        **environ,
    }
    for name in ("PAYMENTS_SANDBOX", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        if name not in environ:
            env.pop(name, None)
    code = (
        "import django, json; django.setup(); "
        "from payments.providers import enabled_ids; print(json.dumps(enabled_ids()))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert output.returncode == 0, output.stderr
    return json.loads(output.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("settings_module", "environ", "expected"),
    [
        ("config.settings.dev", {}, ["sandbox"]),
        ("config.settings.production", {}, []),
        ("config.settings.production", {"PAYMENTS_SANDBOX": "true"}, ["sandbox"]),
        (
            "config.settings.production",
            {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"},
            ["stripe"],
        ),
        ("config.settings.production", {"STRIPE_SECRET_KEY": "sk_live_x"}, []),
    ],
)
def test_providers_are_enabled_by_settings(settings_module, environ, expected):
    assert enabled_providers_under(settings_module, **environ) == expected
