"""Each gate's display language (the messages it shows drivers)."""

import config.i18n
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("parking", "0002_lot_indexes")]
    operations = [
        migrations.AddField(
            model_name="gate",
            name="language",
            field=models.CharField(
                choices=config.i18n.language_choices,
                default=config.i18n.default_language,
                help_text="The language of the messages this gate shows drivers.",
                max_length=10,
                verbose_name="display language",
            ),
        ),
    ]
