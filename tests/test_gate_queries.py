"""Round trips per gate call, counted so an N+1 cannot creep into the hot path.

Counts are inside the test's transaction, so each decision's transaction shows
as SAVEPOINT/RELEASE (in production: BEGIN/COMMIT).
"""

import pytest


@pytest.fixture
def seen_gates(gates, entry_gate, exit_gate, clock):
    """Both gates have called once, so last_seen is fresh and not written again."""
    gates.enter(entry_gate, "WARM-001")
    gates.leave(exit_gate, "WARM-001")
    return gates


def test_an_entry_takes_one_lookup_and_three_writes(
    seen_gates, entry_gate, django_assert_num_queries
):
    # gate+lot lookup; SAVEPOINT; INSERT session; UPDATE lot; INSERT event; RELEASE
    with django_assert_num_queries(6):
        assert seen_gates.enter(entry_gate, "ABC-1234").status_code == 201


def test_an_exit_takes_one_lookup_one_locked_read_and_four_writes(
    seen_gates, entry_gate, exit_gate, django_assert_num_queries
):
    seen_gates.enter(entry_gate, "ABC-1234")
    # gate+lot lookup; SAVEPOINT; SELECT session FOR UPDATE; UPDATE payments (unlink);
    # DELETE session; UPDATE lot; INSERT event; RELEASE
    with django_assert_num_queries(8):
        assert seen_gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_an_unpaid_exit_reads_and_logs_only(
    seen_gates, entry_gate, exit_gate, clock, django_assert_num_queries
):
    seen_gates.enter(entry_gate, "ABC-1234")
    clock.advance(minutes=30)
    seen_gates.leave(exit_gate, "NOBODY-1")  # the exit gate is seen again
    # gate+lot lookup; SAVEPOINT; SELECT session FOR UPDATE; INSERT event; RELEASE
    with django_assert_num_queries(5):
        assert seen_gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_the_gate_is_marked_seen_at_most_once_a_minute(
    gates, entry_gate, clock, django_assert_num_queries
):
    gates.enter(entry_gate, "AAA-1111")
    clock.advance(seconds=59)
    with django_assert_num_queries(6):  # no UPDATE of last_seen: 59 s ago
        gates.enter(entry_gate, "BBB-2222")
    clock.advance(seconds=1)
    with django_assert_num_queries(7):  # a minute later it is written again
        gates.enter(entry_gate, "CCC-3333")
