"""parking.services for owners' changes: remove a vehicle, take back an exit grant, fix a plate."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections

from lots.models import Lot
from parking.models import Direction, ParkingSession
from parking.services import (
    PlateRead,
    SessionState,
    VehicleRefused,
    admit_vehicle,
    correct_plate,
    grant_exit,
    release_vehicle,
    remove_vehicle,
    revoke_exit_grant,
    session_status,
)
from payments.models import Payment
from payments.services import record_manual_payment

from .conftest import make_gate, make_lot


@pytest.fixture
def parked(gates, entry_gate, clock):
    """ABC-1234, in since 09:00; at 10:00 now, NT$30 due."""
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    return ParkingSession.objects.select_related("lot__tariff").get(pk=session_id)


def occupied(lot) -> int:
    return Lot.objects.get(pk=lot.pk).occupied


def test_removing_a_paid_vehicle_frees_its_space_and_keeps_its_payment(parked, owner, lot, clock):
    payment = record_manual_payment(parked.pk, by=owner, now=clock.now())

    removed = remove_vehicle(parked.pk, now=clock.now())

    assert removed.pk == parked.pk
    assert not ParkingSession.objects.exists()
    assert occupied(lot) == 0
    payment.refresh_from_db()
    assert payment.session is None


def test_an_unpaid_vehicle_is_not_removed(parked, lot, clock):
    with pytest.raises(VehicleRefused) as refused:
        remove_vehicle(parked.pk, now=clock.now())

    assert refused.value.code == "payment_required"
    assert ParkingSession.objects.filter(pk=parked.pk).exists()
    assert occupied(lot) == 1


def test_a_vehicle_whose_exit_window_passed_is_unpaid_again_and_not_removed(parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    clock.advance(minutes=16)

    with pytest.raises(VehicleRefused):
        remove_vehicle(parked.pk, now=clock.now())


def test_a_vehicle_gone_already_is_reported_not_found(parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    remove_vehicle(parked.pk, now=clock.now())

    with pytest.raises(VehicleRefused) as refused:
        remove_vehicle(parked.pk, now=clock.now())

    assert refused.value.code == "vehicle_not_found"


def test_taking_back_a_first_grant_bills_from_entry_as_if_never_paid(parked, owner, clock):
    record_manual_payment(parked.pk, by=owner, now=clock.now())
    clock.advance(minutes=5)

    session = revoke_exit_grant(parked.pk, now=clock.now())

    assert (session.billing_from, session.exit_allowed_until) == (parked.entered_at, None)
    status = session_status(session, clock.now())
    assert (status.state, status.amount_due, status.grace_expired) == (
        SessionState.UNPAID, 4500, False,
    )  # fmt: skip
    assert Payment.objects.get().status == "succeeded"


def test_taking_back_a_second_grant_bills_from_where_the_first_ended(parked, clock):
    grant_exit(parked.pk, clock.now() + timedelta(minutes=15), now=clock.now())
    clock.advance(minutes=45)  # 30 minutes past the first window
    grant_exit(parked.pk, clock.now() + timedelta(minutes=15), now=clock.now())

    session = revoke_exit_grant(parked.pk, now=clock.now())

    first_window_end = parked.entered_at + timedelta(hours=1, minutes=15)
    assert session.billing_from == first_window_end
    # 30 minutes since then, no free minutes: one half hour.
    assert session_status(session, clock.now()).amount_due == 1500


def test_only_a_paid_vehicle_has_a_grant_to_take_back(parked, clock):
    with pytest.raises(VehicleRefused) as refused:
        revoke_exit_grant(parked.pk, now=clock.now())

    assert refused.value.code == "not_paid"


def test_correcting_a_plate_updates_its_look_alike_key(parked):
    session = correct_plate(parked.pk, "ABC1284")

    assert (session.plate, session.plate_key) == ("ABC1284", "A8C1284")
    assert ParkingSession.objects.get(pk=parked.pk).plate == "ABC1284"


def test_a_plate_already_in_the_lot_is_refused(parked, gates, entry_gate):
    gates.enter(entry_gate, "ABC-1284")

    with pytest.raises(VehicleRefused) as refused:
        correct_plate(parked.pk, "ABC1284")

    assert refused.value.code == "plate_taken"
    assert ParkingSession.objects.get(pk=parked.pk).plate == "ABC1234"


def test_a_plate_admitted_between_check_and_update_is_refused_by_the_database(
    parked, gates, entry_gate, monkeypatch
):
    """The unique constraint on (lot, plate) settles a race the check cannot see."""
    gates.enter(entry_gate, "ABC-1284")
    monkeypatch.setattr("parking.services.check_plate_free", lambda *args, **kwargs: None)

    with pytest.raises(VehicleRefused) as refused:
        correct_plate(parked.pk, "ABC1284")

    assert refused.value.code == "plate_taken"
    assert ParkingSession.objects.get(pk=parked.pk).plate == "ABC1234"


@pytest.mark.django_db(transaction=True)
def test_removing_cars_as_they_drive_out_frees_each_space_once(owner, clock):
    """The admin and the exit gate lock the same rows in the same order: one wins, never both."""
    lot = make_lot(owner)
    entry_gate, exit_gate = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
    plates = [f"RACE{n}" for n in range(10)]
    for plate in plates:
        admit_vehicle(entry_gate, PlateRead(plate=plate, plate_as_read=plate), now=clock.now())
    clock.advance(hours=1)
    for session in ParkingSession.objects.all():
        grant_exit(session.pk, clock.now() + timedelta(minutes=15), now=clock.now())

    def in_own_connection(work):
        def run(start):
            start.wait()
            try:
                return work()
            finally:
                connections.close_all()

        return run

    def race(plate):
        session_id = ParkingSession.objects.get(plate=plate).pk

        @in_own_connection
        def by_admin():
            try:
                remove_vehicle(session_id, now=clock.now())
            except VehicleRefused as refused:
                return refused.code
            return "removed"

        @in_own_connection
        def at_the_gate():
            read = PlateRead(plate=plate, plate_as_read=plate)
            return release_vehicle(exit_gate, read, now=clock.now()).outcome.value

        start = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            admin, gate = pool.submit(by_admin, start), pool.submit(at_the_gate, start)
            return admin.result(), gate.result()

    outcomes = [race(plate) for plate in plates]

    assert set(outcomes) <= {("removed", "no_entry_record"), ("vehicle_not_found", "exit_granted")}
    assert not ParkingSession.objects.exists()
    assert occupied(lot) == 0
