"""The PostgreSQL functions behind parking.fastpath (one round trip per gate decision).

Other databases have nothing to install: they take the ORM path.
"""

from django.db import migrations

from parking.sql import install_gate_functions

# Going back also drops the helpers an earlier version of this migration installed, and
# the exit function as later migrations changed its arguments (parking 0014).
DROP = """
DROP FUNCTION IF EXISTS openlot_gate_entry(text, uuid, text, text, text, text, text, uuid,
                                           timestamptz, interval, interval);
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval);
DROP FUNCTION IF EXISTS openlot_gate_leave(text, text, text, text, uuid, timestamptz, interval,
                                           interval, interval, text, text);
DROP FUNCTION IF EXISTS openlot_gate_exit(bigint, bigint, text, uuid, timestamptz, timestamptz,
                                          text, text, uuid, integer, integer, text, timestamptz,
                                          boolean);
DROP FUNCTION IF EXISTS openlot_exit_certainly_allowed(timestamptz, timestamptz, timestamptz,
                                                       integer, timestamptz);
DROP FUNCTION IF EXISTS openlot_forget_stale_read(bigint, uuid, timestamptz);
DROP FUNCTION IF EXISTS openlot_mark_gate_seen(bigint, timestamptz, timestamptz, interval);
"""


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("parking", "0003_gate_language")]
    operations = [migrations.RunPython(install_gate_functions, uninstall, elidable=False)]
