"""An owner in a real browser: logs in, sees the cars and photos, takes cash, the gate opens."""

import pytest
from playwright.sync_api import expect

from parking.models import Direction
from parking.photos import draw_vehicle_photo, store_photo
from parking.services import PlateRead, admit_vehicle

from .browser import screenshot
from .conftest import make_gate, make_lot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARS = [("ABC-1234", (200, 40, 40)), ("KLM-7788", (30, 90, 170)), ("TDA-6391", (235, 235, 235))]


@pytest.fixture
def browser_cookies(settings):
    # The clock is frozen in March 2026 but the browser keeps real time: cookies
    # dated from the frozen clock would look expired to it. Session cookies have no date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None


def park_with_photo(gate, plate_as_read, colour, now):
    photo = store_photo(draw_vehicle_photo(plate_as_read, colour=colour), "JPEG", now=now)
    read = PlateRead(
        plate=plate_as_read.replace("-", ""),
        plate_as_read=plate_as_read,
        photo_url=photo.url,
        photo_thumbnail=photo.thumbnail,
    )
    return admit_vehicle(gate, read, now=now)


def test_an_owner_marks_a_car_paid_in_cash_and_the_exit_gate_opens_for_it(
    live_server, page, owner, gates, clock, browser_cookies
):
    lot = make_lot(owner)
    entry_gate, exit_gate = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
    for plate, colour in CARS:  # at 09:00, 09:10, 09:20
        park_with_photo(entry_gate, plate, colour, clock.now())
        clock.advance(minutes=10)
    clock.advance(minutes=30)  # 10:00: ABC-1234 has been in for an hour

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pass")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Parked vehicles").click()

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.vehicle-photo')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert page.locator("img.vehicle-photo").count() == 3
    abc = rows.filter(has_text="ABC1234")
    expect(abc).to_contain_text("2026-03-02 09:00")
    expect(abc).to_contain_text("NT$30")
    expect(abc).to_contain_text("Unpaid")
    assert gates.leave(exit_gate, "ABC-1234").status_code == 402

    abc.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("mark_paid_in_cash")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".confirm-items")).to_contain_text("ABC1234 · Riverside · NT$30 due now")
    page.get_by_role("button", name="Yes, the cash was paid").click()

    expect(page.locator(".messagelist")).to_contain_text("ABC1234: Recorded NT$30 paid in cash")
    expect(rows.filter(has_text="ABC1234")).to_contain_text("Paid, exit allowed until 10:15")
    screenshot(page, "admin-vehicles")

    clock.advance(minutes=10)
    response = gates.leave(exit_gate, "ABC-1234")
    assert (response.status_code, response.json()["code"]) == (200, "exit_granted")
    page.reload()
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).not_to_contain_text("ABC1234")


def test_on_a_phone_the_vehicle_list_shows_fee_and_status_without_scrolling_sideways(
    live_server, phone, owner, clock, browser_cookies
):
    lot = make_lot(owner, name="Taipei Main Station Lot 台北車站停車場")
    entry_gate = make_gate(lot, Direction.ENTRY)
    for plate, colour in CARS:
        park_with_photo(entry_gate, plate, colour, clock.now())
    clock.advance(hours=1)

    phone.goto(f"{live_server.url}/admin/parking/parkingsession/")
    phone.get_by_label("Username").fill("alice")
    phone.get_by_label("Password").fill("alice-pass")
    phone.get_by_role("button", name="Log in").click()

    rows = phone.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    width = phone.viewport_size["width"]
    # What is read in each row: the plate, the fee, the payment status's label.
    shown = "#result_list .field-plate a, #result_list .field-fee_so_far, .payment-status"
    for seen in phone.locator(shown).all():
        box = seen.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (seen.inner_text(), box)
    expect(rows.filter(has_text="ABC1234")).to_contain_text("NT$30")
    expect(rows.filter(has_text="ABC1234")).to_contain_text("Unpaid")


def test_the_language_buttons_stay_on_one_line_on_a_phone(live_server, page, db):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/admin/login/")

    for name in ("English", "繁體中文"):
        button = page.get_by_role("button", name=name)
        # The distinct tops of the text's boxes (Chromium gives a box per CJK character).
        lines = button.evaluate(
            "b => { const r = document.createRange(); r.selectNodeContents(b);"
            " return new Set([...r.getClientRects()].map(box => Math.round(box.top))).size; }"
        )
        assert lines == 1, name
        expect(button).to_be_in_viewport(ratio=1)
