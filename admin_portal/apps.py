from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminPortalConfig(AppConfig):
    name = "admin_portal"
    verbose_name = _("Owner admin")
