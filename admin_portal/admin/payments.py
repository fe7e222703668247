import csv
from datetime import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.i18n import translate_stored
from lots.money import format_money, to_major
from payments.models import Payment, PaymentStatus

from ..scoping import payments_for
from .base import PlateSearch, ReadOnlyScopedAdmin
from .display import EMPTY, lot_time, money
from .filters import LotFilter

DATE_TIME_SECONDS = "Y-m-d H:i:s"
CSV_HEADER = (
    _("payment id"), _("lot"), _("plate"), _("amount"), _("currency"), _("status"),
    _("payment platform"), _("platform reference"), _("created"), _("paid at"),
    _("receipt number"), _("e-invoice"), _("e-invoice carrier / code"), _("recorded by"),
    _("billed from"), _("billed until"),
    # Why a payment is not money taken: failed, canceled, expired, or voided (last, so
    # the columns before keep their places for sheets made earlier).
    _("reason"),
)  # fmt: skip


class _Echo:
    """A file whose write() returns the line, for streaming csv.writer output."""

    def write(self, line):
        return line


def _cell(value) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _iso(value: datetime | None, lot) -> str:
    return "" if value is None else timezone.localtime(value, lot.zone).isoformat()


@admin.register(Payment)
class PaymentAdmin(PlateSearch, ReadOnlyScopedAdmin):
    """Payments are financial records: nobody changes or deletes them here."""

    scope = staticmethod(payments_for)
    list_display = [
        "created",
        "plate",
        "lot",
        "amount_display",
        "provider",
        "status",
        "paid",
        "receipt_number",
        "e_invoice",
    ]
    list_select_related = ["lot", "recorded_by"]
    list_filter = ["status", "provider", LotFilter]
    search_fields = ["plate", "receipt_number", "provider_reference"]
    search_help_text = _("Search by plate, receipt number or the platform's reference.")
    ordering = ["-created_at", "-id"]
    change_list_template = "admin_portal/payment_change_list.html"
    # A day's, a month's takings: by the day money was taken (TIME_ZONE's days).
    date_hierarchy = "paid_at"
    fields = [
        "lot",
        "session",
        "plate",
        "amount_display",
        "provider",
        "provider_reference",
        "status",
        "failure",
        "created",
        "paid",
        "billed_period",
        "receipt_number",
        "e_invoice",
        "recorded_by_name",
    ]
    readonly_fields = fields

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, payment):
        return lot_time(payment.created_at, payment.lot, DATE_TIME_SECONDS)

    @admin.display(description=_("paid at"), ordering="paid_at")
    def paid(self, payment):
        return lot_time(payment.paid_at, payment.lot, DATE_TIME_SECONDS)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, payment):
        return money(payment.amount, payment.currency)

    @admin.display(description=_("billed period"))
    def billed_period(self, payment):
        lot = payment.lot
        return f"{lot_time(payment.billing_from, lot)} – {lot_time(payment.billing_until, lot)}"

    @admin.display(description=_("failure reason"))
    def failure(self, payment):
        # Stored in the source language, read in the owner's.
        return translate_stored(payment.failure_reason) or EMPTY

    @admin.display(description=_("recorded by"))
    def recorded_by_name(self, payment):
        # A name, not a link: owners have no access to user accounts.
        return payment.recorded_by.get_username() if payment.recorded_by else EMPTY

    @admin.display(description=_("e-invoice"))
    def e_invoice(self, payment):
        if not payment.invoice_kind:
            return EMPTY
        return f"{payment.get_invoice_kind_display()}: {payment.invoice_value}"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["taken"] = self.money_taken(changelist.queryset)
        return response

    @staticmethod
    def money_taken(payments) -> list[str]:
        """What the rows listed (every page) took, per currency: "NT$1,230 in 12 payments"."""
        sums = (
            payments.filter(status=PaymentStatus.SUCCEEDED)
            .order_by("currency")
            .values("currency")
            .annotate(total=Sum("amount"), count=Count("pk"))
        )
        return [
            ngettext(
                "%(amount)s in %(count)s payment", "%(amount)s in %(count)s payments", row["count"]
            )
            % {"amount": format_money(row["total"], row["currency"]), "count": row["count"]}
            for row in sums
        ]

    # --- CSV export of what the list shows (its filters and search), every page

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export.csv", export, name="payments_payment_export"), *super().get_urls()]

    def export_csv(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(gettext("Unknown filter."))
        payments = changelist.get_queryset(request).select_related("lot", "recorded_by")
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in self._csv_rows(payments))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        filename = f"payments-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _csv_rows(self, payments):
        header = [str(label) for label in CSV_HEADER]
        # A byte order mark first: spreadsheet programs then read the file as UTF-8.
        yield ["\ufeff" + header[0], *header[1:]]
        for payment in payments.iterator(chunk_size=500):
            lot = payment.lot
            yield [
                str(payment.pk),
                _cell(lot.name),
                _cell(payment.plate),
                str(to_major(payment.amount, payment.currency)),
                payment.currency,
                payment.status,
                _cell(payment.provider),
                _cell(payment.provider_reference),
                _iso(payment.created_at, lot),
                _iso(payment.paid_at, lot),
                _cell(payment.receipt_number),
                payment.invoice_kind,
                _cell(payment.invoice_value),
                _cell(payment.recorded_by.get_username() if payment.recorded_by else ""),
                _iso(payment.billing_from, lot),
                _iso(payment.billing_until, lot),
                _cell(translate_stored(payment.failure_reason)),
            ]
