"""GET /api/lots/{id}/vacancy: live free spaces, for the map and signs."""

import pytest
from django.utils.dateparse import parse_datetime

from lots.models import Lot


def test_it_shows_the_live_vacancy(client, gates, entry_gate, lot, clock):
    gates.enter(entry_gate, "ABC-1234")

    response = client.get(f"/api/lots/{lot.pk}/vacancy")

    assert response.status_code == 200
    body = response.json()
    assert parse_datetime(body.pop("updated_at")) == clock.now()
    assert body == {
        "id": lot.pk,
        "name": "Riverside",
        "capacity": 20,
        "occupied": 1,
        "available": 19,
        "live": True,
    }


def test_a_lot_without_gates_says_its_vacancy_is_not_live(client, lot):
    # e.g. imported from open data: its size is known, its cars are not counted
    body = client.get(f"/api/lots/{lot.pk}/vacancy").json()

    assert (body["capacity"], body["live"]) == (20, False)


def test_an_unknown_lot_is_not_found(client, db):
    response = client.get("/api/lots/999999/vacancy")

    assert response.status_code == 404
    assert response.json() == {"code": "lot_not_found", "message": "There is no such parking lot."}


def test_an_inactive_lot_is_not_found(client, lot):
    Lot.objects.filter(pk=lot.pk).update(is_active=False)

    assert client.get(f"/api/lots/{lot.pk}/vacancy").status_code == 404


@pytest.mark.parametrize("written", ["abc", "0_{pk}"])
def test_a_lot_id_must_be_a_number(client, lot, written):
    # Python's int() reads "0_7" as 7: it must not answer for this lot.
    response = client.get(f"/api/lots/{written.format(pk=lot.pk)}/vacancy")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["errors"][0]["field"] == "lot_id"
