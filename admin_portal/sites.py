from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .login import RateLimitedAuthenticationForm


class OwnerAdminSite(admin.AdminSite):
    """The admin at /admin/: superusers see everything, lot owners only their own lots."""

    site_header = _("OpenLot administration")
    site_title = _("OpenLot admin")
    index_title = _("Parking lots, vehicles and payments")
    login_form = RateLimitedAuthenticationForm
