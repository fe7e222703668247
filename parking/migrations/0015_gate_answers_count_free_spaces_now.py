"""Gate answers that take or free no space say the lot's free spaces as they are when
the answer is made, not as the call first read them (an exit that waited for another
exit of the same car said one space too few); a closed lot's answers say none.

The gate functions keep their arguments and result columns: installed again in place.
"""

from django.db import migrations

from parking.sql import install_gate_functions


class Migration(migrations.Migration):
    dependencies = [
        ("parking", "0014_exit_rereads_not_look_alikes"),
    ]

    operations = [
        migrations.RunPython(install_gate_functions, migrations.RunPython.noop, elidable=False),
    ]
