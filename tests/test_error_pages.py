"""A page that does not exist, or a failure, is explained in the reader's language."""

import pytest
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

from .conftest import login


def test_a_missing_page_is_explained_in_the_readers_language(client, db):
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-TW")

    assert english.status_code == chinese.status_code == 404
    assert "There is no page at this address." in english.content.decode()
    assert "這個網址沒有網頁。" in chinese.content.decode()
    assert 'href="/"' in chinese.content.decode()  # back to the map


def test_a_failure_is_explained_in_the_readers_language(rf):
    with translation.override("zh-hant"):
        response = server_error(rf.get("/kiosk/1/"))

    assert response.status_code == 500
    assert "系統發生錯誤" in response.content.decode()
    assert "Server Error" not in response.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "/admin/parking/parkingsession/?plate=%00",
        "/admin/parking/gateevent/?plate_as_read=AB%00C",
        "/admin/autocomplete/?app_label=parking&model_name=gate&field_name=lot&term=%00",
        "/admin/parking/parkingsession/?q=ABC%00",
        "/?q=%00",
    ],
)
def test_a_nul_character_in_an_address_is_a_bad_request_not_a_failure(client, owner, lot, address):
    # PostgreSQL's text cannot hold a NUL: these admin filters answered 500 there.
    login(client, owner)

    english = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(address, HTTP_ACCEPT_LANGUAGE="zh-TW")

    assert english.status_code == chinese.status_code == 400
    assert "its address or what it sent cannot be read" in english.content.decode()
    assert "無法讀取" in chinese.content.decode()


def test_the_same_pages_answer_without_the_nul(client, owner, lot):
    login(client, owner)

    assert client.get("/admin/parking/parkingsession/?plate=ABC").status_code == 200
    assert client.get("/admin/parking/parkingsession/?q=%2500").status_code == 200


def test_a_form_refused_by_the_csrf_check_says_what_to_do_in_the_readers_language(lot):
    # A browser that blocks cookies, or a kiosk page kept open from before: the form
    # arrives without its token.
    browser = Client(enforce_csrf_checks=True)
    english = browser.post(f"/kiosk/{lot.pk}/", {"plate": "ABC1234"}, HTTP_ACCEPT_LANGUAGE="en")
    chinese = browser.post(f"/kiosk/{lot.pk}/", {"plate": "ABC1234"}, HTTP_ACCEPT_LANGUAGE="zh-TW")

    assert english.status_code == chinese.status_code == 403
    page = english.content.decode()
    assert "This form could not be sent" in page
    assert "allow cookies for this site" in page
    assert f'<a class="button" href="/kiosk/{lot.pk}/">Try again</a>' in page
    assert "CSRF" not in page
    assert "無法送出" in chinese.content.decode()


def test_the_way_back_from_a_refused_form_is_the_page_it_was_on(lot):
    # The language switcher posts to /i18n/setlang/: the way back is the kiosk page
    # it was on (its Referer), not the switcher's own address, whose GET goes to the map.
    browser = Client(enforce_csrf_checks=True)
    kiosk_page = f"http://testserver/kiosk/{lot.pk}/?plate=abc1"

    switched = browser.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=kiosk_page)
    elsewhere = browser.post(
        "/i18n/setlang/", {"language": "en"}, HTTP_REFERER="https://evil.example/"
    )

    assert f'<a class="button" href="{kiosk_page}">' in switched.content.decode()
    assert '<a class="button" href="/i18n/setlang/">' in elsewhere.content.decode()


def test_a_page_someone_may_not_open_says_so_in_the_readers_language(client, owner, lot):
    # A lot owner is staff, but may not open the users' list (superusers only).
    login(client, owner)

    response = client.get("/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert "You are not allowed to open this page." in response.content.decode()
    # The way back is to the admin, not to the public map.
    assert '<a class="button" href="/admin/">Back to the admin</a>' in response.content.decode()


def test_an_owners_not_found_in_the_admin_leads_back_to_the_admin(client, owner, lot):
    login(client, owner)

    in_admin = client.get("/admin/parking/parkingsession/not-a-car/change/")
    elsewhere = client.get("/no-such-page/")

    assert in_admin.status_code == elsewhere.status_code == 404
    assert '<a class="button" href="/admin/">' in in_admin.content.decode()
    assert '<a class="button" href="/">' in elsewhere.content.decode()
