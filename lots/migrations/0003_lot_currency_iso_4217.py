"""A lot's currency is an ISO 4217 code, in capitals.

The admin stored the code as typed: a lot counting in "twd" had every card
payment refused after the fact (the platform reports TWD). Such codes are
upper-cased here; the payments made in them too (payments 0005).
"""

from django.db import migrations, models
from django.db.models.functions import Upper

import lots.models


def upper_case_currencies(apps, schema_editor):
    Lot = apps.get_model("lots", "Lot")
    Lot.objects.exclude(currency=Upper("currency")).update(currency=Upper("currency"))


class Migration(migrations.Migration):
    dependencies = [
        ("lots", "0002_tariff_first_period_message"),
    ]

    operations = [
        migrations.AlterField(
            model_name="lot",
            name="currency",
            field=models.CharField(
                default=lots.models.default_currency,
                max_length=3,
                validators=[lots.models.validate_currency],
                verbose_name="currency",
            ),
        ),
        migrations.RunPython(upper_case_currencies, migrations.RunPython.noop, elidable=True),
    ]
