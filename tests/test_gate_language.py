"""A gate's display speaks the gate's language, on both gate paths; its `code` never changes."""

import uuid

import pytest
from django.db import IntegrityError
from django.urls import reverse

from lots.models import Lot
from parking import fastpath, services
from parking.models import Direction, Gate
from parking.services import create_gate

from .conftest import login, make_gate, park_cars

pytestmark = pytest.mark.usefixtures("gate_path")

# What the driver's browser (or the gate's HTTP library) asks for does not matter.
ASKS_FOR_ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
ASKS_FOR_CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-TW"}


def speaking(gate, language: str):
    Gate.objects.filter(pk=gate.pk).update(language=language)
    return gate


@pytest.fixture
def chinese_entry(entry_gate):
    return speaking(entry_gate, "zh-hant")


@pytest.fixture
def chinese_exit(exit_gate):
    return speaking(exit_gate, "zh-hant")


def test_a_full_lot_says_so_in_the_gates_language(gates, chinese_entry, lot):
    park_cars(lot, 20)

    response = gates.enter(chinese_entry, "ABC-1234", **ASKS_FOR_ENGLISH)

    assert response.status_code == 409
    body = response.json()
    assert (body["open"], body["code"], body["message"]) == (False, "full", "車位已滿")
    assert response["Content-Language"] == "zh-hant"


def test_an_english_gate_says_parking_full_whatever_is_asked(gates, entry_gate, lot):
    speaking(entry_gate, "en")
    park_cars(lot, 20)

    response = gates.enter(entry_gate, "ABC-1234", **ASKS_FOR_CHINESE)

    assert (response.json()["code"], response.json()["message"]) == ("full", "Parking full")
    assert response["Content-Language"] == "en"


def test_each_gate_decision_reads_in_chinese(gates, chinese_entry, chinese_exit, lot, clock):
    entered = gates.enter(chinese_entry, "ABC-1234")
    again = gates.enter(chinese_entry, "ABC-1234")
    clock.advance(hours=1)
    unpaid = gates.leave(chinese_exit, "ABC-1234")
    unknown = gates.leave(chinese_exit, "XYZ-9999")

    assert [(r.json()["code"], r.json()["message"]) for r in (entered, again, unpaid, unknown)] == [
        ("entered", "歡迎光臨"),
        ("already_inside", "歡迎光臨"),
        ("payment_required", "請至繳費機繳納 NT$30"),
        ("no_entry_record", "查無此車牌的入場紀錄"),
    ]
    assert unpaid.json()["amount_due_display"] == "NT$30"


def test_a_car_inside_its_free_minutes_is_thanked_in_chinese(
    gates, chinese_entry, chinese_exit, clock
):
    gates.enter(chinese_entry, "ABC-1234")
    clock.advance(minutes=5)

    response = gates.leave(chinese_exit, "ABC-1234")

    assert (response.json()["code"], response.json()["message"]) == (
        "exit_granted",
        "謝謝光臨，行車平安",
    )


def test_a_closed_lot_says_so_in_chinese(gates, chinese_entry, lot):
    Lot.objects.filter(pk=lot.pk).update(is_active=False)

    response = gates.enter(chinese_entry, "ABC-1234")

    assert (response.json()["code"], response.json()["message"]) == (
        "lot_closed",
        "停車場暫停營業",
    )


def test_a_retried_read_is_answered_in_the_gates_language_now(gates, entry_gate, lot):
    read_id = str(uuid.uuid4())
    first = gates.enter(entry_gate, "ABC-1234", read_id=read_id)
    speaking(entry_gate, "zh-hant")

    retry = gates.enter(entry_gate, "ABC-1234", read_id=read_id)

    assert first.json()["message"] == "Welcome"
    assert (retry.json()["code"], retry.json()["message"]) == ("entered", "歡迎光臨")
    assert retry.json()["session_id"] == first.json()["session_id"]


def test_the_gates_refusals_follow_the_gate(client, gates, chinese_entry, chinese_exit, clock):
    wrong_way = gates.post(chinese_exit, {"plate": "ABC-1234"}, direction="entry")
    bad_plate = gates.enter(chinese_entry, "!!", **ASKS_FOR_ENGLISH)
    read_id = str(uuid.uuid4())
    gates.enter(chinese_entry, "ABC-1234", read_id=read_id)
    reused = gates.enter(chinese_entry, "XYZ-9999", read_id=read_id)
    Gate.objects.filter(pk=chinese_entry.pk).update(revoked_at=clock.now())
    revoked = gates.enter(chinese_entry, "ABC-1234", **ASKS_FOR_ENGLISH)

    assert (wrong_way.status_code, wrong_way.json()["message"]) == (403, "此金鑰屬於出口閘門。")
    assert (bad_plate.status_code, bad_plate.json()["code"]) == (422, "invalid_plate")
    assert bad_plate.json()["message"] == "車牌只能包含字母與數字。"
    assert bad_plate["Content-Language"] == "zh-hant"
    assert (reused.status_code, reused.json()["message"]) == (422, "此 read_id 已用於另一個車牌。")
    assert (revoked.status_code, revoked.json()["message"]) == (401, "此閘門的金鑰已被撤銷。")
    # As written, for whoever reads the gate's log or a curl: not \u6b64\u9598...
    assert "此閘門的金鑰已被撤銷。".encode() in revoked.content
    assert revoked["Content-Type"] == "application/json; charset=utf-8"


def test_a_bad_body_from_a_chinese_gate_is_explained_in_chinese(client, chinese_entry):
    response = client.post(
        "/api/gates/entry",
        data={"plate": 1234},
        content_type="application/json",
        headers={"Authorization": f"Bearer {chinese_entry.token}"},
        **ASKS_FOR_ENGLISH,
    )

    assert response.status_code == 422
    assert response.json()["message"] == "請求的欄位有誤或缺漏。"
    assert response.json()["errors"] == [{"field": "plate", "message": "輸入值必須是字串"}]


def test_a_plate_that_is_no_unicode_text_is_explained_in_chinese(client, chinese_entry):
    # A lone surrogate escape: valid JSON, but no text pydantic can read.
    response = client.post(
        "/api/gates/entry",
        data=b'{"plate": "AB12\\ud800"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {chinese_entry.token}"},
        **ASKS_FOR_ENGLISH,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "plate", "message": "輸入值必須是有效的字串，無法將原始資料解析為 Unicode 字串"}
    ]


def test_an_unknown_token_is_refused_in_the_language_asked_for(client, db):
    response = client.post(
        "/api/gates/entry",
        data={"plate": "ABC-1234"},
        content_type="application/json",
        headers={"Authorization": "Bearer olg_no-such-gate"},
        **ASKS_FOR_CHINESE,
    )

    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
    assert response.json()["message"] == "需要有效的閘門金鑰：Authorization: Bearer <token>。"
    assert response["Content-Language"] == "zh-hant"


def test_new_gates_speak_the_sites_language(lot, settings):
    settings.LANGUAGE_CODE = "zh-hant"
    gate, _token = create_gate(lot, name="North", direction=Direction.ENTRY)
    settings.LANGUAGE_CODE = "en"
    english, _token = create_gate(lot, name="South", direction=Direction.ENTRY)
    chosen, _token = create_gate(lot, name="East", direction=Direction.EXIT, language="zh-hant")

    assert (gate.language, english.language, chosen.language) == ("zh-hant", "en", "zh-hant")


def test_an_owner_sets_a_gates_language_in_the_admin(client, owner, gates, lot):
    gate = make_gate(lot, Direction.ENTRY)
    park_cars(lot, 20)
    login(client, owner)

    page = client.get(reverse("admin:parking_gate_change", args=[gate.pk])).content.decode()
    client.post(
        reverse("admin:parking_gate_change", args=[gate.pk]),
        {"name": gate.name, "language": "zh-hant"},
    )

    assert 'name="language"' in page and "繁體中文" in page
    assert Gate.objects.get(pk=gate.pk).language == "zh-hant"
    assert gates.enter(gate, "ABC-1234").json()["message"] == "車位已滿"


def test_what_the_stack_refuses_is_said_in_the_gates_language_with_a_length(client, chinese_entry):
    # A wrong method, a mistyped path (a trailing slash), a chunked body and a length that
    # is no number are refused before the gate API runs; the gate still reads its own
    # language, and a length.
    token = {"Authorization": f"Bearer {chinese_entry.token}"}
    answers = {
        "method_not_allowed": client.get("/api/gates/entry", headers=token, **ASKS_FOR_ENGLISH),
        "not_found": client.post("/api/gates/entry/", headers=token, **ASKS_FOR_ENGLISH),
        "length_required": client.generic(
            "POST",
            "/api/gates/entry",
            b'{"plate": "ABC-1234"}',
            content_type="application/json",
            headers={**token, "Transfer-Encoding": "chunked"},
            CONTENT_LENGTH="",
            **ASKS_FOR_ENGLISH,
        ),
        "malformed_body": client.generic(
            "POST",
            "/api/gates/entry",
            b'{"plate": "ABC-1234"}',
            content_type="application/json",
            headers=token,
            CONTENT_LENGTH="abc",
            **ASKS_FOR_ENGLISH,
        ),
    }

    for code, response in answers.items():
        assert response.json()["code"] == code
        assert response["Content-Language"] == "zh-hant", code
        assert response["Content-Length"] == str(len(response.content)), code
    assert answers["method_not_allowed"].json()["message"] == "此端點不接受 GET 請求。"


def test_a_decision_that_loses_every_race_is_refused_in_the_gates_language(
    gates, chinese_entry, gate_path, monkeypatch
):
    # Every try loses to other calls for the plate (tests/test_gate_concurrency.py makes
    # it happen for real): on either path the gate is asked again in its own language.
    def lose(*args):
        raise fastpath._AskAgain if gate_path == "fast" else IntegrityError("plate inside")

    monkeypatch.setattr(fastpath, "_call", lose)
    monkeypatch.setattr(services, "_admit_once", lose)

    response = gates.post(chinese_entry, {"plate": "ABC-1234"}, **ASKS_FOR_ENGLISH)

    assert (response.status_code, response.json()["code"]) == (503, "busy")
    assert response["Content-Language"] == "zh-hant"
    assert response.json()["message"] == "其他閘門正在處理此車牌，請再試一次。"
