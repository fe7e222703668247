"""POST /api/gates/entry: the entry gate opens when a space is free."""

import pytest

from lots.models import Lot
from parking.models import GateEvent, ParkingSession

pytestmark = pytest.mark.usefixtures("gate_path")


def test_it_admits_a_car_and_takes_a_space(gates, entry_gate, lot, clock):
    response = gates.enter(entry_gate, "abc-1234", photo_url="https://cam.example/1.jpg")

    assert response.status_code == 201
    body = response.json()
    assert body["open"] is True
    assert body["code"] == "entered"
    assert body["message"] == "Welcome"
    assert body["plate"] == "ABC1234"
    assert body["available"] == 19
    session = ParkingSession.objects.get()
    assert str(session.pk) == body["session_id"]
    assert session.plate == "ABC1234"
    assert session.plate_as_read == "abc-1234"
    assert session.photo_url == "https://cam.example/1.jpg"
    assert session.entered_at == session.billing_from == clock.now()
    assert session.exit_allowed_until is None
    assert Lot.objects.get(pk=lot.pk).occupied == 1


def test_it_logs_the_decision(gates, entry_gate, lot, clock):
    gates.enter(entry_gate, "ABC-1234")

    event = GateEvent.objects.get()
    assert (event.lot, event.gate, event.direction) == (lot, entry_gate, "entry")
    assert (event.plate, event.plate_as_read, event.outcome) == ("ABC1234", "ABC-1234", "entered")
    assert event.session_id == ParkingSession.objects.get().pk
    assert event.created_at == clock.now()


def test_a_photo_url_is_optional(gates, entry_gate):
    response = gates.enter(entry_gate, "ABC-1234")
    assert response.status_code == 201
    assert ParkingSession.objects.get().photo_url == ""


def test_a_plate_already_inside_opens_again_without_counting_twice(gates, entry_gate, lot):
    first = gates.enter(entry_gate, "ABC-1234").json()

    again = gates.enter(entry_gate, "ａｂｃ　１２３４")

    assert again.status_code == 200
    assert again.json()["open"] is True
    assert again.json()["code"] == "already_inside"
    assert again.json()["session_id"] == first["session_id"]
    assert ParkingSession.objects.count() == 1
    assert Lot.objects.get(pk=lot.pk).occupied == 1
    assert list(GateEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "entered",
        "already_inside",
    ]


def test_a_full_lot_refuses_with_parking_full(gates, entry_gate, lot):
    Lot.objects.filter(pk=lot.pk).update(capacity=2)
    gates.enter(entry_gate, "AAA-1111")
    gates.enter(entry_gate, "BBB-2222")

    response = gates.enter(entry_gate, "CCC-3333")

    assert response.status_code == 409
    assert response.json() == {
        "open": False,
        "code": "full",
        "message": "Parking full",
        "plate": "CCC3333",
        "session_id": None,
        "available": 0,
        "amount_due": None,
        "amount_due_display": None,
        "currency": "TWD",
    }
    assert not ParkingSession.objects.filter(plate="CCC3333").exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 2
    assert GateEvent.objects.filter(outcome="full", plate="CCC3333").count() == 1


def test_a_car_inside_a_full_lot_is_still_let_in_again(gates, entry_gate, lot):
    Lot.objects.filter(pk=lot.pk).update(capacity=1)
    gates.enter(entry_gate, "AAA-1111")

    response = gates.enter(entry_gate, "AAA-1111")

    assert response.status_code == 200
    assert response.json()["code"] == "already_inside"


def test_a_closed_lot_admits_nobody(gates, entry_gate, lot):
    Lot.objects.filter(pk=lot.pk).update(is_active=False)

    response = gates.enter(entry_gate, "AAA-1111")

    assert response.status_code == 409
    assert response.json()["code"] == "lot_closed"
    assert response.json()["open"] is False
    assert response.json()["available"] == 0  # not its 10 empty spaces: none can be had
    assert not ParkingSession.objects.exists()


def test_the_same_plate_may_park_in_two_lots(gates, entry_gate, other_lot):
    from .conftest import make_gate

    other_gate = make_gate(other_lot, "entry")
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    assert gates.enter(other_gate, "ABC-1234").status_code == 201
    assert ParkingSession.objects.count() == 2
