"""Stripe Checkout. The only module that imports the Stripe SDK.

A payment opens a Checkout Session (the server-computed amount in the lot's
currency, our payment id in `metadata`, an idempotency key per payment). The
webhook's signature is verified with the endpoint's signing secret; its
events only say "look again": the state is always re-read from Stripe
(`checkout.sessions.retrieve`, with the PaymentIntent and its latest charge
expanded) before payments.services changes anything.

Configured by STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET; STRIPE_API_BASE
points the SDK elsewhere (the tests' local server). Opening and closing
checkouts use STRIPE_TIMEOUT_SECONDS and STRIPE_MAX_NETWORK_RETRIES; reading a
checkout's state uses STRIPE_STATUS_TIMEOUT_SECONDS (3 s) and no retries.
"""

import functools
import logging
from datetime import UTC, datetime
from uuid import UUID

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy

from lots.money import exponent

from .base import (
    CHECKOUT_LIFETIME,
    AmountNotAccepted,
    Checkout,
    CheckoutUrls,
    InvalidNotification,
    Notification,
    PaymentProvider,
    PaymentReport,
    ProviderError,
    ProviderState,
)

logger = logging.getLogger(__name__)

# Stripe's amount exponents where they differ from 2 (docs.stripe.com/currencies).
# ISK and UGX are two-decimal in Stripe's API for charges although ISO 4217 gives them
# none (Stripe's "special cases": 5 UGX is sent as 500); its list of zero-decimal
# currencies names UGX all the same, so it is not in the set below.
_STRIPE_ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
    "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF",
})  # fmt: skip
# Three-decimal, and "the least-significant (last) digit must be 0": KWD 5.120, not 5.124.
_STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Stripe's error codes for an amount it does not take (below the least charge of the
# currency, above the most, or not a whole number of what it counts in).
_AMOUNT_REFUSALS = ("amount_too_small", "amount_too_large", "invalid_charge_amount")

CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
# PaymentIntent states after which this Checkout Session will not be paid.
_FAILED_INTENT_STATES = frozenset({"requires_payment_method", "canceled"})
# Read back with the session: its PaymentIntent (the failure reason) and the
# intent's latest Charge (when the driver paid), in the same request.
_EXPAND = ["payment_intent", "payment_intent.latest_charge"]
# Only methods that settle while the driver waits at the kiosk. Cards include
# Apple Pay and Google Pay. Delayed methods (bank debits, vouchers) settle days
# later, after the 15 minutes to leave: the car would be stuck or billed again.
_PAYMENT_METHOD_TYPES = ["card"]


def _stripe_exponent(currency: str) -> int:
    currency = currency.upper()
    if currency in _STRIPE_ZERO_DECIMAL:
        return 0
    return 3 if currency in _STRIPE_THREE_DECIMAL else 2


def to_stripe_amount(amount: int, currency: str) -> int:
    """OpenLot's minor units (ISO 4217) as Stripe counts them; ValueError if Stripe
    cannot charge it exactly (a three-decimal amount must also end in 0)."""
    shift = _stripe_exponent(currency) - exponent(currency)
    whole, rest = (amount * 10**shift, 0) if shift >= 0 else divmod(amount, 10**-shift)
    if rest or (currency.upper() in _STRIPE_THREE_DECIMAL and whole % 10):
        raise ValueError(f"{amount} {currency} cannot be charged through Stripe exactly")
    return whole


def from_stripe_amount(amount: int, currency: str) -> int | None:
    """Stripe's amount in OpenLot's minor units; None if it has no exact equivalent."""
    shift = exponent(currency) - _stripe_exponent(currency)
    if shift >= 0:
        return amount * 10**shift
    whole, rest = divmod(amount, 10**-shift)
    return None if rest else whole


@functools.lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    # One client (and its connection pool) per configuration and process.
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_TIMEOUT_SECONDS,
        settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def status_client() -> stripe.StripeClient:
    """For reading a checkout's state: a short timeout and no retries.

    Status reads run in the same server threads as the gates (the driver's
    return page and its polls, webhooks), so a slow Stripe must not hold them:
    an unanswered read leaves the payment pending (the page asks again, Stripe
    delivers the webhook again).
    """
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_STATUS_TIMEOUT_SECONDS,
        0,
    )


def _field(obj, name: str, default=None):
    """A field of a Stripe object or of a nested dict (expanded or not)."""
    if obj is None or isinstance(obj, str):
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _paid_at(intent) -> datetime | None:
    """When the driver paid: the charge's creation, else the PaymentIntent's (Unix seconds).

    Checkout creates the PaymentIntent when the driver submits the payment, and
    the charge when the card is charged; either is when the driver could have
    driven off, not when OpenLot hears of it.
    """
    created = _field(_field(intent, "latest_charge"), "created") or _field(intent, "created")
    return datetime.fromtimestamp(created, tz=UTC) if created else None


class StripeProvider(PaymentProvider):
    id = "stripe"
    name = gettext_lazy("Credit card (Stripe)")
    logo = "img/providers/stripe.svg"

    def takes(self, amount: int, currency: str) -> bool:
        try:
            to_stripe_amount(amount, currency)
        except ValueError:
            return False
        return True

    def start(self, payment, urls: CheckoutUrls) -> Checkout:
        try:
            amount = to_stripe_amount(payment.amount, payment.currency)
        except ValueError as exc:
            raise AmountNotAccepted(str(exc)) from exc
        # Every parameter is derived from the payment row, so a retry sends the
        # same request and Stripe answers it from the idempotency key.
        params = {
            "mode": "payment",
            "payment_method_types": _PAYMENT_METHOD_TYPES,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": amount,
                        "product_data": {"name": f"{payment.lot.name} · {payment.plate}"},
                    },
                }
            ],
            "client_reference_id": str(payment.pk),
            "metadata": {"payment_id": str(payment.pk), "lot_id": str(payment.lot_id)},
            "payment_intent_data": {"metadata": {"payment_id": str(payment.pk)}},
            "success_url": urls.return_url,
            "cancel_url": urls.cancel_url,
            "expires_at": int((payment.created_at + CHECKOUT_LIFETIME).timestamp()),
            "locale": "auto",
        }
        try:
            session = client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"openlot-payment-{payment.pk}"}
            )
        except stripe.StripeError as exc:
            logger.warning(
                "Stripe refused or failed to open a checkout for %s: %s", payment.pk, exc
            )
            if (exc.code or "").startswith(_AMOUNT_REFUSALS):
                raise AmountNotAccepted(str(exc)) from exc
            raise ProviderError(str(exc)) from exc
        return Checkout(reference=session.id, redirect_url=session.url)

    def fetch_status(self, payment, reference: str = "") -> PaymentReport:
        reference = reference or payment.provider_reference
        if not reference:
            return PaymentReport(ProviderState.OPEN)
        try:
            session = status_client().v1.checkout.sessions.retrieve(
                reference, params={"expand": _EXPAND}
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe could not report checkout %s: %s", reference, exc)
            raise ProviderError(str(exc)) from exc
        if _field(_field(session, "metadata"), "payment_id") != str(payment.pk):
            raise ProviderError(f"checkout {reference} does not belong to payment {payment.pk}")
        return self._report(session)

    def _report(self, session) -> PaymentReport:
        if session.payment_status == "paid":
            currency = (session.currency or "").upper()
            return PaymentReport(
                ProviderState.PAID,
                amount=from_stripe_amount(session.amount_total or 0, currency),
                currency=currency,
                paid_at=_paid_at(_field(session, "payment_intent")),
            )
        if session.status == "expired":
            return PaymentReport(ProviderState.EXPIRED)
        if session.status == "complete":
            intent = _field(session, "payment_intent")
            if _field(intent, "status") in _FAILED_INTENT_STATES:
                error = _field(intent, "last_payment_error", {})
                reason = _field(error, "message", "") or gettext_lazy("The payment was declined.")
                return PaymentReport(ProviderState.FAILED, reason=reason)
        return PaymentReport(ProviderState.OPEN)

    def cancel(self, payment) -> PaymentReport:
        if not payment.provider_reference:
            return PaymentReport(ProviderState.CANCELED)
        try:
            client().v1.checkout.sessions.expire(payment.provider_reference)
        except stripe.InvalidRequestError:
            # Only an open session can be expired: it was paid, failed or expired
            # meanwhile. Its state says which.
            return self.fetch_status(payment)
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        return PaymentReport(ProviderState.CANCELED)

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> list[Notification]:
        try:
            event = client().construct_event(
                body, headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise InvalidNotification(str(exc)) from exc
        if event.type not in CHECKOUT_EVENTS:
            return [Notification(event.id, event.type, relevant=False)]
        session = event.data.object
        try:
            payment_id = UUID(_field(_field(session, "metadata"), "payment_id", ""))
        except ValueError:
            payment_id = None  # another integration's checkout on the same account
        return [Notification(event.id, event.type, payment_id, _field(session, "id", ""))]
