"""Gate decisions on PostgreSQL in one round trip (entry) or two (exit).

The ORM path (parking.services.admit_vehicle / release_vehicle) takes six to
nine statements per gate call; at a few hundred calls a second the round trips
and the ORM's query building dominate. On PostgreSQL the same decisions run in
the functions of parking/sql/gate_functions.sql (installed by a migration),
called here with fixed SQL. What a vehicle owes still comes from
parking.status.session_status, the one source of truth for it, and
tests/test_gate_paths.py checks that both paths answer alike.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from lots.models import Lot

from .decisions import GateDecision, GateRefused, PlateRead, ReadIdReused, pick_exit_session
from .fees import TariffRules
from .models import Direction, Outcome, ParkingSession, hash_token
from .plates import ocr_key
from .status import session_status

ENTRY = "SELECT * FROM openlot_gate_entry(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
EXIT = "SELECT * FROM openlot_gate_exit(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
# The gate, its lot and tariff, the vehicles the plate may name, and an earlier
# answer to the same read_id: everything the exit decision needs, in one query.
EXIT_LOOKUP = """
SELECT g.id, g.lot_id, g.direction, g.revoked_at, g.last_seen_at,
       l.is_active, l.capacity, l.occupied, l.currency, l.timezone,
       t.free_minutes, t.first_period_minutes, t.first_period_price,
       t.unit_minutes, t.unit_price, t.daily_cap,
       s.id, s.plate, s.entered_at, s.billing_from, s.exit_allowed_until,
       ev.outcome, ev.plate, ev.plate_as_read, ev.session_id, ev.available, ev.amount_due
  FROM parking_gate g
  JOIN lots_lot l ON l.id = g.lot_id
  JOIN lots_tariff t ON t.lot_id = l.id
  LEFT JOIN parking_parkingsession s ON s.lot_id = g.lot_id AND s.plate_key = %s
  LEFT JOIN parking_gateevent ev ON ev.gate_id = g.id AND ev.read_id = %s
 WHERE g.token_hash = %s
"""


def available() -> bool:
    return connection.vendor == "postgresql" and settings.GATE_FAST_PATH


def _seen_resolution() -> timedelta:
    return timedelta(seconds=settings.GATE_LAST_SEEN_RESOLUTION_SECONDS)


def _refuse_if_needed(outcome: str, gate_direction: str | None) -> None:
    if outcome in GateRefused.CODES:
        raise GateRefused(outcome, gate_direction)
    if outcome == "read_id_reused":
        raise ReadIdReused()


def enter(token: str, read: PlateRead, *, now: datetime) -> GateDecision:
    with connection.cursor() as cursor:
        cursor.execute(
            ENTRY,
            [
                hash_token(token), uuid.uuid4(), read.plate, ocr_key(read.plate),
                read.plate_as_read, read.photo_url, read.photo_thumbnail, read.read_id,
                now, _seen_resolution(),
            ],
        )  # fmt: skip
        outcome, gate_id, lot_id, direction, currency, session_id, plate, free, replayed = (
            cursor.fetchone()
        )
    _refuse_if_needed(outcome, direction)
    return GateDecision(
        outcome=Outcome(outcome),
        plate=plate,
        gate_id=gate_id,
        lot_id=lot_id,
        direction=Direction.ENTRY,
        currency=currency,
        session_id=session_id,
        available=free,
        replayed=replayed,
    )


def leave(token: str, read: PlateRead, *, now: datetime, attempts: int) -> GateDecision:
    for _attempt in range(attempts):
        decision = _leave_once(token, read, now)
        if decision is not None:
            return decision
    raise RuntimeError(f"exit of {read.plate} undecided after {attempts} attempts")


def _leave_once(token: str, read: PlateRead, now: datetime) -> GateDecision | None:
    with connection.cursor() as cursor:
        cursor.execute(EXIT_LOOKUP, [ocr_key(read.plate), read.read_id, hash_token(token)])
        rows = cursor.fetchall()
    if not rows:
        raise GateRefused("unauthorized")
    (gate_id, lot_id, direction, revoked_at, last_seen_at,
     is_active, capacity, occupied, currency, zone) = rows[0][:10]  # fmt: skip
    if revoked_at is not None:
        raise GateRefused("token_revoked", direction)
    if direction != Direction.EXIT:
        raise GateRefused("wrong_direction", direction)
    answer = {"gate_id": gate_id, "lot_id": lot_id, "direction": direction, "currency": currency}
    earlier = rows[0][21:27]
    if earlier[0] is not None:  # this read_id was answered before
        outcome, plate, plate_as_read, session_id, free, amount_due = earlier
        if plate_as_read != read.plate_as_read:
            raise ReadIdReused()
        return GateDecision(
            outcome=Outcome(outcome), plate=plate, session_id=session_id, available=free,
            amount_due=amount_due, replayed=True, **answer,
        )  # fmt: skip

    lot = Lot(pk=lot_id, is_active=is_active, capacity=capacity, occupied=occupied,
              currency=currency, timezone=zone)  # fmt: skip
    session = pick_exit_session(_sessions(rows, lot), read.plate)
    amount_due = None
    if session is None:
        outcome = Outcome.NO_ENTRY_RECORD
    else:
        status = session_status(session, now, _rules(rows[0], lot))
        outcome = Outcome.EXIT_GRANTED if status.exit_allowed else Outcome.PAYMENT_REQUIRED
        amount_due = None if status.exit_allowed else status.amount_due
    with connection.cursor() as cursor:
        cursor.execute(
            EXIT,
            [
                gate_id, lot_id, outcome.value,
                session.pk if session else None,
                session.billing_from if session else None,
                session.exit_allowed_until if session else None,
                session.plate if session else read.plate,
                read.plate_as_read, read.read_id, lot.available, amount_due, currency, now,
                last_seen_at is None or now - last_seen_at >= _seen_resolution(),
            ],
        )  # fmt: skip
        result, session_id, plate, free, amount_due, replayed = cursor.fetchone()
    if result == "changed":
        return None  # paid for, changed or gone meanwhile: decide again on fresh rows
    _refuse_if_needed(result, direction)
    return GateDecision(
        outcome=Outcome(result), plate=plate, session_id=session_id, available=free,
        amount_due=amount_due, replayed=replayed, **answer,
    )  # fmt: skip


def _sessions(rows, lot: Lot) -> list[ParkingSession]:
    return [
        ParkingSession(
            pk=row[16],
            lot=lot,
            plate=row[17],
            entered_at=row[18],
            billing_from=row[19],
            exit_allowed_until=row[20],
        )  # fmt: skip
        for row in rows
        if row[16] is not None
    ]


def _rules(row, lot: Lot) -> TariffRules:
    free_minutes, first_minutes, first_price, unit_minutes, unit_price, daily_cap = row[10:16]
    return TariffRules(
        timezone=lot.zone,
        unit_minutes=unit_minutes,
        unit_price=unit_price,
        free_minutes=free_minutes,
        first_period_minutes=first_minutes,
        first_period_price=first_price,
        daily_cap=daily_cap,
    )
