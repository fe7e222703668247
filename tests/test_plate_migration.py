"""Migration parking 0011: the plates of cars parked while Cyrillic and Greek letters
drawn like Latin ones were kept in their script are rewritten in Latin, so those cars
are found as plates are read now."""

import importlib

from django.apps import apps

from parking.models import ParkingSession

migration = importlib.import_module("parking.migrations.0011_plates_in_latin_where_they_look_latin")
CYRILLIC = "\u0410123\u0412\u041577"  # А123ВЕ77


def parked_before(gates, entry_gate, plate):
    """A car inside whose plate was stored as read, in its script (its key unfolded)."""
    session_id = gates.enter(entry_gate, "TEMP-0001").json()["session_id"]
    ParkingSession.objects.filter(pk=session_id).update(plate=plate, plate_key=plate)
    return session_id


def test_a_cyrillic_plate_is_rewritten_in_latin_and_leaves_on_a_latin_read(
    gates, entry_gate, exit_gate
):
    session_id = parked_before(gates, entry_gate, CYRILLIC)

    migration.plates_in_latin(apps, None)

    session = ParkingSession.objects.get(pk=session_id)
    assert (session.plate, session.plate_key) == ("A123BE77", "A1238E77")
    assert gates.leave(exit_gate, "A123BE77").json()["code"] == "exit_granted"


def test_a_plate_inside_in_latin_too_keeps_its_script_and_both_are_found(
    client, gates, entry_gate, lot
):
    latin_id = gates.enter(entry_gate, "A123BE77").json()["session_id"]
    cyrillic_id = parked_before(gates, entry_gate, CYRILLIC)

    migration.plates_in_latin(apps, None)

    cyrillic = ParkingSession.objects.get(pk=cyrillic_id)
    assert (cyrillic.plate, cyrillic.plate_key) == (CYRILLIC, "A1238E77")
    assert ParkingSession.objects.get(pk=latin_id).plate == "A123BE77"
    found = client.get(f"/api/kiosk/{lot.pk}/search", {"plate": "A123BE77"}).json()
    assert {car["session_id"] for car in found} == {latin_id, cyrillic_id}


def test_plates_in_latin_and_in_other_scripts_stay_as_they_are(gates, entry_gate):
    japanese_id = parked_before(gates, entry_gate, "\u54c1\u5ddd330")  # 品川330
    latin_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]

    migration.plates_in_latin(apps, None)

    assert ParkingSession.objects.get(pk=japanese_id).plate == "\u54c1\u5ddd330"
    assert ParkingSession.objects.get(pk=latin_id).plate == "ABC1234"
