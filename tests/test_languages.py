"""Which language a person reads: the browser's, else the site's, until they switch."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from lots.dates import clock_time, short_day, short_day_time
from lots.money import format_money
from parking.models import ParkingSession
from payments.models import Payment

from .conftest import start_payment

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-TW,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
TAIPEI = ZoneInfo("Asia/Taipei")


def kiosk(lot) -> str:
    return f"/kiosk/{lot.pk}/"


@pytest.mark.parametrize(
    ("accept", "site_default", "expected"),
    [
        ("zh-TW,zh;q=0.9", "en", "zh-hant"),
        ("zh-Hant-TW", "en", "zh-hant"),
        ("zh-HK", "en", "zh-hant"),
        ("en-US,en;q=0.9", "zh-hant", "en"),
        ("fr-FR,fr;q=0.9", "zh-hant", "zh-hant"),
        ("fr-FR,fr;q=0.9", "en", "en"),
        ("", "zh-hant", "zh-hant"),
    ],
)
def test_the_browsers_language_decides_else_the_sites(
    client, lot, settings, accept, site_default, expected
):
    settings.LANGUAGE_CODE = site_default

    response = client.get(kiosk(lot), HTTP_ACCEPT_LANGUAGE=accept)

    assert f'<html lang="{expected}"' in response.content.decode()
    assert response["Content-Language"] == expected


def test_the_switcher_remembers_the_choice_in_a_cookie(lot, settings):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(kiosk(lot), **EN)
    token = page.context["csrf_token"]

    switched = browser.post(
        "/i18n/setlang/",
        {"language": "zh-hant", "next": kiosk(lot), "csrfmiddlewaretoken": str(token)},
        **EN,
    )
    again = browser.get(kiosk(lot), **EN)

    assert (switched.status_code, switched["Location"]) == (302, kiosk(lot))
    cookie = switched.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hant"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"
    assert "停車繳費" in again.content.decode()


def test_switching_needs_the_pages_csrf_token(lot):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/i18n/setlang/", {"language": "zh-hant", "next": kiosk(lot)})

    assert response.status_code == 403
    assert "django_language" not in response.cookies


def test_switching_never_sends_a_person_to_another_site(client, db):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example/"}, **ZH
    )

    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


@pytest.mark.parametrize("page", ["kiosk", "map", "admin login", "admin"])
def test_every_kind_of_page_has_the_switcher(client, lot, owner, page):
    url = {"kiosk": kiosk(lot), "map": "/?lat=25.0478&lng=121.5170", "admin login": "/admin/login/",
           "admin": "/admin/"}[page]  # fmt: skip
    if page == "admin":
        client.force_login(owner)

    html = client.get(url, **ZH).content.decode()

    assert 'action="/i18n/setlang/"' in html
    assert f'name="next" value="{url.replace("&", "&amp;")}"' in html
    assert 'value="en" lang="en">English</button>' in html
    assert 'value="zh-hant" lang="zh-hant" class="is-current" aria-current="true">繁體中文' in html


# --- The API answers in the language asked for ---------------------------------------


def test_api_refusals_follow_accept_language(client, db):
    vacancy = client.get("/api/lots/999/vacancy", **ZH)
    nearby = client.get("/api/lots/nearby", {"lat": "95", "lng": "121"}, **ZH)
    nowhere = client.get("/api/no-such-thing", **ZH)
    english = client.get("/api/lots/999/vacancy", **EN)

    assert vacancy.json()["code"] == "lot_not_found"
    assert vacancy.json()["message"] == "查無此停車場。"
    assert vacancy["Content-Language"] == "zh-hant"
    assert nearby.json()["message"] == "請求的欄位有誤或缺漏。"
    assert nearby.json()["errors"] == [{"field": "lat", "message": "輸入值必須小於或等於 90"}]
    assert (nowhere.status_code, nowhere.json()["message"]) == (404, "沒有這個 API 端點。")
    assert english.json()["message"] == "There is no such parking lot."
    # The text as written (UTF-8), not \u escapes, whichever part of the stack answered.
    assert "查無此停車場。".encode() in vacancy.content
    assert "沒有這個 API 端點。".encode() in nowhere.content


def test_the_nearby_answer_is_worded_in_the_language_asked_for(client, lot):
    chinese = client.get("/api/lots/nearby", {"lat": "25.0478", "lng": "121.5170"}, **ZH)
    english = client.get("/api/lots/nearby", {"lat": "25.0478", "lng": "121.5170"}, **EN)

    assert chinese.json()["message"] == "3 公里內有 1 個停車場"
    assert english.json()["message"] == "1 parking lot within 3 km"


def test_the_kiosk_api_explains_a_short_plate_in_chinese(client, lot):
    response = client.get(f"/api/kiosk/{lot.pk}/search", {"plate": "AB"}, **ZH)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_plate")
    assert response.json()["message"] == "請輸入車牌中至少 4 個字母或數字。"


def test_a_failure_reason_is_stored_in_english_and_read_in_either(client, parked):
    started = start_payment(client, parked, **ZH).json()
    checkout = Payment.objects.get(pk=started["payment_id"]).redirect_url
    client.post(checkout, {"outcome": "decline"}, **ZH)  # the driver declines, reading Chinese

    payment = Payment.objects.get(pk=started["payment_id"])
    chinese = client.get(f"/api/payments/{payment.pk}", **ZH).json()
    english = client.get(f"/api/payments/{payment.pk}", **EN).json()

    assert payment.failure_reason == "The sandbox declined the payment."
    assert chinese["failure_reason"] == "沙盒拒絕了這筆付款。"
    assert english["failure_reason"] == "The sandbox declined the payment."


def test_a_platforms_own_words_are_shown_as_they_came(client, parked):
    started = start_payment(client, parked).json()
    Payment.objects.filter(pk=started["payment_id"]).update(
        status="failed", failure_reason="Your card was declined."
    )

    page = client.get(f"/kiosk/payments/{started['payment_id']}/", **ZH).content.decode()

    assert "Your card was declined." in page
    assert "付款失敗" in page


# --- Days, times and money ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "money", "day", "day_time"),
    [
        ("en", ["NT$30", "NT$1,200", "NT$12.50", "US$3.10"], "Tue 24 Nov", "Tue 24 Nov, 00:05"),
        ("zh-hant", ["NT$30", "NT$1,200", "NT$12.50", "US$3.10"], "11月24日 (二)",
         "11月24日 (二) 00:05"),
    ],
)  # fmt: skip
def test_days_times_and_money_read_as_the_language_writes_them(language, money, day, day_time):
    # 16:05 UTC on Monday 23 November is five past midnight on Tuesday in Taipei.
    moment = datetime(2026, 11, 23, 16, 5, tzinfo=ZoneInfo("UTC"))
    with translation.override(language):
        assert [
            format_money(3000, "TWD"),
            format_money(120000, "TWD"),
            format_money(1250, "TWD"),
            format_money(310, "USD"),
        ] == money
        assert short_day(moment, TAIPEI) == day
        assert short_day_time(moment, TAIPEI) == day_time
        assert clock_time(moment, TAIPEI) == "00:05"


def test_every_weekday_has_its_chinese_name():
    with translation.override("zh-hant"):
        days = [short_day(datetime(2026, 3, day, 12, tzinfo=TAIPEI), TAIPEI) for day in range(2, 9)]
    names = zip(range(2, 9), "一二三四五六日", strict=True)
    assert days == [f"3月{day}日 ({name})" for day, name in names]


def test_the_kiosk_shows_entry_times_on_a_24_hour_clock(client, gates, entry_gate, lot, clock):
    clock.advance(hours=12)  # 21:00 in Taipei
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    session = ParkingSession.objects.get(pk=session_id)

    english = client.get(f"/kiosk/{lot.pk}/vehicles/{session.pk}/", **EN).content.decode()
    chinese = client.get(f"/kiosk/{lot.pk}/vehicles/{session.pk}/", **ZH).content.decode()

    assert "Mon 2 Mar, 21:00" in english
    assert "3月2日 (一) 21:00" in chinese
    assert "p.m." not in english and "下午" not in chinese


def test_the_admins_own_dates_use_a_24_hour_clock(client, owner, gates, entry_gate, clock):
    clock.advance(hours=12)  # 21:00 in Taipei
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    client.force_login(owner)
    client.post(f"/admin/parking/parkingsession/{session_id}/change/", {"plate": "ABC-1284"}, **EN)

    history = f"/admin/parking/parkingsession/{session_id}/history/"
    english = client.get(history, **EN).content.decode()
    chinese = client.get(history, **ZH).content.decode()

    assert "2 Mar 2026, 21:00" in english
    assert "2026年3月2日 21:00" in chinese
