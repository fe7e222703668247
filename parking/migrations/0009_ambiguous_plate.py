"""An exit read that is not the exact plate of a parked car, but equal up to camera
look-alikes to several of them, is `ambiguous_plate` (staff must look), not
`no_entry_record`: there are records, more than one. The gate functions are installed
again as they stand (same arguments, same result columns)."""

from django.db import migrations, models

from parking.sql import install_gate_functions


class Migration(migrations.Migration):
    dependencies = [
        ("parking", "0008_read_id_retry_formatted_again"),
    ]

    operations = [
        migrations.AlterField(
            model_name="gateevent",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("entered", "entered"),
                    ("already_inside", "already inside"),
                    ("full", "parking full"),
                    ("lot_closed", "lot closed"),
                    ("exit_granted", "exit granted"),
                    ("payment_required", "payment required"),
                    ("no_entry_record", "no entry record"),
                    ("ambiguous_plate", "several cars match"),
                ],
                max_length=20,
                verbose_name="outcome",
            ),
        ),
        migrations.RunPython(install_gate_functions, migrations.RunPython.noop, elidable=False),
    ]
