"""Gate functions without sub-transactions (parking/sql/0005_...sql explains why).

0004's functions stay for the previous release until it restarts. Other
databases have nothing to install: they take the ORM path.
"""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "sql" / "0005_gate_functions_without_subtransactions.sql"
DROP = """
DROP FUNCTION IF EXISTS openlot_gate_entry_v3(text, uuid, text, text, text, text, text, uuid,
                                              timestamptz, interval, interval);
DROP FUNCTION IF EXISTS openlot_gate_leave_v2(text, text, text, text, uuid, timestamptz,
                                              interval, interval);
DROP FUNCTION IF EXISTS openlot_gate_exit_v2(bigint, bigint, text, uuid, timestamptz,
                                             timestamptz, text, text, uuid, integer, integer,
                                             text, timestamptz, boolean);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text(), params=None)  # no placeholders: % is literal


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("parking", "0004_gate_language")]
    operations = [migrations.RunPython(install, uninstall, elidable=False)]
