"""Live vacancy under load: GET /api/lots/{id}/vacancy next to a bare JSON view, on one server.

    make bench-vacancy           (or: .venv/bin/python -m benchmarks.vacancy)

gunicorn (production settings) on PostgreSQL, started here, serving the real
lots of data/ (imported once). wrk (installed with apt-get if missing), in one
run and against the same server:

1. GET /bench/bare, a view that does no work (same middleware): the baseline;
2. GET /api/lots/<a random real lot>/vacancy.

Each at 32 connections (saturation: throughput, p50/p99 latency) and at 4
(latency when the server is not saturated). Results in benchmarks/results/.
"""

import argparse
import os
import subprocess
import sys
import tempfile

from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    PYTHON,
    RESULTS,
    ROOT,
    ensure_apt,
    gunicorn,
    manage,
    server_env,
    write_result,
)
from benchmarks.gates import parse_wrk
from benchmarks.nearby import _with_suffix


def wrk(wrk_bin: str, url: str, *, connections: int, seconds: int, script_args=None) -> dict:
    command = [wrk_bin, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script_args:
        command += ["-s", "benchmarks/vacancy.lua", url, "--", *script_args]
    else:
        command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    shown = [part if not part.startswith("/tmp") else "<lot ids>" for part in command]
    return {"command": " ".join(shown), **parse_wrk(output)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL server and database name; '_vacancy' is appended to the name",
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    wrk_bin = ensure_apt("wrk")
    env = server_env(_with_suffix(args.database_url, "_vacancy"), LOG_LEVEL="WARNING")
    subprocess.run([PYTHON, "scripts/ensure_database.py"], cwd=ROOT, env=env, check=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "import_lots", "data/taiwan_parking_lots.csv", "--owner", "opendata", "-v0")
    output = manage(env, "shell", "-c", "from lots.models import Lot; "
                    "print(*Lot.objects.values_list('pk', flat=True), sep='\\n')")  # fmt: skip
    ids = "\n".join(line for line in output.splitlines() if line.isdigit()) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".ids") as id_file:
        id_file.write(ids)
        id_file.flush()
        runs = {}
        load_before = os.getloadavg()
        log_path = RESULTS / "vacancy-server.log"
        with gunicorn(env, workers=args.workers, threads=args.threads, log_path=log_path) as url:
            print(f"gunicorn: {args.workers} workers x {args.threads} threads", flush=True)
            wrk(wrk_bin, f"{url}/bench/bare", connections=8, seconds=3)  # warm up
            wrk(wrk_bin, url, connections=8, seconds=3, script_args=[id_file.name])
            for connections in (32, 4):
                bare = wrk(wrk_bin, f"{url}/bench/bare", connections=connections,
                           seconds=args.seconds)  # fmt: skip
                vacancy = wrk(wrk_bin, url, connections=connections, seconds=args.seconds,
                              script_args=[id_file.name])  # fmt: skip
                ratio = vacancy["requests_per_second"] / bare["requests_per_second"]
                print(f"{connections} connections: bare {bare['requests_per_second']:.0f} req/s, "
                      f"vacancy {vacancy['requests_per_second']:.0f} req/s = {ratio:.2f} x bare; "
                      f"vacancy p50 {vacancy['p50_ms']} ms, p99 {vacancy['p99_ms']} ms",
                      flush=True)  # fmt: skip
                runs[str(connections)] = {
                    "bare_view": bare,
                    "vacancy": vacancy,
                    "throughput_ratio": round(ratio, 3),
                }
    result = {
        "command": "make bench-vacancy  (python -m benchmarks.vacancy)",
        "server": {"workers": args.workers, "threads": args.threads, "database": "PostgreSQL"},
        "lots": len(ids.split()),
        "connections": runs,
        # Other work on the machine shows in every figure: keep it with them.
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
    path = write_result("vacancy", result)
    print(f"written to {path.relative_to(ROOT)}")
    return 0 if all(run["vacancy"]["non_2xx"] == 0 for run in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
