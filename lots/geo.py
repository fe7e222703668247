"""Distances and search boxes on the Earth, for the nearby search. Plain math, no GIS library.

Distances are great-circle (haversine) distances on a sphere of the Earth's
mean radius. Within the few kilometres the map searches, they differ from the
WGS84 ellipsoid's geodesic by at most about 0.5% (15 m at 3 km), which is the
sphere PostGIS's `<->` on geography orders by too; in exchange they are cheap
enough to compute for every candidate of a search (see docs/map.md).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

# IUGG mean Earth radius (R1), metres.
EARTH_RADIUS_M = 6_371_008.8
# Half the circumference: no two points are farther apart than this.
MAX_DISTANCE_M = math.pi * EARTH_RADIUS_M

# Bounds are widened by this much (degrees, about a millimetre) so that rounding
# in the trigonometry never leaves out a lot lying exactly on the search circle.
_BOX_MARGIN_DEG = 1e-8


def is_valid_point(latitude: float, longitude: float) -> bool:
    """A finite latitude in [-90, 90] and longitude in [-180, 180]."""
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


def distance_from(latitude: float, longitude: float) -> Callable[[float, float], float]:
    """The distance in metres from one point, as a function of another point.

    Everything that depends on the origin alone is computed once, so scoring
    many candidates against one origin stays cheap. Every distance in the
    nearby search (and its brute-force reference) comes from here, so equal
    inputs give bit-for-bit equal distances.
    """
    phi1 = math.radians(latitude)
    cos_phi1 = math.cos(phi1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * EARTH_RADIUS_M

    def distance(lat: float, lng: float) -> float:
        phi2 = radians(lat)
        half_dphi = sin((phi2 - phi1) / 2)
        half_dlambda = sin(radians(lng - longitude) / 2)
        h = half_dphi * half_dphi + cos_phi1 * cos(phi2) * half_dlambda * half_dlambda
        return diameter * asin(min(1.0, sqrt(h)))

    return distance


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points (degrees)."""
    return distance_from(lat1, lng1)(lat2, lng2)


@dataclass(frozen=True)
class SearchBox:
    """Every point within a distance of a centre lies inside this box.

    `longitudes` holds one range, or two when the box crosses the 180th
    meridian; a box reaching a pole spans every longitude.
    """

    south: float
    north: float
    longitudes: tuple[tuple[float, float], ...]


def search_box(latitude: float, longitude: float, radius_m: float) -> SearchBox:
    """The smallest latitude/longitude box around the circle of `radius_m` about a point."""
    delta = radius_m / EARTH_RADIUS_M  # angular radius, radians
    if delta >= math.pi:
        return SearchBox(-90.0, 90.0, ((-180.0, 180.0),))
    delta_deg = math.degrees(delta) + _BOX_MARGIN_DEG
    south, north = latitude - delta_deg, latitude + delta_deg
    if south <= -90 or north >= 90:
        # The circle holds a pole: it reaches every longitude (and cos(lat)
        # below would divide by zero at the pole itself).
        return SearchBox(max(south, -90.0), min(north, 90.0), ((-180.0, 180.0),))
    # Widest longitude offset on the circle; sin(delta) < cos(lat) holds here.
    ratio = math.sin(delta) / math.cos(math.radians(latitude))
    dlng = math.degrees(math.asin(min(1.0, ratio))) + _BOX_MARGIN_DEG
    return SearchBox(south, north, _longitude_ranges(longitude, dlng))


def search_boxes(
    latitude: float, longitude: float, radius_m: float, *, strips: int = 1
) -> list[SearchBox]:
    """Boxes that together hold the circle of `radius_m` about a point.

    One box, or `strips` slices of it from south to north, each only as wide
    as the circle is within it: a large circle's box has wide corners the
    circle never reaches (at 200 km they can hold a whole city); the slices
    leave little of them. A circle holding a pole stays one box.
    """
    box = search_box(latitude, longitude, radius_m)
    if strips <= 1 or box.longitudes == ((-180.0, 180.0),):
        return [box]
    delta = radius_m / EARTH_RADIUS_M
    phi0 = math.radians(latitude)
    # The circle is widest at this latitude (not its centre's, on a sphere)
    # and narrows steadily north and south of it.
    widest = math.degrees(math.asin(max(-1.0, min(1.0, math.sin(phi0) / math.cos(delta)))))
    height = (box.north - box.south) / strips
    edges = [box.south + height * index for index in range(strips)] + [box.north]
    boxes = []
    for south, north in zip(edges, edges[1:], strict=False):
        nearest_to_widest = math.radians(min(max(widest, south), north))
        dlng = _half_width(phi0, delta, nearest_to_widest) + _BOX_MARGIN_DEG
        boxes.append(SearchBox(south, north, _longitude_ranges(longitude, dlng)))
    return boxes


def _half_width(phi0: float, delta: float, phi: float) -> float:
    """Degrees of longitude from the centre to the circle's edge along latitude `phi`.

    The haversine form: hav(delta) = hav(phi - phi0) + cos(phi) cos(phi0) hav(dlng).
    (The law of cosines' acos loses the width of a circle of a few metres to rounding.)
    """
    hav_dlng = (_hav(delta) - _hav(phi - phi0)) / (math.cos(phi) * math.cos(phi0))
    return math.degrees(2 * math.asin(math.sqrt(max(0.0, min(1.0, hav_dlng)))))


def _hav(angle: float) -> float:
    return math.sin(angle / 2) ** 2


def _longitude_ranges(longitude: float, dlng: float) -> tuple[tuple[float, float], ...]:
    if dlng >= 180:
        return ((-180.0, 180.0),)
    west, east = longitude - dlng, longitude + dlng
    if west < -180:
        return ((west + 360, 180.0), (-180.0, east))
    if east > 180:
        return ((west, 180.0), (-180.0, east - 360))
    return ((west, east),)
