"""Kiosk similar-plate search in a lot of 5,000 parked vehicles: median and p95.

    make bench-kiosk            (or: .venv/bin/python -m benchmarks.kiosk)

On PostgreSQL and on SQLite, in one run:

1. the search service (parking.services.find_similar_vehicles) called in-process;
2. the search API (GET /api/kiosk/{lot}/search) over HTTP through gunicorn
   (production settings), next to the bare JSON view on the same server as
   the baseline, both timed the same way by one sequential client.

Typed queries mix what drivers type: whole plates, plates with a camera's
look-alike characters, four-character fragments, and one typo.
Target (DESIGN.md): median < 20 ms.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    PYTHON,
    RESULTS,
    ROOT,
    gunicorn,
    manage,
    server_env,
    write_result,
)

VEHICLES = 5000
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOOK_ALIKE = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5",
              "2": "Z", "Z": "2", "6": "G", "G": "6"}  # fmt: skip


def plates(count: int, rng: random.Random) -> list[str]:
    seen = set()
    while len(seen) < count:
        seen.add("".join(rng.choices(LETTERS, k=3)) + f"{rng.randrange(10000):04d}")
    return sorted(seen)


def typed_queries(parked: list[str], count: int, rng: random.Random) -> list[str]:
    queries = []
    for _ in range(count):
        plate = rng.choice(parked)
        kind = rng.random()
        if kind < 0.4:
            queries.append(plate)
        elif kind < 0.7:
            spots = [i for i, c in enumerate(plate) if c in LOOK_ALIKE] or [0]
            i = rng.choice(spots)
            queries.append(plate[:i] + LOOK_ALIKE.get(plate[i], plate[i]) + plate[i + 1 :])
        elif kind < 0.9:
            start = rng.randrange(len(plate) - 3)
            queries.append(plate[start : start + 4])
        else:
            i = rng.randrange(len(plate))
            queries.append(plate[:i] + plate[i + 1 :])
    return queries


def seed(vehicles: int = VEHICLES) -> int:
    """Runs inside Django: one lot with `vehicles` parked cars. Returns its id."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from lots.models import Lot
    from lots.services import create_lot
    from parking.models import ParkingSession
    from parking.plates import ocr_key

    owner, _ = get_user_model().objects.get_or_create(username="bench")
    lot = Lot.objects.filter(owner=owner, name="Kiosk bench").first()
    if lot is None:
        lot = create_lot(owner=owner, name="Kiosk bench", latitude=25.05, longitude=121.52,
                         capacity=vehicles + 100, unit_minutes=30, unit_price=1500)  # fmt: skip
    ParkingSession.objects.filter(lot=lot).delete()
    now = timezone.now()
    rng = random.Random(5000)
    ParkingSession.objects.bulk_create(
        ParkingSession(
            lot=lot,
            plate=plate,
            plate_key=ocr_key(plate),
            plate_as_read=plate,
            entered_at=now - timedelta(minutes=rng.randrange(1, 600)),
            billing_from=now - timedelta(minutes=rng.randrange(1, 600)),
        )  # fmt: skip
        for plate in plates(vehicles, rng)
    )
    Lot.objects.filter(pk=lot.pk).update(occupied=vehicles)
    return lot.pk


def time_service(lot_id: int, queries: list[str]) -> dict:
    """Runs inside Django: the search service itself, in-process."""
    from lots.models import Lot
    from parking.services import find_similar_vehicles

    lot = Lot.objects.get(pk=lot_id)
    timings, found = [], 0
    for typed in queries[:20]:
        find_similar_vehicles(lot, typed)  # warm-up
    for typed in queries:
        started = time.perf_counter()
        found += bool(find_similar_vehicles(lot, typed))
        timings.append((time.perf_counter() - started) * 1000)
    return summary(timings) | {"queries_with_results": found}


def summary(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "samples": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
    }


def time_http(url: str, queries: list[str]) -> dict:
    session = requests.Session()

    def run(fetch) -> list[float]:
        timings = []
        for typed in queries:
            started = time.perf_counter()
            response = fetch(typed)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        return timings

    lot_id = os.environ["BENCH_KIOSK_LOT"]
    bare = lambda _typed: session.post(f"{url}/bench/bare", json={"plate": "X"})  # noqa: E731
    search = lambda typed: session.get(  # noqa: E731
        f"{url}/api/kiosk/{lot_id}/search", params={"plate": typed}
    )
    run(bare), run(search)  # warm-up
    bare_summary, search_summary = summary(run(bare)), summary(run(search))
    return {
        "bare_view": bare_summary,
        "search_api": search_summary,
        "median_ratio_to_bare": round(search_summary["median_ms"] / bare_summary["median_ms"], 2),
    }


def in_django(env: dict, code: str):
    return json.loads(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()

    queries = typed_queries(plates(VEHICLES, random.Random(5000)), args.queries, random.Random(7))
    Path(RESULTS).mkdir(parents=True, exist_ok=True)
    query_file = RESULTS / "kiosk-queries.json"
    query_file.write_text(json.dumps(queries))
    sqlite_path = ROOT / "benchmarks" / "work" / "kiosk.sqlite3"
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    databases = {"postgresql": args.database_url, "sqlite": f"sqlite:///{sqlite_path}"}
    results = {}
    for name, url in databases.items():
        env = server_env(url, LOG_LEVEL="WARNING", KIOSK_SEARCH_RATE_LIMITS="1000000/60")
        subprocess.run(
            [PYTHON, "scripts/ensure_database.py", "--fresh"], cwd=ROOT, env=env, check=True
        )
        manage(env, "migrate", "--noinput", "-v0")
        lot_id = in_django(env, f"from benchmarks.kiosk import seed; print(seed({VEHICLES}))")
        service = in_django(
            env,
            "import json; from benchmarks.kiosk import time_service; "
            f"print(json.dumps(time_service({lot_id}, json.load(open({str(query_file)!r})))))",
        )
        print(f"[{name}] service: median {service['median_ms']} ms, p95 {service['p95_ms']} ms",
              flush=True)  # fmt: skip
        env = {**env, "BENCH_KIOSK_LOT": str(lot_id)}
        os.environ["BENCH_KIOSK_LOT"] = str(lot_id)
        with gunicorn(env, workers=2, threads=1, log_path=RESULTS / "kiosk-server.log") as url:
            http = time_http(url, queries)
        print(f"[{name}] API over HTTP: median {http['search_api']['median_ms']} ms "
              f"(bare view {http['bare_view']['median_ms']} ms)", flush=True)  # fmt: skip
        results[name] = {"service": service, **http}
    query_file.unlink()
    path = write_result(
        "kiosk",
        {"vehicles": VEHICLES, "queries": args.queries, "target": "median < 20 ms", **results},
    )
    print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
