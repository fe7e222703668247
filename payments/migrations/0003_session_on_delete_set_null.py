"""Let PostgreSQL unlink payments when a vehicle's session is deleted.

Django's SET_NULL runs in Python, for deletes made through the ORM. The gate
fast path (parking.fastpath) deletes sessions in SQL, so on PostgreSQL the
foreign key itself says ON DELETE SET NULL. The payment keeps its snapshot.
SQLite takes the ORM path, where Django does the same.
"""

from django.db import migrations

FIND = """
SELECT conname FROM pg_constraint
 WHERE conrelid = 'payments_payment'::regclass AND contype = 'f'
   AND confrelid = 'parking_parkingsession'::regclass
"""


def _recreate(schema_editor, on_delete: str):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND)
        (name,) = cursor.fetchone()
    schema_editor.execute(f'ALTER TABLE payments_payment DROP CONSTRAINT "{name}"')
    schema_editor.execute(
        f'ALTER TABLE payments_payment ADD CONSTRAINT "{name}" FOREIGN KEY (session_id) '
        f"REFERENCES parking_parkingsession (id) {on_delete} DEFERRABLE INITIALLY DEFERRED"
    )


def forwards(apps, schema_editor):
    _recreate(schema_editor, "ON DELETE SET NULL")


def backwards(apps, schema_editor):
    _recreate(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_kiosk_payments"), ("parking", "0002_lot_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
