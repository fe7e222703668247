"""Nearby search: the lots closest to a point, with their live vacancy, and how to say it.

A bounding box on the indexed latitude/longitude columns finds candidates, their
exact distance is computed here, and they are sorted and cut. The same code runs
on SQLite and PostgreSQL; no GIS extension is needed.

The box starts small and widens until it holds enough lots or reaches the
radius: in a dense city centre a 3 km box holds thousands of lots, nearly all
of which would be scored only to be thrown away. Every round is exact: a round
of radius r finds every lot within r (the box contains the whole circle), so
once `limit` lots lie within r, no lot outside r can be among the nearest.
See docs/map.md for the measurements behind the constants.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .geo import MAX_DISTANCE_M, SearchBox, distance_from, is_valid_point, search_box
from .models import Lot

# First radius tried (metres). Dense centres are answered in one round; sparse
# places take a few more, each cheap because the box holds few lots.
START_RADIUS_M = 400.0
# How much the radius may grow per round; the growth aims at twice the lots
# still missing, assuming the lots found so far are spread evenly.
MIN_GROWTH, MAX_GROWTH = 1.5, 4.0

# Below this share of free spaces a lot is shown as nearly full.
FEW_SPACES_SHARE = 0.2

_COLUMNS = ("id", "latitude", "longitude", "name", "address", "capacity", "occupied")


@dataclass(frozen=True)
class NearbyLot:
    id: int
    latitude: float
    longitude: float
    name: str
    address: str
    capacity: int
    occupied: int
    distance_m: float

    @property
    def available(self) -> int:
        return max(self.capacity - self.occupied, 0)


@dataclass(frozen=True)
class NearbySearch:
    """The answer to "what can I park at near here?"."""

    latitude: float
    longitude: float
    radius_m: int
    limit: int
    lots: list[NearbyLot]
    # Only when `lots` is empty: the closest lot farther away, if there is any lot at all.
    nearest_beyond: NearbyLot | None = None


def search_nearby(
    latitude: float, longitude: float, *, radius_m: int | None = None, limit: int | None = None
) -> NearbySearch:
    """Up to `limit` active lots within `radius_m`, nearest first (ties by id).

    Both are capped by NEARBY_RADIUS_M and NEARBY_LIMIT. When none is within
    the radius, `nearest_beyond` names the closest one farther away.
    """
    radius_m = min(radius_m or settings.NEARBY_RADIUS_M, settings.NEARBY_RADIUS_M)
    limit = min(limit or settings.NEARBY_LIMIT, settings.NEARBY_LIMIT)
    lots = find_nearby_lots(latitude, longitude, radius_m=radius_m, limit=limit)
    nearest = None if lots else find_nearest_lot(latitude, longitude, beyond_m=radius_m)
    return NearbySearch(latitude, longitude, radius_m, limit, lots, nearest)


def find_nearby_lots(
    latitude: float, longitude: float, *, radius_m: float, limit: int
) -> list[NearbyLot]:
    """The `limit` active lots nearest to a point within `radius_m`, nearest first."""
    _check_point(latitude, longitude)
    if radius_m <= 0 or limit <= 0:
        return []
    distance = distance_from(latitude, longitude)
    radius = min(START_RADIUS_M, radius_m)
    while True:
        within = _lots_within(distance, search_box(latitude, longitude, radius), radius)
        if len(within) >= limit or radius >= radius_m:
            return _nearest_first(within, limit)
        radius = min(radius_m, radius * _growth(len(within), limit))


def find_nearest_lot(latitude: float, longitude: float, *, beyond_m: float = 0) -> NearbyLot | None:
    """The active lot nearest to a point, however far; `beyond_m` is known to hold none."""
    _check_point(latitude, longitude)
    distance = distance_from(latitude, longitude)
    radius = max(beyond_m, START_RADIUS_M / MAX_GROWTH)
    while radius < MAX_DISTANCE_M:
        radius = min(MAX_DISTANCE_M, radius * MAX_GROWTH)
        within = _lots_within(distance, search_box(latitude, longitude, radius), radius)
        if within:
            return _nearest_first(within, 1)[0]
    return None


def nearby_lots_brute_force(
    latitude: float, longitude: float, *, radius_m: float, limit: int
) -> list[NearbyLot]:
    """The reference answer: every active lot scored, sorted, cut. For tests and benchmarks."""
    distance = distance_from(latitude, longitude)
    rows = Lot.objects.filter(is_active=True).values_list(*_COLUMNS).iterator(chunk_size=10_000)
    within = []
    for row in rows:
        d = distance(row[1], row[2])
        if d <= radius_m:
            within.append(NearbyLot(*row, distance_m=d))
    return _nearest_first(within, limit)


def _check_point(latitude: float, longitude: float) -> None:
    if not is_valid_point(latitude, longitude):
        raise ValueError(f"not a point on Earth: ({latitude!r}, {longitude!r})")


def _growth(found: int, limit: int) -> float:
    if found == 0:
        return MAX_GROWTH
    # Lots found grow with the area, i.e. with the square of the radius.
    return min(MAX_GROWTH, max(MIN_GROWTH, math.sqrt(2 * limit / found)))


def _nearest_first(lots: list[NearbyLot], limit: int) -> list[NearbyLot]:
    lots.sort(key=lambda lot: (lot.distance_m, lot.id))
    return lots[:limit]


def _lots_within(distance, box: SearchBox, radius: float) -> list[NearbyLot]:
    """Active lots inside the box, scored, keeping those within `radius`."""
    within = []
    for row in _candidates(box):
        d = distance(row[1], row[2])
        if d <= radius:
            within.append(NearbyLot(*row, distance_m=d))
    return within


def _candidates(box: SearchBox) -> list[tuple]:
    # One range scan of the (latitude, longitude) index. Raw SQL because a
    # search runs a few of these and compiling an ORM query would cost more
    # than running it; the statement is the same on SQLite and PostgreSQL.
    params = [True, box.south, box.north]
    for west, east in box.longitudes:
        params += [west, east]
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(len(box.longitudes)), params)
        return cursor.fetchall()


def _candidates_sql(longitude_ranges: int) -> str:
    meta, quote = Lot._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    in_ranges = " OR ".join([f"{column('longitude')} BETWEEN %s AND %s"] * longitude_ranges)
    return (
        f"SELECT {', '.join(column(name) for name in _COLUMNS)} FROM {quote(meta.db_table)} "
        f"WHERE {column('is_active')} = %s AND {column('latitude')} BETWEEN %s AND %s "
        f"AND ({in_ranges})"
    )


def fullness(available: int, capacity: int) -> str:
    """How full a lot looks on the map: "plenty", "few" (under 20% free) or "full"."""
    if available <= 0:
        return "full"
    if available < FEW_SPACES_SHARE * capacity:
        return "few"
    return "plenty"


def format_distance(metres: float) -> str:
    """850 m, 1.2 km, 3 km, 13,151 km: as precise as a driver needs."""
    if metres < 999.5:
        return _("%(metres)s m") % {"metres": number_format(round(metres))}
    kilometres = round(metres / 1000, 1 if metres < 9_950 else 0)
    places = 0 if kilometres == int(kilometres) else 1
    return _("%(kilometres)s km") % {
        "kilometres": number_format(kilometres, decimal_pos=places, force_grouping=True)
    }


def describe_search(search: NearbySearch) -> str:
    """One sentence on what was found, for the API's `message` and the map page."""
    radius = format_distance(search.radius_m)
    if search.lots:
        count = len(search.lots)
        return ngettext(
            "%(count)s parking lot within %(radius)s",
            "%(count)s parking lots within %(radius)s",
            count,
        ) % {"count": count, "radius": radius}
    if search.nearest_beyond is None:
        return _("There are no parking lots on the map yet.")
    return _("No parking lot within %(radius)s. The nearest is %(name)s, %(distance)s away.") % {
        "radius": radius,
        "name": search.nearest_beyond.name,
        "distance": format_distance(search.nearest_beyond.distance_m),
    }
