"""The map in a real Chromium: find lots near you, pick one, watch its vacancy change."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from admin_portal.demo import seed_open_data
from lots.models import Lot
from lots.nearby import search_nearby
from parking.models import Direction, Gate

from .browser import TIMEOUT_MS, screenshot
from .conftest import make_gate, make_lot, park_cars
from .test_nearby_api import HERE, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _offline_map(settings):
    # No tile server in tests (never the network); vacancy re-read every second.
    settings.MAP_TILE_URL = ""
    settings.MAP_VACANCY_REFRESH_SECONDS = 1


@pytest.fixture
def lots_around_here(owner):
    """20 lots 150 m apart going out from HERE, and one beyond 3 km; Lot 01 full, Lot 03 nearly.

    Each has an entry gate (`lot.entry`), so its vacancy is live.
    """
    lots = [
        make_lot(owner, name=f"Lot {n:02d}", address=f"{n} Station Rd", capacity=20,
                 **at(150 * (n + 1), 37 * n))
        for n in range(20)
    ]  # fmt: skip
    for lot in lots:
        lot.entry = make_gate(lot, Direction.ENTRY)
    make_lot(owner, name="Far Away", **at(3500, 0))
    for lot, cars in ((lots[1], 20), (lots[3], 17), (lots[4], 9)):
        park_cars(lot, cars)
    return lots


# Resolves once `selector` has kept its place for a few animation frames: the map has
# stopped gliding (to the lot, then to fit its popup). A click computed on a moving
# target lands wherever it has moved from.
_STANDS_STILL = """selector => new Promise(resolve => {
    let last = null, still = 0;
    const frame = () => {
        const box = document.querySelector(selector).getBoundingClientRect();
        const here = `${box.x},${box.y}`;
        still = here === last ? still + 1 : 0;
        last = here;
        if (still >= 5) resolve(true); else requestAnimationFrame(frame);
    };
    frame();
})"""


def open_map(page, live_server, lat=HERE[0], lng=HERE[1]):
    page.emulate_media(reduced_motion="reduce")  # no gliding: the map is still when looked at
    page.goto(f"{live_server.url}/?lat={lat}&lng={lng}")
    expect(page.locator(".leaflet-marker-icon.lot-marker")).to_have_count(15)


def test_it_shows_the_15_nearest_lots_and_the_live_vacancy_of_the_one_clicked(
    live_server, page, lots_around_here, gates
):
    problems = []  # script errors, failed loads and CSP violations end up on the console

    def on_console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} {message.location['url']}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    open_map(page, live_server)

    items = page.locator(".lot-list > li")
    expect(items).to_have_count(15)
    expect(items.locator(".lot-name")).to_have_text([f"Lot {n:02d}" for n in range(15)])
    expect(items.first.locator(".lot-distance")).to_have_text("150 m")
    # Colour by how full, and in words.
    expect(items.nth(1)).to_have_class(re.compile(r"\blot--full\b"))
    expect(items.nth(1).locator(".lot-vacancy")).to_have_text("Full: 0 of 20 spaces free")
    expect(items.nth(3)).to_have_class(re.compile(r"\blot--few\b"))
    expect(items.nth(4)).to_have_class(re.compile(r"\blot--plenty\b"))
    expect(page.locator(".lot-marker.lot--full")).to_have_count(1)
    expect(page.locator(".lot-marker.lot--few")).to_have_count(1)
    expect(page.locator("#results-summary")).to_have_text("15 parking lots within 3 km")

    items.nth(2).locator(".lot-link").click()

    expect(items.nth(2)).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(".lot-marker.is-selected")).to_have_count(1)
    popup = page.locator(".leaflet-popup .lot-popup")
    expect(popup.locator(".lot-popup-name")).to_have_text("Lot 02")
    expect(popup.locator(".lot-popup-vacancy")).to_have_text("20 of 20 spaces free")
    expect(popup.locator(".lot-popup-reading")).to_have_text(re.compile(r"^Checked at \d"))
    expect(popup.locator("a.lot-popup-kiosk")).to_have_attribute(
        "href", f"/kiosk/{lots_around_here[2].pk}/"
    )

    # A car drives in through the gate; the open popup follows.
    assert gates.enter(lots_around_here[2].entry, "ABC-1234").status_code == 201

    expect(popup.locator(".lot-popup-vacancy")).to_have_text("19 of 20 spaces free")
    expect(items.nth(2).locator(".lot-vacancy")).to_have_text("19 of 20 spaces free")
    expect(page.locator("#map-status")).to_have_text("Lot 02: 19 of 20 spaces free")
    screenshot(page, "map")
    assert problems == []


def test_a_lot_without_gates_shows_its_size_and_says_its_vacancy_is_not_known(
    live_server, page, lots_around_here, owner
):
    # Imported from open data: nobody counts its cars. Nearest of all, so first in the list.
    make_lot(owner, name="Imported", capacity=179, **at(50, 180))
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_map(page, live_server)
    item = page.locator(".lot-list > li").first

    expect(item.locator(".lot-vacancy")).to_have_text("179 spaces; vacancy not reported")
    expect(item).to_have_class(re.compile(r"\blot--unknown\b"))
    marker = page.locator(".lot-marker.lot--unknown")
    expect(marker.locator(".lot-marker-count")).to_have_text("P")
    expect(marker).to_have_accessible_name("Imported: 179 spaces; vacancy not reported")

    marker.click()

    popup = page.locator(".leaflet-popup .lot-popup")
    expect(popup.locator(".lot-popup-name")).to_have_text("Imported")
    expect(popup.locator(".lot-popup-vacancy")).to_have_text("179 spaces; vacancy not reported")
    expect(popup.locator(".lot-popup-uncounted")).to_have_text(
        "This lot's gates do not report to OpenLot, so whether it has room is not known here."
    )
    expect(popup.locator("a.lot-popup-kiosk")).to_have_count(0)
    page.locator(".lot-list .lot-link").nth(1).click()  # a counted lot: its vacancy is read
    expect(popup.locator(".lot-popup-vacancy")).to_have_text("20 of 20 spaces free")
    Gate.objects.filter(lot=lots_around_here[0]).delete()  # its gates taken away meanwhile
    expect(popup.locator(".lot-popup-vacancy")).to_have_text(
        re.compile(r"^This lot's gates do not")
    )
    # Re-read every second for the counted lot; never for the one nobody counts.
    assert {url for url in requests if "/vacancy" in url} == {
        f"{live_server.url}/api/lots/{lots_around_here[0].pk}/vacancy"
    }


def test_clicking_a_marker_selects_the_lot_in_the_list(live_server, page, lots_around_here):
    open_map(page, live_server)

    count = page.locator(".lot-marker-count", has_text=re.compile(r"^20$"))
    page.locator(".leaflet-marker-icon.lot-marker", has=count).first.click()

    expect(page.locator(".lot-list > li.is-selected")).to_have_count(1)
    expect(page.locator(".lot-list > li.is-selected .lot-link")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator(".lot-popup-vacancy")).to_have_text("20 of 20 spaces free")


def test_clicking_anywhere_on_a_lots_card_selects_it(live_server, page, lots_around_here):
    open_map(page, live_server)
    card = page.locator(".lot-list > li").nth(4)  # Lot 04: 11 of 20 free

    card.locator(".lot-address").click()

    expect(card).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(".lot-popup-name")).to_have_text("Lot 04")
    page.locator(".lot-list > li").nth(2).locator(".lot-vacancy").click()
    expect(page.locator(".lot-popup-name")).to_have_text("Lot 02")


def test_the_kiosk_link_on_a_selected_lots_card_goes_to_the_kiosk(
    live_server, page, lots_around_here
):
    lot = lots_around_here[4]
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/?lat={HERE[0]}&lng={HERE[1]}&lot={lot.pk}")

    page.locator(f"#lot-{lot.pk} .lot-detail a").click()

    expect(page).to_have_url(f"{live_server.url}/kiosk/{lot.pk}/")


def test_the_list_works_with_the_keyboard(live_server, page, lots_around_here):
    open_map(page, live_server)
    links = page.locator(".lot-list .lot-link")

    links.first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(links.nth(2)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".lot-list > li").nth(2)).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(".lot-popup-name")).to_have_text("Lot 02")


def test_a_click_on_the_map_searches_there(live_server, page, lots_around_here, owner):
    make_lot(owner, name="Across the river", **at(20_000, 270))
    open_map(page, live_server)

    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)  # west edge of the map

    # Searched at the point clicked: west of every lot shown, half way up the map.
    # (How far west depends on the window's size and the zoom that fits the lots.)
    expect(page).to_have_url(re.compile(r"\?lat=25\.0\d{5,}&lng=121\.\d{6,}$"))
    lat, lng = map(float, re.search(r"lat=([\d.]+)&lng=([\d.]+)$", page.url).groups())
    latitudes = [float(lot.latitude) for lot in lots_around_here[:15]]
    assert lng < min(float(lot.longitude) for lot in lots_around_here[:15])
    assert min(latitudes) < lat < max(latitudes)
    expect(page.locator(".lot-list > li").first).to_be_visible()
    expect(page.locator("#map-status")).to_have_text(re.compile(r"parking lots? within 3 km"))


def test_far_from_every_lot_it_names_the_nearest(live_server, page, lots_around_here):
    page.goto(f"{live_server.url}/?lat=24.80&lng=120.97")  # Hsinchu

    expect(page.locator("#results-summary")).to_have_text(
        re.compile(r"^No parking lot within 3 km\. The nearest is Lot \d\d, \d+ km away\.$")
    )
    expect(page.locator(".leaflet-marker-icon.lot-marker")).to_have_count(1)


def test_the_browsers_location_is_used_when_allowed(live_server, browser, lots_around_here):
    context = browser.new_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1]},
        permissions=["geolocation"],
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server.url}/")

        expect(page).to_have_url(re.compile(r"\?lat=25\.0478\d*&lng=121\.517\d*$"))
        expect(page.locator(".lot-list > li .lot-name").first).to_have_text("Lot 00")
    finally:
        context.close()


def test_on_a_phone_the_map_sits_above_the_list(live_server, phone, lots_around_here):
    open_map(phone, live_server)

    map_box = phone.locator("#map").bounding_box()
    list_box = phone.locator(".lot-list").bounding_box()
    assert map_box["width"] == pytest.approx(390, abs=1)
    assert map_box["y"] + map_box["height"] <= list_box["y"]
    screenshot(phone, "map-phone")


def test_the_demo_shows_the_real_lots_around_taipei_main_station(
    live_server, page, lot_owners_group
):
    seed_open_data(timezone.now())
    expected = [lot.name for lot in search_nearby(*HERE).lots]

    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/")

    expect(page.locator(".leaflet-marker-icon.lot-marker")).to_have_count(15)
    expect(page.locator("#results-summary")).to_have_text("15 parking lots within 3 km")
    expect(page.locator(".lot-list .lot-name")).to_have_text(expected)
    expect(page.locator(".results-place")).to_have_text("Near Taipei Main Station")
    page.locator(".lot-list .lot-link").nth(1).click()
    expect(page.locator(".lot-popup-reading")).to_have_text(re.compile(r"^Checked at \d"))
    screenshot(page, "map-taipei")


def test_on_a_phone_a_long_named_lots_popup_fits_the_map_and_nothing_is_said_twice(
    live_server, page, lots_around_here
):
    Lot.objects.filter(pk=lots_around_here[2].pk).update(
        name="Taipei Main Station Lot 台北車站停車場",
        address="No. 3, Beiping W. Rd., Zhongzheng Dist., Taipei",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/?lat={HERE[0]}&lng={HERE[1]}")  # motion as phones have it
    box = page.locator("#map").bounding_box()

    page.locator(".lot-link", has_text="Taipei Main Station Lot").click()

    # The whole popup on the screen (the map is as wide as the phone), its × too.
    close = page.locator(".leaflet-popup-close-button")
    expect(page.locator(".leaflet-popup-content-wrapper")).to_be_in_viewport(ratio=1)
    expect(close).to_be_in_viewport(ratio=1)
    assert box["width"] == 390
    page.wait_for_function(_STANDS_STILL, arg=".leaflet-popup-close-button")
    close.click()
    expect(page.locator(".leaflet-popup")).to_have_count(0)

    page.mouse.click(box["x"] + 8, box["y"] + box["height"] / 2)  # search there (no marker)

    # The summary is shown once; its echo in the status line is for screen readers.
    expect(page.locator("#map-status")).to_have_text(re.compile(r"parking lots? within 3 km"))
    status = page.locator("#map-status").bounding_box()
    assert status["width"] <= 1 and status["height"] <= 1  # visually hidden
