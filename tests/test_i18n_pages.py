"""Every page a person reads, in both languages, with no sentence left in the other one.

Each page is fetched as a browser asking for Traditional Chinese (Accept-Language
zh-TW) and for English. In Chinese, any run of Latin letters in what the page
shows (text, alt, title, placeholder, aria-label, button values, the map's
script strings) must be data (a plate, a lot's name), a brand or a code; in
English, no Chinese character may appear but the language switcher's own
"繁體中文".
"""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from parking.models import Direction, GateEvent, ParkingSession
from payments.models import Payment
from payments.services import record_manual_payment

from .conftest import login, make_gate, make_lot, start_payment

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-TW,zh;q=0.9,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}

# Latin words a Chinese page may show: data made by the fixtures, brands, codes and units.
ALLOWED_LATIN = {
    # data
    "Riverside", "River", "Rd", "Bob", "alice", "root", "entry", "exit",
    "ABC", "abc", "XYZ", "QQQ", "cam", "example", "jpg", "https",
    # brands, codes, formats, units
    "English",  # the language switcher names each language in itself
    "OpenLot", "Stripe", "NT", "CSV", "JSON", "API", "UUID", "MB", "Leaflet", "Django",
    "HTTP", "http", "Authorization", "Bearer", "token", "read_id", "TWD", "Asia", "Taipei",
    "multipart", "form", "data", "application",
}  # fmt: skip
ALLOWED_CJK = {"繁體中文"}
SHOWN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}


class _Reader(HTMLParser):
    """What a person reads on a page: text and the attributes that are shown or spoken."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style",):
            self._skip += 1
        if tag == "script":
            self._script = attrs.get("id") or ""
        for name in SHOWN_ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")
        if tag == "option":
            # the hint the kiosk's script shows for an e-invoice option
            self.parts.append(attrs.get("data-hint") or "")

    def handle_endtag(self, tag):
        if tag in ("style",):
            self._skip -= 1
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script == "map-config":
            self.parts.extend(json.loads(data)["text"].values())
        elif self._script is None and not self._skip:
            self.parts.append(data)


def shown_text(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    return [" ".join(part.split()) for part in reader.parts if part.strip()]


def _words(text: str) -> list[str]:
    """The Latin words of a text; codes with digits in them (plates, receipts, ids) are data."""
    text = re.sub(r"%\(\w+\)\d*[sd]", " ", text)  # a message's placeholders
    tokens = re.findall(r"[A-Za-z0-9_][\w+./-]*", text, flags=re.ASCII)
    return [
        word
        for token in tokens
        if not re.search(r"\d", token) and not token.startswith(("olg_", "sbx_"))
        for word in re.findall(r"[A-Za-z]{2,}", token)
    ]


def english_left(html: str, allowed=()) -> list[str]:
    """The texts of a Chinese page that still hold Latin words other than the allowed ones."""
    allowed = ALLOWED_LATIN | set(allowed)
    return [text for text in shown_text(html) if any(word not in allowed for word in _words(text))]


def chinese_left(html: str) -> list[str]:
    """The texts of an English page that hold Chinese characters (but the switcher's)."""
    return [
        text
        for text in shown_text(html)
        if text not in ALLOWED_CJK and re.search(r"[\u3000-\u9fff\uff00-\uffef]", text)
    ]


def check_page(response, *, language: str, expect: str, allowed=()):
    assert response.status_code in (200, 404, 409, 429), response.status_code
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert expect in html, f"{expect!r} not on the page"
    if language == "zh-hant":
        assert english_left(html, allowed) == []
    else:
        assert chinese_left(html) == []


# --- The data every page needs ------------------------------------------------------


@pytest.fixture
def scene(client, owner, clock, settings):
    """A lot with a sign to read, cars in every payment state, payments in every status."""
    settings.PAYMENTS_SANDBOX = True
    lot = make_lot(
        owner,
        free_minutes=10,
        first_period_minutes=60,
        first_period_price=3000,
        unit_minutes=30,
        unit_price=1500,
        daily_cap=18000,
    )
    entry, leaving = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
    gates = {}
    for plate in ("ABC-1234", "ABC-5678", "ABC-9999", "XYZ-1111"):
        response = client.post(
            "/api/gates/entry",
            {"plate": plate, "photo_url": "https://cam.example/car.jpg"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {entry.token}"},
        )
        gates[plate] = ParkingSession.objects.get(pk=response.json()["session_id"])
    clock.advance(hours=26)  # over a day: a daily maximum and two days in the breakdown
    unpaid, paid, pending, failed = gates.values()
    record_manual_payment(paid.pk, by=owner, now=clock.now())
    started = start_payment(client, pending).json()
    declined = start_payment(client, failed).json()
    client.post(Payment.objects.get(pk=declined["payment_id"]).redirect_url, {"outcome": "decline"})
    client.post(
        "/api/gates/exit",
        {"plate": "ABC-1234"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {leaving.token}"},
    )
    client.logout()
    return {
        "lot": lot,
        "unpaid": unpaid,
        "paid": paid,
        "pending": Payment.objects.get(pk=started["payment_id"]),
        "failed": Payment.objects.get(pk=declined["payment_id"]),
        "manual": Payment.objects.get(provider="manual"),
        "gate": entry,
        "event": GateEvent.objects.filter(outcome="payment_required").first(),
    }


# --- The kiosk, the sandbox and the map: anyone -------------------------------------

KIOSK_PAGES = {
    "start": ("get", lambda s: f"/kiosk/{s['lot'].pk}/", None, "停車繳費", "Pay for parking"),
    "cars found": (
        "post",
        lambda s: f"/kiosk/{s['lot'].pk}/",
        {"plate": "abc1"},
        "請點選您的車",
        "Tap your car",
    ),
    "no car found": (
        "post",
        lambda s: f"/kiosk/{s['lot'].pk}/",
        {"plate": "QQQ999"},
        "請至收費亭繳費",
        "pay at the booth",
    ),
    "plate too short": (
        "post", lambda s: f"/kiosk/{s['lot'].pk}/", {"plate": "A"}, "至少 4 個", "at least 4"
    ),
    "quote": (
        "get",
        lambda s: f"/kiosk/{s['lot'].pk}/vehicles/{s['unpaid'].pk}/",
        None,
        "費用明細",
        "How it adds up",
    ),
    "quote, invalid e-invoice": (
        "post",
        lambda s: f"/kiosk/{s['lot'].pk}/vehicles/{s['unpaid'].pk}/",
        {"provider": "sandbox", "invoice_kind": "company", "invoice_value": "12345678"},
        "統一編號無效",
        "not valid",
    ),
    "quote, paid": (
        "get",
        lambda s: f"/kiosk/{s['lot'].pk}/vehicles/{s['paid'].pk}/",
        None,
        "前出場",
        "Exit allowed until",
    ),
    "car gone": (
        "get",
        lambda s: f"/kiosk/{s['lot'].pk}/vehicles/00000000-0000-0000-0000-000000000000/",
        None,
        "這輛車不在本停車場",
        "This car is not parked here",
    ),
    "paid": (
        "get", lambda s: f"/kiosk/payments/{s['manual'].pk}/", None, "繳費完成", "Paid, thank you"
    ),
    "confirming": (
        "get",
        lambda s: f"/kiosk/payments/{s['pending'].pk}/",
        None,
        "正在確認付款",
        "Confirming payment",
    ),
    "failed": (
        "get",
        lambda s: f"/kiosk/payments/{s['failed'].pk}/",
        None,
        "沙盒拒絕了這筆付款",
        "The sandbox declined the payment.",
    ),
    "sandbox checkout": (
        "get", lambda s: s["pending"].redirect_url, None, "沙盒付款", "Sandbox payment"
    ),
    "sandbox checkout, settled": (
        "get", lambda s: s["failed"].redirect_url, None, "這筆結帳的狀態：已拒絕", "is declined"
    ),
    "map": ("get", lambda s: "/?lat=25.0478&lng=121.5170", None, "附近的停車場", "Parking near"),
    "map, a lot selected": (
        "get",
        lambda s: f"/?lat=25.0478&lng=121.5170&lot={s['lot'].pk}",
        None,
        "前往此停車場繳費",
        "Pay at this lot",
    ),
    "map, far from any lot": (
        "get", lambda s: "/?lat=24.6&lng=121.2", None, "最近的是「Riverside」", "The nearest is"
    ),
    "map, bad coordinates": ("get", lambda s: "/?lat=95&lng=121", None, "緯度必須", "latitude"),
    "map, the list alone": (
        "get", lambda s: "/map/results/?lat=25.0478&lng=121.5170", None, "剩餘車位", "spaces free"
    ),
}  # fmt: skip


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("name", KIOSK_PAGES)
def test_every_public_page_reads_in_both_languages(client, scene, name, language):
    method, url, data, chinese, english = KIOSK_PAGES[name]
    headers = ZH if language == "zh-hant" else EN
    if method == "get":
        response = client.get(url(scene), **headers)
    else:
        response = client.post(url(scene), data, **headers)
    if name == "map, the list alone":  # a fragment the map's script swaps in
        html = response.content.decode()
        assert (chinese if language == "zh-hant" else english) in html
        assert (english_left if language == "zh-hant" else chinese_left)(html) == []
        return
    check_page(response, language=language, expect=chinese if language == "zh-hant" else english)


def test_the_kiosk_quote_reads_naturally_in_chinese(client, scene):
    html = client.get(f"/kiosk/{scene['lot'].pk}/vehicles/{scene['unpaid'].pk}/", **ZH)
    html = html.content.decode()

    # Monday 2 March 2026, 09:00 in Taipei; it is now Tuesday 10:00.
    assert "3月2日 (一) 09:00" in html
    assert "首 60 分鐘 NT$30，之後每 30 分鐘 NT$15，當日最高 NT$180" in html
    assert "26 小時 00 分" in html
    assert "3月3日 (二)" in html
    assert "已達當日上限 NT$180" in html
    assert "繳費 NT$" in html
    assert "手機條碼載具" in html and "自然人憑證條碼載具" in html
    assert "捐贈碼" in html and "統一編號" in html


def test_the_kiosk_quote_reads_naturally_in_english(client, scene):
    html = client.get(f"/kiosk/{scene['lot'].pk}/vehicles/{scene['unpaid'].pk}/", **EN)
    html = html.content.decode()

    assert "Mon 2 Mar, 09:00" in html
    assert "first 60 min NT$30, then NT$15 per 30 min, daily max NT$180" in html
    assert "26 h 00 min" in html
    assert "Tue 3 Mar" in html


# --- The owners' admin ---------------------------------------------------------------

ADMIN_PAGES = {
    "index": lambda s: "/admin/",
    "lots": lambda s: "/admin/lots/lot/",
    "a lot": lambda s: reverse("admin:lots_lot_change", args=[s["lot"].pk]),
    "gates": lambda s: "/admin/parking/gate/",
    "a gate": lambda s: reverse("admin:parking_gate_change", args=[s["gate"].pk]),
    "add a gate": lambda s: "/admin/parking/gate/add/",
    "vehicles": lambda s: "/admin/parking/parkingsession/",
    "vehicles, unpaid": lambda s: "/admin/parking/parkingsession/?payment=unpaid",
    "a vehicle": lambda s: reverse("admin:parking_parkingsession_change", args=[s["unpaid"].pk]),
    "a paid vehicle": lambda s: reverse("admin:parking_parkingsession_change", args=[s["paid"].pk]),
    "a vehicle's history": lambda s: reverse(
        "admin:parking_parkingsession_history", args=[s["paid"].pk]
    ),
    "payments": lambda s: "/admin/payments/payment/",
    "a payment": lambda s: reverse("admin:payments_payment_change", args=[s["failed"].pk]),
    "gate events": lambda s: "/admin/parking/gateevent/",
    "a gate event": lambda s: reverse("admin:parking_gateevent_change", args=[s["event"].pk]),
    "password change": lambda s: "/admin/password_change/",
}
# Latin words the admin shows as data (none in this scene: payment platforms are named).
ADMIN_DATA = set()


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_every_admin_page_reads_in_both_languages(client, scene, owner, name, language):
    login(client, owner)
    response = client.get(ADMIN_PAGES[name](scene), **(ZH if language == "zh-hant" else EN))

    expect = "OpenLot 管理後台" if language == "zh-hant" else "OpenLot administration"
    check_page(response, language=language, expect=expect, allowed=ADMIN_DATA)


ADMIN_ACTIONS = {
    "mark unpaid, confirm": ("mark_unpaid", "paid", "改為未繳費嗎？", "Mark vehicles unpaid?"),
    "delete, confirm": ("delete_paid_vehicles", "paid", "要刪除車輛嗎？", "Delete vehicles?"),
    "delete, refused": ("delete_paid_vehicles", "unpaid", "未刪除任何車輛", "Nothing was deleted"),
    "cash, confirm": ("mark_paid_in_cash", "unpaid", "登錄現金繳費？", "Record cash payments?"),
    "paid in cash": ("mark_paid_in_cash", "unpaid", "已登錄現金繳費", "paid in cash"),
}  # fmt: skip
CONFIRMED = {"paid in cash"}  # posted as the confirmation page posts them


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("name", ADMIN_ACTIONS)
def test_the_admins_actions_answer_in_both_languages(client, scene, owner, name, language):
    action, car, chinese, english = ADMIN_ACTIONS[name]
    login(client, owner)
    response = client.post(
        "/admin/parking/parkingsession/",
        {
            "action": action,
            "_selected_action": [str(scene[car].pk)],
            **({"post": "yes"} if name in CONFIRMED else {"index": "0"}),
        },
        follow=True,
        **(ZH if language == "zh-hant" else EN),
    )

    expect = chinese if language == "zh-hant" else english
    check_page(response, language=language, expect=expect, allowed=ADMIN_DATA)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_gate_token_pages_read_in_both_languages(client, scene, owner, language):
    login(client, owner)
    headers = ZH if language == "zh-hant" else EN
    data = {"action": "issue_new_tokens", "_selected_action": [str(scene["gate"].pk)]}

    confirm = client.post("/admin/parking/gate/", data | {"index": "0"}, **headers)
    answer = {"post": "yes", **dict(confirm.context["hidden"])}
    issued = client.post("/admin/parking/gate/", data | answer, **headers)

    confirm_text, issued_text = (
        ("要發行新的閘門金鑰嗎？", "金鑰只會顯示這一次")
        if language == "zh-hant"
        else ("Issue new gate tokens?", "It is shown only this once")
    )
    check_page(confirm, language=language, expect=confirm_text, allowed=ADMIN_DATA)
    check_page(issued, language=language, expect=issued_text, allowed=ADMIN_DATA)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_superusers_admin_reads_in_both_languages(client, scene, superuser, language):
    login(client, superuser)
    headers = ZH if language == "zh-hant" else EN
    expect = "OpenLot 管理後台" if language == "zh-hant" else "OpenLot administration"
    pages = {
        "/admin/": (),
        "/admin/lots/lot/": (),
        "/admin/lots/lot/add/": (),
        # Django's own users list: its yes/no icons say "True" (a Django limitation; our
        # lists say 是/否), and the group is named by its migration.
        "/admin/auth/user/": ("True", "False", "Lot", "owners"),
    }
    for url, allowed in pages.items():
        check_page(client.get(url, **headers), language=language, expect=expect, allowed=allowed)


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_admin_login_reads_in_both_languages(client, db, language):
    headers = ZH if language == "zh-hant" else EN
    page = client.get("/admin/login/?next=/admin/", **headers)
    refused = client.post(
        "/admin/login/?next=/admin/", {"username": "nobody", "password": "wrong"}, **headers
    )

    check_page(page, language=language, expect="登入" if language == "zh-hant" else "Log in")
    check_page(
        refused,
        language=language,
        expect="請輸入正確" if language == "zh-hant" else "Please enter the correct",
    )


def test_an_owner_without_the_group_sees_a_translated_empty_admin(client, db, owner):
    owner.groups.clear()
    owner.user_permissions.set(Permission.objects.none())
    login(client, owner)

    check_page(client.get("/admin/", **ZH), language="zh-hant", expect="OpenLot 管理後台")


def test_the_owner_reads_a_failure_reason_in_their_language(client, scene, owner):
    login(client, owner)
    url = reverse("admin:payments_payment_change", args=[scene["failed"].pk])

    assert scene["failed"].failure_reason == "The sandbox declined the payment."
    assert "沙盒拒絕了這筆付款。" in client.get(url, **ZH).content.decode()
    assert "The sandbox declined the payment." in client.get(url, **EN).content.decode()


def test_a_payment_is_named_in_the_readers_language(scene):
    from django.utils import translation

    with translation.override("zh-hant"):
        assert str(scene["manual"]).endswith("· 成功")
    with translation.override("en"):
        assert str(scene["manual"]).endswith("· succeeded")


def test_the_scene_has_what_the_pages_show(scene):
    assert scene["event"] is not None
    assert scene["failed"].status == "failed"
    assert scene["pending"].status == "pending"
    assert scene["unpaid"].exit_allowed_until is None
    paid = ParkingSession.objects.get(pk=scene["paid"].pk)
    assert timedelta(0) < paid.exit_allowed_until - scene["manual"].paid_at


def test_a_lot_without_gates_reads_in_chinese_on_the_map(client, owner):
    lot = make_lot(owner, name="臺北車站停車場", capacity=179)  # imported: no gates count it

    response = client.get(f"/?lat=25.0478&lng=121.5170&lot={lot.pk}", **ZH)

    check_page(response, language="zh-hant", expect="共 179 個車位；未提供即時空位")
    assert "這裡無法得知是否還有空位" in response.content.decode()
