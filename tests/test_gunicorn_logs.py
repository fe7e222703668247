"""gunicorn's own lines go to stderr beside the app's request lines: JSON, like them; its
access log (every request line, query string and all) only when asked for."""

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from .servers import BASE_DIR


def run_gunicorn(method="GET", path="/healthz?plate=ABC1234", **environment):
    """Start gunicorn with config/gunicorn.conf.py, ask `path` once, stop it: its
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
            asked = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
            try:
                answer = urllib.request.urlopen(asked)
            except urllib.error.HTTPError as refused:
                answer = refused
            with answer:
                if method == "HEAD":
                    assert answer.read() == b""
                else:
                    assert answer.status == 200
        finally:
            server.terminate()
            lines += server.stderr.readlines()
            stdout = server.stdout.read()
    return [json.loads(line) for line in lines if line.strip()], stdout


def test_gunicorns_own_lines_are_json_too():
    entries, _stdout = run_gunicorn()

    assert any(entry["message"].startswith("Booting worker") for entry in entries)
    assert {entry["logger"] for entry in entries} == {"gunicorn.error"}


# /readyz answers 503 here (no database is migrated for this server): a page with a body.
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/no-such-page"])
def test_a_head_request_is_answered_without_a_body_or_a_warning(path):
    # Load balancers and uptime monitors probe with HEAD: gunicorn logged a warning for
    # each answer that came with a body (it dropped the body itself).
    entries, _stdout = run_gunicorn(method="HEAD", path=path, LOG_FORMAT="json")

    warned = [e for e in entries if e["logger"].startswith("gunicorn") and e["level"] != "info"]
    assert warned == []


def test_no_control_socket_is_opened_unless_one_is_configured(tmp_path):
    # A second server of the same user would take over (and then remove) the shared one.
    entries, _stdout = run_gunicorn()
    assert not any("Control socket" in entry["message"] for entry in entries)

    socket = tmp_path / "gate-servers.ctl"
    entries, _stdout = run_gunicorn(GUNICORN_CONTROL_SOCKET=str(socket))
    assert any(str(socket) in entry["message"] for entry in entries)


@pytest.mark.parametrize(("asked", "lines"), [(None, 0), ("-", 1)])
def test_the_access_log_is_written_only_when_asked_for(asked, lines):
    _entries, stdout = run_gunicorn(**({"GUNICORN_ACCESS_LOG": asked} if asked else {}))

    assert len(stdout.splitlines()) == lines
    if lines:
        assert json.loads(stdout)["logger"] == "gunicorn.access"
