"""Browsers ask every site for an icon: they find ours instead of a 404 in every log."""

import pytest


@pytest.mark.parametrize("page", ["/", "/admin/login/"])
def test_pages_link_the_icon_and_it_is_served(client, db, page):
    html = client.get(page).content.decode()

    assert '<link rel="icon" href="/static/favicon' in html
    href = html.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    icon = client.get(href)
    assert (icon.status_code, icon["Content-Type"]) == (200, "image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)
    icon.close()


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302  # browsers keep a 301, and the hashed name changes
    icon = client.get(response["Location"])
    assert icon["Content-Type"] == "image/svg+xml"
    icon.close()
