"""Nearby search: the lots closest to a point, with their live vacancy, and how to say it.

A bounding box on the indexed latitude/longitude columns finds candidates, their
exact distance is computed here, and they are sorted and cut. The same code runs
on SQLite and PostgreSQL; no GIS extension is needed.

The box starts small and widens until it holds enough lots or reaches the
radius: in a dense city centre a 3 km box holds thousands of lots, nearly all
of which would be scored only to be thrown away. A round reads a bounded
number of candidates; a box holding more is narrowed instead. Every answer is
exact: a round of radius r that read its whole box has every lot within r (the
box contains the circle), so once `limit` lots lie within r, no lot outside r
can be among the nearest. See docs/map.md for the measurements behind the
constants.
"""

import functools
import math
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connection
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .geo import MAX_DISTANCE_M, SearchBox, distance_from, is_valid_point, search_boxes
from .models import Lot

# First radius tried (metres): in a dense centre it holds enough lots already.
START_RADIUS_M = 50.0
# A round reads at most this many candidates; a box holding more is narrowed
# instead, so a radius that grew into a dense centre costs one short read.
MAX_CANDIDATES = 256
# The next radius aims at twice `limit` lots, assuming the lots found so far
# are spread evenly, growing at least and at most this much per round. The
# read cap makes a big jump safe: where 50 m hold nothing, the next round
# reads the whole 3 km box (a handful of lots) or stops at 256 and narrows.
MIN_GROWTH, MAX_GROWTH = 1.25, 64.0
# Narrowing stops (the next read takes every candidate) once the radius known
# to hold too few lots and the one known to hold too many are this close.
_CLOSE = 1.25
_MAX_NARROWING_ROUNDS = 8
# Circles larger than this (the search for the nearest lot far away) are
# covered by slices of their box rather than the whole box (lots.geo.search_boxes).
_ONE_BOX_UP_TO_M = 10_000
_STRIPS = 16
# The search for the nearest lot (when none is within the radius) reads at
# most this many lots in one round, and rather gives up than read more.
NEAREST_MAX_READ = 20_000

# Below this share of free spaces a lot is shown as nearly full.
FEW_SPACES_SHARE = 0.2

_COLUMNS = (
    "id", "latitude", "longitude", "name", "address", "capacity", "occupied", "live_vacancy"
)  # fmt: skip


@dataclass(frozen=True)
class NearbyLot:
    id: int
    latitude: float
    longitude: float
    name: str
    address: str
    capacity: int
    occupied: int
    # Whether gates count its cars, so that `available` is live; else it is the capacity.
    live_vacancy: bool
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
    # Only when `lots` is empty: the closest lot farther away, up to `nearest_within_m`.
    nearest_beyond: NearbyLot | None = None
    nearest_within_m: int = 0
    # Only when nothing was found at all: are there active lots anywhere?
    any_lots: bool = True
    # The nearest lot could not be found without reading too many (see find_nearest_lot).
    nearest_unknown: bool = False


def search_nearby(
    latitude: float, longitude: float, *, radius_m: int | None = None, limit: int | None = None
) -> NearbySearch:
    """Up to `limit` active lots within `radius_m`, nearest first (ties by id).

    Both are capped by NEARBY_RADIUS_M and NEARBY_LIMIT. When none is within
    the radius, `nearest_beyond` names the closest one farther away, up to
    NEARBY_NEAREST_MAX_M (a lot on another continent helps nobody, and a
    bounding box that large would hold every lot there is).
    """
    radius_m = min(radius_m or settings.NEARBY_RADIUS_M, settings.NEARBY_RADIUS_M)
    limit = min(limit or settings.NEARBY_LIMIT, settings.NEARBY_LIMIT)
    lots = find_nearby_lots(latitude, longitude, radius_m=radius_m, limit=limit)
    search = NearbySearch(latitude, longitude, radius_m, limit, lots)
    if lots:
        return search
    within_m = max(settings.NEARBY_NEAREST_MAX_M, radius_m)
    try:
        nearest = find_nearest_lot(latitude, longitude, beyond_m=radius_m, within_m=within_m)
    except TooManyCandidates:
        return replace(search, nearest_unknown=True)
    any_lots = nearest is not None or Lot.objects.filter(is_active=True).exists()
    return replace(search, nearest_beyond=nearest, nearest_within_m=within_m, any_lots=any_lots)


def find_nearby_lots(
    latitude: float, longitude: float, *, radius_m: float, limit: int
) -> list[NearbyLot]:
    """The `limit` active lots nearest to a point within `radius_m`, nearest first."""
    _check_point(latitude, longitude)
    if radius_m <= 0 or limit <= 0:
        return []
    return _search(latitude, longitude, radius_m=radius_m, limit=limit, start=START_RADIUS_M)


def find_nearest_lot(
    latitude: float, longitude: float, *, beyond_m: float = 0, within_m: float = MAX_DISTANCE_M
) -> NearbyLot | None:
    """The active lot nearest to a point within `within_m`; `beyond_m` is known to hold none.

    Raises TooManyCandidates where it cannot tell without reading more than
    NEAREST_MAX_READ lots (a dense city in the corners of a box hundreds of
    kilometres wide, around a point far from any lot).
    """
    _check_point(latitude, longitude)
    found = _search(
        latitude,
        longitude,
        radius_m=within_m,
        limit=1,
        start=max(START_RADIUS_M, beyond_m * 4),
        too_few=beyond_m,
        max_read=NEAREST_MAX_READ,
    )
    return found[0] if found else None


class TooManyCandidates(Exception):
    """The answer would need reading more lots than allowed."""


def _search(
    latitude: float,
    longitude: float,
    *,
    radius_m: float,
    limit: int,
    start: float,
    too_few: float = 0.0,
    max_read: int | None = None,
) -> list[NearbyLot]:
    """Widen (or narrow) a search box until its circle holds `limit` lots or is `radius_m`.

    `too_few` is a radius known to hold fewer than `limit` lots, `too_many` one
    whose box holds more candidates than a round reads; the radius stays
    between them. Once they are close, rounds read whole boxes (at most
    `max_read` rows, else TooManyCandidates) and grow slowly. Every answer
    comes from a round that read its whole box.
    """
    distance = distance_from(latitude, longitude)
    radius_m = min(radius_m, MAX_DISTANCE_M)  # every point on Earth is within this
    radius, too_many, narrowing = min(start, radius_m), math.inf, 0
    while True:
        capped = too_many > too_few * _CLOSE and narrowing < _MAX_NARROWING_ROUNDS
        strips = 1 if radius <= _ONE_BOX_UP_TO_M else _STRIPS
        boxes = search_boxes(latitude, longitude, radius, strips=strips)
        rows = _candidates(boxes, MAX_CANDIDATES if capped else max_read)
        if capped and len(rows) >= MAX_CANDIDATES:
            too_many, narrowing = radius, narrowing + 1
            aim = radius * math.sqrt(2 * limit / MAX_CANDIDATES)
            radius = aim if too_few < aim < too_many else _between(too_few, too_many)
            continue
        if not capped and max_read is not None and len(rows) >= max_read:
            raise TooManyCandidates(f"more than {max_read} lots to read")
        within = _within(distance, rows, radius)
        if len(within) >= limit or radius >= radius_m:
            return _nearest_first(within, limit)
        too_few = radius
        if capped:
            grown = radius * _growth(len(within), limit)
            if grown >= too_many:
                grown = _between(too_few, too_many)
        else:
            grown = radius * MIN_GROWTH  # past a crowded box: small steps
        radius = min(radius_m, grown)


def _between(low: float, high: float) -> float:
    """A radius strictly between two, halfway on a log scale."""
    return math.sqrt(low * high) if low > 0 else high / 2


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


def _within(distance, rows: list[tuple], radius: float) -> list[NearbyLot]:
    """The candidates within `radius`, scored."""
    within = []
    for row in rows:
        d = distance(row[1], row[2])
        if d <= radius:
            within.append(NearbyLot(*row, distance_m=d))
    return within


def _candidates(boxes: list[SearchBox], cap: int | None) -> list[tuple]:
    """Active lots in the boxes (at most `cap` of them, in no particular order)."""
    # Range scans of the (latitude, longitude) index. Raw SQL because a search
    # runs a few of these and compiling an ORM query would cost more than
    # running it; the statement is the same on SQLite and PostgreSQL.
    params = [True]
    for box in boxes:
        params += [box.south, box.north]
        for west, east in box.longitudes:
            params += [west, east]
    if cap is not None:
        params.append(cap)
    shape = tuple(len(box.longitudes) for box in boxes)
    with connection.cursor() as cursor:
        cursor.execute(_candidates_sql(connection.vendor, shape, cap is not None), params)
        return cursor.fetchall()


@functools.cache
def _candidates_sql(vendor: str, shape: tuple[int, ...], capped: bool) -> str:
    """SELECT … WHERE is_active AND (lat BETWEEN … AND (lng BETWEEN … [OR …])) [OR …] [LIMIT]."""
    meta, quote = Lot._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    def in_box(longitude_ranges: int) -> str:
        ranges = " OR ".join([f"{column('longitude')} BETWEEN %s AND %s"] * longitude_ranges)
        return f"({column('latitude')} BETWEEN %s AND %s AND ({ranges}))"

    return (
        f"SELECT {', '.join(column(name) for name in _COLUMNS)} FROM {quote(meta.db_table)} "
        f"WHERE {column('is_active')} = %s AND ({' OR '.join(in_box(n) for n in shape)})"
        + (" LIMIT %s" if capped else "")
    )


def fullness(available: int, capacity: int, *, counted: bool = True) -> str:
    """How full a lot looks on the map: "plenty", "few" (under 20% free) or "full".

    "unknown" for a lot whose cars nobody counts (`counted` false: it has no gates).
    """
    if not counted:
        return "unknown"
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
    if search.nearest_unknown:
        return _("No parking lot within %(radius)s.") % {"radius": radius}
    if not search.any_lots:
        return _("There are no parking lots on the map yet.")
    if search.nearest_beyond is None:
        return _("No parking lot within %(radius)s, nor within %(far)s.") % {
            "radius": radius,
            "far": format_distance(search.nearest_within_m),
        }
    return _("No parking lot within %(radius)s. The nearest is %(name)s, %(distance)s away.") % {
        "radius": radius,
        "name": search.nearest_beyond.name,
        "distance": format_distance(search.nearest_beyond.distance_m),
    }
