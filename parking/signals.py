"""Keep `Lot.live_vacancy` true while a lot has an entry gate: its gates count its cars.

An exit gate alone counts nothing in (the counter would only fall, from 0), so it
does not make a lot's vacancy live.

Signals rather than `Gate.save`/`Gate.delete`, so every way a gate comes and goes
counts: `create_gate`, the admin (one or many at once), the demo, a lot deleted
with its gates. The map reads the flag to tell a lot whose free spaces are
counted from one it only knows the size of. (The demo also sets it on the
imported lots it fills with simulated cars: it plays their gates.)
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lots.models import Lot

from .models import Direction, Gate


def _recount(lot_id: int) -> None:
    # The lot row locked first, then the gates counted: a gate added while another
    # is deleted is seen by whichever of the two counts second (each waits for the
    # other's lock), so the flag never ends false beside a gate.
    with transaction.atomic():
        if Lot.objects.select_for_update().filter(pk=lot_id).exists():
            counted = Gate.objects.filter(lot_id=lot_id, direction=Direction.ENTRY).exists()
            Lot.objects.filter(pk=lot_id).exclude(live_vacancy=counted).update(live_vacancy=counted)


@receiver(post_save, sender=Gate, dispatch_uid="parking.gate_saved")
def lot_counted_by_gates(sender, instance: Gate, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        _recount(instance.lot_id)


@receiver(post_delete, sender=Gate, dispatch_uid="parking.gate_deleted")
def lot_maybe_no_longer_counted(sender, instance: Gate, **kwargs):
    _recount(instance.lot_id)
