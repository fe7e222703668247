"""Personas and helpers shared by the tests.

alice (`owner`) runs "Riverside" (20 spaces); bob (`other_owner`) runs his own
lot. Gates carry their clear `token` as an attribute, as an integrator would
hold it. Time is frozen by `clock` and moved by hand, never slept on.
"""

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from lots.services import create_lot
from parking.models import Direction
from parking.services import PlateRead, admit_vehicle, create_gate

from .browser import browser, page, phone  # noqa: F401  (fixtures)

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


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
def owner(db):
    return get_user_model().objects.create_user("alice", password="alice-pass", is_staff=True)


@pytest.fixture
def other_owner(db):
    return get_user_model().objects.create_user("bob", password="bob-pass", is_staff=True)


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
