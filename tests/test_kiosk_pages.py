"""The exit kiosk's pages, as a driver sees them (server-rendered HTML)."""

import re

import pytest
from django.utils import timezone

from parking.models import ParkingSession
from payments.models import Payment
from payments.services import record_manual_payment

from .conftest import start_payment


def kiosk(lot):
    return f"/kiosk/{lot.pk}/"


def vehicle_page(session):
    return f"/kiosk/{session.lot_id}/vehicles/{session.pk}/"


def text(response) -> str:
    return response.content.decode()


def test_the_kiosk_shows_the_lot_its_tariff_and_a_plate_field(client, lot):
    page = text(client.get(kiosk(lot)))

    assert "Riverside" in page
    assert "free up to 10 min, NT$15 per 30 min" in page
    assert 'name="plate"' in page
    assert "Type at least 4 letters or digits. Dashes and spaces do not matter." in page
    assert "csrfmiddlewaretoken" in page


def test_a_search_shows_the_matching_cars_as_photos_to_pick(client, parked, lot):
    page = text(client.post(kiosk(lot), {"plate": "a8c 1234"}))

    assert "Tap your car" in page
    assert 'src="https://cams.example/abc.jpg"' in page
    assert "ABC1234" in page
    assert "Parked since 09:00" in page
    assert f'href="{vehicle_page(parked)}?plate=a8c+1234"' in page


def test_changing_language_after_a_search_keeps_the_cars_found(client, parked, lot):
    page = text(client.post(kiosk(lot), {"plate": "a8c 1234"}))
    back_to = re.search(r'name="next" value="([^"]+)"', page)[1].replace("&amp;", "&")

    switched = client.post("/i18n/setlang/", {"language": "zh-hant", "next": back_to}, follow=True)

    assert back_to == f"{kiosk(lot)}?plate=a8c+1234"
    assert "請點選您的車" in text(switched)
    assert f'href="{vehicle_page(parked)}?plate=a8c+1234"' in text(switched)
    assert 'value="a8c 1234"' in text(switched)  # the plate as typed, still in the field


def test_not_my_car_goes_back_to_the_cars_found_not_an_empty_search(client, parked, lot):
    found = text(client.post(kiosk(lot), {"plate": "abc 1234"}))
    car = re.search(r'class="vehicle-card" href="([^"]+)"', found)[1].replace("&amp;", "&")

    quote = text(client.get(car))
    back = re.search(r'href="([^"]+)">Not my car<', quote)[1].replace("&amp;", "&")

    assert back == f"{kiosk(lot)}?plate=abc+1234"
    again = text(client.get(back))
    assert "Tap your car" in again and f'href="{vehicle_page(parked)}?' in again
    assert 'value="abc 1234"' in again  # as typed, in the field
    assert ">Done<" not in quote  # NT$30 due: paying is the way on


def test_a_car_with_nothing_due_can_be_done_with(client, gates, entry_gate, lot, clock):
    entered = gates.enter(entry_gate, "FREE-001")  # now: inside its free minutes
    inside = ParkingSession.objects.get(pk=entered.json()["session_id"])

    quote = text(client.get(vehicle_page(inside)))

    assert f'<a class="button" href="{kiosk(lot)}">Done</a>' in quote
    assert f'href="{kiosk(lot)}">Not my car<' in quote  # no search came along


def test_a_search_through_the_address_counts_toward_the_limit(client, parked, lot, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["1/60"]
    client.get(kiosk(lot), {"plate": "ABC1234"})

    response = client.get(kiosk(lot), {"plate": "ABC1234"})

    assert response.status_code == 429
    assert "Tap your car" not in text(response)


def test_a_head_request_searches_nothing(client, parked, lot, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["1/60"]
    client.head(kiosk(lot), {"plate": "ABC1234"})  # a link checker, a monitor

    assert "Tap your car" in text(client.get(kiosk(lot), {"plate": "ABC1234"}))


def test_no_match_says_so_and_offers_the_field_again(client, parked, lot):
    page = text(client.post(kiosk(lot), {"plate": "XYZ987"}))

    assert "No parked car here matches XYZ987" in page
    assert 'name="plate"' in page
    assert "ABC1234" not in page


@pytest.mark.parametrize("typed", ["ABC", "AB", "a", "a-"])
def test_too_short_a_plate_is_explained(client, parked, lot, typed):
    # One character is too short for a search, not "a plate has 2 to 10 characters".
    response = client.post(kiosk(lot), {"plate": typed})

    assert "Type at least 4 letters or digits of the plate." in text(response)
    assert "2 to 10" not in text(response)
    assert "ABC1234" not in text(response)


def test_too_many_searches_are_refused_politely(client, parked, lot, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    client.post(kiosk(lot), {"plate": "ABC1234"})
    client.post(kiosk(lot), {"plate": "ABC1234"})

    response = client.post(kiosk(lot), {"plate": "ABC1234"})

    assert response.status_code == 429
    assert "Too many searches from this device" in text(response)
    assert "Tap your car" not in text(response)


def test_the_quote_shows_entry_duration_amount_and_breakdown(client, parked):
    page = text(client.get(vehicle_page(parked)))

    assert "ABC1234" in page
    assert "Mon 2 Mar, 09:00" in page
    assert "1 h 00 min" in page
    assert "NT$30" in page
    assert "2 × 30 min at NT$15" in page
    assert "Sandbox (test payments, no real money)" in page
    assert "img/providers/sandbox.svg" in page
    assert "csrfmiddlewaretoken" in page


def test_a_minute_begun_shows_beside_the_unit_it_begins(client, parked, clock):
    # A third half hour begins at 1 h 00 min 30 s: the page must not say "1 h 00 min".
    clock.advance(seconds=30)

    page = text(client.get(vehicle_page(parked)))

    assert "1 h 01 min" in page
    assert "3 × 30 min at NT$15" in page


def test_every_enabled_platform_is_offered(client, parked, fake_stripe):
    page = text(client.get(vehicle_page(parked)))

    assert re.findall(r'name="provider" value="(\w+)"', page) == ["stripe", "sandbox"]
    assert "Credit card (Stripe)" in page


def test_a_car_inside_its_free_minutes_has_nothing_to_pay(client, gates, entry_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(minutes=3)

    page = text(client.get(f"/kiosk/{entry_gate.lot_id}/vehicles/{session_id}/"))

    assert "Nothing to pay." in page
    assert "Exit allowed until 09:10" in page
    assert 'name="provider"' not in page


def test_a_paid_car_shows_until_when_it_may_leave(client, parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())

    page = text(client.get(vehicle_page(parked)))

    assert "Already paid." in page
    assert "Exit allowed until 10:15" in page


def test_paying_in_a_page_opened_before_the_car_was_paid_says_it_is_paid_once(
    client, parked, owner, clock
):
    quoted = quoted_amount(text(client.get(vehicle_page(parked))))
    record_manual_payment(parked.pk, by=owner, now=clock.now())  # meanwhile, at the booth

    response = client.post(
        vehicle_page(parked), {"provider": "sandbox", "invoice_kind": "", "quoted_amount": quoted}
    )

    page = text(response)
    assert response.status_code == 200
    assert "Already paid." in page and "Exit allowed until 10:15" in page
    assert 'role="alert"' not in page  # good news, said once, not as an error
    assert Payment.objects.count() == 1  # the cash, nothing opened


def test_paying_sends_the_driver_to_the_platform(client, parked):
    response = client.post(vehicle_page(parked), {"provider": "sandbox", "invoice_kind": ""})

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert response["Location"] == payment.redirect_url
    assert payment.amount == 3000


def quoted_amount(page: str) -> str:
    return re.search(r'name="quoted_amount" value="(\d+)"', page).group(1)


def test_a_fee_that_went_up_while_the_page_was_open_is_shown_before_anything_is_charged(
    client, parked, clock
):
    page = text(client.get(vehicle_page(parked)))
    assert "Pay NT$30" in page
    clock.advance(minutes=1)  # a third half hour starts

    response = client.post(
        vehicle_page(parked),
        {"provider": "sandbox", "invoice_kind": "", "quoted_amount": quoted_amount(page)},
    )

    assert response.status_code == 409
    page = text(response)
    assert "The amount due is now NT$45. Please check it and pay again." in page
    assert "Pay NT$45" in page
    assert not Payment.objects.exists()
    response = client.post(
        vehicle_page(parked),
        {"provider": "sandbox", "invoice_kind": "", "quoted_amount": quoted_amount(page)},
    )
    assert response.status_code == 302
    assert Payment.objects.get().amount == 4500


def test_too_many_payments_started_are_refused_politely(client, parked, settings):
    settings.KIOSK_PAYMENT_RATE_LIMITS = ["2/60"]
    quoted = quoted_amount(text(client.get(vehicle_page(parked))))
    for code in ("111", "112"):
        pay = {"provider": "sandbox", "invoice_kind": "donation", "invoice_value": code}
        assert client.post(vehicle_page(parked), pay | {"quoted_amount": quoted}).status_code == 302

    pay = {"provider": "sandbox", "invoice_kind": "donation", "invoice_value": "113"}
    response = client.post(vehicle_page(parked), pay | {"quoted_amount": quoted})

    assert response.status_code == 429
    assert "Too many payment attempts from this device. Please wait 60 seconds." in text(response)
    assert "Pay NT$30" in text(response)  # the quote, to pay once the minute is over
    assert Payment.objects.get(status="pending").invoice_value == "112"


def test_an_open_checkout_holds_its_quote_unless_the_driver_was_shown_a_newer_one(
    client, parked, clock
):
    pay = {"provider": "sandbox", "invoice_kind": "", "quoted_amount": "3000"}
    client.post(vehicle_page(parked), pay)
    first = Payment.objects.get()
    clock.advance(minutes=1)

    # Pay NT$30 again (the browser's back button): the checkout of NT$30 it opened.
    assert client.post(vehicle_page(parked), pay)["Location"] == first.redirect_url
    # The page reloaded shows NT$45: its button closes that checkout and opens one of NT$45.
    assert "Pay NT$45" in text(client.get(vehicle_page(parked)))
    client.post(vehicle_page(parked), pay | {"quoted_amount": "4500"})

    first.refresh_from_db()
    assert (first.status, first.failure_reason) == ("expired", "Replaced by a new quote.")
    assert Payment.objects.get(status="pending").amount == 4500


def test_an_old_page_pressed_later_leaves_the_checkout_being_paid_alone(client, parked, clock):
    pay = {"provider": "sandbox", "invoice_kind": ""}
    clock.advance(minutes=1)
    client.post(vehicle_page(parked), pay | {"quoted_amount": "4500"})  # paying NT$45 now
    open_checkout = Payment.objects.get()

    # An old tab (or another device) still showing NT$30 is pressed meanwhile.
    response = client.post(vehicle_page(parked), pay | {"quoted_amount": "3000"})

    assert response.status_code == 409
    assert "The amount due is now NT$45." in text(response)
    assert Payment.objects.get() == open_checkout and open_checkout.status == "pending"
    assert client.post(open_checkout.redirect_url, {"outcome": "succeed"}).status_code == 302
    assert Payment.objects.get().status == "succeeded"


@pytest.mark.parametrize("quoted", ["abc", "-1", "30_00"])  # 30_00: 3000 to Python
def test_a_pay_button_whose_amount_cannot_be_read_says_so(client, parked, quoted):
    response = client.post(
        vehicle_page(parked), {"provider": "sandbox", "invoice_kind": "", "quoted_amount": quoted}
    )

    assert response.status_code == 409
    page = text(response)
    assert "This page is out of date. Please check the amount and pay again." in page
    assert "Pay NT$30" in page
    assert not Payment.objects.exists()


def test_the_e_invoice_choice_reaches_the_payment(client, parked):
    client.post(
        vehicle_page(parked),
        {"provider": "sandbox", "invoice_kind": "donation", "invoice_value": " 919 "},
    )

    assert Payment.objects.values_list("invoice_kind", "invoice_value").get() == ("donation", "919")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("mobile_barcode", "ABC1234", "A mobile barcode is / followed by 7 characters"),
        ("citizen_certificate", "A1", "2 capital letters and 14 digits"),
        ("company", "12345678", "This company tax ID is not valid"),
        ("donation", "", "A donation code is 3 to 7 digits."),
    ],
)
def test_an_invalid_e_invoice_is_explained_on_the_form_and_nothing_is_charged(
    client, parked, kind, value, message
):
    response = client.post(
        vehicle_page(parked), {"provider": "sandbox", "invoice_kind": kind, "invoice_value": value}
    )

    assert response.status_code == 200
    assert message in text(response)
    assert not Payment.objects.exists()


def test_a_car_that_is_not_parked_here_says_so(client, parked, gates, exit_gate, owner, clock):
    url = vehicle_page(parked)
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    gates.leave(exit_gate, "ABC-1234")

    response = client.get(url)

    assert response.status_code == 404
    assert "This car is not parked here" in text(response)


def test_a_failed_payment_offers_to_try_again(client, parked):
    payment = start_payment(client, parked).json()
    client.post(payment["redirect_url"], {"outcome": "decline"})

    page = text(client.get(f"/kiosk/payments/{payment['payment_id']}/"))

    assert "Payment failed" in page
    assert f'href="{vehicle_page(parked)}?retry={payment["payment_id"]}"' in page


def test_an_unknown_lot_or_payment_is_not_found(client, db):
    assert client.get("/kiosk/999/").status_code == 404
    assert client.get("/kiosk/payments/7d4e0b1c-2a8b-4d3e-9f00-000000000000/").status_code == 404


def test_kiosk_pages_carry_no_inline_script_or_style(client, parked, lot):
    payment = start_payment(client, parked).json()
    pages = [
        client.get(kiosk(lot)),
        client.post(kiosk(lot), {"plate": "ABC1234"}),
        client.get(vehicle_page(parked)),
        client.get(payment["redirect_url"]),
        client.get(f"/kiosk/payments/{payment['payment_id']}/"),
    ]
    for response in pages:
        page = text(response)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page), response.request["PATH_INFO"]
        assert " style=" not in page and "<style" not in page


def test_the_pages_a_driver_opens_answer_head_as_get(client, parked, lot):
    # Uptime monitors and link checkers ask with HEAD; a 405 reads as "the kiosk is down".
    payment = start_payment(client, parked).json()
    for url in (kiosk(lot), vehicle_page(parked), f"/kiosk/payments/{payment['payment_id']}/"):
        got, head = client.get(url), client.head(url)

        assert (head.status_code, head["Content-Type"]) == (200, got["Content-Type"]), url
    assert client.head("/kiosk/999/").status_code == 404


@pytest.mark.parametrize(
    ("reset", "trusted", "address", "starts_over"),
    [
        ("all", ["192.168.10.0/24"], "203.0.113.5", True),  # the default: every page
        ("terminals", [], "203.0.113.5", True),  # no terminal known: any may be one
        ("terminals", ["192.168.10.0/24"], "192.168.10.21", True),  # the lot's terminal
        ("terminals", ["192.168.10.0/24"], "::ffff:192.168.10.21", True),  # seen via [::]
        ("terminals", ["192.168.10.0/24"], "203.0.113.5", False),  # a driver's own phone
    ],
)
def test_pages_start_over_when_idle_on_every_client_or_only_on_terminals(
    client, parked, owner, lot, settings, reset, trusted, address, starts_over
):
    settings.KIOSK_IDLE_RESET = reset
    settings.KIOSK_TRUSTED_ADDRESSES = trusted
    paid = record_manual_payment(parked.pk, by=owner, now=timezone.now())

    pages = [kiosk(lot), vehicle_page(parked), f"/kiosk/payments/{paid.pk}/"]

    for page in pages:
        assert ("data-idle-reset-url" in text(client.get(page, REMOTE_ADDR=address))) is (
            starts_over
        )
