"""gunicorn as config/gunicorn.conf.py runs it. Its own lines go to stderr beside the app's
request lines: JSON, like them; its access log (every request line, query string and all)
only when asked for. Workers load the views as they start, and keep connections alive."""

import http.client
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from .servers import BASE_DIR

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"]


def gunicorn_env(**environment) -> dict:
    env = {**os.environ, "GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "1"}
    for name in ("LOG_FORMAT", "GUNICORN_ACCESS_LOG"):
        env.pop(name, None)
    return {**env, **environment}


def run_gunicorn(method="GET", path="/healthz?plate=ABC1234", ask=None, **environment):
    """Start gunicorn with config/gunicorn.conf.py, ask `path` once (or call `ask` with its
    port), stop it: its stderr lines (parsed) and its stdout."""
    lines = []
    with subprocess.Popen(
        GUNICORN,
        cwd=BASE_DIR,
        env=gunicorn_env(**environment),
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
            if ask is not None:
                ask(int(port))
            else:
                ask_once(port, method, path)
        finally:
            server.terminate()
            lines += server.stderr.readlines()
            stdout = server.stdout.read()
    return [json.loads(line) for line in lines if line.strip()], stdout


def ask_once(port, method: str, path: str) -> None:
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


def test_a_urlconf_that_cannot_load_stops_the_server_at_boot():
    # Each worker loads the URLconf as it starts (config/wsgi.py). Loaded by the first
    # request instead, a broken one left the server up, answering every request with 500.
    env = gunicorn_env(ROOT_URLCONF="tests.no_such_urlconf")

    server = subprocess.run(GUNICORN, cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip

    assert server.returncode == 3  # gunicorn's "worker failed to boot"
    assert "No module named 'tests.no_such_urlconf'" in server.stderr
    assert "Worker failed to boot" in server.stderr


@pytest.mark.parametrize("threads", ["1", "4"])
def test_connections_are_kept_alive_whatever_the_number_of_threads(threads):
    # Gate clients and load balancers send call after call on one connection. With one
    # thread gunicorn's default is its sync worker, which closes each connection after
    # its answer (and is held by a slow client): config/gunicorn.conf.py names gthread.
    answers = []

    def ask_twice(port: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(2):
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            answers.append((answer.status, answer.getheader("Connection"), answer.read()))
        connection.close()

    run_gunicorn(ask=ask_twice, GUNICORN_THREADS=threads)

    assert [(status, connection) for status, connection, _body in answers] == [
        (200, "keep-alive"), (200, "keep-alive")
    ]  # fmt: skip


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
