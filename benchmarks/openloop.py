"""An open-loop HTTP load generator: requests leave on a fixed schedule, whatever the answers.

    .venv/bin/python -m benchmarks.openloop URL --rate 200 --seconds 60 --pairs 200

Request k is due at start + k / rate. It goes out on an idle keep-alive
connection (a new one if none is idle), as one write with TCP_NODELAY, and its
latency runs from when it was due, so a server that stalls is charged for the
requests queued behind the stall (no coordinated omission).

Why not locust: at a few hundred calls a second its client added about 30 ms
to every answer on this machine (a bare JSON view measured p50 33 ms through
it, 1 ms here), which would drown the figures being measured.

The workload is gate pairs, each on a lot of its own in turn (benchmarks.gates
seeds lots and tokens): a pair's calls alternate entry and exit of a fresh plate.
"""

import argparse
import asyncio
import json
import socket
import statistics
import sys
import time
from urllib.parse import urlsplit


class Connections:
    """Keep-alive connections; one idle longer than the server keeps them is not reused."""

    MAX_IDLE_SECONDS = 2  # gunicorn closes idle keep-alive connections after 5 s

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[tuple[float, tuple]] = []
        self.opened = 0

    async def take(self):
        while self.idle:
            since, connection = self.idle.pop()
            if time.perf_counter() - since < self.MAX_IDLE_SECONDS:
                return connection
            connection[1].close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened += 1
        return reader, writer

    def give_back(self, connection):
        self.idle.append((time.perf_counter(), connection))


async def exchange(connection, request: bytes) -> tuple[int, bool]:
    """The answer's status, and whether the server keeps the connection open."""
    reader, writer = connection
    writer.write(request)
    status_line = await reader.readline()
    length, kept = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and value.strip().lower() == "close":
            kept = False
    await reader.readexactly(length)
    return int(status_line.split()[1]), kept


def gate_request(host: str, direction: str, lot: int, plate: str) -> bytes:
    body = json.dumps({"plate": plate}).encode()
    return (
        f"POST /api/gates/{direction} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer bench_lot{lot}_{direction}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def run(url: str, rate: float, seconds: float, pairs: int, lots: int, run_id: str) -> dict:
    parts = urlsplit(url)
    connections = Connections(parts.hostname, parts.port)
    latencies, statuses = [], {}
    cars = [0] * pairs
    leaving = [False] * pairs
    total = int(rate * seconds)

    async def one(k: int, due: float):
        pair = k % pairs
        direction = "exit" if leaving[pair] else "entry"
        plate = f"O{run_id}{pair:03d}{cars[pair]:05d}"
        if leaving[pair]:
            cars[pair] += 1
        leaving[pair] = not leaving[pair]
        request = gate_request(parts.netloc, direction, pair % lots + 1, plate)
        connection = await connections.take()
        try:
            status, kept = await exchange(connection, request)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = 0
        else:
            if kept:
                connections.give_back(connection)
            else:
                connection[1].close()
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter() + 0.1
    tasks = []
    for k in range(total):
        due = start + k / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(k, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "offered_rate": rate,
        "achieved_rate": round(total / elapsed, 1),
        "requests": total,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "connections_opened": connections.opened,
        "p50_ms": round(statistics.median(latencies), 2),
        "p90_ms": round(latencies[int(total * 0.90) - 1], 2),
        "p99_ms": round(latencies[int(total * 0.99) - 1], 2),
        "max_ms": round(latencies[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--lots", type=int, default=32)
    parser.add_argument("--run", default="0")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.rate, args.seconds, args.pairs, args.lots, args.run))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
