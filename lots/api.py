"""Public lot API: nearby lots and live vacancy, for the map and for apps."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from config.errors import REQUEST_ERRORS, ApiError, ErrorOut
from config.numbers import WRITTEN_AS_INTEGER, Float, Integer

from .models import Lot
from .nearby import NearbyLot, describe_search, search_nearby

router = Router(tags=["lots"])


def _live(what: str):
    return Field(
        ...,
        description=(
            "Whether gates count the lot's cars in and out. When false (a lot imported "
            f"from open data, with no gates here) {what}: nothing is known of its vacancy "
            "but its capacity."
        ),
    )


class VacancyOut(Schema):
    id: int
    name: str
    capacity: int
    occupied: int
    available: int
    live: bool = _live("`occupied` and `available` are not counts")
    updated_at: datetime


class NearbyQuery(Schema):
    lat: Float = Field(..., ge=-90, le=90, allow_inf_nan=False, description="Latitude (WGS84)")
    lng: Float = Field(..., ge=-180, le=180, allow_inf_nan=False, description="Longitude (WGS84)")
    radius_m: Annotated[int, Field(ge=1), WRITTEN_AS_INTEGER] | None = Field(
        None, description="Search radius in metres; at most (and by default) 3,000"
    )
    limit: Annotated[int, Field(ge=1), WRITTEN_AS_INTEGER] | None = Field(
        None, description="Most lots answered; at most (and by default) 15"
    )


class NearbyLotOut(Schema):
    id: int
    name: str
    address: str
    lat: float
    lng: float
    distance_m: int = Field(..., description="Great-circle distance from the point, metres")
    capacity: int
    available: int
    live: bool = _live("`available` is not a count")

    @staticmethod
    def of(lot: NearbyLot) -> "NearbyLotOut":
        return NearbyLotOut(
            id=lot.id,
            name=lot.name,
            address=lot.address,
            lat=lot.latitude,
            lng=lot.longitude,
            distance_m=round(lot.distance_m),
            capacity=lot.capacity,
            available=lot.available,
            live=lot.live_vacancy,
        )


class NearbyOut(Schema):
    results: list[NearbyLotOut] = Field(..., description="Nearest first")
    radius_m: int = Field(..., description="The radius searched")
    limit: int = Field(..., description="The most lots that could be answered")
    nearest: NearbyLotOut | None = Field(
        None, description="Only when no lot is within the radius: the nearest one farther away"
    )
    message: str = Field(..., description="What was found, in words, e.g. for a screen reader")


@router.get(
    "/nearby",
    url_name="lots_nearby",
    summary="Lots near a point, nearest first, with live vacancy",
    response={200: NearbyOut, **REQUEST_ERRORS, 422: ErrorOut, 503: ErrorOut},
)
def nearby(request: HttpRequest, query: Query[NearbyQuery]):
    search = search_nearby(query.lat, query.lng, radius_m=query.radius_m, limit=query.limit)
    nearest = search.nearest_beyond
    return Status(
        200,
        NearbyOut(
            results=[NearbyLotOut.of(lot) for lot in search.lots],
            radius_m=search.radius_m,
            limit=search.limit,
            nearest=NearbyLotOut.of(nearest) if nearest else None,
            message=describe_search(search),
        ),
    )


@router.get(
    "/{lot_id}/vacancy",
    url_name="lot_vacancy",
    summary="Live vacancy of a lot",
    response={200: VacancyOut, **REQUEST_ERRORS, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
)
def vacancy(request: HttpRequest, lot_id: Integer):
    # The map re-reads this every few seconds per open popup: one indexed
    # lookup, no ordering, no model instance.
    try:
        name, capacity, occupied, live_vacancy, updated_at = (
            Lot.objects.filter(is_active=True)
            .values_list("name", "capacity", "occupied", "live_vacancy", "updated_at")
            .get(pk=lot_id)
        )
    except Lot.DoesNotExist:
        raise ApiError(404, "lot_not_found", _("There is no such parking lot.")) from None
    return Status(
        200,
        VacancyOut(
            id=lot_id,
            name=name,
            capacity=capacity,
            occupied=occupied,
            available=max(capacity - occupied, 0),
            live=live_vacancy,
            updated_at=updated_at,
        ),
    )
