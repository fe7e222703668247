"""The gate event log of the owner's lots: read only, filterable by outcome."""

import pytest
from django.urls import reverse

from parking.models import Direction, GateEvent

from .conftest import login, make_gate

EVENTS = "/admin/parking/gateevent/"


@pytest.fixture
def owner_client(client, owner):
    return login(client, owner)


@pytest.fixture
def events(gates, entry_gate, exit_gate, other_lot, clock):
    gates.enter(entry_gate, "ABC-1234")
    clock.advance(hours=1)
    gates.leave(exit_gate, "ABC-1234")  # NT$30 due
    gates.leave(exit_gate, "ZZZ-9999")  # never came in
    gates.enter(make_gate(other_lot, Direction.ENTRY), "BOB-0001")


def test_the_owner_sees_every_decision_of_their_gates_newest_first(owner_client, events):
    response = owner_client.get(EVENTS)

    outcomes = [event.outcome for event in response.context["cl"].result_list]
    assert outcomes == ["no_entry_record", "payment_required", "entered"]
    html = response.content.decode()
    assert "2026-03-02 10:00:00" in html
    assert "NT$30" in html
    assert "BOB0001" not in html


def test_the_log_filters_by_outcome(owner_client, events):
    response = owner_client.get(EVENTS, {"outcome__exact": "payment_required"})

    (event,) = response.context["cl"].result_list
    assert (event.plate, event.amount_due) == ("ABC1234", 3000)


@pytest.mark.parametrize("typed", ["ABC-1234", "abc 1234", "abc1234", "C12"])
def test_the_log_finds_a_plate_however_it_is_typed(owner_client, events, typed):
    response = owner_client.get(EVENTS, {"q": typed})

    found = [(event.plate, event.outcome) for event in response.context["cl"].result_list]
    assert found == [("ABC1234", "payment_required"), ("ABC1234", "entered")]


def test_a_corrected_car_is_found_by_either_plate_with_all_its_decisions(
    owner_client, gates, entry_gate, exit_gate, clock
):
    from parking.services import correct_plate

    session_id = gates.enter(entry_gate, "8AD-3388").json()["session_id"]  # B read as 8
    gates.enter(entry_gate, "ABC-1234")
    correct_plate(session_id, "BAD3388")
    clock.advance(minutes=5)
    gates.leave(exit_gate, "BAD-3388")

    for typed in ("BAD3388", "8AD-3388"):
        response = owner_client.get(EVENTS, {"q": typed})

        found = [(event.plate, event.outcome) for event in response.context["cl"].result_list]
        assert found == [("BAD3388", "exit_granted"), ("8AD3388", "entered")], typed


def test_the_log_is_read_only(owner_client, events):
    event = GateEvent.objects.filter(plate="ABC1234").first()
    url = reverse("admin:parking_gateevent_change", args=[event.pk])

    assert owner_client.get(url).status_code == 200
    assert owner_client.post(url, {"plate": "XXX"}).status_code == 403
    assert owner_client.get(f"{EVENTS}add/").status_code == 403
    delete = reverse("admin:parking_gateevent_delete", args=[event.pk])
    assert owner_client.post(delete, {"post": "yes"}).status_code == 403
    assert GateEvent.objects.filter(pk=event.pk, plate="ABC1234").exists()


def test_another_owners_events_are_not_found(owner_client, events, other_lot):
    event = GateEvent.objects.get(plate="BOB0001")

    url = reverse("admin:parking_gateevent_change", args=[event.pk])
    assert owner_client.get(url).status_code == 404
    assert owner_client.get(EVENTS, {"lot": other_lot.pk}).status_code == 404


def test_the_log_costs_the_same_queries_for_any_number_of_events(
    owner_client, gates, entry_gate, django_assert_max_num_queries
):
    for number in range(30):
        gates.enter(entry_gate, f"CAR{number:04d}")

    with django_assert_max_num_queries(10):
        assert owner_client.get(EVENTS).status_code == 200
