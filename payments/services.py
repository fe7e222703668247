"""Payment state changes. Each is one short transaction; no provider is called inside one.

Lock order (shared with parking.services): the vehicle's session row first,
then the payment row, then the lot row. Every change therefore looks up the
payment's session before locking anything.

A provider's word is always read first, outside any transaction (open a
checkout, ask a payment's state, close a checkout); what it means is then
recorded in one transaction by `record_report`, the one place a payment moves
from pending to succeeded, failed, canceled or expired.
"""

import contextlib
import copy
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from config.cache import UNREACHABLE, unreachable
from config.i18n import source_text
from lots.dates import moment
from lots.money import format_money
from parking.models import ParkingSession
from parking.services import (
    SessionState,
    SessionStatus,
    exit_window,
    grant_exit,
    lock_parked_session,
    revoke_exit_grant,
    session_status,
)

from .invoices import NO_INVOICE, Invoice
from .models import EventOutcome, Payment, PaymentStatus, Platform, ProviderEvent
from .providers import UnknownProvider, get_provider
from .providers.base import (
    CHECKOUT_LIFETIME,
    AmountNotAccepted,
    CheckoutUrls,
    Notification,
    PaymentProvider,
    PaymentReport,
    ProviderError,
    ProviderState,
)

logger = logging.getLogger(__name__)

MANUAL_PROVIDER = Platform.MANUAL.value
# Creating a payment is retried when a concurrent request changed the picture
# (a pending payment appeared, or one had to be closed first).
_ATTEMPTS = 3


# Stored as the closed payment's reason too, so one message (translated when shown).
NOT_TAKEN = _(
    "This payment platform cannot take this amount. Nothing was charged: please choose "
    "another way to pay, or pay at the booth."
)


class PaymentRefused(Exception):
    """A payment cannot be made or recorded; `code` for machines, `message` for people."""

    def __init__(self, code: str, message, **extra):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.extra = extra


def new_receipt_number(paid_at: datetime, lot) -> str:
    # The lot's date for people (as the receipt shows the time), 40 random bits for
    # uniqueness (a unique constraint backs it).
    return f"{localtime(paid_at, lot.zone):%Y%m%d}-{secrets.token_hex(5).upper()}"


# --- Quotes ---------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    session: ParkingSession
    status: SessionStatus
    until: datetime  # the end of the quoted period: now


def quote(session_id: uuid.UUID, *, now: datetime) -> Quote | None:
    """What the vehicle owes now, with its breakdown; None if it is not parked (any more)."""
    session = ParkingSession.objects.select_related("lot__tariff").filter(pk=session_id).first()
    if session is None:
        return None
    return Quote(session, session_status(session, now), now)


def retry_choices(session_id: uuid.UUID, payment_id: str | None) -> dict:
    """What the driver chose for an attempt that did not go through, to offer it again.

    Only for the attempt named (its "Try again" link), of this car, and not paid: the
    kiosk is shared, and a car's last attempt may be someone else's at the same screen.
    """
    try:
        payment_id = uuid.UUID(payment_id or "")
    except ValueError:
        return {}
    return (
        Payment.objects.filter(
            pk=payment_id,
            session_id=session_id,
            status__in=[PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED],
        )
        .values("provider", "invoice_kind", "invoice_value")
        .first()
        or {}
    )


def quote_is_stale(payment: Payment, now: datetime) -> bool:
    """A pending payment's amount holds for PAYMENT_QUOTE_MINUTES; after that it is replaced."""
    return now - payment.created_at > timedelta(minutes=settings.PAYMENT_QUOTE_MINUTES)


# --- Starting a payment ---------------------------------------------------


@dataclass(frozen=True)
class StartedPayment:
    payment: Payment
    created: bool  # False: the pending payment already open for this vehicle


class _CloseFirst(Exception):
    """A pending payment must be closed at its provider before anything else is done."""

    def __init__(self, payment: Payment, reason):
        self.payment = payment
        self.reason = reason


def checkout_urls(payment: Payment, site_url: str) -> CheckoutUrls:
    base = site_url.rstrip("/")
    return CheckoutUrls(
        return_url=base + reverse("kiosk_payment", args=[payment.pk]),
        cancel_url=base + reverse("kiosk_payment_cancel", args=[payment.pk]),
        site_url=base,
    )


def start_payment(
    session_id: uuid.UUID,
    provider_id: str,
    invoice: Invoice = NO_INVOICE,
    *,
    now: datetime,
    site_url: str,
    expected_amount: int | None = None,
) -> StartedPayment:
    """Open a checkout for what the vehicle owes now, or return the one already open.

    The amount is computed here, from the session. `expected_amount` is what
    the driver was shown (the kiosk's Pay button): if the vehicle owes another
    amount now (a unit started while the page was open), nothing is opened and
    PaymentRefused("amount_changed") says what is due. At most one payment per
    vehicle is pending: asking again while it is pending returns it. A pending
    payment is replaced when its quote is stale (PAYMENT_QUOTE_MINUTES), or the
    driver picks another provider or another e-invoice choice; it
    is closed at its provider first, so it can no longer be paid, and if it
    turns out paid it is confirmed instead. The provider is called only after
    the payment row is committed, never under a lock; if it cannot open the
    checkout, the payment stays pending and PaymentRefused asks to try again.
    """
    try:
        provider = get_provider(provider_id)
    except UnknownProvider:
        raise PaymentRefused(
            "unknown_provider", _("This payment platform is not available here.")
        ) from None
    for _attempt in range(_ATTEMPTS):
        try:
            payment, created = _pending_or_new_payment(
                session_id, provider, invoice, now, expected_amount
            )
            break
        except _CloseFirst as replace:
            _close_replaced(replace.payment, replace.reason, now=now)
        except IntegrityError:
            continue  # another request created the pending payment first: return it
    else:
        raise PaymentRefused(
            "payment_in_progress",
            _("Another payment for this vehicle is being made. Please try again."),
        )
    if not payment.redirect_url:
        payment = _open_checkout(payment, provider, checkout_urls(payment, site_url), now)
    return StartedPayment(payment, created)


def _replace_reason(
    pending: Payment, provider_id: str, invoice: Invoice, status: SessionStatus, now: datetime
):
    """Why a pending payment must not be offered again, or None if it may."""
    if not status.amount_due:
        return _("Nothing is due any more.")  # e.g. paid in cash at the booth meanwhile
    if pending.provider != provider_id:
        return _("Replaced by a payment with another platform.")
    # The e-invoice choice is never changed on an open checkout: whoever knows the
    # plate could otherwise put their own carrier on the driver's invoice. Another
    # choice is a new checkout; its invoice goes to whoever pays it.
    if (pending.invoice_kind, pending.invoice_value) != (invoice.kind, invoice.value):
        return _("Replaced by a payment with another e-invoice choice.")
    # A quote for another period (one paid since, in cash say, whose exit
    # window has run out) must never be paid again.
    if quote_is_stale(pending, now) or pending.billing_from != status.billing_from:
        return _("Replaced by a new quote.")
    return None


def _nothing_due(session: ParkingSession, status: SessionStatus) -> PaymentRefused:
    if status.exit_allowed_until is None:  # a free tariff
        return PaymentRefused("nothing_due", _("Nothing to pay for this vehicle."))
    if status.state == SessionState.PAID:
        message = _("Already paid: this vehicle may leave until %(time)s.")
    else:
        message = _("Nothing to pay: this vehicle may leave until %(time)s.")
    return PaymentRefused(
        "nothing_due",
        message % {"time": moment(status.exit_allowed_until, session.lot.zone)},
        exit_allowed_until=status.exit_allowed_until,
    )


def _amount_changed(status: SessionStatus, lot) -> PaymentRefused:
    message = _("The amount due is now %(amount)s. Please check it and pay again.")
    return PaymentRefused(
        "amount_changed",
        message % {"amount": format_money(status.amount_due, lot.currency)},
        amount_due=status.amount_due,
        currency=lot.currency,
    )


def _pending_or_new_payment(
    session_id: uuid.UUID,
    provider: PaymentProvider,
    invoice: Invoice,
    now: datetime,
    expected_amount: int | None,
) -> tuple[Payment, bool]:
    with transaction.atomic():
        session = lock_parked_session(session_id)
        if session is None:
            raise PaymentRefused("session_not_found", _("This vehicle is not parked here."))
        status = session_status(session, now)
        pending = (
            Payment.objects.select_for_update()
            .filter(session=session, status=PaymentStatus.PENDING)
            .first()
        )
        shown = expected_amount in (None, status.amount_due)  # the driver saw what is due
        if pending is not None:
            reason = _replace_reason(pending, provider.id, invoice, status, now)
            if reason is None and expected_amount in (None, pending.amount):
                return pending, False  # the open checkout holds its quote
            if not shown and status.amount_due:
                # An out-of-date page (an old tab, another device) changes nothing: the
                # open checkout, which the driver may be paying right now, stays open.
                raise _amount_changed(status, session.lot)
            # It must not be paid any more, or the driver was shown a newer quote.
            raise _CloseFirst(pending, reason or _("Replaced by a new quote."))
        if not status.amount_due:
            raise _nothing_due(session, status)
        lot = session.lot
        if not shown:
            raise _amount_changed(status, lot)
        payment = Payment.objects.create(
            lot=lot,
            session=session,
            plate=session.plate,
            billing_from=status.billing_from,
            billing_until=now,
            amount=status.amount_due,
            currency=lot.currency,
            provider=provider.id,
            created_at=now,
            invoice_kind=invoice.kind,
            invoice_value=invoice.value,
        )
        return payment, True


def _close_replaced(payment: Payment, reason, *, now: datetime) -> Payment:
    """Close a pending payment that must not be paid any more, at its provider first.

    Returns it as it is then: still pending if a concurrent request stored its
    checkout while we were closing (the caller asks again).
    """
    try:
        provider = get_provider(payment.provider)
    except UnknownProvider:
        # Its platform was switched off here: nothing can be asked or closed there.
        report = PaymentReport(ProviderState.CANCELED)
    else:
        try:
            report = provider.cancel(payment)
        except ProviderError:
            report = PaymentReport(ProviderState.OPEN)
    if report.state == ProviderState.OPEN:
        raise PaymentRefused(
            "payment_in_progress",
            _("A payment for this vehicle is still being processed. Please try again shortly."),
        )
    return record_report(
        payment.pk,
        report,
        now=now,
        closed_as=PaymentStatus.EXPIRED,
        reason=reason,
        reference=payment.provider_reference,
    )[0]


def _open_checkout(
    payment: Payment, provider: PaymentProvider, urls: CheckoutUrls, now: datetime
) -> Payment:
    """Open the pending payment's checkout and store it; the payment as it is then.

    A provider error leaves the payment pending: the checkout may have been
    opened all the same (an answer lost on the way, or Stripe's 409 for a
    concurrent request with the same idempotency key), and as long as the
    payment is pending the one-pending rule keeps a second payment from being
    made beside it. Asking again opens the same checkout (`start` is
    idempotent); a stale quote closes it at its provider.
    """
    try:
        checkout = provider.start(payment, urls)
    except AmountNotAccepted:
        # Nothing was opened and nothing would be: closed, so that another way to pay
        # is offered at once, not after this one's quote runs out.
        record_report(payment.pk, PaymentReport(ProviderState.FAILED, reason=NOT_TAKEN), now=now)
        raise PaymentRefused("amount_not_accepted", NOT_TAKEN) from None
    except ProviderError:
        payment.refresh_from_db()
        if payment.redirect_url and payment.status == PaymentStatus.PENDING:
            return payment  # a concurrent request opened and stored it meanwhile
        raise PaymentRefused(
            "provider_unavailable",
            _("The payment platform did not answer. Nothing was charged; please try again."),
        ) from None
    stored = Payment.objects.filter(
        pk=payment.pk, status=PaymentStatus.PENDING, redirect_url=""
    ).update(
        provider_reference=checkout.reference, redirect_url=checkout.redirect_url, updated_at=now
    )
    payment.refresh_from_db()
    if not stored and not payment.redirect_url:
        # Closed meanwhile (a concurrent request replaced it) before its
        # checkout was stored: nobody will be sent there; make sure nobody can pay it.
        _close_unsent_checkout(payment, provider, checkout)
        raise PaymentRefused(
            "payment_in_progress",
            _("Another payment for this vehicle is being made. Please try again."),
        )
    return payment


def _close_unsent_checkout(payment: Payment, provider: PaymentProvider, checkout) -> None:
    payment = copy.copy(payment)
    payment.provider_reference = checkout.reference
    try:
        report = provider.cancel(payment)
    except ProviderError:
        report = None
    if report is None or report.state in (ProviderState.OPEN, ProviderState.PAID):
        # Its page address went to nobody, so it should expire unpaid; staff can check.
        logger.error(
            "%s checkout %s of closed payment %s could not be closed (%s)",
            provider.id, checkout.reference, payment.pk, report and report.state,
        )  # fmt: skip


# --- Recording what a provider says --------------------------------------


_CLOSED_STATUS = {
    ProviderState.FAILED: PaymentStatus.FAILED,
    ProviderState.CANCELED: PaymentStatus.CANCELED,
    ProviderState.EXPIRED: PaymentStatus.EXPIRED,
}
_DEFAULT_REASONS = {
    PaymentStatus.FAILED: _("The payment failed."),
    PaymentStatus.CANCELED: _("The payment was canceled."),
    PaymentStatus.EXPIRED: _("The payment was not completed in time."),
}


def record_report(
    payment_id: uuid.UUID,
    report: PaymentReport,
    *,
    now: datetime,
    notification: Notification | None = None,
    provider_id: str = "",
    closed_as: PaymentStatus | None = None,
    reason=None,
    reference: str | None = None,
) -> tuple[Payment, EventOutcome]:
    """Apply a provider's report to a payment, in one transaction (IntegrityError: a replay).

    PAID confirms it (once; the reported amount and currency must match);
    FAILED, CANCELED or EXPIRED close it if it is still pending (a failure
    reported after a success changes nothing); OPEN changes nothing. With a
    `notification`, its ProviderEvent row is written in the same transaction,
    so the same event delivered twice, even at once, acts once. When we closed
    the checkout ourselves (a CANCELED report), `closed_as` and `reason` say
    why: the driver canceled, or a new quote replaced it. `reference` is the
    checkout the report is about when the caller read it from the payment: if
    the payment has another one by now (a concurrent request stored it), a
    report that would close the payment is not applied, since that checkout
    was never asked about.
    """
    session_id = Payment.objects.filter(pk=payment_id).values_list("session_id", flat=True).get()
    with transaction.atomic():
        session = lock_parked_session(session_id)
        payment = (
            Payment.objects.select_for_update(of=("self",)).select_related("lot").get(pk=payment_id)
        )
        if (
            reference is not None
            and payment.provider_reference != reference
            and report.state != ProviderState.PAID
        ):
            outcome = EventOutcome.NO_CHANGE
        else:
            outcome = _apply_report(payment, session, report, now, closed_as, reason)
        if notification is not None:
            ProviderEvent.objects.create(
                provider=provider_id,
                event_id=notification.event_id,
                event_type=notification.event_type[:100],
                payment=payment,
                outcome=outcome,
                received_at=now,
            )
    return payment, outcome


def _apply_report(payment, session, report, now, closed_as, reason) -> EventOutcome:
    if report.state == ProviderState.PAID:
        if payment.status == PaymentStatus.SUCCEEDED:
            return EventOutcome.NO_CHANGE
        if (report.amount, report.currency) != (payment.amount, payment.currency):
            return _amount_mismatch(payment, report, now)
        _confirm_locked(payment, session, paid_at=when_paid(payment, report, now), now=now)
        return EventOutcome.CONFIRMED
    if report.state == ProviderState.OPEN or payment.status != PaymentStatus.PENDING:
        return EventOutcome.NO_CHANGE
    status = _CLOSED_STATUS[report.state]
    words = report.reason
    if report.state == ProviderState.CANCELED and closed_as is not None:
        status, words = closed_as, reason or words
    payment.status = status
    # Kept in the source language, shown in the reader's (config.i18n.translate_stored).
    payment.failure_reason = source_text(words or _DEFAULT_REASONS[status])[:300]
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    return EventOutcome.CLOSED


def _amount_mismatch(payment, report, now) -> EventOutcome:
    # Money was taken, but not what we asked for: it does not open the gate.
    # Staff must look at it (refund or top up); the driver may pay again.
    logger.error(
        "payment %s: %s reports %s %s paid, %s %s was asked",
        payment.pk, payment.provider, report.amount, report.currency,
        payment.amount, payment.currency,
    )  # fmt: skip
    if payment.status == PaymentStatus.PENDING:
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = source_text(
            _("The amount paid does not match the amount due. Please ask the lot's staff.")
        )
        payment.save(update_fields=["status", "failure_reason", "updated_at"])
    return EventOutcome.AMOUNT_MISMATCH


def when_paid(payment: Payment, report: PaymentReport, now: datetime) -> datetime:
    """When the driver paid, as far as OpenLot can tell: `paid_at`, where the exit window starts.

    The platform's own time of payment when it reports one (Stripe: the
    charge; the sandbox: the press of Pay), else now, when OpenLot hears of
    it; but never later than the checkout's end of life (created_at +
    CHECKOUT_LIFETIME), since a checkout cannot be paid after it expires. A
    notification that arrives hours late (a retried webhook, a driver back
    after lunch) therefore never opens the exit for hours nobody paid for.
    """
    latest = min(now, payment.created_at + CHECKOUT_LIFETIME)
    return max(payment.created_at, min(report.paid_at or latest, latest))


def _confirm_locked(
    payment: Payment, session: ParkingSession | None, *, paid_at: datetime, now: datetime
) -> None:
    """Mark a locked payment succeeded and let its (locked) vehicle out for the exit window."""
    if (
        payment.session_id
        and Payment.objects.filter(
            session_id=payment.session_id,
            status=PaymentStatus.SUCCEEDED,
            exit_allowed_until__gte=paid_at,
        )
        .exclude(pk=payment.pk)
        .exists()
    ):
        # Paid twice for one stay (a replaced checkout paid after all): both
        # stand, as the money was taken; staff refund one.
        logger.warning("vehicle %s paid twice, payment %s", payment.session_id, payment.pk)
    payment.status = PaymentStatus.SUCCEEDED
    payment.paid_at = paid_at
    payment.confirmed_at = now
    payment.exit_allowed_until = paid_at + exit_window()
    payment.receipt_number = new_receipt_number(paid_at, payment.lot)
    payment.failure_reason = ""
    payment.save()
    # A payment confirmed late may grant less than the vehicle already has
    # (cash taken meanwhile): a grant is only ever extended, never shortened.
    if session is not None and (
        session.exit_allowed_until is None
        or session.exit_allowed_until < payment.exit_allowed_until
    ):
        # What was paid is the quote, up to its end: units begun between the quote and
        # the payment are neither charged nor counted toward the day's maximum.
        grant_exit(
            session.pk, payment.exit_allowed_until, now=now, covered_until=payment.billing_until
        )


# --- The driver comes back; notifications arrive --------------------------


# When each payment was last asked about by this process: the spacing kept while the
# shared cache cannot be reached (per process, so a few servers ask a few times more).
_asked_here: dict[uuid.UUID, float] = {}


def _first_ask_in_a_while(payment: Payment) -> bool:
    """Whether to ask the platform now: at most once per PAYMENT_REFRESH_SECONDS, counted
    in the shared cache, or in this process while the cache cannot be reached."""
    key = f"payments:refresh:{payment.pk}"
    try:
        return cache.add(key, 1, timeout=settings.PAYMENT_REFRESH_SECONDS)
    except UNREACHABLE as error:
        unreachable("the shared spacing of platform asks", error)
    now = time.monotonic()
    if now - _asked_here.get(payment.pk, -math.inf) < settings.PAYMENT_REFRESH_SECONDS:
        return False
    if len(_asked_here) > 10_000:  # payments long settled: forget them
        _asked_here.clear()
    _asked_here[payment.pk] = now
    return True


def refresh_payment(payment_id: uuid.UUID, *, now: datetime, throttle: bool = False) -> Payment:
    """The payment, after asking its provider if it is still pending.

    For the driver who is back before the provider's notification. With
    `throttle`, the provider is asked at most once per PAYMENT_REFRESH_SECONDS
    per payment (pages that poll). If the provider cannot answer, the payment
    simply stays pending.
    """
    payment = Payment.objects.select_related("lot").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING or payment.provider == MANUAL_PROVIDER:
        return payment
    if throttle and not _first_ask_in_a_while(payment):
        return payment
    try:
        report = get_provider(payment.provider).fetch_status(payment)
    except (UnknownProvider, ProviderError):
        return payment
    return record_report(payment.pk, report, now=now)[0]


def cancel_payment(payment_id: uuid.UUID, *, now: datetime) -> Payment:
    """The driver gave up on the provider's page: close the checkout there, then here."""
    payment = Payment.objects.select_related("lot").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING or payment.provider == MANUAL_PROVIDER:
        return payment
    try:
        report = get_provider(payment.provider).cancel(payment)
    except (UnknownProvider, ProviderError):
        return payment
    return record_report(
        payment.pk,
        report,
        now=now,
        closed_as=PaymentStatus.CANCELED,
        reason=_("You canceled the payment."),
    )[0]


def receive_notification(
    provider_id: str, body: bytes, headers: dict[str, str], *, now: datetime
) -> list[EventOutcome]:
    """A provider's server-side notification (webhook): verify it, then act on each event.

    Raises UnknownProvider (answer 404), InvalidNotification (400, nothing
    changed) or ProviderError when the provider cannot be asked for the
    payment's state (answer 5xx so that it delivers the event again).
    """
    provider = get_provider(provider_id)
    notifications = provider.parse_notification(body, headers)
    return [_handle_notification(provider, item, now) for item in notifications]


def _handle_notification(
    provider: PaymentProvider, notification: Notification, now: datetime
) -> EventOutcome:
    seen = ProviderEvent.objects.filter(provider=provider.id, event_id=notification.event_id)
    if seen.exists():
        return EventOutcome.DUPLICATE
    if not notification.relevant:
        return _remember_event(provider.id, notification, EventOutcome.IGNORED, now)
    payment = _payment_for(provider.id, notification)
    if payment is None:
        logger.warning("%s event %s: no such payment", provider.id, notification.event_id)
        return _remember_event(provider.id, notification, EventOutcome.UNKNOWN_PAYMENT, now)
    # The event is a trigger: what counts is the state the provider reports now.
    report = provider.fetch_status(payment, payment.provider_reference or notification.reference)
    try:
        return record_report(
            payment.pk, report, now=now, notification=notification, provider_id=provider.id
        )[1]
    except IntegrityError:
        return EventOutcome.DUPLICATE  # the same event, handled at the same time elsewhere


def _payment_for(provider_id: str, notification: Notification) -> Payment | None:
    payments = Payment.objects.select_related("lot").filter(provider=provider_id)
    if notification.payment_id is not None:
        payment = payments.filter(pk=notification.payment_id).first()
        if payment is not None:
            return payment
    if notification.reference:
        return payments.filter(provider_reference=notification.reference).first()
    return None


def _remember_event(
    provider_id: str, notification: Notification, outcome: EventOutcome, now: datetime
) -> EventOutcome:
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(
                provider=provider_id,
                event_id=notification.event_id,
                event_type=notification.event_type[:100],
                outcome=outcome,
                received_at=now,
            )
    except IntegrityError:
        return EventOutcome.DUPLICATE
    return outcome


# --- Payments taken by hand -----------------------------------------------


def record_manual_payment(
    session_id: uuid.UUID,
    *,
    by,
    now: datetime,
    on_recorded: Callable[[Payment], None] | None = None,
    expected_amount: int | None = None,
) -> Payment:
    """Money taken by hand (cash at the booth): a `manual` payment of the amount due, and exit.

    `expected_amount` is what the staff were shown and took: if the vehicle owes
    another amount now, nothing is recorded (PaymentRefused "amount_changed").
    The payment and the exit grant are one transaction; `on_recorded(payment)`
    runs inside it (the admin writes its log there). Once it is committed, the
    vehicle's pending online payments are closed (close_pending_payments), so
    the driver cannot pay twice. Call it outside any transaction: platforms are
    never called under a lock.
    """
    with transaction.atomic():
        payment = _record_manual_payment(session_id, by=by, now=now, expected=expected_amount)
        if on_recorded is not None:
            on_recorded(payment)
    close_pending_payments(session_id, reason=_("Paid at the booth instead."), now=now)
    return payment


# Cash for a car that owes nothing: refused here, and said at once by the admin's action.
NOTHING_DUE = _("Nothing is due for this vehicle.")


def _record_manual_payment(
    session_id: uuid.UUID, *, by, now: datetime, expected: int | None
) -> Payment:
    session = lock_parked_session(session_id)
    if session is None:
        raise PaymentRefused("session_not_found", _("This vehicle is no longer parked here."))
    status = session_status(session, now)
    if not status.amount_due:
        raise PaymentRefused("nothing_due", NOTHING_DUE)
    lot = session.lot
    if expected is not None and expected != status.amount_due:
        raise _amount_changed(status, lot)
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
        confirmed_at=now,
        exit_allowed_until=now + exit_window(),
        receipt_number=new_receipt_number(now, lot),
        recorded_by=by,
    )
    grant_exit(session.pk, payment.exit_allowed_until, now=now)
    return payment


@transaction.atomic
def take_back_exit_grant(
    session_id: uuid.UUID, *, now: datetime
) -> tuple[ParkingSession, Payment | None]:
    """A paid vehicle owes again (parking.services.revoke_exit_grant); and if its grant
    came from cash recorded in the admin, that record is voided: the money was not taken.

    A payment made online stays succeeded: money was taken, and a refund is a separate
    act. Raises VehicleRefused if the vehicle has no exit grant. Locks as every payment
    change does: the session row, then the payment row.
    """
    session = lock_parked_session(session_id)
    granted_until = session.exit_allowed_until if session is not None else None
    session = revoke_exit_grant(session_id, now=now)
    granting = (
        Payment.objects.select_for_update()
        .filter(session_id=session_id, status=PaymentStatus.SUCCEEDED)
        .filter(exit_allowed_until=granted_until)
        .order_by("-paid_at")
        .first()
    )
    if granting is None or granting.provider != MANUAL_PROVIDER:
        return session, None
    granting.status = PaymentStatus.VOIDED
    granting.failure_reason = source_text(_("Voided in the admin: recorded by mistake."))
    granting.save(update_fields=["status", "failure_reason", "updated_at"])
    return session, granting


def close_pending_payments(session_id: uuid.UUID, *, reason, now: datetime) -> list[Payment]:
    """Close the vehicle's pending online payments, at their platforms first, as replaced ones.

    For a vehicle paid another way. A checkout that turns out paid is confirmed
    (both payments stand; staff refund one). Returns the payments still
    pending: their platform could not be reached or is still processing; such
    a payment is closed at the vehicle's next payment request, and if it is
    paid meanwhile it stands as well. Call it outside any transaction.
    """
    left_open = []
    pending = Payment.objects.select_related("lot").filter(
        session_id=session_id, status=PaymentStatus.PENDING
    )
    for payment in pending:
        # PaymentRefused: the platform could not close it (or is still processing).
        with contextlib.suppress(PaymentRefused):
            payment = _close_replaced(payment, reason, now=now)
        if payment.status == PaymentStatus.PENDING:
            logger.warning("payment %s could not be closed at %s", payment.pk, payment.provider)
            left_open.append(payment)
    return left_open


def payments_alongside(payment: Payment) -> tuple[list[Payment], list[Payment]]:
    """The vehicle's other payments: (still pending, also succeeded for the same period).

    After cash at the booth: a pending one may still be paid online, one that
    succeeded paid the same period twice; either way staff may have money to
    give back.
    """
    others = Payment.objects.filter(session_id=payment.session_id).exclude(pk=payment.pk)
    return (
        list(others.filter(status=PaymentStatus.PENDING)),
        list(others.filter(status=PaymentStatus.SUCCEEDED, billing_from=payment.billing_from)),
    )
