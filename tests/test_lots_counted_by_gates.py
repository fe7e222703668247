"""Lot.live_vacancy: a lot's vacancy is live only while an entry gate counts its cars.

A lot imported from open data has a capacity and no gates; the map and the API
must not present its untouched counter as "179 of 179 spaces free".
"""

import importlib

from django.apps import apps

from lots.models import Lot
from parking.models import Direction, Gate

from .conftest import login, make_gate, make_lot

migration = importlib.import_module("parking.migrations.0012_lots_with_gates_are_counted")


def counted(lot) -> bool:
    return Lot.objects.get(pk=lot.pk).live_vacancy


def test_a_lot_is_counted_from_its_first_entry_gate_until_its_last_is_gone(owner):
    lot = make_lot(owner)
    assert not counted(lot)

    make_gate(lot, Direction.EXIT)
    assert not counted(lot)  # an exit gate alone counts nothing in
    north = make_gate(lot, Direction.ENTRY, name="North")
    south = make_gate(lot, Direction.ENTRY, name="South")
    assert counted(lot)

    north.delete()
    assert counted(lot)
    Gate.objects.filter(pk=south.pk).delete()  # as the admin's "delete selected" does
    assert not counted(lot)


def test_a_gate_of_another_lot_does_not_count_this_one(owner, other_owner):
    lot, other = make_lot(owner), make_lot(other_owner, name="Bob's Lot")

    make_gate(other, Direction.ENTRY)

    assert (counted(lot), counted(other)) == (False, True)


def test_saving_a_lot_read_before_its_first_gate_keeps_it_counted(owner):
    lot = make_lot(owner)
    make_gate(lot, Direction.ENTRY)

    lot.name = "Renamed"  # `lot` still says live_vacancy=False: it was read before the gate
    lot.save()

    assert counted(lot)
    assert Lot.objects.get(pk=lot.pk).name == "Renamed"


def test_a_gate_added_in_the_admin_makes_the_lot_counted(client, owner, lot):
    assert not counted(lot)

    response = login(client, owner).post(
        "/admin/parking/gate/add/",
        {"lot": lot.pk, "name": "North entry", "direction": "entry", "language": "en"},
    )

    assert response.status_code == 200  # the page that shows the new token once
    assert counted(lot)


def test_the_migration_marks_lots_that_had_gates_before(owner):
    gated, imported = make_lot(owner, name="Gated"), make_lot(owner, name="Imported")
    exit_only = make_lot(owner, name="Exit only")
    make_gate(gated, Direction.ENTRY)
    make_gate(exit_only, Direction.EXIT)
    Lot.objects.update(live_vacancy=False)  # as every lot was before the column

    migration.mark_lots_with_gates(apps, None)

    assert [counted(lot) for lot in (gated, imported, exit_only)] == [True, False, False]
