from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_table(sender, using, **kwargs):
    """`migrate` also makes the cache's table when the cache lives in the database.

    The login rate limit counts in the cache: a deploy that forgot
    `createcachetable` would fail every login. Does nothing for other caches.
    """
    call_command("createcachetable", database=using, verbosity=0)


class AdminPortalConfig(AppConfig):
    name = "admin_portal"
    verbose_name = _("Owner admin")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(create_cache_table, sender=self)


class OwnerAdminConfig(admin_apps.AdminConfig):
    """Django's admin with OpenLot's site (rate-limited login) as `admin.site`."""

    default = False
    default_site = "admin_portal.sites.OwnerAdminSite"
