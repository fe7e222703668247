"""Less work per gate call on PostgreSQL (docs/performance.md).

The gate event log refers to its lot and gate without database constraints
(parking.models.GateEvent), and the gate functions are installed again as they
stand: their small updates written inline instead of calling the two SQL helpers
dropped here.
"""

import django.db.models.deletion
from django.db import migrations, models

from parking.sql import install_gate_functions

DROP_HELPERS = """
DROP FUNCTION IF EXISTS openlot_forget_stale_read(bigint, uuid, timestamptz);
DROP FUNCTION IF EXISTS openlot_mark_gate_seen(bigint, timestamptz, timestamptz, interval);
"""

FORGET_ORPHANED_EVENTS = """
UPDATE parking_gateevent SET gate_id = NULL
 WHERE gate_id IS NOT NULL AND gate_id NOT IN (SELECT id FROM parking_gate);
DELETE FROM parking_gateevent WHERE lot_id NOT IN (SELECT id FROM lots_lot);
"""


def install(apps, schema_editor):
    install_gate_functions(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_HELPERS)


class Migration(migrations.Migration):
    dependencies = [
        ("lots", "0001_initial"),
        ("parking", "0004_gate_functions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="gateevent",
            name="gate",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="events",
                to="parking.gate",
                verbose_name="gate",
            ),
        ),
        migrations.AlterField(
            model_name="gateevent",
            name="lot",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="gate_events",
                to="lots.lot",
                verbose_name="lot",
            ),
        ),
        # Going back: events a gate call logged while its gate or lot was being
        # deleted would stop the constraints from coming back; clear or drop them.
        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql=FORGET_ORPHANED_EVENTS),
        # The bodies as they stand need no helper; going back, they still work.
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
    ]
