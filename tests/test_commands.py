"""Provisioning from the shell: create_lot, create_gate, simulate_gate, seed_demo."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from lots.models import Lot
from parking.models import Gate, GateEvent, ParkingSession, hash_token

from .servers import BASE_DIR


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_lot_prints_the_new_lots_id_last_and_creates_its_owner(db):
    lines = run(
        "create_lot", "--name", "Zhongshan", "--lat", "25.05", "--lng", "121.52",
        "--capacity", "80", "--owner", "carol", "--address", "8 Nanjing W. Rd",
        "--free-minutes", "15", "--first-period-minutes", "60", "--first-period-price", "30",
        "--unit-minutes", "30", "--unit-price", "15", "--daily-cap", "180",
    )  # fmt: skip

    lot = Lot.objects.get(pk=int(lines[-1]))
    assert (lot.name, lot.address, lot.capacity, lot.occupied) == (
        "Zhongshan",
        "8 Nanjing W. Rd",
        80,
        0,
    )
    assert (lot.latitude, lot.longitude, lot.currency) == (25.05, 121.52, "TWD")
    assert lot.owner.username == "carol"
    assert lot.owner.is_staff
    tariff = lot.tariff
    assert (tariff.free_minutes, tariff.first_period_minutes, tariff.first_period_price) == (
        15, 60, 3000,
    )  # fmt: skip
    assert (tariff.unit_minutes, tariff.unit_price, tariff.daily_cap) == (30, 1500, 18000)
    assert "first 60 min NT$30, then NT$15 per 30 min, daily max NT$180" in lines[-2]


@pytest.mark.parametrize(
    ("prices", "described"),
    [
        # A first period priced at nothing reads as free time, not "first 60 min NT$0".
        (["--first-period-minutes", "60", "--first-period-price", "0", "--unit-price", "15"],
         "first 60 min free, then NT$15 per 30 min"),
        (["--free-minutes", "10", "--first-period-minutes", "60", "--unit-price", "15"],
         "first 60 min free, then NT$15 per 30 min"),
        (["--free-minutes", "10", "--first-period-minutes", "60", "--first-period-price", "30",
          "--unit-price", "15"],
         "free up to 10 min, first 60 min NT$30, then NT$15 per 30 min"),
        # Longer free minutes are a grace for short stays: a 91-minute stay pays from 60.
        (["--free-minutes", "90", "--first-period-minutes", "60", "--unit-price", "15"],
         "free up to 90 min, first 60 min NT$0, then NT$15 per 30 min"),
    ],
)  # fmt: skip
def test_create_lot_prints_the_tariff_as_a_sign_would(db, prices, described):
    lines = run(
        "create_lot", "--name", "Sign", "--lat", "25", "--lng", "121", "--capacity", "5",
        "--owner", "erin", "--unit-minutes", "30", *prices,
    )  # fmt: skip

    assert described in lines[-2]


def test_create_lot_reuses_an_existing_owner(owner):
    run(
        "create_lot",
        "--name",
        "A",
        "--lat",
        "25",
        "--lng",
        "121",
        "--capacity",
        "5",
        "--owner",
        "alice",
    )
    assert get_user_model().objects.filter(username="alice").count() == 1
    assert Lot.objects.get(name="A").owner == owner


@pytest.mark.parametrize(
    ("prices", "warned"),
    [
        ([], True),
        (["--daily-cap", "0", "--unit-price", "15"], True),
        (["--unit-price", "15"], False),
    ],
)
def test_create_lot_warns_when_parking_there_costs_nothing(db, prices, warned):
    # A forgotten --unit-price makes a lot where every car leaves without paying.
    err = StringIO()
    call_command(
        "create_lot", "--name", "Free?", "--lat", "25", "--lng", "121", "--capacity", "5",
        "--owner", "erin", *prices, stdout=StringIO(), stderr=err,
    )  # fmt: skip

    assert ("Parking here is free" in err.getvalue()) == warned
    assert Lot.objects.filter(name="Free?").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capacity", "-3"], "capacity"),
        (["--currency", "NT$"], "not an ISO 4217 currency code"),
        (["--lat", "95"], "latitude"),
        (["--unit-price", "1.234"], "not a non-negative amount"),
        (["--owner", ""], "--owner: This field cannot be blank"),
        (["--owner", "bad user name!"], "--owner: Enter a valid username"),
        (["--unit-price", "Infinity"], "not an amount"),
        (["--daily-cap", "NaN"], "not an amount"),
        (["--timezone", "Mars/Olympus"], "time zone"),
        (["--first-period-price", "30"], "--first-period-minutes"),
        (["--free-minutes", "99999999999"], "less than or equal to 44640"),
        (["--unit-minutes", "50000"], "less than or equal to 44640"),
        (["--unit-price", "15.5"], "15.5 TWD: prices are whole multiples of 1"),
        (["--unit-price", "21474837"], "--unit-price: a price is at most 21474836.00 TWD"),
        (["--daily-cap", "99999999"], "--daily-cap: a price is at most 21474836.00 TWD"),
    ],
)
def test_create_lot_refuses_bad_values_and_creates_nothing(db, args, message):
    base = {"--name": "Bad", "--lat": "25", "--lng": "121", "--capacity": "5", "--owner": "dave"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        run("create_lot", *[item for pair in base.items() for item in pair])
    assert not Lot.objects.exists()
    assert not get_user_model().objects.exists()


def test_create_gate_prints_a_working_token_last_and_stores_only_its_hash(lot, client):
    lines = run("create_gate", "--lot", str(lot.pk), "--direction", "entry", "--name", "North")

    token = lines[-1]
    gate = Gate.objects.get(lot=lot, name="North")
    assert gate.direction == "entry"
    assert gate.token_hash == hash_token(token)
    assert not Gate.objects.filter(token_hash=token).exists()
    response = client.post(
        "/api/gates/entry",
        data={"plate": "ABC-1234"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_create_gate_refuses_an_unknown_lot(db):
    with pytest.raises(CommandError, match="no lot with id 4242"):
        run("create_gate", "--lot", "4242", "--direction", "entry", "--name", "North")


def test_create_gate_refuses_a_duplicate_name(lot):
    run("create_gate", "--lot", str(lot.pk), "--direction", "entry", "--name", "North")
    with pytest.raises(CommandError):
        run("create_gate", "--lot", str(lot.pk), "--direction", "exit", "--name", "North")


@pytest.mark.django_db(transaction=True)
def test_simulate_gate_posts_over_http_and_prints_the_decision(live_server, entry_gate, exit_gate):
    entered = run(
        "simulate_gate", "--url", live_server.url, "--token", entry_gate.token,
        "--plate", "abc-1234", "--photo-url", "https://cam.example/1.jpg",
    )  # fmt: skip
    assert entered[0].startswith("OPEN  Welcome  [201 entered]")
    assert ParkingSession.objects.get().photo_url == "https://cam.example/1.jpg"

    left = run(
        "simulate_gate", "--url", live_server.url, "--token", exit_gate.token, "--plate", "ABC1234"
    )
    assert left[0].startswith("OPEN  Thank you, drive safely  [200 exit_granted]")
    assert list(GateEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        "entered",
        "exit_granted",
    ]

    # A gate that stays shut ends the command with status 1, as openlot-gate does.
    with pytest.raises(SystemExit) as shut:
        run("simulate_gate", "--url", live_server.url, "--token", exit_gate.token,
            "--plate", "ABC1234")  # fmt: skip
    assert shut.value.code == 1


@pytest.mark.django_db(transaction=True)
def test_simulate_gate_uploads_a_photo_file(live_server, entry_gate, tmp_path):
    from parking.photos import draw_vehicle_photo

    photo = tmp_path / "car.png"
    draw_vehicle_photo("ABC-1234", colour=(200, 0, 0)).save(photo)

    out = run(
        "simulate_gate", "--url", live_server.url, "--token", entry_gate.token,
        "--plate", "ABC-1234", "--photo", str(photo),
    )  # fmt: skip

    assert "[201 entered]" in out[0]
    assert ParkingSession.objects.get().photo_thumbnail


def test_simulate_gate_says_when_the_photo_file_is_missing(entry_gate, tmp_path):
    # Nothing is posted: the file is opened before the server is called.
    with pytest.raises(CommandError, match=r"^There is no photo file at .*car\.jpg\.$"):
        run(
            "simulate_gate", "--url", "http://127.0.0.1:9", "--token", entry_gate.token,
            "--plate", "ABC-1234", "--photo", str(tmp_path / "car.jpg"),
        )  # fmt: skip


def test_the_openlot_gate_script_says_when_the_photo_file_is_missing(tmp_path, capsys):
    from parking import gate_client

    missing = str(tmp_path / "car.jpg")
    args = ["--url", "http://127.0.0.1:9", "--direction", "entry", "--token", "olg_x"]
    assert gate_client.main([*args, "--plate", "ABC-1234", "--photo", missing]) == 2
    assert capsys.readouterr().err == f"error: there is no photo file at {missing}\n"


def test_simulate_gate_needs_a_direction_for_a_token_it_does_not_know(db):
    with pytest.raises(CommandError, match="--direction"):
        run("simulate_gate", "--token", "olg_unknown", "--plate", "ABC-1234")


def test_the_demo_loads_once(settings, db):
    settings.DEBUG = True
    first = run("seed_demo")
    counts = (Lot.objects.count(), Gate.objects.count(), ParkingSession.objects.count())

    again = run("seed_demo")

    assert (Lot.objects.count(), Gate.objects.count(), ParkingSession.objects.count()) == counts
    gated_lots = Lot.objects.filter(gates__isnull=False).distinct().count()
    assert gated_lots >= 3 and counts[1] == 2 * gated_lots and counts[2] >= 10
    # The real lots of data/ for the map, with simulated cars, counted exactly.
    assert Lot.objects.filter(owner__username="opendata").count() == 3481
    mismatched = Lot.objects.annotate(cars=Count("sessions")).exclude(occupied=F("cars"))
    assert not mismatched.exists()
    assert not Lot.objects.filter(live_vacancy=False).exists()  # the map shows every count
    # The gate log reads as a day did: each entry leaves one space fewer than the one before.
    for lot in Lot.objects.filter(gates__isnull=False).distinct():
        free_after = list(
            lot.gate_events.order_by("created_at").values_list("available", flat=True)
        )
        assert free_after == list(range(lot.capacity - 1, lot.capacity - 1 - len(free_after), -1))
    assert Lot.objects.filter(occupied=F("capacity")).count() > 100  # some full
    assert Lot.objects.filter(occupied__lt=F("capacity") / 2).count() > 1000  # many with room
    assert "  Map          http://127.0.0.1:8000/" in first
    assert any("olg_demo_lot1_entry" in line for line in first)
    for lot in Lot.objects.filter(gates__isnull=False).distinct():
        assert any(
            line.strip() == f"kiosk       http://127.0.0.1:8000/kiosk/{lot.pk}/" for line in first
        )
    assert first == again


def test_loading_the_demo_again_keeps_a_token_revoked_in_the_admin(settings, db):
    from admin_portal.demo import TOKEN_CHANGED
    from parking.services import revoke_gate_token

    settings.DEBUG = True
    run("seed_demo")
    gate = Gate.objects.get(token_hash=hash_token("olg_demo_lot3_exit"))
    revoke_gate_token(gate.pk, now=timezone.now())

    again = run("seed_demo")

    gate.refresh_from_db()
    assert gate.revoked_at is not None
    assert f"    exit token  {TOKEN_CHANGED}" in again
    assert "olg_demo_lot3_exit" not in "\n".join(again)
    assert "    exit token  olg_demo_lot1_exit" in again


def test_the_demo_refuses_to_load_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("seed_demo")


@pytest.mark.django_db(transaction=True)
def test_the_openlot_gate_script_exits_0_when_the_gate_opens_and_1_when_not(
    live_server, entry_gate, exit_gate, clock, capsys
):
    from parking import gate_client

    base = ["--url", live_server.url, "--plate", "ABC-1234"]
    assert gate_client.main([*base, "--direction", "entry", "--token", entry_gate.token]) == 0
    clock.advance(hours=1)
    assert gate_client.main([*base, "--direction", "exit", "--token", exit_gate.token]) == 1
    assert (
        "CLOSED  Please pay NT$30 at the kiosk  [402 payment_required]" in capsys.readouterr().out
    )
    assert gate_client.main([*base, "--direction", "exit", "--token", "olg_wrong"]) == 2


@pytest.mark.parametrize(("value", "fails"), [("NT$", True), ("twd", False)])
def test_a_default_currency_that_is_no_iso_code_stops_the_server_from_starting(value, fails):
    # Caught at startup, not when the first lot is made (settings fail loudly).
    env = {**os.environ, "DEFAULT_CURRENCY": value, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert (result.returncode != 0) == fails
    assert (
        "DEFAULT_CURRENCY must be an ISO 4217 code such as TWD, not 'NT$'." in result.stderr
    ) == fails
