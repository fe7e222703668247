"""Nearby search over a million synthetic lots, next to brute force and PostGIS, in one run.

    make bench-nearby            (or: .venv/bin/python -m benchmarks.nearby)

The lots are spread like Taiwan's real ones (data/taiwan_parking_lots.csv):
each is a real lot moved by a random offset (half-normal, sigma 500 m), so
city centres are as dense as the data makes them (over 100,000 lots within
3 km of Taipei Main Station), plus 1% spread evenly over Taiwan, so that the
countryside has a handful per 3 km. The same lots (same seed) go into
PostgreSQL and SQLite.

Query points: "dense" (real lots in central Taipei and Banqiao, moved a
little) and "sparse" (random points in Taiwan with 1 to 14 lots within 3 km).
For each, on the same data and in the same run:

- ours: lots.nearby.find_nearby_lots (the product's code), PostgreSQL and SQLite;
- PostGIS: `ST_DWithin(geog, p, 3000) ORDER BY geog <-> p LIMIT 15` on a GiST
  index, with PostgreSQL's default settings and tuned for it (PostgreSQL only;
  postgresql-NN-postgis-3 is installed here, for this baseline only: the
  product never needs it);
- brute force: lots.nearby.nearby_lots_brute_force (every lot scored), on a
  few points, also checking that ours gives exactly its answer.

Median and p95 of the time per query (client side, through Django's database
connection, results as Python objects) go to benchmarks/results/nearby-*.json.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from benchmarks.common import DEFAULT_DATABASE_URL, PYTHON, ROOT, write_result

WORK = ROOT / "benchmarks" / "work"
GENERATOR_VERSION = 1  # change when synthetic_lots changes: the databases are rebuilt
SPREAD_M = 500
BACKGROUND_SHARE = 0.01
TAIWAN_MAIN_ISLAND = (120.0, 21.9, 122.0, 25.3)  # west, south, east, north
DENSE_CENTRES = [
    (25.0478, 121.5170),  # Taipei Main Station
    (25.0421, 121.5079),  # Ximen
    (25.0526, 121.5203),  # Zhongshan
    (25.0409, 121.5654),  # Xinyi
    (25.0136, 121.4625),  # Banqiao
]
RADIUS_M, LIMIT = 3000, 15
OWNER = "bench-nearby"


# --- the parent: one child process per database -------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL server and database name; '_nearby' is appended to the name",
    )
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--points", type=int, default=40, help="query points per kind")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per point and method")
    parser.add_argument("--brute-points", type=int, default=3, help="points per kind, brute force")
    parser.add_argument("--child", choices=["postgresql", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    pg_url = _with_suffix(args.database_url, "_nearby")
    sqlite_url = f"sqlite:///{WORK / f'nearby-{args.lots}.sqlite3'}"
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_postgis(pg_url)
    load_before = os.getloadavg()
    engines = {
        "postgresql": run_child(args, "postgresql", pg_url),
        "sqlite": run_child(args, "sqlite", sqlite_url),
    }
    result = summarise(args, engines)
    # Other work on the machine shows in every figure: keep it with them.
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    path = write_result("nearby", result)
    print_table(result)
    print(f"written to {path.relative_to(ROOT)}")
    return 0


def _with_suffix(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def ensure_postgis(url: str) -> None:
    """Install Debian's PostGIS for the local server if it lacks it (the baseline only)."""
    import psycopg

    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    if available:
        return
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"PostGIS is not available on {host}; install it there for the baseline.")
    package = f"postgresql-{major}-postgis-3"
    print(f"installing {package} (apt-get), for the PostGIS baseline only", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", package]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def run_child(args, engine: str, url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",  # no query log: it would be timed too
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([PYTHON, "scripts/ensure_database.py"], cwd=ROOT, env=env, check=True)
    command = [PYTHON, "-m", "benchmarks.nearby", "--child", engine, "--lots", str(args.lots),
               "--seed", str(args.seed), "--points", str(args.points),
               "--repeat", str(args.repeat), "--brute-points", str(args.brute_points)]  # fmt: skip
    output = subprocess.run(
        command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def summarise(args, engines: dict) -> dict:
    pg = engines["postgresql"]
    kinds = {}
    for kind in pg["kinds"]:
        measured = pg["kinds"][kind]
        plans = {name: measured[name] for name in measured if name.startswith("postgis_")}
        best = min(plans.values(), key=lambda stats: stats["median_ms"])
        entry = {"lots_within_3km": measured["lots_within_3km"], **plans}
        for engine, by_engine in engines.items():
            ours = by_engine["kinds"][kind]["ours"]
            entry[engine] = {
                "ours": ours,
                "brute_force": by_engine["kinds"][kind]["brute_force"],
                "ours_median_vs_best_postgis": round(ours["median_ms"] / best["median_ms"], 2),
                "ours_p95_vs_best_postgis": round(ours["p95_ms"] / best["p95_ms"], 2),
            }
        kinds[kind] = entry
    return {
        "command": f"make bench-nearby  (python -m benchmarks.nearby --lots {args.lots} "
        f"--seed {args.seed} --points {args.points} --repeat {args.repeat})",
        "lots": args.lots,
        "seed": args.seed,
        "radius_m": RADIUS_M,
        "limit": LIMIT,
        "target": "ours: median within 2 x PostGIS's (its better settings), dense and sparse",
        "kinds": kinds,
        "postgresql": {k: v for k, v in pg.items() if k != "kinds"},
        "sqlite": {k: v for k, v in engines["sqlite"].items() if k != "kinds"},
    }


def print_table(result: dict) -> None:
    print(f"\nnearby search, {result['lots']:,} lots: median / p95 ms per query")
    for kind, entry in result["kinds"].items():
        counts = entry["lots_within_3km"]
        print(f"\n{kind}: {counts['min']:,} to {counts['max']:,} lots within 3 km "
              f"(median {counts['median']:,})")  # fmt: skip
        for plan in POSTGIS_PLANS:
            stats = entry[f"postgis_{plan}"]
            label = f"PostGIS, {plan} settings"
            print(f"  {label:<33}{stats['median_ms']:9.3f} {stats['p95_ms']:9.3f}")
        for engine in ("postgresql", "sqlite"):
            ours, brute = entry[engine]["ours"], entry[engine]["brute_force"]
            ratio = entry[engine]["ours_median_vs_best_postgis"]
            print(f"  ours, {engine:<27}{ours['median_ms']:9.3f} {ours['p95_ms']:9.3f}"
                  f"  = {ratio:.2f} x best PostGIS")  # fmt: skip
            print(f"  brute force, {engine:<20}{brute['median_ms']:9.1f} {brute['p95_ms']:9.1f}"
                  f"  same answers as ours: {brute['same_answers']}/{brute['points']}")  # fmt: skip


# --- the child: one database, inside Django ----------------------------------------------


def child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    ensure_synthetic_lots(args.lots, args.seed)
    points_file = WORK / f"nearby-points-{args.lots}-{args.seed}-{args.points}.json"
    if connection.vendor == "postgresql":
        ensure_geography_index()
        postgis_connections()
        points = choose_points(args.points, args.seed)
        points_file.write_text(json.dumps(points))
    else:
        points = json.loads(points_file.read_text())
    measured = {
        "database": f"{connection.vendor} {connection.Database.__name__} "
        f"{_server_version(connection)}",
        "kinds": {
            kind: measure_kind(kind, kind_points, args) for kind, kind_points in points.items()
        },
    }
    print(json.dumps(measured))
    return 0


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def real_lot_positions() -> list[tuple[float, float]]:
    from lots.importing import TAIWAN, check_row, read_lot_csv

    rows = read_lot_csv(ROOT / "data" / "taiwan_parking_lots.csv")
    checked = (check_row(row, TAIWAN) for row in rows)
    return [(lot.latitude, lot.longitude) for lot in checked if hasattr(lot, "latitude")]


def synthetic_lots(n: int, seed: int):
    """(latitude, longitude, capacity, occupied) for n lots spread like the real ones."""
    real = real_lot_positions()
    rng = random.Random(seed)
    background = int(n * BACKGROUND_SHARE)
    west, south, east, north = TAIWAN_MAIN_ISLAND
    for index in range(n):
        if index < background:
            lat, lng = rng.uniform(south, north), rng.uniform(west, east)
        else:
            base_lat, base_lng = rng.choice(real)
            distance, bearing = abs(rng.gauss(0, SPREAD_M)), rng.uniform(0, 2 * math.pi)
            lat = base_lat + distance * math.cos(bearing) / 111_195
            lng = base_lng + distance * math.sin(bearing) / (
                111_195 * math.cos(math.radians(base_lat))
            )
        capacity = rng.randint(10, 400)
        yield lat, lng, capacity, rng.randint(0, capacity)


def ensure_synthetic_lots(n: int, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from lots.models import Lot

    marker = f"v{GENERATOR_VERSION}-n{n}-s{seed}"
    if Lot.objects.filter(source=OWNER, source_id=marker).exists():
        return
    started = time.monotonic()
    log(f"[{connection.vendor}] loading {n:,} synthetic lots (once; kept for the next runs)")
    owner, _ = get_user_model().objects.get_or_create(username=OWNER)
    with transaction.atomic():
        with connection.cursor() as cursor:  # a database of its own: nothing refers to its lots
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(Lot._meta.db_table)}")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = (
            (owner.pk, f"Synthetic lot {i + 1}", "", lat, lng, capacity, occupied, "TWD",
             "Asia/Taipei", True, "", "", now, now)
            for i, (lat, lng, capacity, occupied) in enumerate(synthetic_lots(n, seed))
        )  # fmt: skip
        insert_lots(rows)
        Lot.objects.filter(pk=Lot.objects.order_by("-pk").values("pk")[:1]).update(
            source=OWNER, source_id=marker
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"[{connection.vendor}] loaded in {time.monotonic() - started:.0f} s")


def insert_lots(rows) -> None:
    from django.db import connection

    from lots.models import Lot

    columns = ["owner", "name", "address", "latitude", "longitude", "capacity", "occupied",
               "currency", "timezone", "is_active", "source", "source_id", "created_at",
               "updated_at"]  # fmt: skip
    quote = connection.ops.quote_name
    table = quote(Lot._meta.db_table)
    names = ", ".join(quote(Lot._meta.get_field(column).column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)


def ensure_geography_index() -> None:
    """A geography column with a GiST index beside the product's columns (benchmark DB only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'lots_lot' AND column_name = 'bench_geog'"
        )
        if cursor.fetchone():
            cursor.execute("SELECT count(*) FROM lots_lot WHERE bench_geog IS NULL")
            if cursor.fetchone()[0] == 0:
                return
        log("[postgresql] building the PostGIS geography column and its GiST index")
        cursor.execute("ALTER TABLE lots_lot ADD COLUMN IF NOT EXISTS bench_geog geography(Point)")
        cursor.execute(
            "UPDATE lots_lot SET bench_geog = ST_MakePoint(longitude, latitude)::geography"
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_lot_geog ON lots_lot USING gist (bench_geog)"
        )
        cursor.execute("ANALYZE lots_lot")


def lots_within(cursor, lat: float, lng: float) -> int:
    cursor.execute(
        "SELECT count(*) FROM lots_lot WHERE is_active AND "
        "ST_DWithin(bench_geog, ST_MakePoint(%s, %s)::geography, %s)",
        [lng, lat, RADIUS_M],
    )
    return cursor.fetchone()[0]


def choose_points(per_kind: int, seed: int) -> dict:
    """Dense and sparse query points, each with its count of lots within 3 km."""
    from django.db import connection

    from lots.geo import distance_m

    rng = random.Random(seed + 1)
    central = [
        (lat, lng)
        for lat, lng in real_lot_positions()
        if any(distance_m(lat, lng, *centre) < 1500 for centre in DENSE_CENTRES)
    ]
    points = {"dense": [], "sparse": []}
    with connection.cursor() as cursor:
        for lat, lng in rng.sample(central, per_kind):
            lat, lng = lat + rng.uniform(-3e-4, 3e-4), lng + rng.uniform(-3e-4, 3e-4)
            points["dense"].append([lat, lng, lots_within(cursor, lat, lng)])
        west, south, east, north = TAIWAN_MAIN_ISLAND
        while len(points["sparse"]) < per_kind:
            lat, lng = rng.uniform(south, north), rng.uniform(west, east)
            count = lots_within(cursor, lat, lng)
            if 1 <= count < LIMIT:
                points["sparse"].append([lat, lng, count])
    return points


POSTGIS_SQL = (
    "SELECT id, latitude, longitude, name, address, capacity, occupied, live_vacancy, "
    "ST_Distance(bench_geog, here.p, false) "
    "FROM lots_lot, (SELECT ST_MakePoint(%s, %s)::geography AS p) AS here "
    "WHERE is_active AND ST_DWithin(bench_geog, here.p, %s) "
    "ORDER BY bench_geog <-> here.p LIMIT %s"
)


# PostGIS gives its functions high planner costs, so with PostgreSQL's default
# settings the plan's cost passes jit_above_cost and every query pays for JIT
# compilation (about 100 ms here); on a smaller table the planner also prefers
# a bitmap scan of the whole 3 km box plus a sort (with a parallel worker) to
# the index-ordered KNN scan. Both are measured, each on its own connection:
# "default" as PostgreSQL comes, "tuned" with JIT, bitmap scans and parallel
# workers off, which leaves the index-assisted KNN plan. Ours is compared with
# the better of the two.
POSTGIS_PLANS = {
    "default": [],
    "tuned": ["SET jit = off", "SET enable_bitmapscan = off",
              "SET max_parallel_workers_per_gather = 0"],
}  # fmt: skip


def postgis_connections() -> None:
    from django.db import connections

    for plan, statements in POSTGIS_PLANS.items():
        alias = f"postgis_{plan}"
        connections.settings[alias] = dict(connections.settings["default"])
        with connections[alias].cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def postgis_nearby(plan: str):
    """The same answer through PostGIS's index-assisted nearest-neighbour search."""
    from django.db import connections

    from lots.nearby import NearbyLot

    connection = connections[f"postgis_{plan}"]

    def search(lat: float, lng: float):
        with connection.cursor() as cursor:
            cursor.execute(POSTGIS_SQL, [lng, lat, RADIUS_M, LIMIT])
            return [NearbyLot(*row) for row in cursor.fetchall()]

    return search


def explain(plan: str, lat: float, lng: float) -> str:
    from django.db import connections

    with connections[f"postgis_{plan}"].cursor() as cursor:
        cursor.execute("EXPLAIN " + POSTGIS_SQL, [lng, lat, RADIUS_M, LIMIT])
        return " / ".join(row[0].strip() for row in cursor.fetchall()[:3])


def measure_kind(kind: str, points: list, args) -> dict:
    from django.db import connection

    from lots import nearby

    def ours(lat: float, lng: float):
        return nearby.find_nearby_lots(lat, lng, radius_m=RADIUS_M, limit=LIMIT)

    methods = {"ours": ours}
    if connection.vendor == "postgresql":
        methods.update({f"postgis_{plan}": postgis_nearby(plan) for plan in POSTGIS_PLANS})
    for lat, lng, _count in points:  # warm up: caches, plans, connections
        for method in methods.values():
            method(lat, lng)
    samples = {name: [] for name in methods}
    for repeat in range(args.repeat):
        order = list(methods.items())
        if repeat % 2:
            order.reverse()
        for lat, lng, _count in points:
            for name, method in order:
                started = time.perf_counter_ns()
                method(lat, lng)
                samples[name].append((time.perf_counter_ns() - started) / 1e6)
    result = {name: _stats(values) for name, values in samples.items()}
    result["ours"].update(_rounds(points))
    for plan in POSTGIS_PLANS if connection.vendor == "postgresql" else ():
        postgis = methods[f"postgis_{plan}"]
        result[f"postgis_{plan}"]["same_answers_as_ours"] = sum(
            [lot.id for lot in postgis(lat, lng)] == [lot.id for lot in ours(lat, lng)]
            for lat, lng, _count in points
        )
        result[f"postgis_{plan}"]["plan_at_first_point"] = explain(plan, *points[0][:2])
    result["brute_force"] = _brute_force(points[: args.brute_points], ours)
    counts = sorted(count for _lat, _lng, count in points)
    result["lots_within_3km"] = {
        "min": counts[0],
        "median": int(statistics.median(counts)),
        "max": counts[-1],
    }
    log(f"[{connection.vendor}] {kind}: " + ", ".join(
        f"{name} {stats['median_ms']:.3f} ms" for name, stats in result.items()
        if "median_ms" in stats and name != "brute_force"))  # fmt: skip
    return result


def _stats(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "samples": len(values),
        "median_ms": round(statistics.median(values), 4),
        "p95_ms": round(values[min(len(values) - 1, math.ceil(0.95 * len(values)) - 1)], 4),
    }


def _rounds(points: list) -> dict:
    """How many box queries and candidates a search takes (counted apart from the timing)."""
    from lots import nearby

    calls, rows = [], []
    original = nearby._candidates

    def counting(box, cap):
        found = original(box, cap)
        calls[-1] += 1
        rows[-1] += len(found)
        return found

    nearby._candidates = counting
    try:
        for lat, lng, _count in points:
            calls.append(0)
            rows.append(0)
            nearby.find_nearby_lots(lat, lng, radius_m=RADIUS_M, limit=LIMIT)
    finally:
        nearby._candidates = original
    return {
        "box_queries_median": statistics.median(calls),
        "box_queries_max": max(calls),
        "candidates_median": statistics.median(rows),
        "candidates_max": max(rows),
    }


def _brute_force(points: list, ours) -> dict:
    from lots import nearby

    times, same = [], 0
    for lat, lng, _count in points:
        started = time.perf_counter_ns()
        expected = nearby.nearby_lots_brute_force(lat, lng, radius_m=RADIUS_M, limit=LIMIT)
        times.append((time.perf_counter_ns() - started) / 1e6)
        same += expected == ours(lat, lng)
    return {**_stats(times), "points": len(points), "same_answers": same}


if __name__ == "__main__":
    sys.exit(main())
