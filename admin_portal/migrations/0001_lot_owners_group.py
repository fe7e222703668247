from django.db import migrations


def create_group(apps, schema_editor):
    from admin_portal.roles import ensure_lot_owners_group

    ensure_lot_owners_group(apps)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Lot owners").delete()


class Migration(migrations.Migration):
    """The "Lot owners" group and its permissions (admin_portal.roles)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("lots", "0001_initial"),
        ("parking", "0001_initial"),
        ("payments", "0001_payment"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
