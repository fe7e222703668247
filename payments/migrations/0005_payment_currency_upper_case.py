"""Payments copied their lot's currency as the admin stored it ("twd"); lots 0003 upper-cases
the lots, and this their payments: the code means the same, and a platform reporting TWD
for a pending one now matches it."""

from django.db import migrations
from django.db.models.functions import Upper


def upper_case_currencies(apps, schema_editor):
    for model in ("Payment", "SandboxCheckout"):  # the sandbox reports its checkout's
        rows = apps.get_model("payments", model).objects
        rows.exclude(currency=Upper("currency")).update(currency=Upper("currency"))


class Migration(migrations.Migration):
    dependencies = [
        ("lots", "0003_lot_currency_iso_4217"),
        ("payments", "0004_payment_platform_labels"),
    ]

    operations = [
        migrations.RunPython(upper_case_currencies, migrations.RunPython.noop, elidable=True),
    ]
