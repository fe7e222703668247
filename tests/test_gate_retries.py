"""A gate that retries a read with the same read_id gets the first answer again."""

import uuid

import pytest

from lots.models import Lot
from parking.models import GateEvent, ParkingSession

pytestmark = pytest.mark.usefixtures("gate_path")


def test_a_retried_entry_is_answered_as_the_first_time(gates, entry_gate, lot):
    read_id = str(uuid.uuid4())
    first = gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    retry = gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert ParkingSession.objects.count() == 1
    assert Lot.objects.get(pk=lot.pk).occupied == 1
    assert GateEvent.objects.count() == 1


def test_a_retried_exit_frees_the_space_once(gates, entry_gate, exit_gate, lot):
    gates.enter(entry_gate, "ABC-1234")
    gates.enter(entry_gate, "XYZ-5678")
    read_id = str(uuid.uuid4())

    first = gates.leave(exit_gate, "ABC-1234", read_id=read_id)
    retry = gates.leave(exit_gate, "ABC-1234", read_id=read_id)

    assert first.status_code == retry.status_code == 200
    assert retry.json()["code"] == "exit_granted"
    assert Lot.objects.get(pk=lot.pk).occupied == 1
    assert GateEvent.objects.filter(direction="exit").count() == 1


@pytest.mark.parametrize("again", ["abc 1234", "ABC1234", "ＡＢＣ－１２３４"])
def test_a_retry_with_its_plate_formatted_otherwise_is_still_a_retry(
    gates, entry_gate, exit_gate, lot, again
):
    # The gate's firmware formats the plate it sends again in its own way: same plate.
    read_ids = {"entry": str(uuid.uuid4()), "exit": str(uuid.uuid4())}
    first = gates.enter(entry_gate, "ABC-1234", read_id=read_ids["entry"])
    retry = gates.enter(entry_gate, again, read_id=read_ids["entry"])
    assert (retry.status_code, retry.json()) == (201, first.json())

    first = gates.leave(exit_gate, "ABC-1234", read_id=read_ids["exit"])
    retry = gates.leave(exit_gate, again, read_id=read_ids["exit"])
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert GateEvent.objects.count() == 2
    assert Lot.objects.get(pk=lot.pk).occupied == 0


def test_a_retried_refusal_stays_a_refusal(gates, entry_gate, lot):
    Lot.objects.filter(pk=lot.pk).update(capacity=0)
    read_id = str(uuid.uuid4())

    assert gates.enter(entry_gate, "ABC-1234", read_id=read_id).status_code == 409
    assert gates.enter(entry_gate, "ABC-1234", read_id=read_id).status_code == 409
    assert GateEvent.objects.count() == 1


def test_a_new_read_of_the_same_car_is_a_new_decision(gates, entry_gate, lot):
    gates.enter(entry_gate, "ABC-1234", read_id=str(uuid.uuid4()))

    response = gates.enter(entry_gate, "ABC-1234", read_id=str(uuid.uuid4()))

    assert response.json()["code"] == "already_inside"
    assert GateEvent.objects.count() == 2


def test_a_read_id_reused_for_another_plate_is_refused(gates, entry_gate, lot):
    read_id = str(uuid.uuid4())
    gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    response = gates.enter(entry_gate, "XYZ-5678", read_id=read_id)

    assert response.status_code == 422
    assert response.json()["code"] == "read_id_reused"
    assert response.json()["open"] is False
    assert not ParkingSession.objects.filter(plate="XYZ5678").exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 1


def test_read_ids_are_per_gate(gates, entry_gate, lot):
    from .conftest import make_gate

    second_gate = make_gate(lot, "entry", name="Entry 2")
    read_id = str(uuid.uuid4())
    gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    response = gates.enter(second_gate, "XYZ-5678", read_id=read_id)

    assert response.status_code == 201


def test_an_old_read_id_is_a_new_read_and_never_reopens_for_a_car_that_owes(
    gates, entry_gate, exit_gate, clock
):
    read_id = str(uuid.uuid4())
    gates.enter(entry_gate, "ABC-1234")
    assert gates.leave(exit_gate, "ABC-1234", read_id=read_id).json()["code"] == "exit_granted"
    clock.advance(days=1)
    gates.enter(entry_gate, "ABC-1234")
    clock.advance(hours=5)

    # Gate firmware reused yesterday's read_id after a reboot.
    response = gates.leave(exit_gate, "ABC-1234", read_id=read_id)

    assert response.status_code == 402
    assert response.json()["code"] == "payment_required"
    assert ParkingSession.objects.filter(plate="ABC1234").exists()
    assert GateEvent.objects.filter(read_id=read_id).count() == 1  # the new decision holds it


def test_a_read_id_is_still_a_retry_within_its_time_to_live(gates, entry_gate, lot, clock):
    read_id = str(uuid.uuid4())
    first = gates.enter(entry_gate, "ABC-1234", read_id=read_id)
    clock.advance(minutes=9)

    retry = gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    assert retry.status_code == 201
    assert retry.json() == first.json()
