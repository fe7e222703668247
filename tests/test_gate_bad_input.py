"""Bad input gets a clear JSON error with a code, and changes nothing."""

import pytest

from lots.models import Lot
from parking.models import GateEvent, ParkingSession

pytestmark = pytest.mark.usefixtures("gate_path")


@pytest.fixture
def post(client, entry_gate):
    def post(body, content_type="application/json"):
        return client.post(
            "/api/gates/entry",
            data=body,
            content_type=content_type,
            headers={"Authorization": f"Bearer {entry_gate.token}"},
        )

    return post


def assert_nothing_changed(lot):
    assert not ParkingSession.objects.exists()
    assert not GateEvent.objects.exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"plate": "\xff\xfe"}', 400, "malformed_json"),
        (b"   ", 400, "malformed_json"),
        (b'{"plate": "ABC-1234", "x": NaN}', 400, "malformed_json"),
        (b'{"plate": "ABC-1234", "x": -Infinity}', 400, "malformed_json"),
        (b'{"plate": "ABC-1234", "x": 1e999}', 400, "malformed_json"),
        (b'["ABC-1234"]', 422, "invalid_request"),
        (b"{}", 422, "invalid_request"),
        (b'{"plate": 1234}', 422, "invalid_request"),
        (b'{"plate": null}', 422, "invalid_request"),
        (b'{"plate": "ABC-1234", "read_id": "not-a-uuid"}', 422, "invalid_request"),
        (
            b'{"plate": "ABC-1234", "read_id": "00000000-0000-0000-0000-000000000000"}',
            422,
            "invalid_request",
        ),
        (b'{"plate": "A"}', 422, "invalid_plate"),
        (b'{"plate": "<script>alert(1)</script>"}', 422, "invalid_plate"),
        (b'{"plate": "ABC\\u00001234"}', 422, "invalid_plate"),
        (b'{"plate": "ABC-1234", "photo_url": "javascript:alert(1)"}', 422, "invalid_photo_url"),
        (b'{"plate": "ABC-1234", "photo_url": "ftp://cam/1.jpg"}', 422, "invalid_photo_url"),
        (b'{"plate": "ABC-1234", "photo_url": "https://"}', 422, "invalid_photo_url"),
        (b'{"plate": "ABC-1234", "photo_url": "https://a b/c.jpg"}', 422, "invalid_photo_url"),
        (b'{"plate": "ABC-1234", "photo_url": "https://c:99999/1.jpg"}', 422, "invalid_photo_url"),
        (
            b'{"plate": "ABC-1234", "photo_url": "https://cam/\\"><script>x</script>"}',
            422,
            "invalid_photo_url",
        ),
        (
            b'{"plate": "ABC-1234", "photo_url": "https://cam/a\\u0000.jpg"}',
            422,
            "invalid_photo_url",
        ),
        (
            b'{"plate": "ABC-1234", "photo_url": "https://cam/\\u76f8.jpg"}',
            422,
            "invalid_photo_url",
        ),
        (b'{"plate": "DROP TABLE lots_lot;--"}', 422, "invalid_plate"),
        (b'{"plate": "ABC\\u202e4321"}', 422, "invalid_plate"),
        # Nested past what Python's parser can recurse into, in 6 kB.
        (b'{"a":' * 1000 + b"1" + b"}" * 1000, 400, "malformed_json"),
    ],
)
def test_it_refuses_bad_bodies_with_a_code_and_a_message(post, lot, body, status, code):
    response = post(body)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["open"] is False
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert_nothing_changed(lot)


@pytest.mark.parametrize(
    ("photo_url", "message"),
    [
        ("ftp://cam/1.jpg", "The photo URL must be an http or https URL."),
        ("https://cam:99999/1.jpg", "The photo URL's port must be a number up to 65535."),
        ("https://相機.example/1.jpg", "write an international domain name in its xn-- form"),
        ("https://cam/車.jpg", "percent-encode others"),
        ("https://admin:secret@cam.example/1.jpg", "must not carry a user name or password"),
    ],
)
def test_a_refused_photo_url_names_what_is_wrong_with_it(post, lot, photo_url, message):
    response = post({"plate": "ABC-1234", "photo_url": photo_url})

    assert (response.status_code, response.json()["code"]) == (422, "invalid_photo_url")
    assert message in response.json()["message"]
    assert_nothing_changed(lot)


def test_it_says_which_field_is_wrong(post, lot):
    response = post(b'{"plate": 1234}')

    assert response.json()["errors"] == [
        {"field": "plate", "message": "Input should be a valid string"}
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        # Which car is at the gate? Python's json would take the last; not for us to guess.
        (b'{"plate": "DUP-0001", "plate": "DUP-0002"}', ["plate"]),
        (b'{"plate": "ABC-1234", "read_id": null, "camera": 1, "camera": 2}', ["camera"]),
    ],
)
def test_a_key_given_twice_is_refused_as_in_a_form(post, lot, body, fields):
    response = post(body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert response.json()["open"] is False
    assert response.json()["errors"] == [
        {"field": field, "message": "Send this field once."} for field in fields
    ]
    assert_nothing_changed(lot)


def test_a_field_too_long_for_its_schema_says_how_long_it_may_be(post, lot):
    response = post({"plate": "A" * 65})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "plate", "message": "String should have at most 64 characters"}
    ]


def test_a_photo_url_may_be_2000_characters_and_no_more(post, lot):
    base = "https://cam.example/"
    assert (
        post({"plate": "AAA-1111", "photo_url": base + "a" * (2000 - len(base))}).status_code == 201
    )
    response = post({"plate": "BBB-2222", "photo_url": base + "a" * (2001 - len(base))})
    assert response.status_code == 422
    assert response.json()["code"] in ("invalid_photo_url", "invalid_request")


def test_it_refuses_a_huge_body(post, lot):
    response = post(b'{"plate": "ABC-1234", "pad": "' + b"x" * 100_000 + b'"}')

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert response.json()["message"] == "The request body is too large: at most 64.0\xa0KB."
    assert_nothing_changed(lot)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_refuses_other_content_types(post, lot, content_type):
    response = post(b'{"plate": "ABC-1234"}', content_type=content_type)

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert_nothing_changed(lot)


@pytest.mark.parametrize("path", ["/api/gates/entry", "/api/payments"])
def test_a_chunked_body_is_asked_for_again_with_its_length(client, entry_gate, lot, path):
    # As gunicorn passes one on: Transfer-Encoding, and no Content-Length for Django to read by.
    response = client.generic(
        "POST",
        path,
        b'{"plate": "ABC-1234"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {entry_gate.token}", "Transfer-Encoding": "chunked"},
        CONTENT_LENGTH="",
    )

    assert response.status_code == 411
    assert response.json() | {"open": False} == {
        "open": False,  # said by a gate's answer (and only there)
        "code": "length_required",
        "message": "Send the body with a Content-Length header: a chunked body cannot be read.",
    }
    assert ("open" in response.json()) == path.startswith("/api/gates/")
    assert_nothing_changed(lot)


@pytest.mark.parametrize("length", ["abc", "18, 18", "-1", "+21", " 21", "2_1", "٢١"])
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/gates/entry", "application/json"),
        ("/api/gates/entry", "multipart/form-data; boundary=x"),
        ("/api/gates/exit", "application/json"),
        ("/api/payments", "application/json"),
    ],
)
def test_a_content_length_that_is_no_length_is_refused(
    client, entry_gate, lot, path, content_type, length
):
    # gunicorn refuses such a request itself; runserver and other servers pass it on.
    response = client.generic(
        "POST",
        path,
        b'{"plate": "ABC-1234"}',
        content_type=content_type,
        headers={"Authorization": f"Bearer {entry_gate.token}"},
        CONTENT_LENGTH=length,
    )

    assert response.status_code == 400
    gate_answer = {"open": False} if path.startswith("/api/gates/") else {}
    assert response.json() == {
        **gate_answer,
        "code": "malformed_body",
        "message": "The Content-Length header must be the body's length in bytes.",
    }
    assert_nothing_changed(lot)


def test_a_content_length_that_is_no_length_is_refused_outside_the_api_too(client, lot):
    # A platform's webhook (Django would fail reading such a body: a 500).
    response = client.generic(
        "POST", "/payments/webhooks/sandbox/", b"{}", "application/json", CONTENT_LENGTH="abc"
    )

    assert response.status_code == 400
    assert response.content.decode() == (
        "The Content-Length header must be the body's length in bytes."
    )


@pytest.mark.parametrize("length", [None, "", "0"])
def test_a_request_without_a_body_is_not_asked_for_its_length(client, lot, length):
    extra = {} if length is None else {"CONTENT_LENGTH": length}
    response = client.generic("GET", f"/api/lots/{lot.pk}/vacancy", **extra)

    assert response.status_code == 200


def test_a_bad_length_for_a_host_this_server_does_not_answer_is_refused_for_the_host(
    client, entry_gate, lot, settings, django_assert_num_queries
):
    # As any request for that Host: 400 bad_request, no gate token looked up.
    settings.ALLOWED_HOSTS = ["parking.example.com"]
    with django_assert_num_queries(0):
        response = client.generic(
            "POST",
            "/api/gates/entry",
            b'{"plate": "ABC-1234"}',
            content_type="application/json",
            headers={"Authorization": f"Bearer {entry_gate.token}", "Host": "evil.example"},
            CONTENT_LENGTH="abc",
        )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert_nothing_changed(lot)


def test_get_is_not_a_gate_call(client, entry_gate):
    response = client.get(
        "/api/gates/entry", headers={"Authorization": f"Bearer {entry_gate.token}"}
    )
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
