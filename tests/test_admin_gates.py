"""The owners' gates: add one (its token shown once), revoke a token, issue a new one."""

import html

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse

from admin_portal.logs import shown
from parking.models import Direction, Gate, hash_token
from parking.services import TokenChanged, issue_gate_token

from .conftest import login, make_gate

GATES = "/admin/parking/gate/"


def act(client, action, *gates, confirm=False):
    """The action as the list page posts it; confirm=True answers its confirmation page too."""
    data = {"action": action, "_selected_action": [str(gate.pk) for gate in gates]}
    asked = client.post(GATES, data | {"index": "0"})
    if not confirm or asked.status_code != 200:
        return asked
    return client.post(GATES, confirmation(asked))


def confirmation(asked) -> dict:
    """What the confirmation page's Yes button posts (its hidden fields)."""
    return {
        "action": asked.context["action"],
        "_selected_action": [str(obj.pk) for obj in asked.context["queryset"]],
        "post": "yes",
        **dict(asked.context["hidden"]),
    }


def shown_tokens(response) -> list[str]:
    return [token for _gate, token in response.context["issued"]]


@pytest.fixture
def owner_client(client, owner):
    return login(client, owner)


@pytest.fixture
def bobs_gate(other_lot):
    return make_gate(other_lot, Direction.ENTRY)


def test_the_owner_sees_their_gates_with_token_hint_and_state(
    owner_client, entry_gate, exit_gate, bobs_gate
):
    response = owner_client.get(GATES)

    assert set(response.context["cl"].result_list) == {entry_gate, exit_gate}
    html = response.content.decode()
    assert entry_gate.token_hint in html
    assert entry_gate.token not in html
    assert "active" in html


def test_adding_a_gate_shows_its_token_once_and_it_opens_the_gate(owner_client, owner, lot, gates):
    response = owner_client.post(
        "/admin/parking/gate/add/",
        {"lot": lot.pk, "name": "North entry", "direction": "entry", "language": "en"},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    gate = Gate.objects.get(name="North entry")
    (token,) = shown_tokens(response)
    assert token in response.content.decode()
    assert gate.token_hash == hash_token(token)
    gate.token = token
    assert gates.enter(gate, "ABC-1234").status_code == 201
    entry = LogEntry.objects.get(action_flag=ADDITION)
    assert (entry.user, entry.object_id) == (owner, str(gate.pk))
    gate_page = owner_client.get(reverse("admin:parking_gate_change", args=[gate.pk]))
    assert token not in gate_page.content.decode()


def test_reloading_the_new_tokens_page_says_the_gate_was_added(owner_client, lot):
    form = {"lot": lot.pk, "name": "North entry", "direction": "entry", "language": "en"}
    owner_client.post("/admin/parking/gate/add/", form)

    again = owner_client.post("/admin/parking/gate/add/", form)  # the browser's reload

    assert Gate.objects.filter(name="North entry").count() == 1
    assert "issued" not in again.context  # the add form again, with no token
    assert (
        "This lot already has a gate named “North entry”. If you have just added it "
        "(reloading the page sends the form again), it was added, and its token was shown "
        "once: open the gate in the list and issue a new token if it was not kept."
    ) in html.unescape(again.content.decode())


def test_a_gate_cannot_be_added_to_another_owners_lot(owner_client, other_lot):
    response = owner_client.post(
        "/admin/parking/gate/add/", {"lot": other_lot.pk, "name": "Sneaky", "direction": "exit"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["lot"])
    assert not Gate.objects.filter(name="Sneaky").exists()


def test_revoking_a_token_asks_first_then_the_gate_is_refused(
    owner_client, owner, entry_gate, gates, clock
):
    asked = act(owner_client, "revoke_tokens", entry_gate)

    assert "Revoke gate tokens?" in asked.content.decode()
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201

    act(owner_client, "revoke_tokens", entry_gate, confirm=True)

    response = gates.enter(entry_gate, "XYZ-9876")
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")
    entry_gate.refresh_from_db()
    assert entry_gate.revoked_at == clock.now()
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert (entry.user, shown(entry)) == (owner, "Revoked the token.")
    assert "revoked 2026-03-02 09:00" in owner_client.get(GATES).content.decode()


def test_issuing_a_new_token_shows_it_once_and_only_it_opens_the_gate(
    owner_client, owner, entry_gate, gates
):
    old = make_gate(entry_gate.lot, Direction.ENTRY, name="old token holder")
    old.pk, old.token = entry_gate.pk, entry_gate.token

    asked = act(owner_client, "issue_new_tokens", entry_gate)
    assert "Issue new gate tokens?" in asked.content.decode()
    assert gates.enter(old, "AAA-0001").status_code == 201

    response = act(owner_client, "issue_new_tokens", entry_gate, confirm=True)

    (token,) = shown_tokens(response)
    assert "no-store" in response["Cache-Control"]
    assert gates.enter(old, "BBB-0002").status_code == 401
    entry_gate.token = token
    assert gates.enter(entry_gate, "CCC-0003").status_code == 201
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.user == owner
    assert token not in entry.change_message
    assert shown(entry) == f"Issued a new token (starts with {token[:10]})."


def test_reloading_the_new_tokens_page_does_not_issue_them_again(owner_client, entry_gate, gates):
    answer = confirmation(act(owner_client, "issue_new_tokens", entry_gate))
    (token,) = shown_tokens(owner_client.post(GATES, answer))

    reloaded = owner_client.post(GATES, answer, follow=True)  # the browser sends it again

    assert "issued" not in reloaded.context
    assert "its token changed after this confirmation was shown" in reloaded.content.decode()
    entry_gate.token = token  # the token shown first still opens the gate
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201


def test_a_token_is_replaced_only_if_it_is_still_the_one_asked_about(entry_gate):
    # What a double click's second request finds once the first has committed (it waits
    # on the gate's row lock meanwhile).
    seen = entry_gate.token_hint
    first, _token = issue_gate_token(entry_gate.pk, replacing=seen)

    with pytest.raises(TokenChanged):
        issue_gate_token(entry_gate.pk, replacing=seen)
    assert Gate.objects.get(pk=entry_gate.pk).token_hint == first.token_hint


def test_a_new_token_brings_a_revoked_gate_back(owner_client, entry_gate, gates):
    act(owner_client, "revoke_tokens", entry_gate, confirm=True)

    response = act(owner_client, "issue_new_tokens", entry_gate, confirm=True)

    entry_gate.token = shown_tokens(response)[0]
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201


def test_the_gates_page_offers_its_token_actions(owner_client, entry_gate):
    html = owner_client.get(reverse("admin:parking_gate_change", args=[entry_gate.pk])).content
    html = html.decode()

    assert 'value="revoke_tokens"' in html
    assert 'value="issue_new_tokens"' in html


def test_renaming_a_gate_keeps_its_token(owner_client, entry_gate, gates):
    owner_client.post(
        reverse("admin:parking_gate_change", args=[entry_gate.pk]),
        {"name": "Main entry", "lot": entry_gate.lot_id, "direction": "exit", "language": "en"},
    )

    entry_gate.refresh_from_db()
    assert (entry_gate.name, entry_gate.direction) == ("Main entry", "entry")
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201


@pytest.mark.parametrize("page", ["change", "history"])
def test_another_owners_gate_is_not_found(owner_client, bobs_gate, page):
    url = reverse(f"admin:parking_gate_{page}", args=[bobs_gate.pk])

    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {"name": "Mine now"}).status_code == 404
    bobs_gate.refresh_from_db()
    assert bobs_gate.name == "entry 1"


@pytest.mark.parametrize("action", ["revoke_tokens", "issue_new_tokens"])
def test_token_actions_never_touch_another_owners_gate(owner_client, bobs_gate, gates, action):
    act(owner_client, action, bobs_gate)
    response = act(owner_client, action, bobs_gate, confirm=True)

    assert response.status_code == 302  # back to the list: nothing selected that is theirs
    bobs_gate.refresh_from_db()
    assert bobs_gate.revoked_at is None
    assert gates.enter(bobs_gate, "ABC-1234").status_code == 201
    assert not LogEntry.objects.exists()


def test_gate_owners_cannot_delete_gates(owner_client, entry_gate):
    url = reverse("admin:parking_gate_delete", args=[entry_gate.pk])

    assert owner_client.post(url, {"post": "yes"}).status_code == 403
    assert Gate.objects.filter(pk=entry_gate.pk).exists()
