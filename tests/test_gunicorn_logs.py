"""gunicorn's own lines go to stderr beside the app's request lines: JSON, like them; its
access log (every request line, query string and all) only when asked for."""

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from .servers import BASE_DIR


def run_gunicorn(**environment) -> tuple[list[dict], str]:
    """Start gunicorn with config/gunicorn.conf.py, ask /healthz once, stop it: its
    stderr lines (parsed) and its stdout."""
    env = {**os.environ, "GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "1"}
    for name in ("LOG_FORMAT", "GUNICORN_ACCESS_LOG"):
        env.pop(name, None)
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
    lines = []
    with subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env={**env, **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            for line in server.stderr:
                lines.append(line)
                if "Booting worker" in line:
                    break
            port = re.search(r"Listening at: http://127.0.0.1:(\d+)", "".join(lines)).group(1)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?plate=ABC1234") as r:
                assert r.status == 200
        finally:
            server.terminate()
            lines += server.stderr.readlines()
            stdout = server.stdout.read()
    return [json.loads(line) for line in lines if line.strip()], stdout


def test_gunicorns_own_lines_are_json_too():
    entries, _stdout = run_gunicorn()

    assert any(entry["message"].startswith("Booting worker") for entry in entries)
    assert {entry["logger"] for entry in entries} == {"gunicorn.error"}


@pytest.mark.parametrize(("asked", "lines"), [(None, 0), ("-", 1)])
def test_the_access_log_is_written_only_when_asked_for(asked, lines):
    _entries, stdout = run_gunicorn(**({"GUNICORN_ACCESS_LOG": asked} if asked else {}))

    assert len(stdout.splitlines()) == lines
    if lines:
        assert json.loads(stdout)["logger"] == "gunicorn.access"
