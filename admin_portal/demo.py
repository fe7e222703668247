"""Demo data for `make run`: an owner, three Taipei lots with real-world tariffs, gates, cars,
and the real lots of Taiwan's open data (data/) with simulated occupancy for the map.

Everything is looked up before it is created, so running it again adds nothing and
undoes nothing an owner changed (a gate token revoked or replaced stays so).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from lots.importing import import_lots, read_lot_csv
from lots.models import Lot
from lots.services import create_lot, make_lot_owner, occupy_spaces
from parking import services as parking
from parking.models import Direction, Gate, ParkingSession, hash_token
from parking.photos import draw_vehicle_photo, store_photo
from parking.plates import normalise_plate, ocr_key

OWNER = ("owner", "openlot-demo")
SUPERUSER = ("admin", "openlot-admin")
# The real lots belong to an account nobody logs in as; the superuser sees them.
OPEN_DATA = settings.BASE_DIR / "data" / "taiwan_parking_lots.csv"
OPEN_DATA_OWNER = "opendata"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# (name, address, lat, lng, capacity, tariff in minor units TWD, parked plates)
LOTS = [
    (
        "Taipei Main Station Lot 台北車站停車場",
        "No. 3, Beiping W. Rd., Zhongzheng Dist., Taipei",
        25.04776, 121.51706, 30,
        # "30元/時，全程以半小時計費": NT$30 an hour, billed per half hour.
        {"free_minutes": 10, "unit_minutes": 30, "unit_price": 1500},
        ["ABC-1234", "AKB-0168", "RAB-5566", "BXG-8020", "ALD-3021", "KLM-7788", "TDA-6391"],
    ),
    (
        "Huashan 1914 Lot 華山停車場",
        "No. 1, Sec. 1, Bade Rd., Zhongzheng Dist., Taipei",
        25.04413, 121.52918, 20,
        # First hour NT$30, then NT$15 per half hour, daily max NT$180.
        {
            "free_minutes": 15, "first_period_minutes": 60, "first_period_price": 3000,
            "unit_minutes": 30, "unit_price": 1500, "daily_cap": 18000,
        },
        ["BEE-2046", "MRT-1688", "QAZ-5120", "EVA-0909", "ZOO-3321"],
    ),
    (
        "Ximen Lot 西門停車場",
        "No. 10, Emei St., Wanhua Dist., Taipei",
        25.04212, 121.50792, 12,
        {"unit_minutes": 60, "unit_price": 2000, "daily_cap": 20000},
        ["SUN-8888", "LOL-1010", "GIG-6060"],
    ),
]  # fmt: skip

COLOURS = [(200, 40, 40), (30, 90, 170), (235, 235, 235), (40, 40, 45), (150, 150, 160),
           (220, 170, 30), (40, 120, 70)]  # fmt: skip


@dataclass
class DemoLot:
    lot: Lot
    entry_token: str
    exit_token: str


def demo_token(lot_number: int, direction: str) -> str:
    # Fixed, so `make run` can print them every time; only for the demo database.
    return f"olg_demo_lot{lot_number}_{direction}"


def ensure_user(username: str, password: str, **flags):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
    if created:
        user.set_password(password)
        user.save()
    return user


# Printed instead of a demo token that an owner revoked or replaced in the admin.
TOKEN_CHANGED = "(revoked or replaced in the admin: the demo token no longer opens this gate)"


def ensure_gate(lot: Lot, direction: str, token: str) -> str:
    """The gate with the demo `token`, made if missing; what to print for its token.

    A gate already there keeps its token: one revoked or replaced in the admin
    stays so (`TOKEN_CHANGED`), whatever running the demo again would otherwise do.
    """
    name = "Entry 1" if direction == Direction.ENTRY else "Exit 1"
    gate = Gate.objects.filter(lot=lot, name=name).first()
    if gate is None:
        gate = Gate(lot=lot, name=name, direction=direction)
        gate.set_token(token)
        gate.save()
    elif gate.revoked_at is not None or gate.token_hash != hash_token(token):
        return TOKEN_CHANGED
    return token


def park_demo_vehicles(lot: Lot, plates: list[str], now, rng: random.Random) -> None:
    gate = Gate.objects.select_related("lot__tariff").get(lot=lot, direction=Direction.ENTRY)
    # In the order they arrived, so the gate log reads as a day did: spaces free after
    # each entry go down as time goes on.
    arrivals = sorted((now - timedelta(minutes=rng.randint(20, 6 * 60)), p) for p in plates)
    for entered_at, plate_as_read in arrivals:
        plate = normalise_plate(plate_as_read)
        if ParkingSession.objects.filter(lot=lot, plate=plate).exists():
            continue
        photo = store_photo(
            draw_vehicle_photo(plate_as_read, colour=rng.choice(COLOURS)), "JPEG", now=entered_at
        )
        read = parking.PlateRead(
            plate=plate,
            plate_as_read=plate_as_read,
            photo_url=photo.url,
            photo_thumbnail=photo.thumbnail,
        )
        parking.admit_vehicle(gate, read, now=entered_at)


@transaction.atomic
def seed(now) -> list[DemoLot]:
    owner = ensure_user(*OWNER, is_staff=True)
    make_lot_owner(owner)
    ensure_user(*SUPERUSER, is_staff=True, is_superuser=True)
    rng = random.Random(1914)
    demo_lots = []
    for number, (name, address, lat, lng, capacity, tariff, plates) in enumerate(LOTS, 1):
        lot = Lot.objects.filter(owner=owner, name=name).first()
        created = lot is None
        if created:
            lot = create_lot(
                owner=owner,
                name=name,
                address=address,
                latitude=lat,
                longitude=lng,
                capacity=capacity,
                **tariff,
            )
        tokens = {
            d: ensure_gate(lot, d, demo_token(number, d)) for d in (Direction.ENTRY, Direction.EXIT)
        }
        if created:
            park_demo_vehicles(lot, plates, now, rng)
        lot.refresh_from_db()
        demo_lots.append(DemoLot(lot, tokens[Direction.ENTRY], tokens[Direction.EXIT]))
    return demo_lots


@transaction.atomic
def seed_open_data(now, path=OPEN_DATA) -> int:
    """Import the real lots once, park simulated cars in them; the number of real lots."""
    owner, created = get_user_model().objects.get_or_create(username=OPEN_DATA_OWNER)
    if created:
        owner.set_unusable_password()
        owner.save()
        make_lot_owner(owner)
    report = import_lots(read_lot_csv(path), owner=owner)
    park_simulated_vehicles(report.loaded_ids, now, random.Random(2024))
    return Lot.objects.filter(owner=owner).count()


def simulated_occupancy(capacity: int, rng: random.Random) -> int:
    """Cars to park: some lots full, some nearly, most with room (so the map has every colour)."""
    draw = rng.random()
    if draw < 0.1:
        share = 1.0
    elif draw < 0.3:
        share = rng.uniform(0.8, 0.99)
    else:
        share = rng.uniform(0.05, 0.6)
    return min(capacity, round(capacity * share))


def park_simulated_vehicles(lot_ids: list[int], now, rng: random.Random) -> None:
    """Simulated cars (no photos) in the given lots, counted in their occupancy.

    Tens of thousands of cars, so one bulk INSERT instead of a gate decision
    each (which would take minutes); `lot.occupied` still equals the number of
    sessions, in the same transaction.
    """
    meta = ParkingSession._meta
    columns = ["id", "lot", "plate", "plate_key", "plate_as_read", "photo_url", "photo_thumbnail",
               "entered_at", "billing_from", "created_at", "updated_at"]  # fmt: skip
    adapt = connection.ops.adapt_datetimefield_value
    entry_times = [adapt(now - timedelta(minutes=m)) for m in range(12, 8 * 60, 7)]
    stamp = adapt(now)
    # What UUIDField.get_db_prep_value does, without its per-call cost.
    native_uuid = connection.features.has_native_uuid_field
    rows, counts = [], {}
    for lot_id, capacity in Lot.objects.filter(pk__in=lot_ids).values_list("pk", "capacity"):
        counts[lot_id] = simulated_occupancy(capacity, rng)
        for plate_as_read in _plates(counts[lot_id], rng):
            session_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            plate = plate_as_read.replace("-", "")
            entered_at = rng.choice(entry_times)
            rows.append(
                (session_id if native_uuid else session_id.hex, lot_id, plate, ocr_key(plate),
                 plate_as_read, "", "", entered_at, entered_at, stamp, stamp)
            )  # fmt: skip
    _insert_rows(meta.db_table, [meta.get_field(name).column for name in columns], rows)
    occupy_spaces(counts, now=now)
    # The demo plays these lots' gates: their counts are live here, and the map shows them
    # so (a real import, without the simulation, leaves them "vacancy not reported").
    Lot.objects.filter(pk__in=lot_ids).update(live_vacancy=True)


def _insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than even a pipelined executemany.
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})", rows
            )


def _plates(count: int, rng: random.Random) -> list[str]:
    """`count` different plates shaped like Taiwan's (ABC-1234)."""
    plates = []
    for number in rng.sample(range(26**3 * 10_000), count):
        letters, digits = divmod(number, 10_000)
        a, rest = divmod(letters, 26 * 26)
        b, c = divmod(rest, 26)
        plates.append(f"{_LETTERS[a]}{_LETTERS[b]}{_LETTERS[c]}-{digits:04d}")
    return plates
