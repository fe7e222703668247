# Validators only: nothing changes in the database.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lots', '0004_tariff_minutes_at_most_a_month'),
    ]

    operations = [
        migrations.AlterField(
            model_name='tariff',
            name='daily_cap',
            field=models.PositiveIntegerField(blank=True, help_text="Most a vehicle pays per calendar day in the lot's time zone; empty for none.", null=True, validators=[django.core.validators.MaxValueValidator(2147483647)], verbose_name='daily maximum'),
        ),
        migrations.AlterField(
            model_name='tariff',
            name='first_period_price',
            field=models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(2147483647)], verbose_name='first period price'),
        ),
        migrations.AlterField(
            model_name='tariff',
            name='unit_price',
            field=models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(2147483647)], verbose_name='price per unit'),
        ),
    ]
