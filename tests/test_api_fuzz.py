"""Fuzzing the JSON API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and not: no answer may be a 5xx,
and every answer (errors included) must be documented and match its schema.
`positive_data_acceptance` is left out: plates are validated more strictly
(NFKC, 2-10 letters and digits) than a JSON schema can say, so a schema-valid
string may rightly be refused with 422. Nor is it a finding when a multipart
field mutated to another scalar type is accepted (see `_only_text_on_the_wire`).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The app is called as plain WSGI; like Django's test client, keep the end of
    # a request from closing the connection the test's transaction lives on.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(entry_gate, exit_gate):
    return {"/api/gates/entry": entry_gate.token, "/api/gates/exit": exit_gate.token}


SCALAR_TYPES = {"string", "integer", "number", "boolean", "null"}


def _takes_any_text(field: dict) -> bool:
    """Whether some plain text is valid for a field (a string with no format or pattern)."""
    return any(
        branch.get("type") == "string" and not {"format", "pattern", "enum", "const"} & set(branch)
        for branch in [field, *field.get("anyOf", [])]
    )


def _only_text_on_the_wire(case) -> bool:
    """Whether a negative case's mutations cannot reach the server as such.

    A multipart field is text: the plate mutated from a string to the number 12 or to
    null arrives as the text "12" or "null", which may be a valid plate (schemathesis
    drops such type changes for urlencoded forms, not for multipart). Only for fields
    that take plain text: `read_id` must be a UUID, so "12" there must still be refused.
    The gate token is set by the test, whatever schemathesis made of the header.
    """
    if case.media_type != "multipart/form-data" or case.meta is None:
        return False
    operation = schema.raw_schema["paths"][case.operation.path][case.operation.method.lower()]
    fields = operation["requestBody"]["content"][case.media_type]["schema"]["properties"]
    mutations = getattr(case.meta.phase.data, "mutations", ())
    body = [m for m in mutations if m.parameter_location.value == "body"]
    others = [m for m in mutations if m.parameter_location.value != "body"]
    return (
        bool(body)
        and all(
            m.operator.value == "change_type"
            and m.parameter in fields
            and _takes_any_text(fields[m.parameter])
            and set(m.new_value if isinstance(m.new_value, list) else [m.new_value]) <= SCALAR_TYPES
            for m in body
        )
        and all(m.parameter == "Authorization" for m in others)
    )


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_the_api_answers_everything_as_documented(case, tokens):
    headers = {}
    if case.operation.path in tokens:
        headers["Authorization"] = f"Bearer {tokens[case.operation.path]}"
    excluded = [positive_data_acceptance]
    if _only_text_on_the_wire(case):
        excluded.append(negative_data_rejection)
    case.call_and_validate(headers=headers, excluded_checks=excluded)
