"""Kiosk forms: validation at the edge; the views pass clean values to the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config import numbers
from parking.plates import SEARCH_MIN_LENGTH, InvalidPlate, normalise_search

from .invoices import InvalidInvoice, validate_invoice
from .models import InvoiceKind


class PlateSearchForm(forms.Form):
    min_length = SEARCH_MIN_LENGTH  # letters or digits, as the hint says
    plate = forms.CharField(
        label=_("Your licence plate"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "placeholder": _("e.g. ABC-1234"),
                "class": "plate-input",
            }
        ),
    )

    def clean_plate(self) -> str:
        try:
            return normalise_search(self.cleaned_data["plate"])
        except InvalidPlate as exc:
            raise forms.ValidationError(exc.message) from exc


INVOICE_HINTS = {
    InvoiceKind.MOBILE_BARCODE: _("/ followed by 7 characters, e.g. /ABC+123"),
    InvoiceKind.CITIZEN_CERTIFICATE: _("2 capital letters and 14 digits, e.g. AB12345678901234"),
    InvoiceKind.DONATION: _("3 to 7 digits, e.g. 919"),
    InvoiceKind.COMPANY: _("8 digits, e.g. 22099131"),
}


class PaymentForm(forms.Form):
    provider = forms.ChoiceField(label=_("Pay with"))
    invoice_kind = forms.ChoiceField(
        label=_("E-invoice (optional)"),
        choices=[
            (InvoiceKind.NONE, _("No e-invoice, just a receipt")),
            (InvoiceKind.MOBILE_BARCODE, _("Mobile barcode carrier")),
            (InvoiceKind.CITIZEN_CERTIFICATE, _("Citizen digital certificate carrier")),
            (InvoiceKind.DONATION, _("Donate the invoice (donation code)")),
            (InvoiceKind.COMPANY, _("Company tax ID (for a business invoice)")),
        ],
        required=False,
    )
    invoice_value = forms.CharField(
        label=_("Carrier, donation code or tax ID"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    # The amount on the Pay button: paying charges it, or says what is due instead.
    quoted_amount = numbers.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = providers
        self.fields["provider"].choices = [(provider.id, provider.name) for provider in providers]
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].id

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["invoice"] = validate_invoice(
                cleaned.get("invoice_kind"), cleaned.get("invoice_value")
            )
        except InvalidInvoice as exc:
            self.add_error("invoice_value", exc.message)
        return cleaned
