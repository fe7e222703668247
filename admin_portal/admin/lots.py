from django.contrib import admin, messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lots.models import Lot, Tariff
from lots.money import format_money
from lots.services import make_lot_owner
from parking.models import Gate
from payments.providers import untakeable_prices

from ..forms import LotForm, TariffForm
from ..scoping import lots_for
from .base import ScopedAdmin, TaiSearch
from .display import lot_time
from .gates import token_state


class TariffInline(admin.StackedInline):
    model = Tariff
    form = TariffForm
    can_delete = False
    min_num = 1
    max_num = 1
    fieldsets = [
        (
            None,
            {
                "fields": TariffForm.Meta.fields,
                "description": _(
                    "A new tariff applies from now on to every vehicle, "
                    "including those already parked."
                ),
            },
        )
    ]


class GateInline(admin.TabularInline):
    """The lot's gates at a glance; tokens are managed on each gate's own page."""

    model = Gate
    fields = ["name", "direction", "language", "token_hint", "token_state", "last_seen"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("token"))
    def token_state(self, gate):
        return token_state(gate)

    @admin.display(description=_("last seen"))
    def last_seen(self, gate):
        return lot_time(gate.last_seen_at, gate.lot) if gate.last_seen_at else _("never")


@admin.register(Lot)
class LotAdmin(TaiSearch, ScopedAdmin):
    scope = staticmethod(lots_for)
    form = LotForm
    inlines = [TariffInline, GateInline]
    list_display = [
        "name",
        "address",
        "capacity",
        "parked_vehicles",
        "available",
        "tariff_summary",
        "active",
    ]
    list_select_related = ["tariff"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    readonly_fields = ["occupied", "available"]

    def get_list_display(self, request):
        if request.user.is_superuser:
            return [*self.list_display, "owner"]
        return self.list_display

    def get_list_select_related(self, request):
        return ["tariff", "owner"] if request.user.is_superuser else self.list_select_related

    def get_fields(self, request, obj=None):
        fields = ["name", "address", "latitude", "longitude", "capacity"]
        if obj is not None:
            fields += ["occupied", "available"]
        fields += ["timezone", "is_active", "currency"]
        if request.user.is_superuser:
            fields += ["owner", "source", "source_id"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        # What money a lot counts in is the operator's to set (prices are stored in it).
        return [*self.readonly_fields, "currency"]

    @admin.display(description=_("occupied"), ordering="occupied")
    def parked_vehicles(self, lot):
        url = reverse("admin:parking_parkingsession_changelist")
        return format_html('<a href="{}?lot={}">{}</a>', url, lot.pk, lot.occupied)

    @admin.display(description=_("available"))
    def available(self, lot):
        # As the map says it: without an entry gate nobody counts the cars coming in.
        return lot.available if lot.live_vacancy else gettext("not reported (no entry gate)")

    @admin.display(description=_("tariff"))
    def tariff_summary(self, lot):
        return lot.tariff.describe()

    @admin.display(description=_("active"), ordering="is_active")
    def active(self, lot):
        # Django's yes/no icon, its alt text in the reader's language (Django writes "True").
        icon, words = ("yes", gettext("Yes")) if lot.is_active else ("no", gettext("No"))
        return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), words)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "owner" in form.changed_data:
            make_lot_owner(obj.owner)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lot = form.instance
        tariff = Tariff.objects.filter(lot=lot).first()
        if tariff is None:
            return
        for platform, prices in untakeable_prices(tariff, lot.currency):
            self.message_user(
                request,
                gettext(
                    "%(platform)s cannot charge %(prices)s exactly, so a fee made of these "
                    "prices is refused there and drivers are asked to pay another way. "
                    "Prices it can charge avoid that."
                )
                % {
                    "platform": platform,
                    "prices": ", ".join(format_money(price, lot.currency) for price in prices),
                },
                messages.WARNING,
            )
