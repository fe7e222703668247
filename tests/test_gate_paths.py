"""The ORM path and PostgreSQL's one-round-trip path must answer every gate call alike.

* a differential test runs the same random script of gate calls, clock jumps,
  payments, revocations and lot closures on both paths and compares every answer;
* `openlot_exit_certainly_allowed` (SQL) recognises the common cases of a car that
  owes nothing, anything else goes to parking.status.session_status: whatever the
  SQL lets out, session_status must let out (hypothesis, on random sessions,
  tariffs and times).
"""

import contextlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lots.models import Lot
from parking.fastpath import RECORD_EXIT
from parking.fees import TariffRules
from parking.models import Direction, ParkingSession, hash_token
from parking.plates import OCR_FOLD_FROM, OCR_FOLD_TO, ocr_key
from parking.services import VehicleRefused, grant_exit, revoke_exit_grant
from parking.status import session_status

from .conftest import TAIPEI, GateClient, make_gate, make_lot

pytestmark = [
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the one-round-trip gate path exists on PostgreSQL only",
    ),
    pytest.mark.django_db,
]
ENTERED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=3 * 24 * 60)


def sql_lets_out(session: ParkingSession, free_minutes: int, now: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT openlot_exit_certainly_allowed(%s, %s, %s, %s, %s)",
            [
                session.entered_at,
                session.billing_from,
                session.exit_allowed_until,
                free_minutes,
                now,
            ],
        )
        return cursor.fetchone()[0]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    billed_after=st.one_of(st.just(0), minutes),
    paid_window=st.one_of(st.none(), minutes),
    now_after=st.integers(min_value=-3600, max_value=4 * 24 * 3600),
    free_minutes=st.integers(min_value=0, max_value=180),
    unit_minutes=st.integers(min_value=1, max_value=120),
    unit_price=st.integers(min_value=0, max_value=5000),
    first_period=st.tuples(st.integers(0, 180), st.integers(0, 5000)),
    daily_cap=st.one_of(st.none(), st.integers(min_value=0, max_value=50000)),
)
def test_what_the_sql_lets_out_owes_nothing_in_python(
    billed_after,
    paid_window,
    now_after,
    free_minutes,
    unit_minutes,
    unit_price,
    first_period,
    daily_cap,
):
    billing_from = ENTERED + timedelta(minutes=billed_after)
    session = ParkingSession(
        plate="ABC1234",
        entered_at=ENTERED,
        billing_from=billing_from,
        exit_allowed_until=None
        if paid_window is None
        else billing_from + timedelta(minutes=paid_window),
    )
    first_minutes, first_price = first_period
    rules = TariffRules(
        timezone=ZoneInfo("Asia/Taipei"),
        unit_minutes=unit_minutes,
        unit_price=unit_price,
        free_minutes=free_minutes,
        first_period_minutes=first_minutes,
        first_period_price=first_price if first_minutes else 0,
        daily_cap=daily_cap,
    )
    now = ENTERED + timedelta(seconds=now_after)

    if sql_lets_out(session, free_minutes, now):
        assert session_status(session, now, rules).exit_allowed


def test_the_sql_recognises_a_paid_window_and_free_minutes():
    session = ParkingSession(entered_at=ENTERED, billing_from=ENTERED, exit_allowed_until=None)
    assert sql_lets_out(session, 10, ENTERED + timedelta(minutes=10))
    assert not sql_lets_out(session, 10, ENTERED + timedelta(minutes=10, seconds=1))
    session.exit_allowed_until = ENTERED + timedelta(hours=2)
    assert sql_lets_out(session, 0, ENTERED + timedelta(hours=2))
    assert not sql_lets_out(session, 0, ENTERED + timedelta(hours=2, seconds=1))


def test_the_sql_folds_look_alikes_as_the_plate_key_does():
    # openlot_gate_leave recognises a departed car read again by translate() with the
    # fold parking.plates hands it: every look-alike, Cyrillic and Greek ones included.
    text = OCR_FOLD_FROM + "ABC123"
    with connection.cursor() as cursor:
        cursor.execute("SELECT translate(%s, %s, %s)", [text, OCR_FOLD_FROM, OCR_FOLD_TO])
        assert cursor.fetchone()[0] == ocr_key(text)


def test_the_previous_releases_exit_call_still_decides(gates, entry_gate, exit_gate):
    # While a deploy replaces them, servers running the release before parking 0014 call
    # the exit function with its eight arguments of then (the three added take defaults).
    gates.enter(entry_gate, "ABC-1234")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome, plate FROM openlot_gate_leave(%s::text, %s::text, %s::text,"
            " %s::text, NULL::uuid, now(), interval '60 seconds', interval '600 seconds')",
            [hash_token(exit_gate.token), "ABC1234", ocr_key("ABC1234"), "ABC-1234"],
        )
        assert cursor.fetchone() == ("exit_granted", "ABC1234")
    assert not ParkingSession.objects.exists()


def test_an_exit_recorded_for_a_car_changed_meanwhile_is_answered_changed(
    gates, entry_gate, exit_gate, lot
):
    # Python decided on the car as the first round trip read it; by the second its
    # payment state changed (or another exit let it out): the function answers
    # "changed", and Python decides again. (Since 1 December its amount_due column
    # was bigint and this answer an integer: PostgreSQL refused it, a 500.)
    gates.enter(entry_gate, "ABC-1234")
    car = ParkingSession.objects.get()

    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_EXIT,
            [exit_gate.pk, lot.pk, "exit_granted", car.pk,
             car.billing_from - timedelta(hours=1), None, car.plate, "ABC-1234", None, 19,
             None, "TWD", car.entered_at, False],
        )  # fmt: skip
        outcome, session_id, *_rest = cursor.fetchone()
        assert (outcome, session_id) == ("changed", None)
    assert ParkingSession.objects.get() == car  # still inside, not counted out
    assert Lot.objects.get(pk=lot.pk).occupied == 1


def test_the_benchmarks_floor_views_call_the_gate_functions_as_they_stand(
    client, settings, entry_gate, exit_gate, lot
):
    # benchmarks/urls.py calls the SQL functions directly: a changed argument list
    # (parking 0014) must reach it too, or `make bench-gates` fails on every exit.
    settings.ROOT_URLCONF = "benchmarks.urls"

    def post(path, gate):
        return client.post(path, {"plate": "FLR1234"}, content_type="application/json",
                           headers={"authorization": f"Bearer {gate.token}"})  # fmt: skip

    entered = post("/api/gates/bench/floor/entry", entry_gate)
    left = post("/api/gates/bench/floor/exit", exit_gate)

    assert (entered.status_code, entered.json()["code"]) == (201, "entered")
    assert (left.status_code, left.json()["code"]) == (200, "exit_granted")
    assert Lot.objects.get(pk=lot.pk).occupied == 0


LOOK_ALIKE_PLATES = ["ABC1234", "A8C1234", "ABC-I234", "XYZ5678", "XY25678", "QQQ000", "OOO000"]


def gate_script(client, owner, clock_start, seed: int) -> list:
    """A random day at a small lot: every gate answer, then the final counts."""
    rng = random.Random(seed)
    gates = GateClient(client)
    answers = []
    with time_machine.travel(clock_start, tick=False) as traveller:
        lot = make_lot(
            owner, name=f"Script {seed}", capacity=4, free_minutes=10, first_period_minutes=60,
            first_period_price=3000, unit_minutes=30, unit_price=1500, daily_cap=18000,
        )  # fmt: skip
        entry, exit_ = make_gate(lot, Direction.ENTRY), make_gate(lot, Direction.EXIT)
        reads = []
        for _step in range(300):
            action = rng.random()
            if action < 0.1:
                traveller.shift(timedelta(minutes=rng.choice([1, 9, 10, 11, 15, 16, 31, 61, 240])))
                continue
            if action < 0.2:
                _pay_or_revoke(lot, rng, datetime.now(tz=TAIPEI))
                continue
            if action < 0.25:
                Lot.objects.filter(pk=lot.pk).update(is_active=rng.random() < 0.8)
                continue
            gate = entry if action < 0.6 else exit_
            plate, fields = rng.choice(LOOK_ALIKE_PLATES), {}
            if reads and rng.random() < 0.3:  # a retry, sometimes with another plate
                old_gate, old_plate, old_read = rng.choice(reads)
                if old_gate is gate:
                    fields["read_id"] = old_read
                    plate = old_plate if rng.random() < 0.7 else plate
            elif rng.random() < 0.5:
                fields["read_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
                reads.append((gate, plate, fields["read_id"]))
            body = gates.post(gate, {"plate": plate, **fields}).json()
            answers.append(
                (
                    gate.direction,
                    plate,
                    body.get("code"),
                    body.get("plate"),
                    body.get("available"),
                    body.get("amount_due"),
                    body.get("session_id") is not None,
                )  # fmt: skip
            )
    lot.refresh_from_db()
    parked = sorted(ParkingSession.objects.filter(lot=lot).values_list("plate", flat=True))
    return [*answers, ("final", lot.occupied, parked)]


def _pay_or_revoke(lot, rng, now):
    sessions = list(ParkingSession.objects.filter(lot=lot).order_by("plate"))
    if not sessions:
        return
    session = rng.choice(sessions)
    if rng.random() < 0.7:
        grant_exit(session.pk, now + timedelta(minutes=15), now=now)
    else:
        with contextlib.suppress(VehicleRefused):  # not paid: nothing to take back
            revoke_exit_grant(session.pk, now=now)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_paths_answer_a_random_day_of_gate_calls_alike(client, owner, settings, seed):
    start = datetime(2026, 3, 2, 7, 0, tzinfo=TAIPEI)
    settings.GATE_FAST_PATH = False
    through_the_orm = gate_script(client, owner, start, seed)
    settings.GATE_FAST_PATH = True
    through_sql = gate_script(client, owner, start + timedelta(days=30), seed)

    assert through_sql == through_the_orm
    final = through_sql[-1]
    assert final[1] == len(final[2])  # the counter equals the cars inside
