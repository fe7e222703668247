"""The nearby search gives the brute-force answer: same lots, same order, anywhere on Earth."""

import math
import random

import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lots import nearby
from lots.geo import EARTH_RADIUS_M, distance_m, search_box, search_boxes
from lots.models import Lot
from lots.nearby import (
    find_nearby_lots,
    find_nearest_lot,
    nearby_lots_brute_force,
    search_nearby,
)

# Dense and sparse places, and the awkward ones: the poles and the 180th meridian.
# (latitude, longitude, typical distance of a lot from there in metres)
CENTRES = [
    (25.0478, 121.5170, 800),  # Taipei Main Station: a dense centre
    (25.0330, 121.5654, 3000),  # Xinyi
    (24.8000, 120.9700, 5000),  # Hsinchu
    (23.5, 121.0, 80_000),  # the mountains: a handful per 3 km
    (89.99, 0.0, 2000),  # beside the North Pole
    (-89.995, 45.0, 1000),  # beside the South Pole
    (-16.5, 179.99, 3000),  # Fiji, on the 180th meridian
]


def destination(lat, lng, metres, bearing_deg):
    lat1, lng1 = math.radians(lat), math.radians(lng)
    delta, theta = metres / EARTH_RADIUS_M, math.radians(bearing_deg)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(theta)
    )
    lng2 = lng1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(lat1),
        math.cos(delta) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), (math.degrees(lng2) + 540) % 360 - 180


@pytest.fixture
def lots(owner):
    rng = random.Random(2024)
    rows = []
    for lat, lng, spread in CENTRES:
        for _ in range(80):
            rows.append(destination(lat, lng, abs(rng.gauss(0, spread)), rng.uniform(0, 360)))
    rows += [(25.0478, 121.5170)] * 3  # three lots on one spot: ties broken by id
    rows += [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (0.0, -180.0)]
    Lot.objects.bulk_create(
        Lot(owner=owner, name=f"Lot {n}", latitude=lat, longitude=lng, capacity=10, occupied=n % 11)
        for n, (lat, lng) in enumerate(rows)
    )
    closed = list(Lot.objects.order_by("id").values_list("pk", flat=True))[::25]
    Lot.objects.filter(pk__in=closed).update(is_active=False)
    return rows


def near_a_centre():
    return st.tuples(
        st.sampled_from(CENTRES), st.floats(0, 20_000), st.floats(0, 360, exclude_max=True)
    ).map(lambda args: destination(args[0][0], args[0][1], args[1], args[2]))


anywhere = st.tuples(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))


@pytest.fixture(params=[nearby.MAX_CANDIDATES, 3], ids=["as configured", "narrowing often"])
def max_candidates(request, monkeypatch):
    """Also with a tiny read cap, so that boxes holding too many lots are narrowed all the time."""
    monkeypatch.setattr(nearby, "MAX_CANDIDATES", request.param)
    return request.param


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    point=st.one_of(near_a_centre(), anywhere),
    radius_m=st.sampled_from([50, 400, 1000, 3000, 25_000, 2_500_000]),
    limit=st.integers(1, 20),
)
def test_it_finds_the_same_lots_in_the_same_order_as_brute_force(
    lots, max_candidates, point, radius_m, limit
):
    lat, lng = point

    found = find_nearby_lots(lat, lng, radius_m=radius_m, limit=limit)

    assert found == nearby_lots_brute_force(lat, lng, radius_m=radius_m, limit=limit)
    assert [lot.distance_m for lot in found] == sorted(lot.distance_m for lot in found)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(point=st.one_of(near_a_centre(), anywhere))
def test_the_nearest_lot_is_the_brute_force_nearest(lots, max_candidates, point):
    lat, lng = point

    for within_m in (math.inf, 100_000):
        expected = nearby_lots_brute_force(lat, lng, radius_m=within_m, limit=1)
        found = find_nearest_lot(lat, lng, within_m=within_m)
        assert [found] == expected if expected else found is None


def test_three_lots_on_one_spot_come_in_id_order(lots):
    found = find_nearby_lots(25.0478, 121.5170, radius_m=1, limit=15)

    assert len(found) == 3
    assert [lot.id for lot in found] == sorted(lot.id for lot in found)
    assert {lot.distance_m for lot in found} == {0.0}


def test_at_the_north_pole_every_longitude_is_near(lots):
    found = find_nearby_lots(90.0, 0.0, radius_m=3000, limit=15)

    assert found == nearby_lots_brute_force(90.0, 0.0, radius_m=3000, limit=15)
    assert len({round(lot.longitude) for lot in found}) > 5


def test_a_search_on_the_180th_meridian_finds_lots_on_both_sides(lots):
    found = find_nearby_lots(-16.5, 180.0, radius_m=3000, limit=15)

    assert {lot.longitude > 0 for lot in found} == {True, False}


def test_a_search_summary_names_the_nearest_lot_when_none_is_near(lots):
    search = search_nearby(25.0478, 121.75)  # 23 km east of Taipei Main Station

    assert search.lots == []
    assert 3000 < search.nearest_beyond.distance_m < 100_000


@given(
    lat=st.floats(-90, 90),
    lng=st.floats(-180, 180),
    radius_m=st.floats(1, 25_000_000),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
# A circle of a metre: the law of cosines' rounding once made its slices too narrow.
@example(lat=7.21875, lng=0.0, radius_m=1.0, bearing=267.0, fraction=1.0)
def test_the_search_box_and_its_slices_hold_every_point_within_the_radius(
    lat, lng, radius_m, bearing, fraction
):
    point = destination(lat, lng, radius_m * fraction, bearing)
    if distance_m(lat, lng, *point) > radius_m:  # rounding at the very edge of the circle
        return

    box = search_box(lat, lng, radius_m)

    assert box.south <= point[0] <= box.north
    assert any(west <= point[1] <= east for west, east in box.longitudes)
    assert any(
        strip.south <= point[0] <= strip.north
        and any(west <= point[1] <= east for west, east in strip.longitudes)
        for strip in search_boxes(lat, lng, radius_m, strips=16)
    )


@pytest.mark.parametrize("lat", [90.0, -90.0, 89.9999999, -89.9999999])
def test_the_search_box_at_a_pole_spans_every_longitude(lat):
    box = search_box(lat, 12.0, 10)

    assert box.longitudes == ((-180.0, 180.0),)
    assert -90 <= box.south <= box.north <= 90


def test_distances_agree_with_geopys_great_circle():
    rng = random.Random(1)
    for _ in range(200):
        a = (rng.uniform(-90, 90), rng.uniform(-180, 180))
        b = (rng.uniform(-90, 90), rng.uniform(-180, 180))
        expected = great_circle(a, b, radius=EARTH_RADIUS_M / 1000).meters
        assert distance_m(*a, *b) == pytest.approx(expected, abs=0.01)
