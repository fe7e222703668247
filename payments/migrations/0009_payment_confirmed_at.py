# When OpenLot learnt a payment was paid: see Payment.confirmed_at.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0008_amounts_beyond_2_31'),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='confirmed at'),
        ),
    ]
