import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_in_a_browser(live_server, page):
    page.goto(f"{live_server.url}/api/docs")

    page.get_by_text("OpenLot API").first.wait_for()
    assert page.get_by_text("/api/gates/entry").first.is_visible()
