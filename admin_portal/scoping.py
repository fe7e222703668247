"""What each admin user may see: one helper per kind of object.

A superuser sees every lot; anyone else sees the lots they own and what is
in them, and nothing more. Every admin page, action, filter, autocomplete and
export starts from these querysets, so someone else's object is simply not
there: "not found", never "forbidden" (which would confirm it exists).
"""

from django.db.models import QuerySet

from lots.models import Lot
from parking.models import Gate, GateEvent, ParkingSession
from payments.models import Payment


def lots_for(user) -> QuerySet[Lot]:
    lots = Lot.objects.all()
    return lots if user.is_superuser else lots.filter(owner=user)


def _in_lots_of(user, queryset: QuerySet) -> QuerySet:
    return queryset if user.is_superuser else queryset.filter(lot__owner=user)


def gates_for(user) -> QuerySet[Gate]:
    return _in_lots_of(user, Gate.objects.all())


def vehicles_for(user) -> QuerySet[ParkingSession]:
    return _in_lots_of(user, ParkingSession.objects.all())


def payments_for(user) -> QuerySet[Payment]:
    return _in_lots_of(user, Payment.objects.all())


def gate_events_for(user) -> QuerySet[GateEvent]:
    return _in_lots_of(user, GateEvent.objects.all())
