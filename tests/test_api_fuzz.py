"""Fuzzing the JSON API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and not: no answer may be a 5xx,
and every answer (errors included) must be documented and match its schema.
`positive_data_acceptance` is left out: plates are validated more strictly
(NFKC, 2-10 letters and digits) than a JSON schema can say, so a schema-valid
string may rightly be refused with 422.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

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
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
