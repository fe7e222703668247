"""Kiosk and payment API: find a parked vehicle, quote it, pay for it, follow the payment."""

from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema, Status

from config.errors import REQUEST_ERRORS, ApiError, ErrorOut
from config.i18n import translate_stored
from config.numbers import Integer
from lots.models import Lot
from lots.money import format_money
from parking.plates import SEARCH_MIN_LENGTH, InvalidPlate, normalise_search
from parking.services import find_similar_vehicles

from . import services
from .invoices import NO_INVOICE, InvalidInvoice, validate_invoice
from .models import Payment
from .ratelimit import (
    kiosk_search_retry_after,
    payment_start_retry_after,
    too_many_payments,
    too_many_searches,
)
from .schemas import CandidateOut, FeeDayOut, PaymentIn, PaymentOut, PaymentRefusalOut, QuoteOut

kiosk_router = Router(tags=["kiosk"])
sessions_router = Router(tags=["kiosk"])
payments_router = Router(tags=["payments"])

_json = DjangoJSONEncoder()
REFUSAL_STATUS = {
    "session_not_found": 404,
    "nothing_due": 409,
    "payment_in_progress": 409,
    "unknown_provider": 422,
    "amount_not_accepted": 422,
    "provider_unavailable": 502,
}


class SearchQuery(Schema):
    plate: str = SchemaField(
        ...,
        max_length=64,
        description=f"At least {SEARCH_MIN_LENGTH} letters or digits of the plate, as typed.",
    )


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url) if url else ""


@kiosk_router.get(
    "/{lot_id}/search",
    url_name="kiosk_search",
    summary="Parked vehicles with plates like the one typed",
    response={
        200: list[CandidateOut],
        **REQUEST_ERRORS,
        404: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },  # fmt: skip
)
def search(request: HttpRequest, lot_id: Integer, query: Query[SearchQuery]):
    """At most 6 vehicles of the lot, best match first: the same plate up to OCR look-alikes
    (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B), one character off, or containing the typed text.
    Rate-limited per client (429 `rate_limited` with Retry-After)."""
    lot = Lot.objects.filter(pk=lot_id).first()
    if lot is None:
        raise ApiError(404, "lot_not_found", _("There is no such parking lot."))
    wait = kiosk_search_retry_after(request, now=timezone.now())
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            too_many_searches(wait),
            retry_after=wait,
        )
    try:
        typed = normalise_search(query.plate)
    except InvalidPlate as exc:
        raise ApiError(422, "invalid_plate", exc.message) from exc
    return Status(
        200,
        [
            CandidateOut(
                session_id=session.pk,
                plate=session.plate,
                photo_url=_absolute(request, session.photo_url),
                thumbnail_url=_absolute(request, session.photo_thumbnail_url),
                entered_at=session.entered_at,
            )
            for session in find_similar_vehicles(lot, typed)
        ],
    )


@sessions_router.get(
    "/{session_id}/quote",
    url_name="session_quote",
    summary="What a parked vehicle owes now",
    response={200: QuoteOut, **REQUEST_ERRORS, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
)
def quote(request: HttpRequest, session_id: UUID):
    """The amount due now with its per-day breakdown; `state` says whether it is unpaid,
    paid (inside its exit window) or free (inside the free minutes)."""
    found = services.quote(session_id, now=timezone.now())
    if found is None:
        raise ApiError(404, "session_not_found", _("This vehicle is not parked here."))
    session, status = found.session, found.status
    lot = session.lot
    return Status(
        200,
        QuoteOut(
            session_id=session.pk,
            lot_id=lot.pk,
            plate=session.plate,
            state=status.state.value,
            amount_due=status.amount_due,
            currency=lot.currency,
            amount_due_display=format_money(status.amount_due, lot.currency),
            billing_from=status.billing_from,
            until=found.until,
            exit_allowed_until=status.exit_allowed_until,
            tariff=lot.tariff.describe(),
            breakdown=[
                FeeDayOut(
                    day=day.day,
                    first_period=day.first_period,
                    units=day.units,
                    subtotal=day.subtotal,
                    amount=day.amount,
                    capped=day.capped,
                    charged_earlier=day.charged_earlier,
                )
                for day in status.fee.days
            ],
        ),
    )


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        payment_id=payment.pk,
        status=payment.status,
        amount=payment.amount,
        currency=payment.currency,
        amount_display=format_money(payment.amount, payment.currency),
        provider=payment.provider,
        plate=payment.plate,
        redirect_url=payment.redirect_url,
        created_at=payment.created_at,
        paid_at=payment.paid_at,
        receipt_number=payment.receipt_number,
        exit_allowed_until=payment.exit_allowed_until,
        failure_reason=translate_stored(payment.failure_reason),
    )


@payments_router.post(
    "",
    url_name="payment_create",
    summary="Pay for a parked vehicle",
    response={
        201: PaymentOut,
        200: PaymentOut,
        **REQUEST_ERRORS,
        404: ErrorOut,
        409: PaymentRefusalOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        502: ErrorOut,
        503: ErrorOut,
    },
)
def create_payment(request: HttpRequest, payload: PaymentIn):
    """201: a new payment for the amount due now; send the driver to `redirect_url`.
    200: the payment already pending for this vehicle (never a second charge).
    409 `nothing_due` (free or already paid), `payment_in_progress`, or `amount_changed`
    (not the `expected_amount` the driver was shown; nothing opened); 422 `invalid_invoice`
    `unknown_provider`, or `amount_not_accepted` (the platform does not take this amount:
    below its least charge, or finer than it counts; the payment is closed as failed, and
    another platform can be chosen); 502 `provider_unavailable` (nothing was charged).
    Rate-limited per client (429 `rate_limited` with Retry-After; nothing opened)."""
    wait = payment_start_retry_after(request, now=timezone.now())
    if wait is not None:
        raise ApiError(429, "rate_limited", too_many_payments(wait), retry_after=wait)
    try:
        invoice = (
            validate_invoice(payload.invoice.kind, payload.invoice.value)
            if payload.invoice
            else NO_INVOICE
        )
    except InvalidInvoice as exc:
        raise ApiError(422, "invalid_invoice", exc.message) from exc
    try:
        started = services.start_payment(
            payload.session_id,
            payload.provider,
            invoice,
            now=timezone.now(),
            site_url=request.build_absolute_uri("/"),
            expected_amount=payload.expected_amount,
        )
    except services.PaymentRefused as exc:
        extra = {
            name: value if isinstance(value, int | str) else _json.default(value)  # datetimes
            for name, value in exc.extra.items()
        }
        raise ApiError(REFUSAL_STATUS.get(exc.code, 409), exc.code, exc.message, **extra) from exc
    return Status(201 if started.created else 200, payment_out(started.payment))


@payments_router.get(
    "/{payment_id}",
    url_name="payment_detail",
    summary="A payment's status",
    response={200: PaymentOut, **REQUEST_ERRORS, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
)
def payment_detail(request: HttpRequest, payment_id: UUID):
    """While pending, the provider is asked for news (at most every few seconds)."""
    if not Payment.objects.filter(pk=payment_id).exists():
        raise ApiError(404, "payment_not_found", _("There is no such payment."))
    payment = services.refresh_payment(payment_id, now=timezone.now(), throttle=True)
    return Status(200, payment_out(payment))
