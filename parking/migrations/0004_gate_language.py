"""Each gate's display language, and the PostgreSQL gate functions that return it.

The column comes first, then parking/sql/0004_gate_language.sql adds
openlot_gate_entry_v2 and replaces openlot_gate_leave, both answering the gate's
language too (0003's openlot_gate_entry stays for the previous release). Reversed,
0003's versions are back. Other databases have nothing to install: they take the
ORM path.
"""

from pathlib import Path

import config.i18n
from django.db import migrations, models

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DROP = """
DROP FUNCTION IF EXISTS openlot_gate_entry_v2(text, uuid, text, text, text, text, text, uuid,
                                              timestamptz, interval, interval);
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        sql = (SQL_DIR / "0004_gate_language.sql").read_text()
        schema_editor.execute(sql, params=None)  # no placeholders: % is literal


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute((SQL_DIR / "0003_gate_functions.sql").read_text(), params=None)


class Migration(migrations.Migration):
    dependencies = [("parking", "0003_gate_functions")]
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
        migrations.RunPython(install, uninstall, elidable=False),
    ]
