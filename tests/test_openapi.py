"""The OpenAPI document lists every status each endpoint can answer."""

import pytest


@pytest.fixture
def openapi(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def statuses(openapi, path, method):
    return set(openapi["paths"][path][method]["responses"])


def test_entry_documents_its_answers_and_refusals(openapi):
    assert statuses(openapi, "/api/gates/entry", "post") >= {
        "200", "201", "400", "401", "403", "409", "411", "413", "415", "422", "503"
    }  # fmt: skip


def test_exit_documents_its_answers_and_refusals(openapi):
    assert statuses(openapi, "/api/gates/exit", "post") >= {
        "200", "400", "401", "402", "403", "404", "409", "411", "413", "415", "422", "503"
    }  # fmt: skip


def test_vacancy_documents_not_found(openapi):
    assert statuses(openapi, "/api/lots/{lot_id}/vacancy", "get") >= {"200", "404"}


def test_entry_takes_json_or_a_photo_upload(openapi):
    body = openapi["paths"]["/api/gates/entry"]["post"]["requestBody"]["content"]
    assert set(body["application/json"]["schema"]["properties"]) == {
        "plate",
        "read_id",
        "photo_url",
    }
    assert body["multipart/form-data"]["schema"]["properties"]["photo"]["format"] == "binary"


def test_exit_takes_json_or_a_form_without_a_photo(openapi):
    # read_gate_payload reads both for either gate; only an entry keeps a photo.
    body = openapi["paths"]["/api/gates/exit"]["post"]["requestBody"]["content"]
    for content_type in ("application/json", "multipart/form-data"):
        assert set(body[content_type]["schema"]["properties"]) == {"plate", "read_id"}


def test_a_busy_gate_call_documents_when_to_ask_again(openapi):
    refusal = openapi["paths"]["/api/gates/entry"]["post"]["responses"]["503"]
    schema = refusal["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert "retry_after" in openapi["components"]["schemas"][name]["properties"]


def test_a_rate_limited_search_documents_when_to_ask_again(openapi):
    refusal = openapi["paths"]["/api/kiosk/{lot_id}/search"]["get"]["responses"]["429"]
    name = refusal["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "retry_after" in openapi["components"]["schemas"][name]["properties"]


def test_every_endpoint_documents_the_refusals_of_a_request_it_cannot_read(openapi):
    # A Content-Length that is no number, a chunked body, a body too large: refused
    # before any endpoint reads the request, a GET sent with a body too.
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert set(operation["responses"]) >= {"400", "411", "413"}, (method, path)


def test_gates_authenticate_with_a_bearer_token(openapi):
    operation = openapi["paths"]["/api/gates/entry"]["post"]
    (scheme_name,) = operation["security"][0]
    assert openapi["components"]["securitySchemes"][scheme_name]["scheme"] == "bearer"


def test_the_docs_page_is_served(client, db):
    assert client.get("/api/docs").status_code == 200


def test_kiosk_search_documents_rate_limiting(openapi):
    assert statuses(openapi, "/api/kiosk/{lot_id}/search", "get") >= {"200", "404", "422", "429"}


def test_quote_documents_not_found(openapi):
    assert statuses(openapi, "/api/sessions/{session_id}/quote", "get") >= {"200", "404"}


def test_payment_creation_documents_its_answers_and_refusals(openapi):
    assert statuses(openapi, "/api/payments", "post") >= {
        "200", "201", "400", "404", "409", "422", "502", "503"
    }  # fmt: skip
    body = openapi["paths"]["/api/payments"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["$ref"] == "#/components/schemas/PaymentIn"
    assert set(openapi["components"]["schemas"]["PaymentIn"]["properties"]) == {
        "session_id",
        "provider",
        "invoice",
        "expected_amount",
    }
    refusal = openapi["paths"]["/api/payments"]["post"]["responses"]["409"]["content"]
    ref = refusal["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"amount_due", "currency", "exit_allowed_until"} <= set(
        openapi["components"]["schemas"][ref]["properties"]
    )


def test_payment_status_documents_not_found(openapi):
    assert statuses(openapi, "/api/payments/{payment_id}", "get") >= {"200", "404"}


def test_an_unknown_api_path_answers_json(client, db):
    response = client.get("/api/nothing/here")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "There is no such API endpoint."}


def test_a_wrong_method_answers_json_and_says_what_is_allowed(client, db):
    response = client.get("/api/gates/entry")

    assert response.status_code == 405
    assert response.json() == {
        "open": False,  # a gate's endpoint: shaped as a gate's answer
        "code": "method_not_allowed",
        "message": "This endpoint does not accept GET.",
    }
    assert response["Allow"] == "POST"
