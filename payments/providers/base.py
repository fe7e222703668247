"""The interface every payment platform implements, and the values that cross it.

A provider talks to one platform: it opens a checkout for a payment, reads a
payment's state back from the platform, closes a checkout that is no longer
wanted, and verifies and reads the platform's notifications. It never changes
a Payment itself: payments.services decides what the platform's answer means
for OpenLot, in one transaction per change, and never while a provider call is
in flight.

Amounts cross this interface in OpenLot's minor units (lots.money): a provider
whose platform counts differently converts both ways.
"""

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

# Every provider's checkout expires this long after its payment was created
# (Payment.created_at, the quote), and cannot be paid after that: so a driver
# cannot have paid later than that, however late OpenLot hears of it.
# Stripe accepts 30 minutes to 24 hours; 35 leaves a retry of `start` a few
# minutes to send the same parameters; a quote older than PAYMENT_QUOTE_MINUTES
# is replaced (and its checkout closed) long before.
CHECKOUT_LIFETIME = timedelta(minutes=35)


class ProviderError(Exception):
    """The platform could not be reached or refused the call; nothing was charged by it."""


class AmountNotAccepted(ProviderError):
    """The platform does not take this amount (below its least charge, above its most, or
    finer than it counts in this currency): nothing was opened, and asking again will not
    change that."""


class InvalidNotification(Exception):
    """A notification whose signature or body does not check out: answer 400, change nothing."""


class ProviderState(enum.StrEnum):
    OPEN = "open"  # the driver may still pay, or the platform is still processing
    PAID = "paid"
    FAILED = "failed"  # declined or failed: this checkout will not be paid
    CANCELED = "canceled"  # the driver or OpenLot abandoned it
    EXPIRED = "expired"  # the platform's time limit ran out


@dataclass(frozen=True)
class CheckoutUrls:
    """Where the platform sends the driver back to (absolute URLs)."""

    return_url: str  # after paying (or failing): the kiosk's result page
    cancel_url: str  # when the driver gives up on the platform's page
    site_url: str  # this site's base URL, for pages a provider serves itself


@dataclass(frozen=True)
class Checkout:
    """A checkout opened at the platform."""

    reference: str  # the platform's id for it (stored as Payment.provider_reference)
    redirect_url: str  # the platform's page the driver pays on


@dataclass(frozen=True)
class PaymentReport:
    """A payment's state as the platform reports it right now."""

    state: ProviderState
    amount: int | None = None  # what the platform says it charged, in minor units
    currency: str = ""  # ISO 4217, upper case
    reason: str = ""  # why it failed, in words for the driver, when the platform says
    # PAID: when the driver paid, by the platform's clock, if it says (aware datetime).
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """One event from a verified notification: a trigger to re-read the payment, not the truth.

    `payment_id` is OpenLot's id as the platform echoes it back (metadata);
    `reference` the platform's checkout id. `relevant` is False for event types
    that say nothing about a checkout (they are acknowledged and ignored).
    """

    event_id: str
    event_type: str
    payment_id: UUID | None = None
    reference: str = ""
    relevant: bool = True


class PaymentProvider(ABC):
    """A payment platform the kiosk offers. Subclasses set `id`, `name` and `logo`."""

    id: str  # stable identifier, stored on payments ("stripe")
    name: str  # shown to drivers (translatable)
    logo: str  # static file path of the logo shown at the kiosk

    @abstractmethod
    def start(self, payment, urls: CheckoutUrls) -> Checkout:
        """Open a checkout for `payment` (its amount, currency and id) at the platform.

        Must be idempotent per payment: calling it again for the same payment
        (a retry, or two requests racing) returns the same checkout, never a
        second one that could be charged. Raises ProviderError when the
        platform cannot be reached or refuses.
        """

    @abstractmethod
    def fetch_status(self, payment, reference: str = "") -> PaymentReport:
        """Ask the platform for the state of `payment`'s checkout.

        A PAID report carries the time the driver paid when the platform gives
        one (the exit window starts there). `reference` overrides
        `payment.provider_reference` (a notification may name the checkout
        before we stored it). A checkout that was never opened is OPEN.
        Raises ProviderError when the platform cannot answer.
        """

    @abstractmethod
    def cancel(self, payment) -> PaymentReport:
        """Close `payment`'s checkout so that it can no longer be paid, and report its state.

        If the driver paid before the platform closed it, the report says PAID:
        the caller confirms it instead of cancelling. Raises ProviderError when
        the platform cannot answer (the payment then stays open).
        """

    def takes(self, amount: int, currency: str) -> bool:
        """Whether the platform can charge `amount` (minor units) of `currency` exactly.

        For the admin's warning on prices; `start` still refuses what it cannot
        take (AmountNotAccepted). Any amount, unless a platform says otherwise.
        """
        return True

    @abstractmethod
    def parse_notification(self, body: bytes, headers: dict[str, str]) -> list[Notification]:
        """Verify a notification's signature and read its events (the webhook's job).

        `body` is the raw request body, `headers` the HTTP request headers (as
        Django's `request.headers`); the sandbox calls it in-process with the
        same two. Raises InvalidNotification if the signature or the body is wrong.
        """
