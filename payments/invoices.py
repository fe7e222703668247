"""Taiwan e-invoice (電子發票) options a driver may give at the kiosk, and their validation.

The kiosk stores the validated carrier, donation code or buyer's tax ID on the
payment; issuing the invoice to the Ministry of Finance platform is the job of
an invoicing integration reading those fields.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import InvoiceKind

# 手機條碼: "/" then 7 of 0-9, A-Z, ".", "+", "-".
_MOBILE_BARCODE = re.compile(r"/[0-9A-Z.+\-]{7}")
# 自然人憑證: 2 capital letters then 14 digits.
_CITIZEN_CERTIFICATE = re.compile(r"[A-Z]{2}[0-9]{14}")
# 捐贈碼 (愛心碼): 3 to 7 digits.
_DONATION_CODE = re.compile(r"[0-9]{3,7}")
# 統一編號: 8 digits with the Ministry of Finance checksum.
_TAX_ID = re.compile(r"[0-9]{8}")
_TAX_ID_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


class InvalidInvoice(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Invoice:
    kind: str  # an InvoiceKind value; "" for a plain receipt
    value: str = ""


NO_INVOICE = Invoice(InvoiceKind.NONE)


def tax_id_checksum_ok(tax_id: str) -> bool:
    """The Ministry of Finance checksum of a company's unified business number (統一編號).

    Each digit is multiplied by its weight (1,2,1,2,1,2,4,1) and the digits of
    each product are added up. The total must be divisible by 5 (since 2023;
    the older rule "by 10" is a subset). When the 7th digit is 7, its product
    28 counts as 10, i.e. as 1 or as 0, so total + 1 divisible by 5 also passes.
    """
    if not _TAX_ID.fullmatch(tax_id):
        return False
    total = 0
    for digit, weight in zip(tax_id, _TAX_ID_WEIGHTS, strict=True):
        product = int(digit) * weight
        total += product // 10 + product % 10
    if total % 5 == 0:
        return True
    return tax_id[6] == "7" and (total + 1) % 5 == 0


# Each option: its format, and what to tell a driver whose value does not fit it.
_FORMATS = {
    InvoiceKind.MOBILE_BARCODE: (
        _MOBILE_BARCODE,
        _("A mobile barcode is / followed by 7 characters: digits, A-Z, '.', '+' or '-'."),
    ),
    InvoiceKind.CITIZEN_CERTIFICATE: (
        _CITIZEN_CERTIFICATE,
        _("A citizen digital certificate carrier is 2 capital letters and 14 digits."),
    ),
    InvoiceKind.DONATION: (_DONATION_CODE, _("A donation code is 3 to 7 digits.")),
    InvoiceKind.COMPANY: (_TAX_ID, _("A company tax ID is 8 digits.")),
}


def validate_invoice(kind: str | None, value: str | None) -> Invoice:
    """The e-invoice option as typed, cleaned and checked; InvalidInvoice says what is wrong."""
    kind = kind or InvoiceKind.NONE
    if kind == InvoiceKind.NONE:
        return NO_INVOICE
    if kind not in _FORMATS:
        raise InvalidInvoice(_("Unknown e-invoice option."))
    # Drivers type on phones: spaces dropped, letters capitalised, and full-width
    # characters (a zhuyin keyboard's "／ＡＢＣ１２３４") read as the ASCII they stand for.
    value = "".join(unicodedata.normalize("NFKC", value or "").split()).upper()
    pattern, message = _FORMATS[kind]
    if not pattern.fullmatch(value):
        raise InvalidInvoice(message)
    if kind == InvoiceKind.COMPANY and not tax_id_checksum_ok(value):
        raise InvalidInvoice(_("This company tax ID is not valid: please check the digits."))
    return Invoice(kind, value)
