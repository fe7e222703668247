"""Gate decisions on PostgreSQL in one round trip (an exit that owes a fee: two).

The ORM path (parking.services.admit_vehicle / release_vehicle) takes six to
nine statements per gate call; at a few hundred calls a second the round trips
and the ORM's query building dominate. On PostgreSQL the same decisions run in
the SQL functions of parking/sql/gate_functions.sql, called here as prepared
statements on Django's connection. What a vehicle owes still comes from
parking.status.session_status, the one source of truth for it, and
tests/test_gate_paths.py checks that both paths answer alike.
"""

import itertools
import logging
import re
import select
import threading
import uuid
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper
from psycopg import generators
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.rows import dict_row

from lots.models import Lot

from .decisions import GateDecision, GateRefused, PlateRead, ReadIdReused, Undecided
from .fees import TariffRules
from .models import Direction, Outcome, ParkingSession, hash_token
from .plates import OCR_FOLD_FROM, OCR_FOLD_TO, ocr_key
from .status import session_status

logger = logging.getLogger(__name__)

# Each value cast to the type the function declares: the values are sent as text,
# untyped, so the casts are what give the prepared statement its parameter types.

ENTRY = (
    "SELECT * FROM openlot_gate_entry(%s::text, %s::uuid, %s::text, %s::text, %s::text,"
    " %s::text, %s::text, %s::uuid, %s::timestamptz, %s::interval, %s::interval)"
)
LEAVE = (
    "SELECT * FROM openlot_gate_leave(%s::text, %s::text, %s::text, %s::text, %s::uuid,"
    " %s::timestamptz, %s::interval, %s::interval, %s::interval, %s::text, %s::text)"
)
RECORD_EXIT = (
    "SELECT * FROM openlot_gate_exit(%s::bigint, %s::bigint, %s::text, %s::uuid,"
    " %s::timestamptz, %s::timestamptz, %s::text, %s::text, %s::uuid, %s::integer,"
    " %s::bigint, %s::text, %s::timestamptz, %s::boolean)"
)
# Raised by the functions when another call with the same read_id answered while this
# one was deciding: everything this call did is undone; asking again replays that answer.
ASK_AGAIN = "OL002"
# A prepared statement that no longer fits its function (cached plan must not change
# result type: a migration replaced it) or that the server does not know (a pooler
# that cannot keep prepared statements, or one that reset the server connection).
STALE_STATEMENT = frozenset({"0A000", "26000"})


# The statements for libpq, numbered $1, $2 ..., each with the name it is prepared
# under (psycopg's own prepared statements are named _pg3_*) and the format of its
# values: all text, typed by the casts in the statement.
def _statement(sql: str, name: bytes) -> tuple[bytes, bytes, list[PyFormat]]:
    number = itertools.count(1)
    numbered = re.sub("%s", lambda _placeholder: f"${next(number)}", sql).encode()
    return numbered, name, [PyFormat.TEXT] * sql.count("%s")


_STATEMENTS = {
    ENTRY: _statement(ENTRY, b"openlot_gate_entry"),
    LEAVE: _statement(LEAVE, b"openlot_gate_leave"),
    RECORD_EXIT: _statement(RECORD_EXIT, b"openlot_gate_exit"),
}

# Per thread, as Django's connections are, for the thread's connection of the moment:
# parking.fastpath._Kept (replaced with the connection, so a closed one is not kept).
_kept = threading.local()
# The server already has a statement of that name (its reply to PREPARE was lost).
ALREADY_PREPARED = "42P05"


class _AskAgain(Exception):
    pass


def available() -> bool:
    return connection.vendor == "postgresql" and settings.GATE_FAST_PATH


def _seen_resolution() -> timedelta:
    return timedelta(seconds=settings.GATE_LAST_SEEN_RESOLUTION_SECONDS)


def _read_ttl() -> timedelta:
    return timedelta(seconds=settings.READ_ID_TTL_SECONDS)


def _reread() -> timedelta:
    return timedelta(seconds=settings.EXIT_REREAD_SECONDS)


def _refuse_if_needed(row: dict, outcome: str) -> None:
    if outcome in GateRefused.CODES:
        raise GateRefused(
            outcome,
            row["direction"],
            row["gate_language"],
            gate_id=row["gate_id"],
            lot_id=row["lot_id"],
        )
    if outcome == "read_id_reused":
        raise ReadIdReused(
            gate_language=row["gate_language"], gate_id=row["gate_id"], lot_id=row["lot_id"]
        )


def _call(sql: str, params: list) -> dict:
    """One function call, one round trip: its single row, by column name.

    On Django's connection and inside its error translation, but through psycopg
    directly: as a prepared statement (planned once per connection, not at every
    gate call; DB_PREPARED_STATEMENTS) after a health check that needs no round
    trip of its own. Django's execute_wrappers do not see these calls; its query
    log does when it is on (DEBUG, query counts in tests).
    """
    # This thread's connection, looked up once: each use of django.db.connection
    # looks it up again (a few microseconds, a dozen times a call).
    db = connections[DEFAULT_DB_ALIAS]
    _close_if_closed_by_server(db)
    try:
        return _execute(db, sql, params)
    except DatabaseError as error:
        sqlstate = getattr(error.__cause__, "sqlstate", None)
        if sqlstate == ASK_AGAIN:
            raise _AskAgain from error
        if sqlstate not in STALE_STATEMENT or db.in_atomic_block or not db.get_autocommit():
            raise
        # It failed before it ran, or was rolled back whole (autocommit): a fresh
        # connection prepares it again. Fails again? See DB_PREPARED_STATEMENTS.
        logger.warning(
            "gate call: prepared statement stale (SQLSTATE %s); reconnecting once. If this "
            "repeats, the connection pooler cannot keep prepared statements: set "
            "DB_PREPARED_STATEMENTS=false.",
            sqlstate,
        )
    db.close()
    return _execute(db, sql, params)


def _execute(db: BaseDatabaseWrapper, sql: str, params: list) -> dict | None:
    db.ensure_connection()
    with db.wrap_database_errors:
        if db.queries_logged:
            with CursorDebugWrapper(None, db).debug_sql(sql, params):
                return _round_trip(db.connection, sql, params)
        return _round_trip(db.connection, sql, params)


def _round_trip(raw: psycopg.Connection, sql: str, params: list) -> dict | None:
    """The call's one row, by column name, as a psycopg cursor would fetch it.

    Made through psycopg's own parts (its adapters to send the values and read
    the row, its I/O to wait for the answer) but not through a cursor: a cursor
    also converts the query, keeps its prepared-statement count, and records
    results at every call, which cost as much client CPU as the rest of the call
    (docs/performance.md). The statement is prepared under its own name, once per
    connection, unless DB_PREPARED_STATEMENTS is off.
    """
    pgconn = raw.pgconn
    if not raw.autocommit and pgconn.transaction_status == TransactionStatus.IDLE:
        # A transaction of Django's (atomic) that no statement has begun yet: the
        # cursor begins it as it should (isolation level and all), then runs the call.
        # Not prepared by psycopg: a connection whose psycopg has prepared statements
        # sends DEALLOCATE ALL after every rollback, which would drop ours too.
        cursor = psycopg.Cursor(raw, row_factory=dict_row)
        return cursor.execute(sql, params, prepare=False).fetchone()
    numbered, name, formats = _STATEMENTS[sql]
    prepared = raw.prepare_threshold is not None
    with raw.lock:
        kept = _kept_for(raw)
        values = kept.transformer.dump_sequence(params, formats)
        if not prepared:
            pgconn.send_query_params(numbered, values)
        else:
            if name not in kept.prepared:
                pgconn.send_prepare(name, numbered)
                _raise_if_failed(raw, raw.wait(generators.execute(pgconn)), ALREADY_PREPARED)
                kept.prepared.add(name)
            pgconn.send_query_prepared(name, values)
        results = raw.wait(generators.execute(pgconn))
        _raise_if_failed(raw, results)
        (result,) = results
        if not result.ntuples:
            return None
        # A prepared statement's columns stay as they were: a function that changed
        # them fails the call (0A000) and the connection is replaced. Unprepared, each
        # result is read as it comes.
        columns = kept.columns.get(sql) if prepared else None
        if columns is None:
            columns = [result.fname(n).decode() for n in range(result.nfields)]
            if prepared:
                kept.columns[sql] = columns
        kept.transformer.set_pgresult(result)
        return dict(zip(columns, kept.transformer.load_row(0, tuple), strict=True))


def _raise_if_failed(raw: psycopg.Connection, results: list, *harmless: str) -> None:
    for result in results:
        if result.status not in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
            error = psycopg.errors.error_from_result(result, encoding=raw.info.encoding)
            if error.sqlstate not in harmless:
                raise error


def _kept_for(raw: psycopg.Connection) -> "_Kept":
    """This thread's adapters and prepared statements for this thread's connection.

    Should one connection serve two threads (Django allows it, for tests with a
    live server), each prepares once and finds the other's statement (42P05).
    """
    kept = getattr(_kept, "state", None)
    if kept is None or kept.connection is not raw:
        kept = _kept.state = _Kept(raw)
    return kept


class _Kept:
    def __init__(self, raw: psycopg.Connection):
        self.connection = raw
        # Keeps the dumpers of the values' types and the loaders of the columns'
        # types from one call to the next, as a cursor given the same query would.
        self.transformer = Transformer(raw)
        self.prepared: set[bytes] = set()
        self.columns: dict[str, list[str]] = {}


def _close_if_closed_by_server(db: BaseDatabaseWrapper) -> None:
    """Django's per-request health check (DB_HEALTH_CHECKS), without its `SELECT 1`.

    Between requests an open connection has nothing to read. If its socket is
    readable, the server has closed it (a restart, a terminated backend) or sent
    a notice, and it is replaced before use: the first gate call after a database
    restart already succeeds. A connection lost without a word (a network cut)
    fails its call with a 503 instead, and Django drops it after the request.
    """
    raw = db.connection
    if raw is None or not db.health_check_enabled or db.health_check_done or db.in_atomic_block:
        return
    # Outside an atomic block a kept connection is idle; anything else (a
    # transaction left open or failed) is not fit for a gate decision either.
    if raw.closed or raw.info.transaction_status != TransactionStatus.IDLE or _readable(raw):
        db.close()
    db.health_check_done = True


def _readable(raw: psycopg.Connection) -> bool:
    # poll, not select: a busy worker's descriptors can pass select's limit of 1024.
    poller = select.poll()
    poller.register(raw.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def enter(token: str, read: PlateRead, *, now: datetime, attempts: int) -> GateDecision:
    for _attempt in range(attempts):
        try:
            row = _call(
                ENTRY,
                [
                    hash_token(token), uuid.uuid4(), read.plate, ocr_key(read.plate),
                    read.plate_as_read, read.photo_url, read.photo_thumbnail, read.read_id,
                    now, _seen_resolution(), _read_ttl(),
                ],
            )  # fmt: skip
        except _AskAgain:
            continue
        break
    else:
        raise Undecided(f"entry of {read.plate} undecided after {attempts} attempts")
    _refuse_if_needed(row, row["outcome"])
    return GateDecision(
        outcome=Outcome(row["outcome"]),
        plate=row["plate"],
        gate_id=row["gate_id"],
        lot_id=row["lot_id"],
        direction=Direction.ENTRY,
        currency=row["currency"],
        language=row["gate_language"],
        session_id=row["session_id"],
        available=row["available"],
        replayed=row["replayed"],
    )


def leave(token: str, read: PlateRead, *, now: datetime, attempts: int) -> GateDecision:
    for _attempt in range(attempts):
        decision = _leave_once(token, read, now)
        if decision is not None:
            return decision
    raise Undecided(f"exit of {read.plate} undecided after {attempts} attempts")


def _leave_once(token: str, read: PlateRead, now: datetime) -> GateDecision | None:
    try:
        row = _call(
            LEAVE,
            [
                hash_token(token), read.plate, ocr_key(read.plate), read.plate_as_read,
                read.read_id, now, _seen_resolution(), _read_ttl(), _reread(),
                OCR_FOLD_FROM, OCR_FOLD_TO,
            ],
        )  # fmt: skip
    except _AskAgain:
        return None
    _refuse_if_needed(row, row["outcome"])
    if row["outcome"] == "decide":
        return _decide_fee(row, read, now)
    return _decision(row, row["outcome"])


def _decide_fee(row: dict, read: PlateRead, now: datetime) -> GateDecision | None:
    """The vehicle may owe a fee: compute it in Python, then record the decision."""
    lot = Lot(
        pk=row["lot_id"], capacity=row["capacity"], occupied=row["occupied"],
        currency=row["currency"], timezone=row["timezone"],
    )  # fmt: skip
    session = ParkingSession(
        pk=row["session_id"], lot=lot, plate=row["plate"], entered_at=row["entered_at"],
        billing_from=row["billing_from"], exit_allowed_until=row["exit_allowed_until"],
        charged_on_billing_day=row["charged_on_billing_day"],
        charged_on_window_end_day=row["charged_on_window_end_day"],
    )  # fmt: skip
    status = session_status(session, now, _rules(row, lot))
    outcome = Outcome.EXIT_GRANTED if status.exit_allowed else Outcome.PAYMENT_REQUIRED
    last_seen_at = row["last_seen_at"]
    try:
        recorded = _call(
            RECORD_EXIT,
            [
                row["gate_id"], lot.pk, outcome.value, session.pk,
                session.billing_from, session.exit_allowed_until, session.plate,
                read.plate_as_read, read.read_id, lot.available,
                None if status.exit_allowed else status.amount_due, lot.currency, now,
                last_seen_at is None or now - last_seen_at >= _seen_resolution(),
            ],
        )  # fmt: skip
    except _AskAgain:
        return None
    if recorded["outcome"] == "changed":
        return None  # paid for, changed or gone meanwhile: decide again on fresh rows
    _refuse_if_needed(row, recorded["outcome"])
    return _decision(row | recorded, recorded["outcome"])


def _decision(row: dict, outcome: str) -> GateDecision:
    return GateDecision(
        outcome=Outcome(outcome),
        plate=row["plate"],
        gate_id=row["gate_id"],
        lot_id=row["lot_id"],
        direction=Direction.EXIT,
        currency=row["currency"],
        language=row["gate_language"],
        session_id=row["session_id"],
        available=row["available"],
        amount_due=row["amount_due"],
        replayed=bool(row["replayed"]),
    )


def _rules(row: dict, lot: Lot) -> TariffRules:
    return TariffRules(
        timezone=lot.zone,
        unit_minutes=row["unit_minutes"],
        unit_price=row["unit_price"],
        free_minutes=row["free_minutes"],
        first_period_minutes=row["first_period_minutes"],
        first_period_price=row["first_period_price"],
        daily_cap=row["daily_cap"],
    )
