"""Amounts due are bigint: a week in a lot that counts in a currency of small minor
units (Iranian rials) passes a plain integer's 2^31 and the gate call failed. The
exit functions take and answer amount_due as bigint; PostgreSQL cannot change a
function's arguments or result columns in place, so the old ones are dropped first
(a connection that prepared them prepares the new ones: parking.fastpath.STALE_STATEMENT).
"""

from django.db import migrations, models

from parking.sql import reinstall_gate_functions

DROP_INTEGER_AMOUNTS = """
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval);
DROP FUNCTION IF EXISTS openlot_gate_exit(bigint, bigint, text, uuid, timestamptz, timestamptz,
                                          text, text, uuid, integer, integer, text, timestamptz,
                                          boolean);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("parking", "0009_ambiguous_plate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="gateevent",
            name="amount_due",
            field=models.PositiveBigIntegerField(null=True, verbose_name="amount due"),
        ),
        migrations.RunPython(
            reinstall_gate_functions(DROP_INTEGER_AMOUNTS),
            migrations.RunPython.noop,
            elidable=False,
        ),
    ]
