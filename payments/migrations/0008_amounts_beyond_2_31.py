# Amounts are bigint: see parking 0010.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0007_payment_voided"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="amount",
            field=models.PositiveBigIntegerField(
                help_text="In the currency's minor unit.", verbose_name="amount"
            ),
        ),
        migrations.AlterField(
            model_name="sandboxcheckout",
            name="amount",
            field=models.PositiveBigIntegerField(verbose_name="amount"),
        ),
    ]
