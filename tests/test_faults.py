"""Faults through real HTTP: the database going away, a worker killed mid-burst.

Gates retry a call they got no answer to (or a 503 for) with the same read_id;
afterwards every lot's counter must equal its vehicles, and no success may
name a vehicle that does not exist.
"""

import itertools
import os
import signal
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings

from lots.models import Lot
from parking.models import Direction, ParkingSession

from .conftest import make_gate, make_lot
from .faults import TcpProxy
from .servers import database_url, gunicorn, postgres_address

pytestmark = pytest.mark.django_db(transaction=True)
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="a database host going away is a PostgreSQL fault"
)


def enter(server, gate, plate, read_id):
    """One entry call; None when no HTTP answer came back (the worker died)."""
    try:
        response = requests.post(
            f"{server}/api/gates/entry",
            json={"plate": plate, "read_id": read_id},
            headers={"Authorization": f"Bearer {gate.token}"},
            timeout=30,
        )
    except requests.RequestException:  # reset, or cut off mid-answer
        return None
    return response.status_code, response.json()


def settle(server, gate, reads, answers, attempts=5):
    """Retry, with the same read_id, every read without a definitive answer."""
    for _ in range(attempts):
        pending = [plate for plate, answer in answers.items() if answer is None or answer[0] >= 500]
        if not pending:
            return
        for plate in pending:
            answers[plate] = enter(server, gate, plate, reads[plate])
    raise AssertionError(f"no definitive answer for {pending}")


def assert_consistent(lot, answers):
    lot.refresh_from_db()
    inside = set(ParkingSession.objects.filter(lot=lot).values_list("plate", flat=True))
    entered = {plate for plate, (status, _body) in answers.items() if status == 201}
    assert inside == entered
    assert lot.occupied == len(inside) <= lot.capacity
    for status, body in answers.values():
        if status == 201:
            assert ParkingSession.objects.filter(pk=body["session_id"]).exists()


@postgres_only
def test_gates_get_a_503_while_postgres_is_unreachable_and_recover_by_themselves(owner):
    lot = make_lot(owner, capacity=50)
    gate = make_gate(lot, Direction.ENTRY)
    proxy = TcpProxy(postgres_address())
    env = {"DATABASE_URL": database_url(port=proxy.port), "CONN_MAX_AGE": "60"}
    try:
        with gunicorn(workers=2, threads=2, extra_env=env) as server:
            reads = {f"UP{n:03d}": str(uuid.uuid4()) for n in range(8)}
            before = {p: enter(server, gate, p, reads[p]) for p in list(reads)[:4]}
            proxy.cut()
            during = {p: enter(server, gate, p, reads[p]) for p in list(reads)[4:]}
            assert Lot.objects.get(pk=lot.pk).occupied == 4  # nothing half-written meanwhile
            proxy.restore()
            after = enter(server, gate, "UP999", str(uuid.uuid4()))
            answers = before | during
            settle(server, gate, reads, answers)
    finally:
        proxy.close()

    assert {status for status, _ in before.values()} == {201}
    for status, body in during.values():
        assert status == 503
        assert body == {
            "open": False,
            "code": "service_unavailable",
            "message": "The parking system is temporarily unavailable. Please try again.",
        }
    assert after[0] == 201  # the first call after the outage already works
    answers["UP999"] = after
    assert_consistent(lot, answers)


@postgres_only
def test_a_burst_cut_off_by_the_database_leaves_no_partial_writes(owner):
    lot = make_lot(owner, capacity=40)
    gate = make_gate(lot, Direction.ENTRY)
    reads = {f"CUT{n:03d}": str(uuid.uuid4()) for n in range(60)}
    answered = itertools.count(1)
    twenty_answered = threading.Event()
    proxy = TcpProxy(postgres_address())

    def call(plate):
        answer = enter(server, gate, plate, reads[plate])
        if next(answered) >= 20:
            twenty_answered.set()
        return plate, answer

    def cut_mid_burst():
        twenty_answered.wait(timeout=60)
        proxy.cut()

    try:
        env = {"DATABASE_URL": database_url(port=proxy.port)}
        with gunicorn(workers=2, threads=4, extra_env=env) as server:
            cutter = threading.Thread(target=cut_mid_burst)
            cutter.start()
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = dict(pool.map(call, reads))
            cutter.join()
            outage = Counter(answer[0] for answer in answers.values() if answer)
            proxy.restore()
            settle(server, gate, reads, answers)
    finally:
        proxy.close()

    assert outage[503] > 0  # the cut did land in the middle of the burst
    assert Counter(status for status, _ in answers.values()) == {201: 40, 409: 20}
    assert_consistent(lot, answers)


def test_a_worker_killed_mid_burst_leaves_every_count_exact(owner):
    lot = make_lot(owner, capacity=150)
    gate = make_gate(lot, Direction.ENTRY)
    reads = {f"KILL{n:03d}": str(uuid.uuid4()) for n in range(200)}
    answered = itertools.count(1)
    thirty_answered = threading.Event()

    def call(plate):
        answer = enter(server, gate, plate, reads[plate])
        if next(answered) >= 30:
            thirty_answered.set()
        return plate, answer

    with gunicorn(workers=2, threads=4) as server:
        requests.get(f"{server}/healthz", timeout=30)  # a worker is up and serving
        victim = server.worker_pids()[0]

        def kill_mid_burst():
            thirty_answered.wait(timeout=60)
            os.kill(victim, signal.SIGKILL)

        killer = threading.Thread(target=kill_mid_burst)
        killer.start()
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = dict(pool.map(call, reads))
        killer.join()
        settle(server, gate, reads, answers)
        assert victim not in server.worker_pids()  # it really died, and was replaced

    assert Counter(status for status, _ in answers.values()) == {201: 150, 409: 50}
    assert_consistent(lot, answers)
