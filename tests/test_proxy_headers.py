"""HTTPS as the load balancer says it: X-Forwarded-Proto is believed from the proxies in
FORWARDED_ALLOW_IPS only; anyone else claiming HTTPS over plain HTTP is redirected."""

import secrets

import pytest
import requests

from .servers import gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def production(forwarded_allow_ips: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "FORWARDED_ALLOW_IPS": forwarded_allow_ips,
    }


@pytest.mark.parametrize(
    ("proxies", "status"),
    [
        ("127.0.0.1", 200),  # the load balancer: its word is taken
        ("10.9.9.9", 301),  # a client of its own: sent to HTTPS first
    ],
)
def test_https_is_believed_only_from_the_configured_proxies(proxies, status):
    with gunicorn(workers=1, threads=1, extra_env=production(proxies)) as url:
        response = requests.get(
            f"{url}/api/lots/nearby?lat=25.0478&lng=121.517",
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=30,
        )

    assert response.status_code == status
    if status == 301:
        assert response.headers["Location"].startswith("https://127.0.0.1:")
