"""The gate functions installed again as they stand: an exit locks the look-alikes it counts.

When the exact plate is not inside, openlot_gate_leave counted the OCR look-alikes
and then locked them in a second statement; a look-alike entering between the two
could be locked and let out unseen. One statement now locks and counts them (in id
order). Same arguments, same results: going back keeps these bodies, which fit the
schema of 0006 as well.
"""

from django.db import migrations

from parking.sql import install_gate_functions


class Migration(migrations.Migration):
    dependencies = [("parking", "0006_fewer_statements_per_gate_call")]
    operations = [
        migrations.RunPython(install_gate_functions, migrations.RunPython.noop, elidable=False)
    ]
