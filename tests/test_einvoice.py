"""Taiwan e-invoice options: carriers, donation codes, tax IDs (Ministry of Finance rules)."""

import pytest

from payments.invoices import InvalidInvoice, tax_id_checksum_ok, validate_invoice


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("mobile_barcode", "/ABC+123", "/ABC+123"),
        ("mobile_barcode", " /abc.-12 ", "/ABC.-12"),
        ("citizen_certificate", "AB12345678901234", "AB12345678901234"),
        ("donation", "919", "919"),
        ("donation", "1234567", "1234567"),
        ("company", "22099131", "22099131"),
        ("company", "04595257", "04595257"),
        ("company", "10000073", "10000073"),  # valid only by the 7th-digit-7 rule
        # Full width, as a zhuyin keyboard types: what the characters stand for.
        ("company", "２２０９９１３１", "22099131"),
        ("mobile_barcode", "／ＡＢＣ＋１２３", "/ABC+123"),
        ("mobile_barcode", "/ａｂｃ．－１２", "/ABC.-12"),
        ("citizen_certificate", "ＡＢ　1234　5678　9012　34", "AB12345678901234"),
        ("donation", "９１９", "919"),
    ],
)
def test_valid_options_are_cleaned_and_kept(kind, typed, stored):
    invoice = validate_invoice(kind, typed)

    assert (invoice.kind, invoice.value) == (kind, stored)


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("mobile_barcode", "ABC+1234"),  # no slash
        ("mobile_barcode", "/ABC+12"),  # 6 after the slash
        ("mobile_barcode", "/ABC_123"),  # "_" is not allowed
        ("citizen_certificate", "A123456789012345"),
        ("citizen_certificate", "AB1234567890123"),
        ("donation", "12"),
        ("donation", "12345678"),
        ("donation", "12a"),
        ("company", "1234567"),
        ("company", "12345678"),  # checksum
        ("company", "10000075"),  # 7th digit 7, and still wrong
        ("company", "2209913A"),
        ("company", "٢٢٠٩٩١٣١"),  # digits, but not the ones the Ministry's system reads
        ("receipt_lottery", "123"),
    ],
)
def test_invalid_options_are_refused_with_a_reason(kind, typed):
    with pytest.raises(InvalidInvoice) as refused:
        validate_invoice(kind, typed)

    assert str(refused.value.message)


def test_no_option_is_a_plain_receipt():
    assert validate_invoice("", "whatever").kind == ""
    assert validate_invoice(None, None).value == ""


@pytest.mark.parametrize(
    ("tax_id", "valid"),
    [
        ("22099131", True),  # sum 30
        ("53212539", True),
        ("10458570", True),  # sum 25: divisible by 5 (the 2023 rule), not by 10
        ("10458574", True),  # 7th digit 7: sum 29, 29 + 1 divisible by 5
        ("10458575", True),
        ("10458576", False),
        ("12345678", False),
    ],
)
def test_the_ministry_of_finance_checksum(tax_id, valid):
    assert tax_id_checksum_ok(tax_id) is valid
