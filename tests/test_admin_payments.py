"""Payments of the owner's lots: read only, with a CSV export of what the list shows."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from payments.models import Payment

from .conftest import login

PAYMENTS = "/admin/payments/payment/"
EXPORT = "/admin/payments/payment/export.csv"


def make_payment(lot, clock, **fields):
    now = clock.now()
    values = {
        "lot": lot,
        "plate": "ABC1234",
        "billing_from": now - timedelta(hours=1),
        "billing_until": now,
        "amount": 3000,
        "currency": lot.currency,
        "provider": "sandbox",
        "provider_reference": "sbx_1",
        "status": "succeeded",
        "created_at": now,
        "paid_at": now,
        "receipt_number": "20260302-AAAAAAAAAA",
        "invoice_kind": "mobile_barcode",
        "invoice_value": "/ABC+123",
    }
    return Payment.objects.create(**(values | fields))


def exported(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def owner_client(client, owner):
    return login(client, owner)


@pytest.fixture
def payment(lot, clock):
    return make_payment(lot, clock)


@pytest.fixture
def bobs_payment(other_lot, clock):
    return make_payment(
        other_lot, clock, plate="BOB0001", provider_reference="sbx_2", receipt_number="R-BOB"
    )


def test_the_owner_sees_the_payments_of_their_lots(owner_client, payment, bobs_payment):
    response = owner_client.get(PAYMENTS)

    assert list(response.context["cl"].result_list) == [payment]
    html = response.content.decode()
    for shown in ("ABC1234", "NT$30", "2026-03-02 09:00:00", "20260302-AAAAAAAAAA"):
        assert shown in html
    assert '<td class="field-provider">Sandbox</td>' in html  # the platform named, not its id
    assert "mobile barcode carrier: /ABC+123" in html
    assert "BOB0001" not in html


def test_the_list_says_the_money_its_payments_took_on_a_day(
    owner_client, payment, bobs_payment, lot, clock
):
    # The day's takings at a glance: succeeded payments only, this owner's only.
    make_payment(lot, clock, amount=4500, provider="manual", receipt_number="R-2")
    make_payment(lot, clock, status="failed", paid_at=None, receipt_number="", amount=9900,
                 provider_reference="sbx_3")  # fmt: skip
    clock.advance(days=1)
    make_payment(lot, clock, amount=1500, receipt_number="R-3", provider_reference="sbx_4")

    every_day = owner_client.get(PAYMENTS).content.decode()
    first_day = owner_client.get(
        PAYMENTS, {"paid_at__year": 2026, "paid_at__month": 3, "paid_at__day": 2}
    ).content.decode()
    in_cash = owner_client.get(PAYMENTS, {"provider__exact": "manual"}).content.decode()

    assert "Money taken: <strong>NT$90 in 3 payments</strong>" in " ".join(every_day.split())
    assert "Money taken: <strong>NT$75 in 2 payments</strong>" in " ".join(first_day.split())
    assert "Money taken: <strong>NT$45 in 1 payment</strong>" in " ".join(in_cash.split())


def test_payments_are_read_only_for_everyone(owner_client, client, superuser, payment):
    url = reverse("admin:payments_payment_change", args=[payment.pk])
    page = owner_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()

    for user_client in (owner_client, login(client, superuser)):
        assert user_client.post(url, {"amount": "1"}).status_code == 403
        assert user_client.get(f"{PAYMENTS}add/").status_code == 403
        delete = reverse("admin:payments_payment_delete", args=[payment.pk])
        assert user_client.post(delete, {"post": "yes"}).status_code == 403
    payment.refresh_from_db()
    assert payment.amount == 3000


def test_the_csv_export_has_every_payment_the_list_shows(owner_client, payment, lot, clock):
    clock.advance(minutes=1)
    make_payment(
        lot,
        clock,
        plate="XYZ9876",
        status="failed",
        paid_at=None,
        provider_reference="sbx_3",
        receipt_number="",
        invoice_kind="",
        invoice_value="",
        failure_reason="The sandbox declined the payment.",
    )

    response = owner_client.get(EXPORT)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="payments-20260302.csv"'
    rows = exported(response)
    assert [row["plate"] for row in rows] == ["XYZ9876", "ABC1234"]  # newest first
    row = rows[1]
    assert row["payment id"] == str(payment.pk)
    assert (row["lot"], row["amount"], row["currency"], row["status"]) == (
        "Riverside", "30.00", "TWD", "succeeded",
    )  # fmt: skip
    assert (row["payment platform"], row["platform reference"]) == ("sandbox", "sbx_1")
    assert row["paid at"] == "2026-03-02T09:00:00+08:00"
    assert row["billed from"] == "2026-03-02T08:00:00+08:00"
    assert (row["receipt number"], row["e-invoice"]) == ("20260302-AAAAAAAAAA", "mobile_barcode")
    assert row["e-invoice carrier / code"] == "/ABC+123"
    # Why a row is not money taken, last (columns before keep their places).
    assert list(rows[0])[-1] == "reason"
    assert (rows[0]["reason"], row["reason"]) == ("The sandbox declined the payment.", "")

    only_succeeded = exported(owner_client.get(EXPORT, {"status__exact": "succeeded"}))
    assert [row["plate"] for row in only_succeeded] == ["ABC1234"]
    searched = exported(owner_client.get(EXPORT, {"q": "XYZ"}))
    assert [row["plate"] for row in searched] == ["XYZ9876"]
    # A plate as owners type it, dash and all; and a receipt number as printed.
    assert [row["plate"] for row in exported(owner_client.get(EXPORT, {"q": "xyz-9876"}))] == [
        "XYZ9876"
    ]
    by_receipt = exported(owner_client.get(EXPORT, {"q": "20260302-AAAAAAAAAA"}))
    assert [row["plate"] for row in by_receipt] == ["ABC1234"]


@pytest.mark.parametrize("typed", ["\u0410 123 \u0412\u0421", "a123bc"])
def test_a_payment_stored_with_a_cyrillic_plate_is_found_as_typed_or_in_latin(
    owner_client, lot, clock, typed
):
    # Payments keep the plate they were made for: before 1 December 2026 a Cyrillic
    # read was stored as read (А123ВС); a search is read in Latin now (A123BC).
    cyrillic = make_payment(lot, clock, plate="\u0410123\u0412\u0421", provider_reference="c")
    latin = make_payment(lot, clock, plate="A123BC", provider_reference="l", receipt_number="L")

    searched = exported(owner_client.get(EXPORT, {"q": typed}))

    found = sorted(row["plate"] for row in searched)
    wanted = {"a123bc": [latin.plate]}.get(typed, sorted([cyrillic.plate, latin.plate]))
    assert found == wanted


def test_the_csv_export_leaves_out_other_owners_payments(owner_client, payment, bobs_payment):
    assert [row["plate"] for row in exported(owner_client.get(EXPORT))] == ["ABC1234"]
    other_lot_only = owner_client.get(EXPORT, {"lot": bobs_payment.lot_id})
    assert other_lot_only.status_code == 404


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(owner_client, lot, clock):
    lot.name = "=HYPERLINK(1)"
    lot.save()
    make_payment(lot, clock, provider_reference="@sum(1)")

    row = exported(owner_client.get(EXPORT))[0]

    assert (row["lot"], row["platform reference"]) == ("'=HYPERLINK(1)", "'@sum(1)")


def test_the_list_offers_the_export_with_its_filters(owner_client, payment):
    html = owner_client.get(PAYMENTS, {"status__exact": "succeeded"}).content.decode()

    assert f'href="{EXPORT}?status__exact=succeeded"' in html


@pytest.mark.parametrize("page", ["change", "history"])
def test_another_owners_payment_is_not_found(owner_client, bobs_payment, page):
    url = reverse(f"admin:payments_payment_{page}", args=[bobs_payment.pk])

    assert owner_client.get(url).status_code == 404


def test_a_manual_payment_shows_who_recorded_it(owner_client, owner, payment):
    Payment.objects.filter(pk=payment.pk).update(provider="manual", recorded_by=owner)

    page = owner_client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    listed = owner_client.get(PAYMENTS, {"provider__exact": "manual"})

    assert "alice" in page.content.decode()
    assert "Cash (recorded in the admin)" in page.content.decode()
    assert list(listed.context["cl"].result_list) == [Payment.objects.get(pk=payment.pk)]
    assert "Cash (recorded in the admin)" in listed.content.decode()  # the filter's choice too


def test_outsiders_get_no_export(client, outsider, payment):
    response = login(client, outsider).get(EXPORT)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
