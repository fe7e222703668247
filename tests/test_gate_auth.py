"""Gate tokens: the bearer token decides the lot and the direction."""

import pytest

from parking.models import Gate, GateEvent, ParkingSession, hash_token

pytestmark = pytest.mark.usefixtures("gate_path")


def post_entry(client, headers, plate="ABC-1234"):
    return client.post(
        "/api/gates/entry", data={"plate": plate}, content_type="application/json", headers=headers
    )


NO_TOKEN = 'Bearer realm="openlot"'
BAD_TOKEN = 'Bearer realm="openlot", error="invalid_token"'


@pytest.mark.parametrize(
    "headers, challenge",
    [
        ({}, NO_TOKEN),
        ({"Authorization": "Bearer "}, NO_TOKEN),
        ({"Authorization": "Bearer olg_not-a-real-token"}, BAD_TOKEN),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, NO_TOKEN),
        ({"Authorization": "Bearer " + "x" * 5000}, BAD_TOKEN),
    ],
)
def test_it_rejects_a_missing_or_wrong_token(client, entry_gate, headers, challenge):
    response = post_entry(client, headers)

    assert response.status_code == 401
    assert response.json()["open"] is False
    assert response.json()["code"] == "unauthorized"
    assert "Bearer" in response.json()["message"]
    # RFC 6750: a 401 says which scheme to use, and whether the token sent was refused.
    assert response["WWW-Authenticate"] == challenge
    assert not GateEvent.objects.exists()


def test_it_rejects_a_revoked_token(client, entry_gate, clock):
    Gate.objects.filter(pk=entry_gate.pk).update(revoked_at=clock.now())

    response = post_entry(client, {"Authorization": f"Bearer {entry_gate.token}"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert response["WWW-Authenticate"] == BAD_TOKEN
    assert not ParkingSession.objects.exists()


def test_an_exit_gate_cannot_admit_cars(client, exit_gate):
    response = post_entry(client, {"Authorization": f"Bearer {exit_gate.token}"})

    assert response.status_code == 403
    assert response.json() == {
        "open": False,
        "code": "wrong_direction",
        "message": "This token belongs to an exit gate.",
    }
    assert not ParkingSession.objects.exists()
    assert not GateEvent.objects.exists()


def test_an_entry_gate_cannot_let_cars_out(gates, entry_gate):
    response = gates.post(entry_gate, {"plate": "ABC-1234"}, direction="exit")

    assert response.status_code == 403
    assert response.json()["code"] == "wrong_direction"


def test_only_a_hash_of_the_token_is_stored(entry_gate):
    gate = Gate.objects.get(pk=entry_gate.pk)
    assert gate.token_hash == hash_token(entry_gate.token)
    assert entry_gate.token not in gate.token_hash
    assert gate.token_hint == entry_gate.token[:10]


def test_a_gate_call_records_when_the_gate_was_last_seen(gates, entry_gate, clock):
    gates.enter(entry_gate, "ABC-1234")

    assert Gate.objects.get(pk=entry_gate.pk).last_seen_at == clock.now()
