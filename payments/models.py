import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lots.models import Lot
from lots.money import format_money
from parking.models import ParkingSession


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELED = "canceled", _("canceled")
    EXPIRED = "expired", _("expired")
    # Cash recorded in the admin by mistake, taken back: no money was taken.
    VOIDED = "voided", _("voided")


FINAL_STATUSES = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELED,
        PaymentStatus.EXPIRED,
        PaymentStatus.VOIDED,
    }
)


class Platform(models.TextChoices):
    """Where a payment was made: the providers of payments.providers.REGISTRY, and cash."""

    STRIPE = "stripe", _("Stripe")
    SANDBOX = "sandbox", _("Sandbox")
    MANUAL = "manual", _("Cash (recorded in the admin)")


class InvoiceKind(models.TextChoices):
    """Taiwan e-invoice options a driver may give (none: a printed-style receipt only)."""

    NONE = "", _("none")
    MOBILE_BARCODE = "mobile_barcode", _("mobile barcode carrier")
    CITIZEN_CERTIFICATE = "citizen_certificate", _("citizen digital certificate carrier")
    DONATION = "donation", _("donation code")
    COMPANY = "company", _("company tax ID")


class Payment(models.Model):
    """A financial record: kept when the vehicle leaves, never deleted with it.

    The snapshot (plate, billing period, amount) is what was quoted and paid,
    whatever happens to the vehicle's session afterwards.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="payments", verbose_name=_("lot")
    )
    session = models.ForeignKey(
        ParkingSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("parked vehicle"),
    )
    plate = models.CharField(_("plate"), max_length=10)
    billing_from = models.DateTimeField(_("billed from"))
    billing_until = models.DateTimeField(_("billed until"))
    amount = models.PositiveBigIntegerField(
        _("amount"), help_text=_("In the currency's minor unit.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("payment platform"), max_length=30, choices=Platform.choices)
    # The provider's own id (a Stripe Checkout Session id...), unique per provider.
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    # The provider's checkout page the driver is sent to (empty until it is opened).
    redirect_url = models.TextField(_("checkout page"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # When the driver paid, by the platform's clock when it says, never after the
    # checkout's end of life (payments.services.when_paid); for cash, when recorded.
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # When OpenLot learnt it was paid (a webhook, a status fetch; cash: when recorded).
    # Later than exit_allowed_until: the driver never had the window (the return page
    # says the platform was late, not the driver). Empty before 1 December 2026.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The exit window this payment granted (paid_at + EXIT_GRACE_MINUTES), as shown on the receipt.
    exit_allowed_until = models.DateTimeField(_("exit allowed until"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=32, blank=True)
    invoice_kind = models.CharField(
        _("e-invoice"), max_length=20, choices=InvoiceKind.choices, blank=True
    )
    # The carrier, donation code or buyer's tax ID, as validated at the kiosk.
    invoice_value = models.CharField(_("e-invoice carrier / code"), max_length=20, blank=True)
    # Who recorded a payment taken by hand (cash at the booth); empty for providers.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_unique_provider_reference",
            ),
            # At most one checkout in progress per vehicle: never a second charge.
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(status="pending"),
                name="payment_one_pending_per_session",
            ),
            models.UniqueConstraint(
                fields=["receipt_number"],
                condition=~Q(receipt_number=""),
                name="payment_unique_receipt_number",
            ),
            models.CheckConstraint(
                condition=Q(status="succeeded", paid_at__isnull=False) | ~Q(status="succeeded"),
                name="payment_succeeded_has_paid_at",
            ),
        ]
        indexes = [models.Index(fields=["lot", "-created_at"], name="payment_lot_created")]

    def __str__(self) -> str:
        # As the admin names it (titles, history): in the reader's language.
        money = format_money(self.amount, self.currency)
        return f"{self.plate} · {money} · {self.get_status_display()}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class EventOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("payment confirmed")
    CLOSED = "closed", _("payment closed (failed, canceled or expired)")
    NO_CHANGE = "no_change", _("no change")
    AMOUNT_MISMATCH = "amount_mismatch", _("paid amount differs from the amount due")
    UNKNOWN_PAYMENT = "unknown_payment", _("unknown payment")
    IGNORED = "ignored", _("ignored event type")
    # Never stored: the answer to an event already recorded.
    DUPLICATE = "duplicate", _("duplicate event")


class ProviderEvent(models.Model):
    """A notification a payment platform sent us, kept once per platform event id.

    The unique (provider, event id) row is written in the same transaction as
    the state change it caused, so a replayed or concurrently delivered event
    changes nothing twice.
    """

    provider = models.CharField(_("payment platform"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=100, blank=True)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider_events",
        verbose_name=_("payment"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=EventOutcome.choices)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("payment platform event")
        verbose_name_plural = _("payment platform events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="provider_event_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.outcome}"


class SandboxCheckout(models.Model):
    """The sandbox platform's own record of a checkout: what a real platform keeps on its side.

    OpenLot's code reads it only through the sandbox provider, as it would
    read Stripe's API.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PAID = "paid", _("paid")
        DECLINED = "declined", _("declined")
        CANCELED = "canceled", _("canceled")

    reference = models.CharField(_("reference"), max_length=40, primary_key=True)
    payment_id = models.UUIDField(_("merchant payment id"), unique=True)
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=200)
    return_url = models.TextField(_("return URL"))
    # Where its "back" link leads without paying (Stripe's cancel_url).
    cancel_url = models.TextField(_("cancel URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox checkout")
        verbose_name_plural = _("sandbox checkouts")

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"
