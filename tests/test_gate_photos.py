"""Gates that cannot host photos upload them with the entry (multipart)."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from PIL import Image

from lots.models import Lot
from parking import services
from parking.models import GateEvent, ParkingSession

pytestmark = pytest.mark.usefixtures("gate_path")


def image_bytes(image_format="JPEG", size=(800, 600), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "white").save(buffer, format=image_format)
    return buffer.getvalue()


def upload(client, gate, content, name="car.jpg", plate="ABC-1234"):
    return client.post(
        "/api/gates/entry",
        data={"plate": plate, "photo": _file(content, name)},
        headers={"Authorization": f"Bearer {gate.token}"},
    )


def _file(content, name):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return (
        sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    )


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_an_uploaded_photo_is_stored_with_a_thumbnail(client, entry_gate, settings, image_format):
    response = upload(client, entry_gate, image_bytes(image_format))

    assert response.status_code == 201
    session = ParkingSession.objects.get()
    assert session.photo_url.startswith(settings.MEDIA_URL + "photos/")
    name = session.photo_url.removeprefix(settings.MEDIA_URL)
    with default_storage.open(name) as photo:
        assert Image.open(photo).size == (800, 600)
    with session.photo_thumbnail.open() as thumbnail:
        assert max(Image.open(thumbnail).size) == settings.PHOTO_THUMBNAIL_SIDE
    assert session.photo_thumbnail_url.startswith(settings.MEDIA_URL)


def test_the_stored_photo_is_served(client, entry_gate):
    upload(client, entry_gate, image_bytes())
    session = ParkingSession.objects.get()

    response = client.get(session.photo_thumbnail_url)
    content = b"".join(response.streaming_content)
    response.close()

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(content)).format == "JPEG"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"this is not an image", "invalid_photo"),
        (image_bytes("GIF", mode="P"), "invalid_photo"),
        (image_bytes("JPEG")[:400], "invalid_photo"),
        (image_bytes("PNG", size=(4097, 10)), "photo_too_large"),
        # A bomb: tiny on the wire, 400 million pixels once decoded.
        (image_bytes("PNG", size=(20000, 20000), mode="1"), "photo_too_large"),
    ],
)
def test_what_is_not_a_usable_photo_is_refused(client, entry_gate, lot, settings, content, code):
    response = upload(client, entry_gate, content)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["open"] is False
    assert not ParkingSession.objects.exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "fields, errors",
    [
        # Which car is at the gate? Not for us to guess.
        (
            {"plate": ["ABC-1234", "XYZ-9999"]},
            [{"field": "plate", "message": "Send this field once."}],
        ),
        (
            {
                "plate": "ABC-1234",
                "photo": [_file(image_bytes(), "a.jpg"), _file(image_bytes(), "b.jpg")],
            },
            [{"field": "photo", "message": "Send this field once."}],
        ),
        # As in JSON: an empty read_id is not a UUID.
        (
            {"plate": "ABC-1234", "read_id": ""},
            [{"field": "read_id", "message": "Input should be a valid UUID"}],
        ),
    ],
)
def test_a_form_that_does_not_name_one_car_is_refused(
    client, entry_gate, lot, settings, fields, errors
):
    fields = {**fields, "photo": fields.get("photo", _file(image_bytes(), "car.jpg"))}

    response = client.post(
        "/api/gates/entry", data=fields, headers={"Authorization": f"Bearer {entry_gate.token}"}
    )

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["errors"]) == ("invalid_request", errors)
    assert not ParkingSession.objects.exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 0
    assert stored_files(settings) == []


def test_a_cameras_own_fields_are_left_alone_even_twice(client, entry_gate, lot):
    response = client.post(
        "/api/gates/entry",
        data={
            "plate": "ABC-1234",
            "camera_tag": ["a", "b"],
            "photo": _file(image_bytes(), "c.jpg"),
        },
        headers={"Authorization": f"Bearer {entry_gate.token}"},
    )

    assert (response.status_code, response.json()["code"]) == (201, "entered")
    assert ParkingSession.objects.get().plate == "ABC1234"


def test_a_photo_over_the_size_limit_is_refused(client, entry_gate, settings):
    settings.PHOTO_MAX_BYTES = 10_000

    response = upload(client, entry_gate, bytes(10_001))

    assert response.status_code == 413
    assert response.json()["code"] == "photo_too_large"
    assert stored_files(settings) == []


def test_an_entry_form_too_big_for_its_photo_says_the_photo_is_too_large(
    client, entry_gate, lot, settings
):
    # Over PHOTO_MAX_BYTES + 64 KiB in all, refused before it is read: as a photo over
    # the limit in a smaller form is, so a gate can send the plate again without it.
    settings.PHOTO_MAX_BYTES = 10_000

    response = upload(client, entry_gate, bytes(80_000))

    assert (response.status_code, response.json()["code"]) == (413, "photo_too_large")
    assert response.json()["message"] == "The photo is larger than 9.8\xa0KB."
    assert not ParkingSession.objects.exists() and not GateEvent.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("entry", ["read_id"]),
        ("entry", ["plate"]),
        ("entry", ["photo_url", "read_id"]),
        ("exit", ["read_id"]),
    ],
)
def test_our_fields_sent_as_files_are_refused_not_dropped(
    gates, client, entry_gate, exit_gate, lot, settings, path, fields
):
    # Some HTTP clients send every form field as a file part. A read_id read as absent
    # would have a retry decided again (at an exit: "no entry record" for the car let out).
    gates.enter(entry_gate, "ABC-1234")
    values = {
        "plate": "ABC-1234",
        "read_id": "3f0e5f5e-8d27-4a55-9f44-2bd4b9a1c6d1",
        "photo_url": "https://cam.example/1.jpg",
    }
    data = {"plate": "ABC-1234"} | {
        name: _file(values[name].encode(), f"{name}.txt") for name in fields
    }
    gate = entry_gate if path == "entry" else exit_gate
    events = GateEvent.objects.count()

    response = client.post(
        f"/api/gates/{path}", data=data, headers={"Authorization": f"Bearer {gate.token}"}
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert response.json()["errors"] == [
        {"field": name, "message": "Send this field as text, not as a file."}
        for name in sorted(fields)
    ]
    assert GateEvent.objects.count() == events
    assert ParkingSession.objects.get().plate == "ABC1234"
    assert Lot.objects.get(pk=lot.pk).occupied == 1
    assert stored_files(settings) == []


def test_a_photo_sent_as_text_is_refused_not_dropped(client, entry_gate, lot):
    # A client that forgot to attach the file: told so, not admitted without its photo.
    response = client.post(
        "/api/gates/entry",
        data={"plate": "ABC-1234", "photo": "car.jpg"},
        headers={"Authorization": f"Bearer {entry_gate.token}"},
    )

    assert response.status_code == 422
    assert response.json() == {
        "open": False,
        "code": "invalid_photo",
        "message": "Send the photo as a file (multipart file field photo).",
    }
    assert not ParkingSession.objects.exists() and not GateEvent.objects.exists()
    assert Lot.objects.get(pk=lot.pk).occupied == 0


def test_an_empty_photo_field_is_no_photo(client, entry_gate):
    response = client.post(
        "/api/gates/entry",
        data={"plate": "ABC-1234", "photo": "", "photo_url": "https://cam.example/1.jpg"},
        headers={"Authorization": f"Bearer {entry_gate.token}"},
    )

    assert (response.status_code, response.json()["code"]) == (201, "entered")
    assert ParkingSession.objects.get().photo_url == "https://cam.example/1.jpg"


def test_the_exit_reads_no_photo_and_refuses_none(gates, client, entry_gate, exit_gate):
    # An exit camera that sends what it sends at the entry: the car still leaves.
    gates.enter(entry_gate, "ABC-1234")
    response = client.post(
        "/api/gates/exit",
        data={"plate": "ABC-1234", "photo": "car.jpg"},
        headers={"Authorization": f"Bearer {exit_gate.token}"},
    )

    assert (response.status_code, response.json()["code"]) == (200, "exit_granted")


def test_a_photo_is_not_kept_when_the_car_is_not_admitted(client, entry_gate, lot, settings):
    Lot.objects.filter(pk=lot.pk).update(capacity=0)

    response = upload(client, entry_gate, image_bytes())

    assert response.status_code == 409
    assert stored_files(settings) == []


def test_a_re_read_keeps_the_first_photo(client, entry_gate, settings):
    upload(client, entry_gate, image_bytes())
    first = stored_files(settings)

    response = upload(client, entry_gate, image_bytes())

    assert response.json()["code"] == "already_inside"
    assert stored_files(settings) == first


def test_an_entry_that_loses_every_race_asks_the_gate_again_and_keeps_nothing(
    client, entry_gate, settings, monkeypatch
):
    # Other calls for the plate decide first at every try (tests/test_gate_concurrency.py
    # makes it happen for real); here every try loses, to see what the gate is told.
    def lose_the_race(*args):
        raise IntegrityError("session_unique_plate_per_lot")

    monkeypatch.setattr(services, "_admit_once", lose_the_race)

    response = upload(client, entry_gate, image_bytes())

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "open": False,
        "code": "busy",
        "message": "Other gates are deciding for this plate right now. Please try again.",
        "retry_after": 1,
    }
    assert not ParkingSession.objects.exists() and not GateEvent.objects.exists()
    assert stored_files(settings) == []


def test_a_photo_that_cannot_be_stored_does_not_keep_the_car_out(
    client, entry_gate, lot, settings, tmp_path, caplog
):
    # MEDIA_ROOT under a file: no directory can be made there (as on a read-only disk).
    (tmp_path / "not-a-directory").write_text("")
    settings.MEDIA_ROOT = tmp_path / "not-a-directory" / "media"

    response = upload(client, entry_gate, image_bytes())

    assert response.status_code == 201
    assert response.json()["open"] is True
    session = ParkingSession.objects.get()
    assert (session.photo_url, session.photo_thumbnail.name) == ("", "")
    assert Lot.objects.get(pk=lot.pk).occupied == 1
    assert "the uploaded photo could not be stored" in caplog.text
