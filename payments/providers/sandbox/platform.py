"""The sandbox platform's side: its checkouts, the driver's outcome, its signed notifications.

Notifications are signed like Stripe's: header `Sandbox-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed by a secret derived
from SECRET_KEY, and refused more than five minutes from their timestamp.
"""

import hashlib
import hmac
import json
import secrets
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import SandboxCheckout
from ..base import (
    CHECKOUT_LIFETIME,
    InvalidNotification,
    Notification,
    PaymentReport,
    ProviderState,
)

SIGNATURE_HEADER = "Sandbox-Signature"
# Like a Stripe Checkout Session: a checkout left open this long can no longer be paid.
LIFETIME = CHECKOUT_LIFETIME
TOLERANCE_SECONDS = 300
Status = SandboxCheckout.Status

_STATES = {
    Status.OPEN: ProviderState.OPEN,
    Status.PAID: ProviderState.PAID,
    Status.DECLINED: ProviderState.FAILED,
    Status.CANCELED: ProviderState.CANCELED,
}
EVENT_TYPES = {
    Status.PAID: "checkout.paid",
    Status.DECLINED: "checkout.declined",
    Status.CANCELED: "checkout.canceled",
}


def open_checkout(payment, *, return_url: str, cancel_url: str = "") -> SandboxCheckout:
    """The payment's checkout, opened once however often it is asked for."""
    checkout, _created = SandboxCheckout.objects.get_or_create(
        payment_id=payment.pk,
        defaults={
            "reference": f"sbx_{secrets.token_hex(12)}",
            "amount": payment.amount,
            "currency": payment.currency,
            "description": f"{payment.lot.name} · {payment.plate}",
            "return_url": return_url,
            "cancel_url": cancel_url,
            "created_at": timezone.now(),
        },
    )
    return checkout


def find_checkout(payment_id: uuid.UUID, reference: str = "") -> SandboxCheckout | None:
    checkouts = SandboxCheckout.objects.filter(payment_id=payment_id)
    if reference:
        checkouts = checkouts.filter(reference=reference)
    return checkouts.first()


def is_expired(checkout: SandboxCheckout) -> bool:
    return checkout.status == Status.OPEN and timezone.now() > checkout.created_at + LIFETIME


def report(checkout: SandboxCheckout) -> PaymentReport:
    if is_expired(checkout):
        return PaymentReport(ProviderState.EXPIRED)
    state = _STATES[checkout.status]
    if state == ProviderState.PAID:
        # completed_at: when the driver pressed Pay, by the platform's clock.
        return PaymentReport(
            state,
            amount=checkout.amount,
            currency=checkout.currency,
            paid_at=checkout.completed_at,
        )
    if state == ProviderState.FAILED:
        return PaymentReport(state, reason=_("The sandbox declined the payment."))
    return PaymentReport(state)


def _close(checkout_filter: dict, status: str) -> tuple[SandboxCheckout | None, bool]:
    """Move an open checkout to `status`: (the checkout now, whether this call moved it)."""
    with transaction.atomic():
        moved = SandboxCheckout.objects.filter(**checkout_filter, status=Status.OPEN).update(
            status=status, completed_at=timezone.now()
        )
        return SandboxCheckout.objects.filter(**checkout_filter).first(), bool(moved)


def settle(reference: str, *, paid: bool) -> tuple[SandboxCheckout | None, bool]:
    """The driver pressed Pay or Decline: (the checkout, whether this press decided it)."""
    still_payable = {"reference": reference, "created_at__gte": timezone.now() - LIFETIME}
    checkout, decided = _close(still_payable, Status.PAID if paid else Status.DECLINED)
    if checkout is None:  # too late: it expired
        return SandboxCheckout.objects.filter(reference=reference).first(), False
    return checkout, decided


def cancel_checkout(payment_id: uuid.UUID) -> SandboxCheckout | None:
    return _close({"payment_id": payment_id}, Status.CANCELED)[0]


def _secret() -> bytes:
    return hashlib.sha256(b"openlot.sandbox.notifications:" + settings.SECRET_KEY.encode()).digest()


def _signature(timestamp: int, body: bytes) -> str:
    return hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_notification(checkout: SandboxCheckout) -> tuple[bytes, dict[str, str]]:
    """The notification the sandbox sends the app about `checkout`: (body, headers)."""
    timestamp = int(time.time())
    body = json.dumps(
        {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": EVENT_TYPES.get(checkout.status, "checkout.updated"),
            "created": timestamp,
            "data": {"reference": checkout.reference, "payment_id": str(checkout.payment_id)},
        }
    ).encode()
    header = f"t={timestamp},v1={_signature(timestamp, body)}"
    return body, {SIGNATURE_HEADER: header, "Content-Type": "application/json"}


def verify_notification(body: bytes, header: str) -> Notification:
    """The notification's event, if its signature is ours and recent; else InvalidNotification."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        signature = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise InvalidNotification("missing or malformed signature header") from exc
    if not hmac.compare_digest(signature, _signature(timestamp, body)):
        raise InvalidNotification("signature mismatch")
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        raise InvalidNotification("timestamp outside the tolerance")
    try:
        event = json.loads(body)
        data = event["data"]
        return Notification(
            event_id=str(event["id"]),
            event_type=str(event["type"]),
            payment_id=uuid.UUID(data["payment_id"]),
            reference=str(data["reference"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidNotification("malformed notification body") from exc
