from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AdminPortalConfig(AppConfig):
    name = "admin_portal"
    verbose_name = _("Owner admin")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)


class OwnerAdminConfig(admin_apps.AdminConfig):
    """Django's admin with OpenLot's site (rate-limited login) as `admin.site`."""

    default = False
    default_site = "admin_portal.sites.OwnerAdminSite"
