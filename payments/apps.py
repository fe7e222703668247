from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_tables(sender, using, verbosity=1, **kwargs):
    # Rate limits (kiosk searches, admin logins) live in Django's cache; with the
    # database cache (the default) its table must exist, and `migrate` is the
    # one command every deployment runs. Idempotent; nothing to do for other caches.
    call_command("createcachetable", database=using, verbosity=verbosity)


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(create_cache_tables, sender=self)
