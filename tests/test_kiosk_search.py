"""GET /api/kiosk/{lot}/search: at most six parked cars like the typed plate, best first,
never the lot's plates wholesale, rate-limited per client."""

import os
import subprocess
import sys
from datetime import datetime

import pytest

from .conftest import make_gate, make_lot
from .servers import BASE_DIR


def park(gates, gate, *plates):
    for plate in plates:
        assert gates.enter(gate, plate).status_code == 201


def search(client, lot, plate, **extra):
    return client.get(f"/api/kiosk/{lot.pk}/search", {"plate": plate}, **extra)


def plates(response):
    assert response.status_code == 200, response.content
    return [candidate["plate"] for candidate in response.json()]


def test_a_camera_misread_is_found_from_the_real_plate(client, gates, entry_gate, lot):
    park(gates, entry_gate, "A8C-I234", "XYZ-9999")

    assert plates(search(client, lot, "abc-1234")) == ["A8CI234"]


def test_a_candidate_carries_its_photo_and_entry_time(client, gates, entry_gate, lot, clock):
    gates.enter(entry_gate, "ABC-1234", photo_url="https://cams.example/abc.jpg")

    (candidate,) = search(client, lot, "ABC1234").json()

    assert candidate["plate"] == "ABC1234"
    assert candidate["photo_url"] == "https://cams.example/abc.jpg"
    assert datetime.fromisoformat(candidate["entered_at"]) == clock.now()
    assert candidate["session_id"]


def test_a_plate_typed_on_a_cyrillic_keyboard_finds_the_car(client, gates, entry_gate, lot):
    park(gates, entry_gate, "A123BC77")

    assert plates(search(client, lot, "\u0430123\u0432\u0441")) == ["A123BC77"]  # а123вс


def test_one_typo_away_is_found(client, gates, entry_gate, lot):
    park(gates, entry_gate, "ABC-1234")

    assert plates(search(client, lot, "ABC1235")) == ["ABC1234"]  # one replaced
    assert plates(search(client, lot, "ABC124")) == ["ABC1234"]  # one missing
    assert plates(search(client, lot, "ABCX1234")) == ["ABC1234"]  # one extra


def test_part_of_the_plate_is_enough(client, gates, entry_gate, lot):
    park(gates, entry_gate, "ABC-1234", "XYZ-1234", "KLM-5678")

    assert sorted(plates(search(client, lot, "1234"))) == ["ABC1234", "XYZ1234"]


def test_the_best_match_comes_first(client, gates, entry_gate, lot):
    park(gates, entry_gate, "ZABC1234", "ABC1235", "A8C1234", "ABC1234")

    assert plates(search(client, lot, "ABC1234")) == ["ABC1234", "A8C1234", "ABC1235", "ZABC1234"]


def test_a_plate_holding_all_that_was_typed_comes_before_one_lacking_a_character(
    client, gates, entry_gate, lot
):
    park(gates, entry_gate, "ABC", "ABC-123")

    assert plates(search(client, lot, "abc1")) == ["ABC123", "ABC"]


def test_at_most_six_cars_are_shown(client, gates, entry_gate, lot):
    park(gates, entry_gate, *[f"AAA-{n:04d}" for n in range(12)])

    assert len(plates(search(client, lot, "AAA0"))) == 6


def test_nothing_similar_is_an_empty_list(client, gates, entry_gate, lot):
    park(gates, entry_gate, "ABC-1234")

    assert plates(search(client, lot, "XYZ-987")) == []


@pytest.mark.parametrize("typed", ["ABC", "123", "A-B-C", "AB", "", "--", "A B"])
def test_fewer_than_four_characters_are_refused(client, gates, entry_gate, lot, typed):
    # As Taiwan's pay stations ask for a plate's last four: with three, every lot could
    # be listed by searching "000" to "999" (docs/payments.md).
    park(gates, entry_gate, "ABC-1234", "ABC", "XY-123")

    response = search(client, lot, typed)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_plate")
    assert response.json()["message"] == "Type at least 4 letters or digits of the plate."


def test_only_this_lots_cars_are_searched(client, gates, entry_gate, lot, other_owner):
    other_lot = make_lot(other_owner, name="Elsewhere")
    park(gates, make_gate(other_lot, "entry"), "ABC-1234")

    assert plates(search(client, lot, "ABC1234")) == []


def test_an_unknown_lot_is_not_found(client, db):
    response = client.get("/api/kiosk/999/search", {"plate": "ABC1234"})

    assert (response.status_code, response.json()["code"]) == (404, "lot_not_found")


def test_a_lot_id_written_as_a_python_literal_is_refused(client, gates, entry_gate, lot):
    park(gates, entry_gate, "ABC1234")

    # Python's int() reads "0_7" as 7: the search must not run in this lot.
    response = client.get(f"/api/kiosk/0_{lot.pk}/search", {"plate": "ABC1234"})

    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert [error["field"] for error in response.json()["errors"]] == ["lot_id"]


def test_searches_are_rate_limited_per_client(client, gates, entry_gate, lot, clock, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["5/60", "100/3600"]
    park(gates, entry_gate, "ABC-1234")
    for _attempt in range(5):
        assert search(client, lot, "ABC1234").status_code == 200

    refused = search(client, lot, "ABC1234")

    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert refused["Retry-After"] == "60"
    assert "wait 60 seconds" in refused.json()["message"]
    # Another client is not affected.
    assert search(client, lot, "ABC1234", REMOTE_ADDR="10.0.0.9").status_code == 200
    # The next minute, this client may search again.
    clock.advance(minutes=1)
    assert search(client, lot, "ABC1234").status_code == 200


def test_the_last_second_of_a_limit_is_worded_in_the_singular(client, lot, clock, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["1/60"]
    assert search(client, lot, "ABC1234").status_code == 200
    clock.advance(seconds=59)

    refused = search(client, lot, "ABC1234")

    assert refused["Retry-After"] == "1"
    assert refused.json()["message"] == "Too many searches. Please wait 1 second."


def test_the_hourly_limit_holds_across_minutes(client, lot, clock, settings):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["5/60", "8/3600"]
    for _minute in range(2):
        for _attempt in range(4):
            assert search(client, lot, "ABC1234").status_code == 200
        clock.advance(minutes=1)

    assert search(client, lot, "ABC1234").status_code == 429


def test_behind_a_proxy_the_configured_header_names_the_client(client, lot, settings, clock):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.1"}
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.7, 10.0.0.2"}

    assert search(client, lot, "ABC1234", **first).status_code == 200
    assert search(client, lot, "ABC1234", **first).status_code == 200
    assert search(client, lot, "ABC1234", **first).status_code == 429
    assert search(client, lot, "ABC1234", **second).status_code == 200


def test_in_production_the_limits_live_in_the_database_cache_that_migrate_creates(tmp_path):
    # Production's default cache is shared by every app server: a database table.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "parking.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "KIOSK_SEARCH_RATE_LIMITS": "2/86400",
    }
    env.pop("CACHE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    code = (
        "from django.test import RequestFactory; from django.utils import timezone; "
        "from payments.ratelimit import kiosk_search_retry_after as limit; "
        "request = RequestFactory().get('/'); "
        "print([limit(request, now=timezone.now()) is None for _ in range(3)])"
    )
    output = subprocess.run(
        [*manage, "shell", "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )

    assert output.returncode == 0, output.stderr
    assert output.stdout.strip().splitlines()[-1] == "[True, True, False]"


def test_the_header_is_named_as_for_the_admin_login(client, lot, settings, clock):
    # One setting for both limits: the header as it is sent.
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    for n in range(2):
        assert (
            search(client, lot, "ABC1234", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code == 200
        )
    # A third driver behind the same proxy is someone else, not the proxy again.
    assert search(client, lot, "ABC1234", HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 200


def test_the_lots_own_kiosk_terminals_are_never_limited(client, lot, settings, clock):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    settings.KIOSK_TRUSTED_ADDRESSES = ["192.168.10.0/24"]
    for _ in range(10):
        assert search(client, lot, "ABC1234", REMOTE_ADDR="192.168.10.21").status_code == 200
    search(client, lot, "ABC1234", REMOTE_ADDR="203.0.113.5")
    search(client, lot, "ABC1234", REMOTE_ADDR="203.0.113.5")
    assert search(client, lot, "ABC1234", REMOTE_ADDR="203.0.113.5").status_code == 429


def test_an_ipv6_client_is_counted_by_its_64_network(client, lot, settings, clock):
    # A subscriber holds a whole /64: stepping to a fresh address must not reset the count.
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    for n in range(2):
        assert search(client, lot, "ABC1234", REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code == 200

    assert search(client, lot, "ABC1234", REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    # The next /64 is someone else; an IPv4 address written as IPv6 is that IPv4 address.
    assert search(client, lot, "ABC1234", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200
    assert search(client, lot, "ABC1234", REMOTE_ADDR="::ffff:203.0.113.5").status_code == 200
    assert search(client, lot, "ABC1234", REMOTE_ADDR="203.0.113.5").status_code == 200
    assert search(client, lot, "ABC1234", REMOTE_ADDR="203.0.113.5").status_code == 429


def test_a_port_written_after_the_address_is_the_same_client(client, lot, settings, clock):
    # Some load balancers write "address:port" into X-Forwarded-For: each connection's
    # own port must not make a fresh client.
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    sent = ["203.0.113.5:4001", "203.0.113.5:4002", "203.0.113.5"]
    answers = [search(client, lot, "ABC1234", HTTP_X_FORWARDED_FOR=a).status_code for a in sent]
    assert answers == [200, 200, 429]

    ipv6 = ["[2001:db8::1]:443", "[2001:db8::2]:444", "2001:db8::3"]
    answers = [search(client, lot, "ABC1234", HTTP_X_FORWARDED_FOR=a).status_code for a in ipv6]
    assert answers == [200, 200, 429]


def test_clients_whose_address_cannot_be_read_share_one_count(client, lot, settings, clock):
    settings.KIOSK_SEARCH_RATE_LIMITS = ["2/60"]
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    sent = ["unknown", "garbage-1", "not an address"]
    answers = [search(client, lot, "ABC1234", HTTP_X_FORWARDED_FOR=a).status_code for a in sent]
    assert answers == [200, 200, 429]


def test_a_terminal_seen_through_an_ipv6_socket_is_still_the_terminal(client, lot, settings):
    # gunicorn listening on [::] sees IPv4 clients as ::ffff:a.b.c.d.
    settings.KIOSK_SEARCH_RATE_LIMITS = ["1/60"]
    settings.KIOSK_TRUSTED_ADDRESSES = ["192.168.10.0/24"]
    for _ in range(3):
        assert search(client, lot, "ABC1234", REMOTE_ADDR="::ffff:192.168.10.21").status_code == 200


def test_a_long_wait_is_said_in_minutes(client, lot, settings, clock):
    # An hourly limit: "59 minutes", not "3539 seconds". (The clock starts on the hour.)
    settings.KIOSK_SEARCH_RATE_LIMITS = ["1/3600"]
    search(client, lot, "ABC1234")
    clock.advance(seconds=61)

    refused = search(client, lot, "ABC1234")

    assert refused["Retry-After"] == "3539"
    assert refused.json()["message"] == "Too many searches. Please wait 59 minutes."
    clock.advance(seconds=3539 - 90)  # a minute and a half left: in seconds again
    assert search(client, lot, "ABC1234").json()["message"] == (
        "Too many searches. Please wait 90 seconds."
    )
