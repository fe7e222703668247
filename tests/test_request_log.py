"""Structured request logs: one JSON line per request, gate calls with their decision."""

import json
import logging

import pytest

from config.logging import JsonFormatter
from parking.models import Gate

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
    assert (line["status"], line["code"]) == (401, "unauthorized")
    assert "decision" not in line
    assert "gate_id" not in line  # an unknown token names no gate


def test_a_refusal_names_the_gate_to_set_right(
    gates, entry_gate, exit_gate, lot, request_log, clock
):
    read_id = "2b1c3d4e-0000-4000-8000-000000000001"
    gates.enter(entry_gate, "ABC-1234", read_id=read_id)
    request_log.clear()
    gates.post(exit_gate, {"plate": "ABC-1234"}, direction="entry")  # an exit gate's token
    gates.enter(entry_gate, "XYZ-9876", read_id=read_id)  # firmware reusing a read_id
    Gate.objects.filter(pk=entry_gate.pk).update(revoked_at=clock.now())
    gates.enter(entry_gate, "ABC-1234")

    lines = logged_lines(request_log)
    assert [(line["status"], line["code"]) for line in lines] == [
        (403, "wrong_direction"),
        (422, "read_id_reused"),
        (401, "token_revoked"),
    ]
    assert [(line["gate_id"], line["lot_id"]) for line in lines] == [
        (exit_gate.pk, lot.pk),
        (entry_gate.pk, lot.pk),
        (entry_gate.pk, lot.pk),
    ]
    assert all(gate.token not in request_log.text for gate in (entry_gate, exit_gate))
