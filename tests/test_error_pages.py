"""A page that does not exist, or a failure, is explained in the reader's language."""

from django.utils import translation
from django.views.defaults import server_error


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
