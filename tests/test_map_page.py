"""The map page at / (and /map/): the nearest lots, readable without JavaScript."""

import json
import re
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.urls import resolve

from parking.models import Direction

from .conftest import make_gate, make_lot, park_cars
from .test_nearby_api import HERE, at


class Page(HTMLParser):
    """What a person (or a screen reader) gets from the HTML: the lots' texts, scripts, styles."""

    def __init__(self, html: str):
        super().__init__()
        self.lots: list[dict] = []
        self.scripts: list[dict] = []
        self.style_attributes = 0
        self._field = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attributes += 1
        if tag == "script":
            self.scripts.append(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "li" and "lot-item" in classes:
            self.lots.append({"classes": classes, "current": False, **attrs})
        elif self.lots and tag == "a" and "lot-link" in classes:
            self.lots[-1]["current"] = attrs.get("aria-current") == "true"
            self.lots[-1]["href"] = attrs["href"]
        elif self.lots and tag == "a" and "kiosk" in (attrs.get("href") or ""):
            self.lots[-1]["kiosk"] = attrs["href"]
        for name in ("lot-name", "lot-distance", "lot-address", "lot-vacancy"):
            if name in classes:
                self._field = name

    def handle_data(self, data):
        if self._field and data.strip():
            lot = self.lots[-1]
            lot[self._field] = (lot.get(self._field, "") + " " + " ".join(data.split())).strip()

    def handle_endtag(self, tag):
        if tag == "span" or tag == "a":
            self._field = None


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def counted_lot(owner, **values):
    """A lot whose gates count its cars (its entry gate made for it)."""
    lot = make_lot(owner, **values)
    make_gate(lot, Direction.ENTRY)
    return lot


@pytest.fixture
def lots_around_here(owner):
    return [
        counted_lot(
            owner, name=f"Lot {n:02d}", address=f"{n} Station Rd", **at(100 * (n + 1), 20 * n)
        )
        for n in range(18)
    ]


def test_it_lists_the_15_nearest_lots_nearest_first_without_javascript(client, lots_around_here):
    response = client.get("/", {"lat": HERE[0], "lng": HERE[1]})

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert [lot["lot-name"] for lot in page.lots] == [f"Lot {n:02d}" for n in range(15)]
    assert page.lots[0]["lot-distance"] == "100 m"
    assert page.lots[12]["lot-distance"] == "1.3 km"
    assert page.lots[0]["lot-address"] == "0 Station Rd"
    assert page.lots[0]["lot-vacancy"] == "20 of 20 spaces free"
    assert "15 parking lots within 3 km" in text(response)
    assert "Near 25.04780, 121.51700" in text(response)


def test_map_is_the_same_page(client, lots_around_here):
    response = client.get("/map/", {"lat": HERE[0], "lng": HERE[1]})

    assert response.status_code == 200
    assert len(Page(response.content.decode()).lots) == 15


def test_before_anything_is_known_it_searches_around_taipei_main_station(client, lots_around_here):
    response = client.get("/")

    assert "Near Taipei Main Station" in text(response)
    assert Page(response.content.decode()).lots[0]["lot-name"] == "Lot 00"
    config = json.loads(
        re.search(r'id="map-config"[^>]*>(.*?)</script>', response.content.decode(), re.S)[1]
    )
    assert config["centre"] == [25.0478, 121.517]
    assert config["chosen"] is False  # the script may ask the browser where it is


def test_a_lot_picked_from_the_list_shows_its_vacancy_and_kiosk(client, lots_around_here, clock):
    lot = lots_around_here[3]

    response = client.get("/", {"lat": HERE[0], "lng": HERE[1], "lot": lot.pk})

    page = Page(response.content.decode())
    picked = [entry for entry in page.lots if entry["current"]]
    assert [entry["data-lot-id"] for entry in picked] == [str(lot.pk)]
    assert "is-selected" in picked[0]["classes"]
    assert picked[0]["kiosk"] == f"/kiosk/{lot.pk}/"
    assert resolve(picked[0]["kiosk"]).url_name == "kiosk"  # the exit kiosk's own page
    assert "Checked at 09:00:00" in text(response)
    fifth = lots_around_here[4].pk
    assert page.lots[4]["href"] == f"?lat=25.047800&lng=121.517000&lot={fifth}#lot-{fifth}"


def test_lots_are_coloured_by_how_full_they_are(client, owner):
    for name, cars in (("Plenty", 5), ("Few", 17), ("Full", 20)):
        park_cars(make_lot(owner, name=name, **at(100 + cars)), cars)

    page = Page(client.get("/", {"lat": HERE[0], "lng": HERE[1]}).content.decode())

    fullness = {
        lot["lot-name"]: [c for c in lot["classes"] if c.startswith("lot--")] for lot in page.lots
    }
    assert fullness == {"Plenty": ["lot--plenty"], "Few": ["lot--few"], "Full": ["lot--full"]}
    assert [lot["lot-vacancy"] for lot in page.lots] == [
        "15 of 20 spaces free",
        "3 of 20 spaces free",
        "Full: 0 of 20 spaces free",
    ]


def test_a_lot_without_gates_shows_its_size_not_a_vacancy(client, owner, clock):
    # Imported from open data: nobody counts its cars, so "20 of 20 free" would be a guess.
    imported = make_lot(owner, name="Imported", capacity=179, **at(100))
    counted_lot(owner, name="Counted", **at(200))

    response = client.get("/", {"lat": HERE[0], "lng": HERE[1], "lot": imported.pk})

    page = Page(response.content.decode())
    assert [(lot["lot-name"], lot["lot-vacancy"]) for lot in page.lots] == [
        ("Imported", "179 spaces; vacancy not reported"),
        ("Counted", "20 of 20 spaces free"),
    ]
    assert "lot--unknown" in page.lots[0]["classes"]
    assert page.lots[0]["data-counted"] == "false"
    assert "kiosk" not in page.lots[0]  # it has no cars to pay for
    listed = response.content.decode().split('<ol class="lot-list"')[1].split("</ol>")[0]
    assert "whether it has room is not known here" in listed
    assert "Checked at" not in listed


def test_with_none_within_3_km_it_names_the_nearest_lot(client, owner):
    make_lot(owner, name="Banqiao Station Lot", **at(7400, 225))

    response = client.get("/", {"lat": HERE[0], "lng": HERE[1]})

    assert "No parking lot within 3 km. The nearest is Banqiao Station Lot, 7.4 km away." in text(
        response
    )
    assert [lot["lot-name"] for lot in Page(response.content.decode()).lots] == [
        "Banqiao Station Lot"
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lat": "95", "lng": "121.5"}, "The latitude must be a number between -90 and 90."),
        ({"lat": "25", "lng": "east"}, "The longitude must be a number between -180 and 180."),
        ({"lat": "25"}, "Give both a latitude and a longitude."),
        # Python's float() reads 25.0478: not a way people write a latitude.
        ({"lat": "2_5.0478", "lng": "121.517"}, "The latitude must be a number between"),
    ],
)
def test_bad_coordinates_are_explained_and_the_default_centre_shown(
    client, lots_around_here, params, message
):
    response = client.get("/", params)

    assert response.status_code == 200
    assert message in text(response)
    assert "Near Taipei Main Station" in text(response)


def test_the_list_alone_is_served_for_the_maps_script(client, lots_around_here):
    response = client.get("/map/results/", {"lat": HERE[0], "lng": HERE[1]})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert len(Page(html).lots) == 15


def test_the_page_has_no_inline_script_or_style_for_the_csp(client, lots_around_here):
    response = client.get("/")

    page = Page(response.content.decode())
    assert page.style_attributes == 0
    assert all(
        script.get("src") or script.get("type") == "application/json" for script in page.scripts
    )
    assert {script.get("src") for script in page.scripts} >= {
        "/static/leaflet/leaflet.js",
        "/static/js/map.js",
    }
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_leaflet_is_served_from_this_site(client, db):
    for path in ("/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css", "/static/js/map.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


def test_names_are_escaped(client, owner):
    make_lot(owner, name='<script>alert("x")</script>', **at(100))

    html = client.get("/").content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# --- Typed addresses (geopy's Nominatim client against a local stand-in) -------------------


class FakeNominatim(BaseHTTPRequestHandler):
    places = {"taipei main station": (25.0478, 121.5170, "Taipei Main Station, Zhongzheng")}
    queries: list[dict] = []
    status = 200

    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        type(self).queries.append(query)
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            return
        found = self.places.get(query["q"][0].lower())
        body = (
            [{"lat": str(found[0]), "lon": str(found[1]), "display_name": found[2]}]
            if found
            else []
        )
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNominatim.queries, FakeNominatim.status = [], 200
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_USER_AGENT = "openlot-tests"
    settings.GEOCODER_DOMAIN = f"127.0.0.1:{server.server_port}"
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_COUNTRY_CODES = ["tw"]
    cache.clear()
    yield FakeNominatim
    server.shutdown()
    server.server_close()
    cache.clear()


def test_a_typed_address_is_geocoded_and_searched_around(client, lots_around_here, nominatim):
    response = client.get("/", {"q": "Taipei Main Station"})

    assert "Near Taipei Main Station, Zhongzheng" in text(response)
    assert Page(response.content.decode()).lots[0]["lot-name"] == "Lot 00"
    (query,) = nominatim.queries
    assert query["q"] == ["Taipei Main Station"]
    assert query["countrycodes"] == ["tw"]
    assert 'name="q"' in response.content.decode()


def test_the_same_address_is_asked_once(client, lots_around_here, nominatim):
    client.get("/", {"q": "Taipei Main Station"})
    client.get("/", {"q": "Taipei  Main Station "})

    assert len(nominatim.queries) == 1


def test_an_unknown_address_says_so(client, lots_around_here, nominatim):
    response = client.get("/", {"q": "Atlantis"})

    assert "No place found for “Atlantis”." in text(response)
    assert "Near Taipei Main Station" in text(response)


def test_a_geocoder_that_does_not_answer_leaves_the_map_usable(client, lots_around_here, nominatim):
    nominatim.status = 503

    response = client.get("/", {"q": "Taipei Main Station"})

    assert response.status_code == 200
    assert "Address search is not answering right now: click the map instead." in text(response)
    assert len(Page(response.content.decode()).lots) == 15


def test_without_a_geocoder_there_is_no_address_box(client, lots_around_here):
    response = client.get("/", {"q": "Taipei Main Station"})

    assert 'name="q"' not in response.content.decode()
    assert "Address search is not available here: click the map instead." in text(response)


def test_the_map_answers_head_as_get(client, lots_around_here):
    for url in ("/", "/map/", "/map/results/"):
        got, head = client.get(url), client.head(url)

        assert (head.status_code, head["Content-Type"]) == (200, got["Content-Type"]), url
