"""Gate API throughput and latency against a bare Django JSON view, on one server.

    make bench-gates            (or: .venv/bin/python -m benchmarks.gates)

gunicorn (production settings) on PostgreSQL, both started here. In one run:

1. saturation, closed loop: wrk with 32 connections POSTs to a bare JSON view
   (every middleware, no work): the baseline, sent the gate calls' own requests
   by the same script (and, for comparison, one fixed request);
2. saturation, closed loop: wrk with 32 connections, each a gate pair on its
   own lot, driving entry -> exit cycles with fresh plates;
   (1 and 2 alternate for three rounds of 15 s each; the median round counts;
   on the fast path each round also runs 2 through benchmarks/urls.py's floor
   views, the same SQL function with nothing around it, and 1 where gate calls
   are answered, behind only the middleware they keep: config/machine.py);
3. constant rate, open loop: benchmarks/openloop.py offers 200 gate calls a
   second for a minute, after a 10-second warm-up; p50/p99 latency, measured
   from when each call was due (no coordinated omission).

The ratio of 2 to 1 and the latencies of 3 go to benchmarks/results/.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    GATE_STACK,
    PYTHON,
    RESULTS,
    ROOT,
    ensure_apt,
    gunicorn,
    manage,
    server_env,
    write_result,
)

HERE = Path(__file__).resolve().parent


def seed(lots: int) -> None:
    """Runs inside Django (see main): bench lots with free exits, gates with known tokens."""
    from django.contrib.auth import get_user_model

    from lots.models import Lot
    from lots.services import create_lot
    from parking.models import Direction, Gate, GateEvent, ParkingSession

    owner, _ = get_user_model().objects.get_or_create(username="bench")
    for n in range(1, lots + 1):
        lot = Lot.objects.filter(owner=owner, name=f"Bench lot {n}").first() or create_lot(
            owner=owner,
            name=f"Bench lot {n}",
            latitude=25.0 + n / 1000,
            longitude=121.5,
            capacity=100_000,
            free_minutes=600,  # every exit opens without payment: the gate path only
            unit_minutes=30,
            unit_price=1500,
        )
        for direction in Direction.values:
            gate = Gate.objects.filter(lot=lot, direction=direction).first() or Gate(
                lot=lot, name=direction, direction=direction
            )
            gate.set_token(f"bench_lot{n}_{direction}")
            gate.save()
    bench_lots = Lot.objects.filter(owner=owner)
    ParkingSession.objects.filter(lot__in=bench_lots).delete()
    GateEvent.objects.filter(lot__in=bench_lots).delete()
    bench_lots.update(occupied=0)


def check_invariant() -> dict:
    from django.db.models import Count

    from lots.models import Lot

    lots = Lot.objects.filter(owner__username="bench").annotate(parked=Count("sessions"))
    mismatched = [lot.pk for lot in lots if lot.occupied != lot.parked]
    return {"lots": len(lots), "counter_mismatches": mismatched}


def vacuum_gate_tables(database_url: str) -> str:
    """VACUUM what gate calls churn; answers the server's `autovacuum` setting.

    Every cycle inserts and deletes a vehicle row and rewrites the lot's counter.
    PostgreSQL's autovacuum cleans up behind that in production; where it is off
    (as on the development machine) each phase would otherwise start on the dead
    rows of the ones before it, and the second decision path measured would pay
    for the first.
    """
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("VACUUM (ANALYZE) parking_parkingsession, lots_lot, parking_gate")
        return db.execute("SHOW autovacuum").fetchone()[0]


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return round(value * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failures = re.search(r"GATE_FAILURES (\d+)", output)
    samples = "\n".join(re.findall(r"^GATE_FAILURE .*$", output, re.M)[:10])
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": requests,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "gate_failures": int(failures.group(1)) if failures else None,
        "failure_samples": samples,
        "p50_ms": latency("50"),
        "p90_ms": latency("90"),
        "p99_ms": latency("99"),
    }


def wrk(
    wrk_bin: str,
    url: str,
    script: Path,
    *,
    connections: int,
    threads: int,
    seconds: int,
    args: list[str] = (),
) -> dict:
    command = [
        wrk_bin,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
        *(["--", *args] if args else []),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    # Recorded as run from the project (benchmarks/...), not this machine's paths.
    shown = [str(script.relative_to(ROOT)) if part == str(script) else part for part in command]
    return {"command": " ".join(shown[:-1] if not args else shown), **parse_wrk(output)}


def constant_rate(url: str, *, rate: int, seconds: int, lots: int, run: str) -> dict:
    """Open loop at `rate` calls a second (benchmarks/openloop.py), after a warm-up."""
    command = [PYTHON, "-m", "benchmarks.openloop", url, "--rate", str(rate),
               "--lots", str(lots), "--pairs", str(rate)]  # fmt: skip
    warm_up = [*command, "--seconds", "10", "--run", f"{run}w"]
    subprocess.run(warm_up, check=True, capture_output=True, cwd=ROOT)
    measured = [*command, "--seconds", str(seconds), "--run", run]
    output = subprocess.run(measured, check=True, capture_output=True, text=True, cwd=ROOT)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    return {"command": "python -m benchmarks.openloop " + " ".join(measured[3:]), **result}


def cycles(wrk_bin: str, url: str, args, lots: int, run: str, paths=()) -> dict:
    """wrk sending the gate cycles' requests (to `paths` if given), one thread per connection."""
    return wrk(wrk_bin, url, HERE / "gates_cycle.lua", connections=args.connections,
               threads=args.connections, seconds=args.seconds,
               args=[str(lots), run, *paths])  # fmt: skip


def gate_cycles(wrk_bin: str, url: str, env: dict, args, lots: int, run: str, paths=()) -> dict:
    """wrk driving entry -> exit cycles (through `paths` if given); any refusal fails the run."""
    vacuum_gate_tables(env["DATABASE_URL"])
    result = cycles(wrk_bin, url, args, lots, run, paths)
    failed = (result["gate_failures"] or 0) + result["non_2xx"]
    if failed:
        raise SystemExit(f"{failed} gate calls failed:\n{result['failure_samples']}")
    return result


def saturation_round(wrk_bin: str, url: str, env: dict, args, lots: int, run: str, floor: bool):
    """One bare-view run, then one gate-cycle run (and the floor views, the gate stack's bare)."""
    # One wrk thread per connection, as the gate script needs (one gate pair each).
    # The baseline gets the same load: the gate script's requests (its bodies, its
    # headers, its two paths) all sent to the bare view, so the load generator, on
    # the same cores, costs the baseline what it costs the gate calls.
    bare = cycles(wrk_bin, url, args, lots, run, ["/bench/bare"] * 2)
    # The baseline as measured until 1 December: one fixed request, no script per call.
    bare_fixed = wrk(wrk_bin, f"{url}/bench/bare", HERE / "bare_post.lua",
                     connections=args.connections, threads=args.connections,
                     seconds=args.seconds)  # fmt: skip
    gates = gate_cycles(wrk_bin, url, env, args, lots, run)
    bare_rate = bare["requests_per_second"]
    result = {
        "bare_view": bare,
        "bare_view_fixed_request": bare_fixed,
        "gate_cycles": gates,
        "throughput_ratio": round(gates["requests_per_second"] / bare_rate, 3),
        "ratio_to_fixed_request_bare": round(
            gates["requests_per_second"] / bare_fixed["requests_per_second"], 3
        ),
    }
    if floor:
        paths = [f"/{GATE_STACK}floor/entry", f"/{GATE_STACK}floor/exit"]
        result["floor_cycles"] = gate_cycles(wrk_bin, url, env, args, lots, f"F{run[-1]}", paths)
        result["floor_ratio"] = round(result["floor_cycles"]["requests_per_second"] / bare_rate, 3)
        # The bare view where gate calls are answered: what skipping the browser
        # middleware alone is worth, and the gate calls against that.
        lean = cycles(wrk_bin, url, args, lots, run, [f"/{GATE_STACK}bare"] * 2)
        result["bare_view_gate_stack"] = lean
        result["ratio_to_gate_stack_bare"] = round(
            gates["requests_per_second"] / lean["requests_per_second"], 3
        )
    return result


def measure_path(wrk_bin: str, env: dict, args, lots: int, path: str, run: int) -> dict:
    """Bare view and gate cycles on one server deciding through `path`; constant rate if fast.

    Saturation is measured in rounds, each a bare run right before a gate run; the
    round with the median ratio is the result, so one disturbed run does not decide it.
    """
    env = {**env, "GATE_FAST_PATH": "true" if path == "fast" else "false"}
    log_path = RESULTS / f"gates-{path}-server.log"
    with gunicorn(env, workers=args.workers, threads=args.threads, log_path=log_path) as url:
        print(f"[{path}] gunicorn: {args.workers} workers x {args.threads} threads", flush=True)
        wrk(wrk_bin, f"{url}/bench/bare", HERE / "bare_post.lua", connections=8, threads=2,
            seconds=3)  # fmt: skip
        rounds = []
        for n in range(args.rounds):
            rounds.append(saturation_round(wrk_bin, url, env, args, lots, f"{run}{n}",
                                           floor=path == "fast"))  # fmt: skip
            done = rounds[-1]
            floor = (
                f", floor {done['floor_ratio']:.2f} x; bare view on the gate stack "
                f"{done['bare_view_gate_stack']['requests_per_second']:.0f} req/s "
                f"(gate calls {done['ratio_to_gate_stack_bare']:.2f} x that)"
                if "floor_ratio" in done
                else ""
            )
            print(f"[{path}] round {n + 1}: bare view "
                  f"{done['bare_view']['requests_per_second']:.0f} req/s (a fixed request: "
                  f"{done['bare_view_fixed_request']['requests_per_second']:.0f}), gate calls "
                  f"{done['gate_cycles']['requests_per_second']:.0f} req/s "
                  f"= {done['throughput_ratio']:.2f} x bare{floor}", flush=True)  # fmt: skip
        median = sorted(rounds, key=lambda r: r["throughput_ratio"])[len(rounds) // 2]
        result = {**median, "rounds": rounds}
        if path == "fast":
            vacuum_gate_tables(env["DATABASE_URL"])
            steady = constant_rate(
                url, rate=args.rate, seconds=args.rate_seconds, lots=lots, run=str(run + 1)
            )
            print(f"[{path}] constant {args.rate}/s: p50 {steady['p50_ms']} ms, "
                  f"p99 {steady['p99_ms']} ms", flush=True)  # fmt: skip
            failed = {
                code: n for code, n in steady["statuses"].items() if code not in ("200", "201")
            }
            if failed:
                raise SystemExit(f"[{path}] calls failed at a constant rate: {failed}")
            result["constant_rate"] = steady
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15, help="per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, choices=range(1, 10), help="bare + gate runs, median kept"
    )
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--rate-seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--paths", default="fast,orm", help="gate decision paths to measure (fast, orm)"
    )
    args = parser.parse_args()

    wrk_bin = ensure_apt("wrk")
    env = server_env(args.database_url, LOG_LEVEL="WARNING")
    subprocess.run([PYTHON, "scripts/ensure_database.py", "--fresh"], cwd=ROOT, env=env, check=True)
    manage(env, "migrate", "--noinput", "-v0")
    lots = args.connections
    manage(env, "shell", "-c", f"from benchmarks.gates import seed; seed({lots})")
    RESULTS.mkdir(parents=True, exist_ok=True)

    paths = {}
    for run, path in enumerate(args.paths.split(","), start=1):
        paths[path] = measure_path(wrk_bin, env, args, lots, path, run * 2)

    check = "import json; from benchmarks.gates import check_invariant as c; print(json.dumps(c()))"
    invariant = json.loads(manage(env, "shell", "-c", check).strip().splitlines()[-1])
    result = {
        "server": {
            "workers": args.workers,
            "threads": args.threads,
            "database": "PostgreSQL",
            "autovacuum": vacuum_gate_tables(args.database_url),
        },
        "connections": args.connections,
        "paths": paths,
        "targets": {"throughput_ratio": ">= 0.5", "p99_ms_at_200_per_second": "< 100"},
        "invariant": invariant,
    }
    path = write_result("gates", result)
    print(json.dumps({name: p["throughput_ratio"] for name, p in paths.items()}, indent=2))
    print(json.dumps(invariant))
    print(f"written to {path.relative_to(ROOT)}")
    return 0 if not invariant["counter_mismatches"] else 1


if __name__ == "__main__":
    sys.exit(main())
