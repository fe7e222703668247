"""Public lot API: live vacancy (nearby search comes with the map)."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from config.errors import ApiError, ErrorOut

from .models import Lot

router = Router(tags=["lots"])


class VacancyOut(Schema):
    id: int
    name: str
    capacity: int
    occupied: int
    available: int
    updated_at: datetime


def active_lot_or_404(lot_id: int, *fields: str) -> Lot:
    lot = Lot.objects.filter(pk=lot_id, is_active=True).only(*fields).first()
    if lot is None:
        raise ApiError(404, "lot_not_found", _("There is no such parking lot."))
    return lot


@router.get(
    "/{lot_id}/vacancy",
    url_name="lot_vacancy",
    summary="Live vacancy of a lot",
    response={200: VacancyOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
)
def vacancy(request: HttpRequest, lot_id: int):
    lot = active_lot_or_404(lot_id, "name", "capacity", "occupied", "updated_at")
    return Status(
        200,
        VacancyOut(
            id=lot.pk,
            name=lot.name,
            capacity=lot.capacity,
            occupied=lot.occupied,
            available=lot.available,
            updated_at=lot.updated_at,
        ),
    )
