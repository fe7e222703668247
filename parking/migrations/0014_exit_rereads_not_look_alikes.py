"""A read at an exit of a plate that left the lot moments ago, or of a look-alike of it,
is the camera reading the departed car again: it is no longer matched to an OCR
look-alike still parked, whose record was then deleted and its space freed while it
stayed (or which was let out).

openlot_gate_leave takes the window (EXIT_REREAD_SECONDS) and the look-alike folding
(parking.plates) as three more arguments, with defaults, so servers still running the
previous release keep deciding exits meanwhile.
PostgreSQL cannot add an argument in place: the function is dropped first (an 8-argument
one left beside it would make 8-argument calls ambiguous).
"""

from django.db import migrations

from parking.sql import reinstall_gate_functions

DROP_LEAVE = """
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("parking", "0013_daily_maximum_per_stay"),
    ]

    operations = [
        migrations.RunPython(
            reinstall_gate_functions(DROP_LEAVE), migrations.RunPython.noop, elidable=False
        ),
    ]
