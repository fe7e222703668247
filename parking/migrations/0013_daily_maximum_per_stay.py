"""The daily maximum holds for the whole stay, not for each fee period: a car paid,
overstayed and billed again pays on that day only what is left of the day's maximum.

Two amounts on the parked vehicle (parking.services.grant_exit sets them), and the
exit function answers them with the vehicle, for Python's fee decision. PostgreSQL
cannot change a function's result columns in place, so it is dropped first. Cars
paid before this migration count nothing charged earlier, as they did.
"""

from django.db import migrations, models

from parking.sql import reinstall_gate_functions

DROP_LEAVE = """
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("parking", "0012_lots_with_gates_are_counted"),
    ]

    operations = [
        migrations.AddField(
            model_name="parkingsession",
            name="charged_on_billing_day",
            field=models.PositiveBigIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="parkingsession",
            name="charged_on_window_end_day",
            field=models.PositiveBigIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.RunPython(
            reinstall_gate_functions(DROP_LEAVE), migrations.RunPython.noop, elidable=False
        ),
    ]
