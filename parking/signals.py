"""Keep `Lot.live_vacancy` true while a lot has a gate: its gates count its cars.

Signals rather than `Gate.save`/`Gate.delete`, so every way a gate comes and goes
counts: `create_gate`, the admin (one or many at once), the demo, a lot deleted
with its gates. The map reads the flag to tell a lot whose free spaces are
counted from one it only knows the size of. (The demo also sets it on the
imported lots it fills with simulated cars: it plays their gates.)
"""

from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lots.models import Lot

from .models import Gate


@receiver(post_save, sender=Gate, dispatch_uid="parking.gate_saved")
def lot_counted_by_gates(sender, instance: Gate, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        Lot.objects.filter(pk=instance.lot_id, live_vacancy=False).update(live_vacancy=True)


@receiver(post_delete, sender=Gate, dispatch_uid="parking.gate_deleted")
def lot_maybe_no_longer_counted(sender, instance: Gate, **kwargs):
    Lot.objects.filter(pk=instance.lot_id).update(
        live_vacancy=Exists(Gate.objects.filter(lot=OuterRef("pk")))
    )
