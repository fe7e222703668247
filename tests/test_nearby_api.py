"""GET /api/lots/nearby: the nearest lots within 3 km, nearest first, with live vacancy."""

import math

import pytest

from lots import nearby as nearby_search
from lots.geo import EARTH_RADIUS_M
from lots.models import Lot

from .conftest import make_lot

# Taipei Main Station, where the tests stand.
HERE = (25.0478, 121.5170)


def at(metres: float, bearing_deg: float = 0.0, origin=HERE) -> dict:
    """latitude/longitude `metres` away from `origin` in the direction `bearing_deg`."""
    lat1, lng1 = map(math.radians, origin)
    delta, theta = metres / EARTH_RADIUS_M, math.radians(bearing_deg)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(theta)
    )
    lng2 = lng1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(lat1),
        math.cos(delta) - math.sin(lat1) * math.sin(lat2),
    )
    return {"latitude": math.degrees(lat2), "longitude": math.degrees(lng2)}


def nearby(client, lat=HERE[0], lng=HERE[1], **params):
    return client.get("/api/lots/nearby", {"lat": lat, "lng": lng, **params})


def test_it_lists_lots_nearest_first_with_distance_and_live_vacancy(
    client, owner, gates, entry_gate, lot
):
    far = make_lot(owner, name="Far", address="9 Far St", capacity=50, **at(900, 90))
    near = make_lot(owner, name="Near", address="3 Near St", capacity=10, **at(300, 200))
    Lot.objects.filter(pk=lot.pk).update(**at(600, 45))
    gates.enter(entry_gate, "ABC-1234")

    response = nearby(client)

    assert response.status_code == 200
    body = response.json()
    assert [(r["name"], r["distance_m"], r["available"]) for r in body["results"]] == [
        ("Near", 300, 10),
        ("Riverside", 600, 19),
        ("Far", 900, 50),
    ]
    assert body["results"][0] == {
        "id": near.pk,
        "name": "Near",
        "address": "3 Near St",
        "lat": pytest.approx(near.latitude),
        "lng": pytest.approx(near.longitude),
        "distance_m": 300,
        "capacity": 10,
        "available": 10,
        "live": False,  # no gates count its cars: 10 is its size, not a count
    }
    assert body["results"][1]["live"] is True
    assert body["results"][2]["id"] == far.pk
    assert body["radius_m"] == 3000
    assert body["limit"] == 15
    assert body["nearest"] is None
    assert body["message"] == "3 parking lots within 3 km"


def test_lots_beyond_3_km_are_left_out(client, owner):
    make_lot(owner, name="Inside", **at(2990, 10))
    make_lot(owner, name="Outside", **at(3010, 10))

    body = nearby(client).json()

    assert [r["name"] for r in body["results"]] == ["Inside"]


def test_at_most_15_lots_are_answered_the_nearest_ones(client, owner):
    for n in range(20):
        make_lot(owner, name=f"Lot {n:02d}", **at(100 + 100 * n, 17 * n))

    body = nearby(client).json()

    assert [r["name"] for r in body["results"]] == [f"Lot {n:02d}" for n in range(15)]


def test_equally_near_lots_are_ordered_by_id(client, owner):
    lots = [make_lot(owner, name=f"Twin {n}", **at(500, 30)) for n in range(3)]

    body = nearby(client).json()

    assert [r["id"] for r in body["results"]] == [lot.pk for lot in lots]


def test_a_smaller_radius_and_limit_may_be_asked_for(client, owner):
    for n in range(5):
        make_lot(owner, name=f"Lot {n}", **at(200 + 400 * n, 90))

    body = nearby(client, radius_m=1000, limit=2).json()

    assert [r["name"] for r in body["results"]] == ["Lot 0", "Lot 1"]
    assert (body["radius_m"], body["limit"]) == (1000, 2)


def test_a_larger_radius_or_limit_is_capped(client, owner):
    for n in range(20):
        make_lot(owner, name=f"Lot {n:02d}", **at(150 * n + 10, 90))
    make_lot(owner, name="Beyond", **at(3500, 0))

    body = nearby(client, radius_m=50_000, limit=100).json()

    assert (body["radius_m"], body["limit"]) == (3000, 15)
    assert len(body["results"]) == 15
    assert "Beyond" not in {r["name"] for r in body["results"]}


def test_inactive_lots_are_not_listed(client, owner):
    closed = make_lot(owner, name="Closed for good", **at(100))
    Lot.objects.filter(pk=closed.pk).update(is_active=False)
    make_lot(owner, name="Open", **at(200))

    body = nearby(client).json()

    assert [r["name"] for r in body["results"]] == ["Open"]


def test_with_none_within_3_km_it_names_the_nearest_lot_and_its_distance(client, owner):
    make_lot(owner, name="Banqiao Station Lot", **at(7400, 225))
    make_lot(owner, name="Hsinchu Lot", **at(65_000, 225))

    response = nearby(client)

    assert response.status_code == 200
    body = response.json()
    assert body["results"] == []
    assert body["nearest"]["name"] == "Banqiao Station Lot"
    assert body["nearest"]["distance_m"] == 7400
    assert body["message"] == (
        "No parking lot within 3 km. The nearest is Banqiao Station Lot, 7.4 km away."
    )


def test_a_lot_farther_than_100_km_is_not_named(client, owner):
    make_lot(owner, name="Riverside")

    body = nearby(client, lat=-25.0, lng=-58.5).json()  # Asunción

    assert body["results"] == []
    assert body["nearest"] is None
    assert body["message"] == "No parking lot within 3 km, nor within 100 km."


def test_the_nearest_lot_is_not_named_if_finding_it_would_read_too_many(client, owner, monkeypatch):
    # Shrunk limits stand in for a box hundreds of kilometres wide with a city in its corner.
    make_lot(owner, name="Far", **at(20_000, 90))
    monkeypatch.setattr(nearby_search, "MAX_CANDIDATES", 1)
    monkeypatch.setattr(nearby_search, "NEAREST_MAX_READ", 1)

    body = nearby(client).json()

    assert (body["results"], body["nearest"]) == ([], None)
    assert body["message"] == "No parking lot within 3 km."


def test_with_no_lots_at_all_it_says_so(client, db):
    body = nearby(client).json()

    assert body == {
        "results": [],
        "radius_m": 3000,
        "limit": 15,
        "nearest": None,
        "message": "There are no parking lots on the map yet.",
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"lat": "95", "lng": "121.5"}, "lat", "less than or equal to 90"),
        ({"lat": "-90.5", "lng": "121.5"}, "lat", "greater than or equal to -90"),
        ({"lat": "25", "lng": "181"}, "lng", "less than or equal to 180"),
        ({"lat": "25", "lng": "-180.01"}, "lng", "greater than or equal to -180"),
        ({"lat": "nan", "lng": "121.5"}, "lat", "finite number"),
        ({"lat": "25", "lng": "inf"}, "lng", "finite number"),
        ({"lat": "north", "lng": "121.5"}, "lat", "valid number"),
        ({"lng": "121.5"}, "lat", "Field required"),
        ({"lat": "25"}, "lng", "Field required"),
        ({"lat": "25", "lng": "121.5", "radius_m": "0"}, "radius_m", "greater than or equal to 1"),
        ({"lat": "25", "lng": "121.5", "limit": "-1"}, "limit", "greater than or equal to 1"),
        # Python would read these as numbers: 25, 121.5, 1000 and 10.
        ({"lat": "2_5", "lng": "121.5"}, "lat", "valid number"),
        ({"lat": "25", "lng": "12_1.5"}, "lng", "valid number"),
        ({"lat": "25", "lng": "121.5", "radius_m": "1_000"}, "radius_m", "valid integer"),
        ({"lat": "25", "lng": "121.5", "limit": "1_0"}, "limit", "valid integer"),
        ({"lat": "２５", "lng": "121.5"}, "lat", "valid number"),
    ],
)
def test_bad_or_out_of_range_coordinates_are_refused_with_a_message(
    client, db, params, field, message
):
    response = client.get("/api/lots/nearby", params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["message"] == "The request has invalid or missing fields."
    assert [error["field"] for error in body["errors"]] == [field]
    assert message in body["errors"][0]["message"]


def test_the_openapi_document_describes_the_search(client, db):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/lots/nearby"]["get"]

    assert set(operation["responses"]) >= {"200", "422", "503"}
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert (parameters["lat"]["minimum"], parameters["lat"]["maximum"]) == (-90, 90)
    assert (parameters["lng"]["minimum"], parameters["lng"]["maximum"]) == (-180, 180)
    assert set(parameters) == {"lat", "lng", "radius_m", "limit"}
    for name in ("radius_m", "limit"):
        assert parameters[name]["anyOf"] == [{"minimum": 1, "type": "integer"}, {"type": "null"}]
