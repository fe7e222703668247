"""Personas and helpers shared by the tests.

alice (`owner`) runs "Riverside" (20 spaces); bob (`other_owner`) runs his own
lot; both are lot owners (staff, in the "Lot owners" group). root
(`superuser`) sees everything; charlie (`outsider`) has an account but is not
staff. Gates carry their clear `token` as an attribute, as an integrator would
hold it. Time is frozen by `clock` and moved by hand, never slept on.
"""

import shutil
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone, translation

from admin_portal.roles import ensure_lot_owners_group
from lots.services import LOT_OWNERS_GROUP, create_lot, make_lot_owner
from parking.models import Direction, ParkingSession
from parking.services import PlateRead, admit_vehicle, create_gate

from . import fake_stripe as stripe_fake
from .browser import browser, page, phone  # noqa: F401  (fixtures)

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters and throttles must not leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    # A request in Chinese leaves Chinese active in this thread (LocaleMiddleware
    # activates, nothing deactivates): the next test must start in the site's language.
    yield
    translation.deactivate()


@dataclass
class Clock:
    traveller: object  # time_machine.travel(...) as entered

    def now(self) -> datetime:
        return datetime.now(tz=TAIPEI)

    def advance(self, **delta) -> datetime:
        self.traveller.shift(timedelta(**delta))
        return self.now()


@pytest.fixture
def clock():
    """Frozen at Monday 2 March 2026, 09:00 in Taipei; `clock.advance(minutes=16)` moves it."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI), tick=False) as traveller:
        yield Clock(traveller)


@pytest.fixture
def afternoon_in_taipei():
    """Today at 14:00 in Taipei, the clock running, for tests whose server runs on it.

    A live server prices stays at its own "now"; across midnight a fee is split by
    calendar day (the daily cap), so breakdowns would depend on when tests run.
    """
    start = datetime.combine(timezone.localdate(timezone=TAIPEI), time(14), tzinfo=TAIPEI)
    with time_machine.travel(start, tick=True):
        yield


def make_owner(username: str, password: str):
    """A lot owner, as `create_lot --owner` makes one."""
    # The group comes from a data migration; transactional tests flush it away.
    if not Group.objects.filter(name=LOT_OWNERS_GROUP).exists():
        ensure_lot_owners_group()
    user = get_user_model().objects.create_user(username, password=password)
    make_lot_owner(user)
    return user


@pytest.fixture
def lot_owners_group(db):
    """The "Lot owners" group (from a data migration, which transactional tests flush away)."""
    if not Group.objects.filter(name=LOT_OWNERS_GROUP).exists():
        ensure_lot_owners_group()


@pytest.fixture
def owner(db):
    return make_owner("alice", "alice-pass")


@pytest.fixture
def other_owner(db):
    return make_owner("bob", "bob-pass")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="root-pass")


@pytest.fixture
def outsider(db):
    """Has an account (a driver, say) but is not staff: the admin is closed to them."""
    return get_user_model().objects.create_user("charlie", password="charlie-pass")


def make_lot(owner, **overrides):
    """A lot with "NT$30 an hour, billed per half hour, first 10 minutes free"."""
    values = {
        "name": "Riverside",
        "address": "1 River Rd",
        "latitude": 25.0478,
        "longitude": 121.5170,
        "capacity": 20,
        "free_minutes": 10,
        "unit_minutes": 30,
        "unit_price": 1500,
    }
    values.update(overrides)
    return create_lot(owner=owner, **values)


def login(client, user):
    """`client` logged in as `user` (without a password round trip)."""
    client.force_login(user)
    return client


@pytest.fixture
def lot(owner):
    return make_lot(owner)


@pytest.fixture
def other_lot(other_owner):
    return make_lot(other_owner, name="Bob's Lot")


def make_gate(lot, direction, name=None):
    gate, token = create_gate(lot, name=name or f"{direction} 1", direction=direction)
    gate.token = token
    return gate


def park_cars(lot, count: int) -> None:
    """`count` cars admitted through an entry gate of `lot` (made for them), as gates do."""
    gate = make_gate(lot, Direction.ENTRY, name="Parking helper")
    for n in range(count):
        admit_vehicle(gate, PlateRead(f"CAR{n:04d}", f"CAR-{n:04d}"), now=timezone.now())


@pytest.fixture
def entry_gate(lot):
    return make_gate(lot, Direction.ENTRY)


@pytest.fixture
def exit_gate(lot):
    return make_gate(lot, Direction.EXIT)


@dataclass
class GateClient:
    """Posts plate reads the way gate hardware does: JSON and a bearer token."""

    client: object

    def post(self, gate, payload, *, direction=None, **extra):
        direction = direction or gate.direction
        return self.client.post(
            f"/api/gates/{direction}",
            data=payload,
            content_type="application/json",
            headers={"Authorization": f"Bearer {gate.token}"},
            **extra,
        )

    def enter(self, gate, plate, **fields):
        return self.post(gate, {"plate": plate, **fields})

    def leave(self, gate, plate, **fields):
        return self.post(gate, {"plate": plate, **fields})


@pytest.fixture
def gates(client):
    return GateClient(client)


@pytest.fixture
def parked(gates, entry_gate, clock):
    """ABC-1234 entered at 09:00 and it is now 10:00: NT$30 due (two half hours)."""
    response = gates.enter(entry_gate, "ABC-1234", photo_url="https://cams.example/abc.jpg")
    clock.advance(hours=1)
    return ParkingSession.objects.select_related("lot__tariff").get(
        pk=response.json()["session_id"]
    )


def start_payment(client, session, provider="sandbox", **fields):
    """What the kiosk or an app does: POST /api/payments for a parked vehicle."""
    body = {"session_id": str(session.pk), "provider": provider, **fields}
    return client.post("/api/payments", data=body, content_type="application/json")


@pytest.fixture
def fake_stripe(settings):
    """A local Stripe API (tests/fake_stripe.py), with the provider configured to use it."""
    server = stripe_fake.FakeStripe().start()
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield server
    server.stop()


def postgres_only():
    return pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL",
    )


def pytest_generate_tests(metafunc):
    # Gate tests run on both decision paths where both exist: the ORM path
    # everywhere, and PostgreSQL's one-round-trip path (parking.fastpath).
    if "gate_path" in metafunc.fixturenames:
        on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        metafunc.parametrize(
            "gate_path", ["orm", "fast"] if on_postgres else ["orm"], indirect=True
        )


@pytest.fixture
def gate_path(request, settings):
    settings.GATE_FAST_PATH = request.param == "fast"
    return request.param
