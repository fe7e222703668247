"""The whole driver journey in a real browser (Playwright driving Debian's Chromium).

`make screenshots` runs these with SCREENSHOTS=1: each kiosk step is saved
under docs/screenshots/ and shown in the README.
"""

import io
import re
from datetime import timedelta

import pytest
import requests
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from parking.models import Direction
from parking.photos import draw_vehicle_photo
from payments.models import Payment

from .browser import TIMEOUT_MS, screenshot
from .conftest import TAIPEI, make_gate, make_lot
from .fake_stripe import sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLOURS = {"ABC-1234": (30, 90, 170), "ABC-1284": (200, 40, 40), "XBC-1294": (235, 235, 235)}


def photo(plate: str) -> bytes:
    buffer = io.BytesIO()
    draw_vehicle_photo(plate, colour=COLOURS.get(plate, (150, 150, 160))).save(buffer, "JPEG")
    return buffer.getvalue()


def enter(base_url, gate, plate_as_read, real_plate, *, minutes_ago):
    """The entry camera reads `plate_as_read` off a car whose plate is `real_plate`."""
    with time_machine.travel(timezone.now() - timedelta(minutes=minutes_ago), tick=True):
        response = requests.post(
            f"{base_url}/api/gates/entry",
            data={"plate": plate_as_read},
            files={"photo": ("car.jpg", photo(real_plate), "image/jpeg")},
            headers={"Authorization": f"Bearer {gate.token}"},
            timeout=30,
        )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def lot_with_cars(afternoon_in_taipei, live_server, owner):
    lot = make_lot(owner, name="Riverside 河濱停車場", address="1 River Rd, Taipei")
    entry = make_gate(lot, Direction.ENTRY)
    # The camera misread B as 8: the driver will type the real plate.
    enter(live_server.url, entry, "A8C-1234", "ABC-1234", minutes_ago=50)
    enter(live_server.url, entry, "ABC-1284", "ABC-1284", minutes_ago=95)
    enter(live_server.url, entry, "XBC-1294", "XBC-1294", minutes_ago=20)
    return lot


def vacancy(base_url, lot) -> int:
    return requests.get(f"{base_url}/api/lots/{lot.pk}/vacancy", timeout=30).json()["available"]


def test_a_driver_finds_the_car_pays_in_the_sandbox_and_drives_out(
    live_server, page, lot_with_cars
):
    lot = lot_with_cars
    exit_gate = make_gate(lot, Direction.EXIT)

    page.goto(f"{live_server.url}/kiosk/{lot.pk}/")
    page.get_by_text("free up to 10 min, NT$15 per 30 min").wait_for()
    screenshot(page, "kiosk-1-start")

    page.get_by_label("Your licence plate").fill("abc-1234")
    page.get_by_role("button", name="Find my car").click()
    page.get_by_text("Tap your car").wait_for()
    cards = page.locator(".vehicle-card .vehicle-plate")
    assert cards.all_inner_texts()[0] == "A8C1234"  # the misread, found first
    screenshot(page, "kiosk-2-pick-your-car")

    page.locator(".vehicle-card", has_text="A8C1234").click()
    page.get_by_text("Amount due").wait_for()
    assert page.locator(".amount-due strong").inner_text() == "NT$30"
    assert "2 × 30 min at NT$15" in page.locator(".breakdown").inner_text()
    screenshot(page, "kiosk-3-quote")

    page.get_by_label("E-invoice option").select_option("mobile_barcode")
    page.get_by_label("Carrier, donation code or tax ID").fill("/abc+123")
    page.get_by_role("button", name="Pay NT$30").click()

    page.get_by_text("Sandbox payment").wait_for()
    screenshot(page, "kiosk-4-sandbox-checkout")
    page.get_by_role("button", name="Pay", exact=True).click()

    page.get_by_text("Paid, thank you").wait_for()
    payment = Payment.objects.get()
    until = timezone.localtime(payment.exit_allowed_until, TAIPEI)
    assert page.locator(".exit-until").inner_text() == f"Exit allowed until {until:%H:%M}"
    assert payment.receipt_number in page.locator(".receipt").inner_text()
    assert (payment.invoice_kind, payment.invoice_value) == ("mobile_barcode", "/ABC+123")
    screenshot(page, "kiosk-5-paid")

    available = vacancy(live_server.url, lot)
    response = requests.post(
        f"{live_server.url}/api/gates/exit",
        json={"plate": "A8C-1234"},
        headers={"Authorization": f"Bearer {exit_gate.token}"},
        timeout=30,
    )
    assert (response.status_code, response.json()["code"]) == (200, "exit_granted")
    assert vacancy(live_server.url, lot) == available + 1


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def test_an_invalid_e_invoice_is_explained_on_a_phone(live_server, phone, lot_with_cars):
    lot = lot_with_cars
    phone.goto(f"{live_server.url}/kiosk/{lot.pk}/")
    plate_box = phone.get_by_label("Your licence plate")
    card = phone.locator("form.plate-search")
    assert right_edge(plate_box) <= right_edge(card)  # the box stays inside its card
    plate_box.fill("XBC1294")
    phone.get_by_role("button", name="Find my car").click()
    phone.locator(".vehicle-card").first.click()
    phone.get_by_text("Amount due").wait_for()

    phone.get_by_label("E-invoice option").select_option("company")
    phone.get_by_label("Carrier, donation code or tax ID").fill("12345678")
    phone.get_by_role("button", name=re.compile(r"^Pay NT\$")).click()

    phone.get_by_text("This company tax ID is not valid").wait_for()
    # Below the fold on a phone: the page shows it, and the field to put it right.
    expect(phone.get_by_text("This company tax ID is not valid")).to_be_in_viewport()
    expect(phone.get_by_label("Carrier, donation code or tax ID")).to_be_focused()
    screenshot(phone, "kiosk-phone-invalid-invoice")
    assert not Payment.objects.exists()


def test_too_short_a_search_puts_the_driver_back_in_the_plate_field(
    live_server, phone, lot_with_cars
):
    phone.goto(f"{live_server.url}/kiosk/{lot_with_cars.pk}/")
    phone.get_by_label("Your licence plate").fill("AB")
    phone.get_by_role("button", name="Find my car").click()

    phone.get_by_text("Type at least 4 letters or digits of the plate.").wait_for()
    expect(phone.get_by_label("Your licence plate")).to_be_focused()


def test_a_keyboard_reaches_every_e_invoice_option_and_the_logo_stays_at_the_kiosk(
    live_server, page, lot_with_cars
):
    lot = lot_with_cars
    page.goto(f"{live_server.url}/kiosk/{lot.pk}/")
    page.get_by_label("Your licence plate").fill("XBC1294")
    page.get_by_role("button", name="Find my car").click()
    page.locator(".vehicle-card").first.click()
    options = page.get_by_label("E-invoice option")

    options.focus()
    for _option in range(4):
        options.press("ArrowDown")

    expect(options).to_be_focused()  # not moved to the value field at the first option
    expect(options).to_have_value("company")
    page.get_by_role("link", name="OpenLot").click()
    page.get_by_label("Your licence plate").wait_for()
    assert page.url == f"{live_server.url}/kiosk/{lot.pk}/"  # this lot's start, not the map


def test_confirming_payment_settles_by_itself(live_server, phone, lot_with_cars, fake_stripe):
    lot = lot_with_cars
    session_id = requests.get(
        f"{live_server.url}/api/kiosk/{lot.pk}/search", params={"plate": "ABC1284"}, timeout=30
    ).json()[0]["session_id"]
    created = requests.post(
        f"{live_server.url}/api/payments",
        json={"session_id": session_id, "provider": "stripe"},
        timeout=30,
    ).json()
    reference = Payment.objects.get(pk=created["payment_id"]).provider_reference
    # The driver paid by a method Stripe is still processing, and is back first.
    fake_stripe.process(reference)
    phone.goto(f"{live_server.url}/kiosk/payments/{created['payment_id']}/")
    phone.get_by_text("Confirming payment").wait_for()
    screenshot(phone, "kiosk-phone-confirming")

    fake_stripe.pay(reference)
    payload = fake_stripe.event("checkout.session.async_payment_succeeded", reference)
    delivered = requests.post(
        f"{live_server.url}/payments/webhooks/stripe/",
        data=payload,
        headers={"Stripe-Signature": sign(payload), "Content-Type": "application/json"},
        timeout=30,
    )
    assert delivered.json()["outcomes"] == ["confirmed"]

    phone.get_by_text("Paid, thank you").wait_for()  # the page polled and settled
    assert phone.get_by_text("Exit allowed until").is_visible()
    screenshot(phone, "kiosk-phone-paid")


def test_an_idle_kiosk_starts_over_in_place_of_the_drivers_page(live_server, page, lot_with_cars):
    lot = lot_with_cars
    page.clock.install()
    page.goto(f"{live_server.url}/kiosk/{lot.pk}/")
    page.get_by_label("Your licence plate").fill("XBC1294")
    page.get_by_role("button", name="Find my car").click()
    page.locator(".vehicle-card").first.click()
    page.get_by_text("Amount due").wait_for()
    pages_before = page.evaluate("history.length")

    page.clock.run_for(119_000)
    assert "/vehicles/" in page.url  # two minutes without a touch, not yet
    page.clock.run_for(2_000)
    page.wait_for_url(f"{live_server.url}/kiosk/{lot.pk}/")

    assert page.get_by_text("XBC1294").count() == 0
    # The driver's page was replaced, not stacked under the start: Back does not bring it.
    assert page.evaluate("history.length") == pages_before


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS colours as the browser computes them ("rgb(r, g, b)")."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_keyboard_focus_stands_out_on_the_kiosk_page(live_server, page, lot_with_cars):
    page.goto(f"{live_server.url}/kiosk/{lot_with_cars.pk}/")
    plate_box = page.get_by_label("Your licence plate")
    plate_box.focus()
    page.keyboard.press("Tab")  # to the button, by keyboard: :focus-visible
    button = page.get_by_role("button", name="Find my car")
    expect(button).to_be_focused()

    ring = button.evaluate("element => getComputedStyle(element).outlineColor")
    card = page.locator("form.plate-search").evaluate(
        "element => getComputedStyle(element).backgroundColor"
    )

    assert contrast(ring, card) >= 3  # WCAG 2.2: a focus indicator at 3:1


@pytest.fixture
def portrait_terminal(browser):
    """A 1080x1920 portrait touch screen with Chromium at the scale docs/payments.md gives
    (--force-device-scale-factor=1.5): pages lay out at 720x1280."""
    context = browser.new_context(
        viewport={"width": 720, "height": 1280}, device_scale_factor=1.5, has_touch=True,
        locale="zh-TW",
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def test_a_portrait_kiosk_terminal_shows_big_targets_and_no_sideways_scroll(
    live_server, portrait_terminal, lot_with_cars
):
    terminal = portrait_terminal
    terminal.goto(f"{live_server.url}/kiosk/{lot_with_cars.pk}/")
    terminal.get_by_label("您的車牌號碼").fill("ABC1234")
    terminal.get_by_role("button", name="尋找我的車").click()
    cars = terminal.locator(".vehicle-card")
    expect(cars).to_have_count(2)
    assert_fits_and_targets_are_big(terminal, ".vehicle-card, button")

    cars.first.click()
    pay = terminal.get_by_role("button", name=re.compile(r"^繳費 NT\$"))
    expect(pay).to_be_in_viewport()  # seen at once, no scrolling to find it
    assert_fits_and_targets_are_big(terminal, "button, .provider-choice, select, a.button")


def assert_fits_and_targets_are_big(page, targets: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    heights = page.locator(targets).evaluate_all(
        "elements => elements.map(e => e.getBoundingClientRect().height)"
    )
    # 44 CSS px at 1.5 is 66 screen pixels: about 16 mm on a 21.5-inch 1080x1920 screen.
    assert heights and min(heights) >= 44, heights
