"""Structured request logs: one JSON line per request, gate calls with their decision."""

import json
import logging

import pytest

from config.logging import JsonFormatter

pytestmark = pytest.mark.usefixtures("gate_path")


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="openlot.requests")
    return caplog


def logged_lines(caplog):
    return [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "openlot.requests"
    ]


def test_a_gate_call_is_logged_with_its_gate_lot_and_decision(gates, entry_gate, lot, request_log):
    gates.enter(entry_gate, "abc-1234")

    (line,) = logged_lines(request_log)
    assert line["method"] == "POST"
    assert line["path"] == "/api/gates/entry"
    assert line["status"] == 201
    assert (line["gate_id"], line["lot_id"], line["direction"]) == (entry_gate.pk, lot.pk, "entry")
    assert (line["plate"], line["decision"], line["replayed"]) == ("ABC1234", "entered", False)
    assert line["duration_ms"] >= 0


def test_the_token_never_reaches_the_log(gates, entry_gate, request_log):
    gates.enter(entry_gate, "ABC-1234")

    assert entry_gate.token not in request_log.text
    assert entry_gate.token not in json.dumps(logged_lines(request_log))


def test_a_refused_call_is_logged_without_a_decision(client, request_log, db):
    client.post("/api/gates/entry", data={"plate": "X"}, content_type="application/json")

    (line,) = logged_lines(request_log)
    assert line["status"] == 401
    assert "decision" not in line
