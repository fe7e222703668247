from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parking.services import SessionState, sessions_in_state

from ..scoping import lots_for

# A superuser may see thousands of lots: the sidebar lists the first ones, those with
# rows in the list first (after an open-data import the first hundred names were all
# imported lots without a car), and any lot can still be chosen with ?lot=<id>.
LOT_CHOICES_SHOWN = 100


class LotFilter(admin.SimpleListFilter):
    """By lot, offering the user's own lots only; another owner's lot is not found."""

    title = _("lot")
    parameter_name = "lot"

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request).filter(lot_id=OuterRef("pk"))
        lots = lots_for(request.user).annotate(has_rows=Exists(rows))
        lots = lots.order_by("-has_rows", "name", "pk").values_list("pk", "name")
        return [(str(pk), name) for pk, name in lots[:LOT_CHOICES_SHOWN]]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            lot_id = int(self.value())
        except ValueError:
            raise Http404(_("Not found.")) from None
        if not lots_for(request.user).filter(pk=lot_id).exists():
            raise Http404(_("Not found."))
        return queryset.filter(lot_id=lot_id)


class PaymentStatusFilter(admin.SimpleListFilter):
    """Derived from time like everything else about payment (parking.services)."""

    title = _("payment status")
    parameter_name = "payment"
    GRACE_EXPIRED = "grace_expired"

    def lookups(self, request, model_admin):
        return [
            (SessionState.UNPAID.value, _("Unpaid")),
            (SessionState.PAID.value, _("Paid, exit allowed")),
            (SessionState.FREE.value, _("Nothing due")),
            (self.GRACE_EXPIRED, _("Unpaid: grace expired")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == self.GRACE_EXPIRED:
            # Paid once, stayed past the exit window (session_status's grace_expired), and
            # owes again: as the rows say (a restarted period may cost nothing yet).
            unpaid = sessions_in_state(queryset, SessionState.UNPAID, now)
            return unpaid.filter(exit_allowed_until__lt=now)
        if self.value() in {state.value for state in SessionState}:
            return sessions_in_state(queryset, SessionState(self.value()), now)
        return queryset
