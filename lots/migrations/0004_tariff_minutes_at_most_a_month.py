# Validators only: nothing changes in the database.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lots', '0003_lot_currency_iso_4217'),
    ]

    operations = [
        migrations.AlterField(
            model_name='tariff',
            name='first_period_minutes',
            field=models.PositiveIntegerField(default=0, help_text='Length of a first period with its own price; 0 for none.', validators=[django.core.validators.MaxValueValidator(44640)], verbose_name='first period (minutes)'),
        ),
        migrations.AlterField(
            model_name='tariff',
            name='free_minutes',
            field=models.PositiveIntegerField(default=0, help_text='A stay of at most this many minutes is free.', validators=[django.core.validators.MaxValueValidator(44640)], verbose_name='free minutes'),
        ),
        migrations.AlterField(
            model_name='tariff',
            name='unit_minutes',
            field=models.PositiveIntegerField(default=60, help_text='Time after the first period is billed in these units, rounded up.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(44640)], verbose_name='billing unit (minutes)'),
        ),
    ]
