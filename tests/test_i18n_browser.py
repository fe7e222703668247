"""Switching language in a real Chromium: the kiosk, the map and the admin, in both languages.

`make screenshots` saves docs/screenshots/kiosk-en.png, kiosk-zh-hant.png and the others.
"""

import re

import pytest
from playwright.sync_api import expect

from parking.models import Direction

from .browser import screenshot
from .conftest import make_gate, make_lot, park_cars
from .test_kiosk_journey import lot_with_cars  # noqa: F401  (fixture)
from .test_nearby_api import HERE, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_for_problems(page) -> list[str]:
    """Script errors, failed loads and CSP violations, as the console reports them."""
    problems = []

    def on_console(message):
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"{message.text} {message.location['url']}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_a_driver_switches_the_kiosk_to_chinese_pays_and_switches_back(
    live_server,
    page,
    lot_with_cars,  # noqa: F811
):
    lot = lot_with_cars
    problems = watch_for_problems(page)
    page.goto(f"{live_server.url}/kiosk/{lot.pk}/")  # the browser asks for English
    expect(page.get_by_role("heading", name="Pay for parking")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "kiosk-en")

    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", name="停車繳費")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    expect(page.get_by_text("10 分鐘內免費，每 30 分鐘 NT$15")).to_be_visible()
    expect(page.get_by_role("button", name="繁體中文")).to_have_attribute("aria-current", "true")
    screenshot(page, "kiosk-zh-hant")

    page.get_by_label("您的車牌號碼").fill("abc-1234")
    page.get_by_role("button", name="尋找我的車").click()
    expect(page.get_by_role("heading", name="請點選您的車")).to_be_visible()
    expect(page.locator(".vehicle-entry").first).to_contain_text("入場")
    page.get_by_role("button", name="English").click()  # the cars found stay on the screen
    expect(page.get_by_role("heading", name="Tap your car")).to_be_visible()
    expect(page.get_by_label("Your licence plate")).to_have_value("abc-1234")
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", name="請點選您的車")).to_be_visible()
    page.locator(".vehicle-card", has_text="A8C1234").click()
    expect(page.get_by_text("應繳金額").first).to_be_visible()
    expect(page.locator(".amount-due strong")).to_have_text("NT$30")
    expect(page.locator(".breakdown")).to_contain_text("每 30 分鐘 NT$15 × 2")
    page.get_by_label("電子發票選項").select_option("mobile_barcode")
    expect(page.locator("[data-invoice-hint]")).to_have_text("「/」加上 7 碼，例如 /ABC+123")
    screenshot(page, "kiosk-zh-hant-quote")

    page.get_by_role("button", name="English").click()  # back to English, on the same car
    expect(page.get_by_text("Amount due").first).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Pay NT$30")).to_be_visible()

    page.get_by_role("button", name="繁體中文").click()
    page.get_by_label("電子發票選項").select_option("")
    page.get_by_role("button", name="繳費 NT$30").click()
    expect(page.get_by_role("heading", name="沙盒付款")).to_be_visible()
    page.get_by_role("button", name="付款", exact=True).click()
    expect(page.get_by_role("heading", name="繳費完成，謝謝您")).to_be_visible()
    expect(page.locator(".exit-until")).to_contain_text("前出場")
    screenshot(page, "kiosk-zh-hant-paid")
    assert problems == []


@pytest.fixture
def lots_nearby(owner):
    lots = [
        make_lot(owner, name=f"停車場 {n:02d}", address=f"站前路 {n} 號", capacity=20,
                 **at(150 * (n + 1), 37 * n))
        for n in range(6)
    ]  # fmt: skip
    for lot in lots:
        make_gate(lot, Direction.ENTRY)  # gates count their cars: their vacancy is live
    park_cars(lots[1], 20)
    return lots


def test_the_map_reads_in_chinese_after_switching(live_server, page, lots_nearby, settings):
    settings.MAP_TILE_URL = ""  # never the network
    problems = watch_for_problems(page)
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/?lat={HERE[0]}&lng={HERE[1]}")
    expect(page.locator(".leaflet-marker-icon.lot-marker")).to_have_count(6)

    start = page.url
    page.locator("#map").click(position={"x": 350, "y": 420})  # search a little further south
    expect(page).not_to_have_url(start)
    searched = page.url

    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", name="附近的停車場")).to_be_visible()
    assert page.url == searched  # back where the search was, not where the page began
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "縮小")
    page.locator(".lot-link", has_text="停車場 01").click()
    popup = page.locator(".lot-popup")
    expect(popup.locator(".lot-popup-vacancy")).to_have_text("車位已滿（剩餘 0／20）")
    expect(popup.locator(".lot-popup-reading")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d 更新$"))
    expect(popup.locator(".lot-popup-kiosk")).to_have_text("前往此停車場繳費")
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "關閉")
    screenshot(page, "map-zh-hant")
    assert problems == []


def test_an_owner_switches_the_admin_to_chinese(live_server, page, owner, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # see test_admin_browser.browser_cookies
    lot = make_lot(owner, name="河濱停車場")
    make_gate(lot, Direction.ENTRY, name="北側入口")
    park_cars(lot, 3)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("button", name="登入")).to_be_visible()
    page.get_by_label("使用者名稱").fill("alice")
    page.get_by_label("密碼").fill("alice-pass")
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("link", name="OpenLot 管理後台")).to_be_visible()

    page.get_by_role("link", name="在場車輛").first.click()
    expect(page.get_by_role("columnheader", name="繳費狀態")).to_be_visible()
    # Just in: in its free minutes, with the time they end.
    expect(page.locator(".payment-status").first).to_have_text(
        re.compile(r"^\d\d:\d\d 前無須繳費$")
    )
    screenshot(page, "admin-zh-hant")
