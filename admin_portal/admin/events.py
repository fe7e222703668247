from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from parking.models import GateEvent, ParkingSession

from ..scoping import gate_events_for
from .base import PlateSearch, ReadOnlyScopedAdmin
from .display import lot_time, money
from .filters import LotFilter


@admin.register(GateEvent)
class GateEventAdmin(PlateSearch, ReadOnlyScopedAdmin):
    """Every gate decision, to answer "why did the gate not open?". Read only."""

    scope = staticmethod(gate_events_for)
    list_display = [
        "time",
        "lot",
        "gate",
        "direction",
        "plate_as_read",
        "plate",
        "outcome",
        "amount_due_display",
        "available",
    ]
    list_select_related = ["lot", "gate__lot"]
    list_filter = ["outcome", "direction", LotFilter]
    search_fields = ["plate"]
    search_help_text = _("Search by plate, e.g. ABC-1234.")
    ordering = ["-created_at", "-id"]
    # The log grows without end: counting all of it on every page is not worth it.
    show_full_result_count = False
    fields = [*list_display, "car", "session_id", "read_id"]
    readonly_fields = fields

    def found_by_plate(self, queryset, plate):
        """The decisions on the plate searched for, and every other decision on the same cars.

        An event keeps the plate as decided on then: a car read as 8AD3388 at the
        entry, and corrected to BAD3388 in the admin, is found by either plate, with
        its entry, its exit and any read between (they share its session).
        """
        decided = queryset.filter(plate)
        parked = ParkingSession.objects.filter(plate).values("pk")
        same_cars = Q(session_id__in=parked) | Q(
            session_id__in=decided.exclude(session_id=None).values("session_id")
        )
        return decided | queryset.filter(same_cars)

    @admin.display(description=_("time"), ordering="created_at")
    def time(self, event):
        return lot_time(event.created_at, event.lot, "Y-m-d H:i:s")

    @admin.display(description=_("vehicle"))
    def car(self, event):
        """The car decided on: its page while it is inside, else its history (kept)."""
        if event.session_id is None:
            return "-"
        key = quote(event.session_id)
        if ParkingSession.objects.filter(pk=event.session_id, lot_id=event.lot_id).exists():
            url, text = reverse("admin:parking_parkingsession_change", args=[key]), _("Inside")
        else:
            url = reverse("admin:parking_parkingsession_history", args=[key])
            text = _("Has left the lot: its history")
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("amount due"))
    def amount_due_display(self, event):
        return money(event.amount_due, event.currency)
