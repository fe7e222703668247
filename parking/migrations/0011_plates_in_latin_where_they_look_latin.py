"""Plates of parked cars rewritten as parking.plates.normalise_plate now writes them:
Cyrillic and Greek letters drawn like Latin ones (А, В, Ε, Κ ...) as those Latin
letters, so the car is found whichever script its plate is read or typed in.

The table is copied here, as it stood, so that a later change to the module does not
change what this migration did. A car whose rewritten plate is already inside the same
lot (read once in each script, so counted twice) keeps its plate as it was, with the
Latin plate's look-alike key: the two stay separate cars, as they were, and the kiosk
search and the exit's look-alike matching find both. Going back leaves the plates in
Latin.
"""

from django.db import migrations

SCRIPT_LOOK_ALIKES = str.maketrans({
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M",
    "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0423": "Y", "\u0425": "X", "\u0406": "I", "\u0408": "J", "\u0405": "S",
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
})  # fmt: skip
OCR_CONFUSIONS = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2",
                                "S": "5", "G": "6", "B": "8"})  # fmt: skip


def plates_in_latin(apps, schema_editor):
    ParkingSession = apps.get_model("parking", "ParkingSession")
    parked = ParkingSession.objects.values_list("pk", "lot_id", "plate")
    for pk, lot_id, plate in parked.iterator():
        latin = plate.translate(SCRIPT_LOOK_ALIKES)
        if latin == plate:
            continue
        rewritten = {"plate_key": latin.translate(OCR_CONFUSIONS)}
        if not ParkingSession.objects.filter(lot_id=lot_id, plate=latin).exists():
            rewritten["plate"] = latin
        ParkingSession.objects.filter(pk=pk).update(**rewritten)


class Migration(migrations.Migration):
    dependencies = [("parking", "0010_amounts_beyond_2_31")]
    operations = [migrations.RunPython(plates_in_latin, migrations.RunPython.noop)]
