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
    if dlng >= 180:
        return SearchBox(south, north, ((-180.0, 180.0),))
    west, east = longitude - dlng, longitude + dlng
    if west < -180:
        return SearchBox(south, north, ((west + 360, 180.0), (-180.0, east)))
    if east > 180:
        return SearchBox(south, north, ((west, 180.0), (-180.0, east - 360)))
    return SearchBox(south, north, ((west, east),))
