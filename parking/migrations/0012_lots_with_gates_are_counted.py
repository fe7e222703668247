"""Lots that already have an entry gate are counted by their gates (Lot.live_vacancy,
lots 0006).

From here on parking.signals keeps the flag; this sets it once for the gates made
before. Lots without gates (imported from open data) stay uncounted, so the map
stops calling them all free. Going back has nothing to undo: the column goes with
lots 0006.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_lots_with_gates(apps, schema_editor):
    Lot = apps.get_model("lots", "Lot")
    Gate = apps.get_model("parking", "Gate")
    entry_gates = Gate.objects.filter(lot=OuterRef("pk"), direction="entry")
    Lot.objects.filter(Exists(entry_gates)).update(live_vacancy=True)


class Migration(migrations.Migration):
    dependencies = [
        ("lots", "0006_lot_live_vacancy"),
        ("parking", "0011_plates_in_latin_where_they_look_latin"),
    ]

    operations = [migrations.RunPython(mark_lots_with_gates, migrations.RunPython.noop)]
