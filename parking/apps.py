from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParkingConfig(AppConfig):
    name = "parking"
    verbose_name = _("Parking")

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
