"""Shared pieces of the benchmark scripts: tools, a benchmark database, a gunicorn server."""

import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/openlot_bench"
# benchmarks/urls.py's views answered as gate calls are: under config.machine.GATE_PATH_PREFIX.
GATE_STACK = "api/gates/bench/"


def ensure_apt(command: str, package: str | None = None) -> str:
    if not shutil.which(command):
        print(f"installing {package or command} (apt-get)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", package or command], check=True)
    return shutil.which(command)


def server_env(database_url: str, **extra) -> dict:
    """Production settings on plain HTTP at 127.0.0.1, with the benchmark URLs."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ROOT_URLCONF": "benchmarks.urls",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        **extra,
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict, *, workers: int, threads: int, log_path: Path):
    port = free_port()
    command = [
        str(Path(PYTHON).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError(f"gunicorn did not become ready; see {log_path}")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def machine() -> dict:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {"benchmark": name, "measured_at": stamp, "machine": machine(), **result}
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}-latest.json").write_text(json.dumps(result, indent=2) + "\n")
    return path
