from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .login import RateLimitedAuthenticationForm


class OwnerAdminSite(admin.AdminSite):
    """The admin at /admin/: superusers see everything, lot owners only their own lots."""

    site_header = _("OpenLot administration")
    site_title = _("OpenLot admin")
    index_title = _("Parking lots, vehicles and payments")
    login_form = RateLimitedAuthenticationForm
    # The vehicle list needs the width more than a second menu.
    enable_nav_sidebar = False
    # The order the work goes in: lots, what happens in them, the money.
    APP_ORDER = ("lots", "parking", "payments")

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        order = {label: index for index, label in enumerate(self.APP_ORDER)}
        return sorted(app_list, key=lambda app: order.get(app["app_label"], len(order)))
