"""Payment state changes. Each is one short transaction; no provider is called inside one.

Lock order (shared with parking.services): the vehicle's session row first,
then the payment row, then the lot row. Confirming a payment therefore looks
up its session before locking anything.
"""

import secrets
import uuid
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parking.models import ParkingSession
from parking.services import exit_window, grant_exit, session_status

from .models import Payment, PaymentStatus

MANUAL_PROVIDER = "manual"


class PaymentRefused(Exception):
    """A payment cannot be made or recorded; `code` for machines, `message` for people."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def new_receipt_number(paid_at: datetime) -> str:
    # Date for people, 40 random bits for uniqueness (a unique constraint backs it).
    return f"{paid_at:%Y%m%d}-{secrets.token_hex(5).upper()}"


def _lock_session(session_id: uuid.UUID | None) -> ParkingSession | None:
    if session_id is None:
        return None
    return (
        ParkingSession.objects.select_for_update(of=("self",))
        .select_related("lot__tariff")
        .filter(pk=session_id)
        .first()
    )


def confirm_payment(payment_id: uuid.UUID, *, paid_at: datetime, now: datetime) -> Payment:
    """Record that the money was taken, and let the vehicle out for the exit window.

    Idempotent: confirming a succeeded payment again changes nothing. A payment
    marked failed, canceled or expired here but paid at the provider is still
    confirmed: the driver's money was taken. If the vehicle has left, the
    payment stands as a financial record and nothing else changes.
    """
    session_id = Payment.objects.filter(pk=payment_id).values_list("session_id", flat=True).get()
    with transaction.atomic():
        _lock_session(session_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment
        payment.status = PaymentStatus.SUCCEEDED
        payment.paid_at = paid_at
        payment.receipt_number = new_receipt_number(paid_at)
        payment.failure_reason = ""
        payment.save()
        if payment.session_id:
            grant_exit(payment.session_id, paid_at + exit_window(), now=now)
    return payment


@transaction.atomic
def record_manual_payment(session_id: uuid.UUID, *, by, now: datetime) -> Payment:
    """Money taken by hand (cash at the booth): a `manual` payment of the amount due, and exit."""
    session = _lock_session(session_id)
    if session is None:
        raise PaymentRefused("session_not_found", _("This vehicle is no longer parked here."))
    status = session_status(session, now)
    if not status.amount_due:
        raise PaymentRefused("nothing_due", _("Nothing is due for this vehicle."))
    lot = session.lot
    payment = Payment.objects.create(
        lot=lot,
        session=session,
        plate=session.plate,
        billing_from=status.billing_from,
        billing_until=now,
        amount=status.amount_due,
        currency=lot.currency,
        provider=MANUAL_PROVIDER,
        status=PaymentStatus.SUCCEEDED,
        created_at=now,
        paid_at=now,
        receipt_number=new_receipt_number(now),
        recorded_by=by,
    )
    grant_exit(session.pk, now + exit_window(), now=now)
    return payment
