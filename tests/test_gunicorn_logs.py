"""gunicorn's own lines go to stderr beside the app's request lines: JSON, like them."""

import json
import os
import subprocess
import sys

from .servers import BASE_DIR


def test_gunicorns_own_lines_are_json_too():
    env = {**os.environ, "GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "1"}
    env.pop("LOG_FORMAT", None)  # the default: json
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]
    lines = []
    with subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            for line in server.stderr:
                lines.append(line)
                if "Booting worker" in line:
                    break
        finally:
            server.terminate()
            lines += server.stderr.readlines()

    entries = [json.loads(line) for line in lines if line.strip()]
    assert any(entry["message"].startswith("Booting worker") for entry in entries)
    assert {entry["logger"] for entry in entries} == {"gunicorn.error"}
