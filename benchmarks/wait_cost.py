"""What waiting on another process costs the Python code that runs after the wait.

    .venv/bin/python -m benchmarks.wait_cost

A gate call waits about 0.4 ms for PostgreSQL's decision; a bare view never
waits. This measures, in one process and without any database, the CPU time of
the bare JSON view of benchmarks/urls.py (called through Django's WSGI handler
where gate calls are answered, production settings) back to back, and with a
blocking wait after each call, as psycopg blocks on its socket; only the calls
are timed, not the waits. Blocks of calls alternate between the two; the
medians go to benchmarks/results/. If the CPU per call grows with the wait, a
gate call pays that for its database round trip, on top of the round trip's
own work (docs/performance.md).
"""

import argparse
import io
import os
import select
import statistics
import sys
import time
import warnings

from benchmarks.common import DEFAULT_DATABASE_URL, GATE_STACK, ROOT, server_env, write_result


def bare_view_caller():
    """A function that answers one POST of the bare view through Django's WSGI handler."""
    os.environ.update(server_env(DEFAULT_DATABASE_URL, LOG_LEVEL="WARNING"))
    # Static files are not collected for this: whitenoise's warning says so, and is moot.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    body = b'{"plate":"ABC1234"}'

    def call() -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"/{GATE_STACK}bare",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        statuses = []
        b"".join(
            application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        )
        if not statuses[0].startswith("200"):
            raise SystemExit(f"bare view answered {statuses[0]}")

    return call


def cpu_per_call(call, calls: int, wait_seconds: float) -> float:
    """Microseconds of CPU per call, each call followed by `wait_seconds` (not counted).

    Only the calls are timed (this thread's CPU time), not the waits: going to
    sleep and waking up cost CPU of their own, which is not what is asked here.
    """
    read_end, write_end = os.pipe()  # never written: select waits the whole timeout
    spent = 0.0
    for _ in range(calls):
        started = time.thread_time()
        call()
        spent += time.thread_time() - started
        if wait_seconds:
            select.select([read_end], [], [], wait_seconds)
    os.close(read_end)
    os.close(write_end)
    return spent / calls * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="per block")
    parser.add_argument("--blocks", type=int, default=5, help="per kind, alternated")
    parser.add_argument("--wait-ms", type=float, default=0.4)
    args = parser.parse_args()

    call = bare_view_caller()
    cpu_per_call(call, 500, 0)  # warm-up
    kinds = {"back to back": 0.0, f"after each, a {args.wait_ms} ms wait": args.wait_ms / 1000}
    blocks = {kind: [] for kind in kinds}
    for _ in range(args.blocks):
        for kind, wait in kinds.items():
            blocks[kind].append(round(cpu_per_call(call, args.calls, wait), 1))
    medians = {kind: statistics.median(values) for kind, values in blocks.items()}
    for kind, median in medians.items():
        print(f"bare view, {kind}: {median:.0f} us of CPU per call (blocks: {blocks[kind]})")
    back_to_back, after_wait = medians.values()
    ratio = round(after_wait / back_to_back, 2)
    print(f"CPU per call after a wait: {ratio} x back to back")
    path = write_result(
        "wait-cost",
        {
            "command": "python -m benchmarks.wait_cost " + " ".join(sys.argv[1:]),
            "calls_per_block": args.calls,
            "us_cpu_per_call_blocks": blocks,
            "us_cpu_per_call_median": medians,
            "after_wait_over_back_to_back": ratio,
        },
    )
    print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
