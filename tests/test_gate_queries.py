"""Round trips per gate call, counted so an N+1 cannot creep into the hot path.

On the ORM path the counts are inside the test's transaction, so each
decision's transaction shows as SAVEPOINT/RELEASE (in production BEGIN/COMMIT).
On PostgreSQL's fast path a decision is one statement (entry) or two (exit).
"""

import gc
import weakref

import pytest
from django.db import connection, transaction

# Prepared statements exist only on PostgreSQL's fast path (SQLite decides through the ORM).
prepared_statements = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL's fast path"
)

ROUND_TRIPS = {
    # ORM: gate+lot lookup; SAVEPOINT; INSERT session; UPDATE lot; INSERT event; RELEASE
    ("orm", "entry"): 6,
    # ORM: lookup; SAVEPOINT; SELECT session FOR UPDATE; UPDATE payments (unlink);
    # DELETE session; UPDATE lot; INSERT event; RELEASE
    ("orm", "exit_granted"): 8,
    # ORM: lookup; SAVEPOINT; SELECT session FOR UPDATE; SELECT the lot's count as it is
    # now (the lookup may be older than the lock); INSERT event; RELEASE
    ("orm", "payment_required"): 6,
    ("fast", "entry"): 1,  # SELECT openlot_gate_entry(...)
    ("fast", "exit_granted"): 1,  # SELECT openlot_gate_leave(...)
    # openlot_gate_leave finds a fee may be due; Python computes it; openlot_gate_exit(...)
    ("fast", "payment_required"): 2,
}


@pytest.fixture
def seen_gates(gate_path, gates, entry_gate, exit_gate, clock):
    """Both gates have called once, so last_seen is fresh and not written again."""
    gates.enter(entry_gate, "WARM-001")
    gates.leave(exit_gate, "WARM-001")
    return gates


def test_an_entry_is_one_lookup_and_three_writes_or_one_statement(
    gate_path, seen_gates, entry_gate, django_assert_num_queries
):
    with django_assert_num_queries(ROUND_TRIPS[gate_path, "entry"]):
        assert seen_gates.enter(entry_gate, "ABC-1234").status_code == 201


def test_a_granted_exit_has_a_fixed_number_of_round_trips(
    gate_path, seen_gates, entry_gate, exit_gate, django_assert_num_queries
):
    seen_gates.enter(entry_gate, "ABC-1234")
    with django_assert_num_queries(ROUND_TRIPS[gate_path, "exit_granted"]):
        assert seen_gates.leave(exit_gate, "ABC-1234").status_code == 200


def test_an_unpaid_exit_reads_and_logs_only(
    gate_path, seen_gates, entry_gate, exit_gate, clock, django_assert_num_queries
):
    seen_gates.enter(entry_gate, "ABC-1234")
    clock.advance(minutes=30)
    seen_gates.leave(exit_gate, "NOBODY-1")  # the exit gate is seen again
    with django_assert_num_queries(ROUND_TRIPS[gate_path, "payment_required"]):
        assert seen_gates.leave(exit_gate, "ABC-1234").status_code == 402


def test_the_gate_is_marked_seen_at_most_once_a_minute(gates, entry_gate, clock, settings):
    from parking.models import Gate

    gates.enter(entry_gate, "AAA-1111")
    first_seen = clock.now()
    clock.advance(seconds=59)
    gates.enter(entry_gate, "BBB-2222")
    assert Gate.objects.get(pk=entry_gate.pk).last_seen_at == first_seen
    clock.advance(seconds=1)
    gates.enter(entry_gate, "CCC-3333")
    assert Gate.objects.get(pk=entry_gate.pk).last_seen_at == clock.now()


@prepared_statements
def test_gate_calls_are_prepared_once_per_connection(gates, entry_gate, exit_gate, clock):
    for n in range(3):
        gates.enter(entry_gate, f"PRE-{n:04d}")
        gates.leave(exit_gate, f"PRE-{n:04d}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert sum("openlot_gate_entry" in statement for statement in prepared) == 1
    assert sum("openlot_gate_leave" in statement for statement in prepared) == 1


def _prepared_gate_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%%openlot_gate_%%'"
        )
        return [name for (name,) in cursor.fetchall()]


@prepared_statements
@pytest.mark.django_db(transaction=True)
def test_gate_statements_outlive_rolled_back_transactions(gates, entry_gate, caplog):
    # Gate calls that begin a Django transaction, rolled back each time. Were they
    # prepared by psycopg itself (it does so after a few runs), psycopg would answer
    # each rollback with DEALLOCATE ALL and take the gate's own statements with it.
    for n in range(8):
        with pytest.raises(RuntimeError), transaction.atomic():
            assert gates.enter(entry_gate, f"RBK-{n:04d}").status_code == 201
            raise RuntimeError("rolled back")
    backend = connection.connection.info.backend_pid

    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    assert gates.enter(entry_gate, "XYZ-9876").status_code == 201

    assert connection.connection.info.backend_pid == backend  # not reconnected
    assert "prepared statement stale" not in caplog.text
    assert "openlot_gate_entry" in _prepared_gate_statements()


@prepared_statements
@pytest.mark.django_db(transaction=True)
def test_without_prepared_statements_gate_calls_prepare_nothing(
    gates, entry_gate, exit_gate, clock, monkeypatch
):
    # What DB_PREPARED_STATEMENTS=false gives (behind a pooler that cannot keep them).
    connection.close()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    try:
        for n in range(3):
            assert gates.enter(entry_gate, f"NOP-{n:04d}").status_code == 201
        clock.advance(hours=2)
        assert gates.leave(exit_gate, "NOP-0000").status_code == 402  # a fee: two calls
        assert gates.leave(exit_gate, "NOP-0001").json()["amount_due"] > 0
        assert _prepared_gate_statements() == []
    finally:
        connection.close()  # the next test connects with the settings' threshold


@prepared_statements
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_already_has_is_used_as_it_is(gates, entry_gate):
    from parking import fastpath

    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    backend = connection.connection.info.backend_pid
    # As if the reply to PREPARE had been lost: the server has it, we do not know.
    fastpath._kept.state = None

    assert gates.enter(entry_gate, "XYZ-9876").status_code == 201
    assert connection.connection.info.backend_pid == backend
    assert _prepared_gate_statements().count("openlot_gate_entry") == 1


@prepared_statements
@pytest.mark.django_db(transaction=True)
def test_a_replaced_connection_is_not_kept_alive(gates, entry_gate):
    assert gates.enter(entry_gate, "ABC-1234").status_code == 201
    replaced = weakref.ref(connection.connection)
    connection.close()  # as after CONN_MAX_AGE, or a database restart

    assert gates.enter(entry_gate, "XYZ-9876").status_code == 201
    gc.collect()
    assert replaced() is None
