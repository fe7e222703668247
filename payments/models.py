import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lots.models import Lot
from parking.models import ParkingSession


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELED = "canceled", _("canceled")
    EXPIRED = "expired", _("expired")


FINAL_STATUSES = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED}
)


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
    amount = models.PositiveIntegerField(_("amount"), help_text=_("In the currency's minor unit."))
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("payment platform"), max_length=30)
    # The provider's own id (a Stripe Checkout Session id...), unique per provider.
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
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
        return f"{self.plate} {self.amount} {self.currency} {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
