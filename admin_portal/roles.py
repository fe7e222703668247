"""The "Lot owners" role: what an owner may do in the admin, on their own lots only.

Which rows they see is decided by admin_portal.scoping; this is what they may
do with them. The group is created by this app's data migration.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from lots.services import LOT_OWNERS_GROUP

# (app label, codename). Owners change their lots and tariffs but neither add
# nor delete lots (a superuser provisions those); they add gates and renew
# their tokens; they correct and remove parked vehicles; payments and gate
# events are records, read only.
LOT_OWNER_PERMISSIONS = (
    ("lots", "view_lot"),
    ("lots", "change_lot"),
    ("lots", "view_tariff"),
    ("lots", "change_tariff"),
    ("parking", "view_gate"),
    ("parking", "add_gate"),
    ("parking", "change_gate"),
    ("parking", "view_parkingsession"),
    ("parking", "change_parkingsession"),
    ("parking", "delete_parkingsession"),
    ("parking", "view_gateevent"),
    ("payments", "view_payment"),
)


def ensure_lot_owners_group(apps=global_apps):
    """Create the "Lot owners" group, or give it the permissions it lacks. Idempotent."""
    # Permissions are made after migrations run; a data migration makes them itself.
    for label in {label for label, _codename in LOT_OWNER_PERMISSIONS}:
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=LOT_OWNERS_GROUP)
    for label, codename in LOT_OWNER_PERMISSIONS:
        group.permissions.add(
            permission_model.objects.get(content_type__app_label=label, codename=codename)
        )
    return group
