"""The gate functions installed again as they stand: a read_id retried with its plate
formatted differently ("rid 0003" for "RID-0003") is a retry, not read_id_reused.

Same arguments, same results: going back keeps these bodies, which fit the schema of
0007 as well.
"""

from django.db import migrations

from parking.sql import install_gate_functions


class Migration(migrations.Migration):
    dependencies = [("parking", "0007_lock_look_alikes_counted")]
    operations = [
        migrations.RunPython(install_gate_functions, migrations.RunPython.noop, elidable=False)
    ]
