"""Gate calls skip the browser middleware (config/machine.py) and lose nothing a gate needs."""

import re

import pytest
from django.urls import reverse

from config.machine import GATE_PATH_PREFIX

pytestmark = pytest.mark.usefixtures("gate_path")


def test_every_gate_endpoint_is_under_the_prefix_the_middleware_answers():
    assert reverse("api:gate_entry").startswith(GATE_PATH_PREFIX)
    assert reverse("api:gate_exit").startswith(GATE_PATH_PREFIX)


def test_a_gate_answer_has_a_length_and_the_security_headers(gates, entry_gate):
    response = gates.enter(entry_gate, "ABC-1234")

    assert response.status_code == 201
    assert response["Content-Length"] == str(len(response.content))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_gate_call_to_a_host_not_served_is_refused_and_admits_nobody(
    gates, settings, entry_gate, lot
):
    settings.ALLOWED_HOSTS = ["parking.example.com"]

    response = gates.post(entry_gate, {"plate": "ABC-1234"}, HTTP_HOST="evil.example")

    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    assert response.json()["message"] == "This server does not answer requests for this host."
    lot.refresh_from_db()
    assert lot.occupied == 0


def test_a_user_agent_turned_away_is_turned_away_at_the_gate_too(gates, settings, entry_gate, lot):
    settings.DISALLOWED_USER_AGENTS = [re.compile(r"BadBot")]

    response = gates.post(entry_gate, {"plate": "ABC-1234"}, HTTP_USER_AGENT="BadBot/1.0")

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert response.json()["message"] == "This client is not allowed to use the API."
    lot.refresh_from_db()
    assert lot.occupied == 0


def test_a_refusal_has_a_length_too(client, db):
    response = client.post(
        "/api/gates/entry", data={"plate": "ABC-1234"}, content_type="application/json"
    )

    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
    assert response["Content-Length"] == str(len(response.content))


def test_an_unknown_token_is_answered_in_its_language_after_a_kiosk_page_in_another(client, lot):
    # Same thread, one request after the other: the kiosk page leaves Chinese active.
    client.get(reverse("kiosk", args=[lot.pk]), HTTP_ACCEPT_LANGUAGE="zh-TW")

    response = client.post(
        "/api/gates/entry",
        data={"plate": "ABC-1234"},
        content_type="application/json",
        headers={"Authorization": "Bearer olg_no-such-gate"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.json()["message"] == (
        "A valid gate token is required: Authorization: Bearer <token>."
    )
    assert response["Content-Language"] == "en"


def test_an_unknown_gate_path_and_a_wrong_method_answer_in_json(client, entry_gate):
    missing = client.post("/api/gates/enter", data={}, content_type="application/json")
    wrong_method = client.get("/api/gates/entry")

    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "method_not_allowed")
    # Said by the stack, not the gate API, and still shaped as a gate's answer.
    assert missing.json()["open"] is False and wrong_method.json()["open"] is False


def test_a_gate_view_kept_from_one_urlconf_is_not_answered_under_another(client, settings, db):
    # The benchmark's URLconf adds a bare view where gate calls are answered.
    settings.ROOT_URLCONF = "benchmarks.urls"
    assert client.post("/api/gates/bench/bare").json()["code"] == "bare"

    settings.ROOT_URLCONF = "config.urls"
    response = client.post("/api/gates/bench/bare")

    assert response.status_code == 404
    assert "bare" not in response.content.decode()
