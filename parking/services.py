"""What happens at the gates. Each decision and its GateEvent are one transaction.

Locks are always taken in the same order, vehicle row first, lot row second
(entry inserts the session then takes a space; exit locks the session then
frees the space), so concurrent entries and exits of one lot queue instead of
deadlocking.

`enter` and `leave` are what the gate API calls. On PostgreSQL they run the
decision in one round trip (parking.fastpath); elsewhere, and for callers that
already hold a Gate, `admit_vehicle` and `release_vehicle` run it through the ORM.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DurationField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from lots.models import Lot
from lots.money import format_money
from lots.services import free_space, occupy_space

from . import fastpath
from .decisions import (
    GateDecision,
    GateRefused,
    PlateRead,
    ReadIdReused,
    Undecided,
    pick_exit_session,
)
from .fees import TariffRules, calculate_fee
from .models import Direction, Gate, GateEvent, Outcome, ParkingSession, hash_token
from .plates import match_rank, near_key_patterns, ocr_key
from .status import SessionState, SessionStatus, charged_on_day, exit_window, session_status

__all__ = [
    "GateDecision", "GateRefused", "PlateRead", "ReadIdReused", "SessionState", "SessionStatus",
    "admit_vehicle", "authenticate_gate", "create_gate", "enter", "exit_window",
    "find_exit_session", "find_similar_vehicles", "grant_exit", "leave", "release_vehicle",
    "session_status", "remove_vehicle", "revoke_exit_grant", "correct_plate", "check_plate_free",
    "check_removable", "check_counted_twice", "counted_with", "remove_double_count",
    "sessions_in_state", "revoke_gate_token", "issue_gate_token", "TokenChanged",
    "VehicleRefused", "lock_parked_session",
]  # fmt: skip

# A decision is tried again after a unique-constraint race (two gates reading
# one car, a retried read); the second try always sees the winner's rows.
ATTEMPTS = 3


def enter(token: str, read: PlateRead, *, now: datetime) -> GateDecision:
    """An entry gate's read: authenticate the token and decide. Raises GateRefused."""
    if fastpath.available():
        return fastpath.enter(token, read, now=now, attempts=ATTEMPTS)
    return admit_vehicle(authenticate_gate(token, Direction.ENTRY, now=now), read, now=now)


def leave(token: str, read: PlateRead, *, now: datetime) -> GateDecision:
    """An exit gate's read: authenticate the token and decide. Raises GateRefused."""
    if fastpath.available():
        return fastpath.leave(token, read, now=now, attempts=ATTEMPTS)
    return release_vehicle(authenticate_gate(token, Direction.EXIT, now=now), read, now=now)


def authenticate_gate(token: str, direction: str, *, now: datetime) -> Gate:
    """The gate holding `token`, if it may make `direction` calls; else GateRefused."""
    gate = Gate.objects.select_related("lot__tariff").filter(token_hash=hash_token(token)).first()
    if gate is None:
        raise GateRefused("unauthorized")
    if gate.revoked_at is not None:
        raise GateRefused(
            "token_revoked", gate.direction, gate.language, gate_id=gate.pk, lot_id=gate.lot_id
        )
    if gate.direction != direction:
        raise GateRefused(
            "wrong_direction", gate.direction, gate.language, gate_id=gate.pk, lot_id=gate.lot_id
        )
    resolution = timedelta(seconds=settings.GATE_LAST_SEEN_RESOLUTION_SECONDS)
    if gate.last_seen_at is None or now - gate.last_seen_at >= resolution:
        Gate.objects.filter(pk=gate.pk).update(last_seen_at=now)
        gate.last_seen_at = now
    return gate


def lock_parked_session(session_id: uuid.UUID | None) -> ParkingSession | None:
    """The vehicle's row, locked, with its lot's tariff; None if it is not parked (any more).

    The first lock of the shared order (vehicle row, then payment row, then lot
    row): every transaction that changes a vehicle, its payments or its lot's
    counter takes it first, in parking and in payments alike. Call it inside a
    transaction.
    """
    if session_id is None:
        return None
    return (
        ParkingSession.objects.select_for_update(of=("self",))
        .select_related("lot__tariff")
        .filter(pk=session_id)
        .first()
    )


@transaction.atomic
def grant_exit(
    session_id: uuid.UUID, until: datetime, *, now: datetime, covered_until: datetime | None = None
) -> ParkingSession | None:
    """Let the vehicle out without paying until `until` (a payment, cash at the booth).

    The period the grant covers starts at the fee clock's current start, which
    is kept in `billing_from`, so taking the grant back bills from there again.
    What the stay has cost on `until`'s day (the period's fee up to
    `covered_until`, the end of the quote that was paid, by default now; and the
    earlier periods') is kept for the daily maximum of a period that restarts
    then. Returns None when the vehicle has already left.
    """
    session = lock_parked_session(session_id)
    if session is None:
        return None
    rules = TariffRules.for_lot(session.lot)
    status = session_status(session, now, rules)
    covered = calculate_fee(
        rules, status.billing_from, covered_until or now,
        restarted=status.billing_from != session.entered_at,
        charged_earlier=status.charged_earlier,
    )  # fmt: skip
    session.billing_from = status.billing_from
    session.charged_on_billing_day = status.charged_earlier
    session.exit_allowed_until = until
    session.charged_on_window_end_day = charged_on_day(
        status, covered, until.astimezone(rules.timezone).date(), rules.timezone
    )
    session.save(
        update_fields=[
            "billing_from", "charged_on_billing_day", "exit_allowed_until",
            "charged_on_window_end_day", "updated_at",
        ]
    )  # fmt: skip
    return session


def find_exit_session(lot: Lot, plate: str) -> tuple[ParkingSession | None, int]:
    """The vehicle `plate` names, locked: the exact plate, else the only OCR look-alike;
    and how many parked cars are equal to the plate up to OCR look-alikes."""
    candidates = list(
        ParkingSession.objects.filter(lot=lot, plate_key=ocr_key(plate))
        .order_by("pk")  # the lock order of openlot_gate_leave too
        .select_for_update()
    )
    for session in candidates:
        session.lot = lot
    return pick_exit_session(candidates, plate), len(candidates)


def left_just_now(lot: Lot, plate: str, now: datetime) -> bool:
    """Whether a car with `plate`, or a plate equal to it up to OCR look-alikes, left
    the lot within EXIT_REREAD_SECONDS before `now`.

    A read of it then, at an exit, is the camera reading the departed car again as it
    drives off (misread or not), not another car: it must not be matched to an OCR
    look-alike still parked, which would be let out or lose its record while it stays.
    """
    since = now - timedelta(seconds=settings.EXIT_REREAD_SECONDS)
    departed = GateEvent.objects.filter(
        lot=lot, outcome=Outcome.EXIT_GRANTED, created_at__gt=since
    ).values_list("plate", flat=True)
    key = ocr_key(plate)
    return any(ocr_key(other) == key for other in departed)


KIOSK_SEARCH_LIMIT = 6


def find_similar_vehicles(
    lot: Lot, typed: str, *, limit: int = KIOSK_SEARCH_LIMIT
) -> list[ParkingSession]:
    """The parked vehicles whose plates look like `typed` (normalised), best match first.

    Similar means equal up to OCR look-alikes, one edit away, or containing
    the typed text (see parking.plates.match_rank). The database filters with
    a handful of LIKE patterns on the folded plate key, so only near plates
    leave it; they are ranked here and at most `limit` are returned, never
    the lot's plates wholesale.
    """
    patterns, shorter = near_key_patterns(ocr_key(typed))
    near = Q(plate_key__in=shorter)
    for pattern in patterns:
        near |= Q(plate_key__like=pattern)
    candidates = ParkingSession.objects.filter(near, lot=lot).values_list("pk", "plate")
    ranked = sorted(
        (rank, pk) for pk, plate in candidates if (rank := match_rank(typed, plate)) is not None
    )
    best = [pk for _rank, pk in ranked[:limit]]
    sessions = ParkingSession.objects.in_bulk(best)
    for session in sessions.values():
        session.lot = lot
    return [sessions[pk] for pk in best if pk in sessions]


class _LotFull(Exception):
    """Raised inside the entry transaction to undo the session insert."""


def forget_stale_read(gate: Gate, read: PlateRead, now: datetime) -> None:
    """A read_id answers retries for READ_ID_TTL_SECONDS; an older one is a new read."""
    if read.read_id is not None:
        too_old = now - timedelta(seconds=settings.READ_ID_TTL_SECONDS)
        GateEvent.objects.filter(gate=gate, read_id=read.read_id, created_at__lt=too_old).update(
            read_id=None
        )


def admit_vehicle(gate: Gate, read: PlateRead, *, now: datetime) -> GateDecision:
    """Entry through the ORM: take a space and start the fee clock, or say why not."""
    forget_stale_read(gate, read, now)
    mode = "insert"
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _admit_once(gate, read, now, mode)
        except _LotFull:
            mode = "full"
        except IntegrityError:
            if replay := _replay(gate, read):
                return replay
            # The plate is inside already (another gate won the race, or this
            # is a re-read): answer from the existing session.
            mode = "existing"
    raise Undecided(
        f"entry of {read.plate} undecided after {ATTEMPTS} attempts", gate_language=gate.language
    )


def _admit_once(gate: Gate, read: PlateRead, now: datetime, mode: str) -> GateDecision:
    lot = gate.lot
    if mode != "insert" or not lot.is_active:
        existing = ParkingSession.objects.filter(lot=lot, plate=read.plate).first()
        if existing:
            return _record(gate, read, Outcome.ALREADY_INSIDE, now, existing, _free_spaces(lot))
        if not lot.is_active:
            return _record(gate, read, Outcome.LOT_CLOSED, now, available=lot.available)
        if mode == "full":
            return _record(gate, read, Outcome.FULL, now, available=0)
    session = ParkingSession(
        lot=lot,
        plate=read.plate,
        plate_key=ocr_key(read.plate),
        plate_as_read=read.plate_as_read,
        photo_url=read.photo_url,
        photo_thumbnail=read.photo_thumbnail,
        entry_gate=gate,
        entered_at=now,
        billing_from=now,
    )
    session.save(force_insert=True)
    occupancy = occupy_space(lot.pk, now=now)
    if occupancy is None:
        raise _LotFull
    return _record(gate, read, Outcome.ENTERED, now, session, occupancy.available)


def release_vehicle(gate: Gate, read: PlateRead, *, now: datetime) -> GateDecision:
    """Exit through the ORM: let a paid (or nothing-due) vehicle out and free its space."""
    forget_stale_read(gate, read, now)
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _release_once(gate, read, now)
        except IntegrityError:
            if replay := _replay(gate, read):
                return replay
    raise Undecided(
        f"exit of {read.plate} undecided after {ATTEMPTS} attempts", gate_language=gate.language
    )


def _release_once(gate: Gate, read: PlateRead, now: datetime) -> GateDecision:
    lot = gate.lot
    session, matches = find_exit_session(lot, read.plate)
    look_alikes_only = matches and (session is None or session.plate != read.plate)
    if look_alikes_only and left_just_now(lot, read.plate, now):
        session, matches = None, 0  # the departed car read again, not a look-alike
    if session is None:
        outcome = Outcome.AMBIGUOUS_PLATE if matches > 1 else Outcome.NO_ENTRY_RECORD
        return _record(gate, read, outcome, now, available=_free_spaces(lot))
    status = session_status(session, now)
    if not status.exit_allowed:
        return _record(
            gate, read, Outcome.PAYMENT_REQUIRED, now, session, _free_spaces(lot), status.amount_due
        )
    session_id = session.pk
    session.delete()
    session.pk = session_id  # delete() clears it; the log keeps which vehicle left
    occupancy = free_space(lot.pk, now=now)
    return _record(gate, read, Outcome.EXIT_GRANTED, now, session, occupancy.available)


def _free_spaces(lot: Lot) -> int:
    """The lot's free spaces now, for an answer that takes or frees none.

    Not as the lot was loaded with the gate, before this call's transaction: a call
    that waited for another gate's (the same car read at the exit twice) would answer
    with the count from before that one freed its space.
    """
    lot.refresh_from_db(fields=["capacity", "occupied"])
    return lot.available


def _record(
    gate: Gate,
    read: PlateRead,
    outcome: Outcome,
    now: datetime,
    session: ParkingSession | None = None,
    available: int | None = None,
    amount_due: int | None = None,
) -> GateDecision:
    lot = gate.lot
    if not lot.is_active:
        available = 0  # a closed lot has no space to offer, whatever its count
    GateEvent.objects.create(
        lot=lot,
        gate=gate,
        direction=gate.direction,
        plate=session.plate if session else read.plate,
        plate_as_read=read.plate_as_read,
        outcome=outcome,
        session_id=session.pk if session else None,
        read_id=read.read_id,
        available=available,
        amount_due=amount_due,
        currency=lot.currency if amount_due is not None else "",
        created_at=now,
    )
    return _decision(gate, outcome, session.plate if session else read.plate,
                     session.pk if session else None, available, amount_due)  # fmt: skip


def _decision(gate, outcome, plate, session_id, available, amount_due, replayed=False):
    return GateDecision(
        outcome=Outcome(outcome),
        plate=plate,
        gate_id=gate.pk,
        lot_id=gate.lot_id,
        direction=gate.direction,
        currency=gate.lot.currency,
        language=gate.language,
        session_id=session_id,
        available=available,
        amount_due=amount_due,
        replayed=replayed,
    )


def _replay(gate: Gate, read: PlateRead) -> GateDecision | None:
    if read.read_id is None:
        return None
    event = GateEvent.objects.filter(gate=gate, read_id=read.read_id).first()
    if event is None:
        return None
    # The same plate as read, or once normalised ("rid 0003" and "RID-0003"), as the SQL
    # functions decide; for an exit the normalised plate is the car it let out.
    if read.plate_as_read != event.plate_as_read and read.plate != event.plate:
        raise ReadIdReused(
            read.read_id, gate_language=gate.language, gate_id=gate.pk, lot_id=gate.lot_id
        )
    return _decision(gate, event.outcome, event.plate, event.session_id, event.available,
                     event.amount_due, replayed=True)  # fmt: skip


@transaction.atomic
def create_gate(
    lot: Lot, *, name: str, direction: str, language: str | None = None
) -> tuple[Gate, str]:
    """A new gate and its clear token (shown once; only its hash is stored).

    The gate's display language is `language`, or the site's default.
    """
    gate = Gate(lot=lot, name=name, direction=direction)
    if language:
        gate.language = language
    token = gate.set_new_token()
    gate.full_clean()
    gate.save()
    return gate, token


# --- Owners' changes to parked vehicles and gates (the admin calls these) -------------------


class VehicleRefused(Exception):
    """A change to a parked vehicle cannot be made; `code` for machines, `message` for people."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def _lock_parked_vehicle(session_id: uuid.UUID) -> ParkingSession:
    session = lock_parked_session(session_id)
    if session is None:
        raise VehicleRefused("vehicle_not_found", _("This vehicle is no longer parked here."))
    return session


def check_removable(session: ParkingSession, status: SessionStatus) -> None:
    """Refuse to remove a vehicle that may not leave: it would vanish with its debt."""
    if not status.exit_allowed:
        raise VehicleRefused(
            "payment_required",
            _(
                "%(plate)s cannot be deleted: it is not paid (%(amount)s due). "
                "Record its payment first."
            )
            % {
                "plate": session.plate,
                "amount": format_money(status.amount_due, session.lot.currency),
            },
        )


@transaction.atomic
def remove_vehicle(session_id: uuid.UUID, *, now: datetime) -> ParkingSession:
    """Take a vehicle off the lot by hand (it left unseen) and free its space.

    Only a vehicle that may leave (paid, or nothing due) can be removed
    (check_removable). Locks as the exit gate does, the session row first,
    then the lot row; its payments stay, unlinked.
    """
    session = _lock_parked_vehicle(session_id)
    check_removable(session, session_status(session, now))
    session_id = session.pk
    session.delete()
    session.pk = session_id  # delete() clears it; callers report which vehicle went
    free_space(session.lot_id, now=now)
    return session


def counted_with(session: ParkingSession) -> ParkingSession | None:
    """The record kept of the car `session` counts a second time, if it is one.

    The lot's other vehicles equal to it up to OCR look-alikes are the same car read
    again (LKA-I234 after LKA-1234). Of a car's records, the one paid for is kept (its
    payment and exit grant are on it), else the first in (a second read is the extra
    one); ties by id.
    """
    others = ParkingSession.objects.filter(
        lot_id=session.lot_id, plate_key=session.plate_key
    ).exclude(pk=session.pk)
    return (
        others.filter(exit_allowed_until__isnull=False).order_by("entered_at", "pk").first()
        or others.order_by("entered_at", "pk").first()
    )


def _kept_before(kept: ParkingSession, session: ParkingSession) -> bool:
    paid = kept.exit_allowed_until is not None
    return paid or (kept.entered_at, str(kept.pk)) < (session.entered_at, str(session.pk))


def check_counted_twice(session: ParkingSession) -> ParkingSession:
    """The record kept of the car `session` counts a second time; a refusal if `session`
    is no extra record: no other car looks like it, or it is the record to keep."""
    kept = counted_with(session)
    if kept is None:
        raise VehicleRefused(
            "not_counted_twice",
            _(
                "%(plate)s is not counted twice: no other car in this lot has a plate a "
                "camera could read as it."
            )
            % {"plate": session.plate},
        )
    if session.exit_allowed_until is not None:
        raise VehicleRefused(
            "counted_twice_paid",
            _("%(plate)s has been paid for, so it is the record kept: remove %(other)s instead.")
            % {"plate": session.plate, "other": kept.plate},
        )
    if not _kept_before(kept, session):
        raise VehicleRefused(
            "counted_twice_first",
            _("%(plate)s entered first, so it is the record kept: remove %(other)s instead.")
            % {"plate": session.plate, "other": kept.plate},
        )
    return kept


@transaction.atomic
def remove_double_count(
    session_id: uuid.UUID, *, now: datetime
) -> tuple[ParkingSession, ParkingSession]:
    """Take off a record that counts a car a second time, and free its space.

    An entry camera that reads a car again as a look-alike (LKA-I234 after LKA-1234)
    counts it twice: the entry never matches look-alikes, so that it never lets in
    more cars than it counts. Such a record owes its own fee, which no one will pay:
    it is removed with nothing charged and no payment written, unlike remove_vehicle.
    Refused unless another vehicle in the lot is equal to it up to look-alikes and is
    the record to keep (check_counted_twice): a record paid for is never removed, so
    a driver who paid is never asked again. Locks as remove_vehicle does: the
    vehicle, then the lot. Returns the record removed and the one kept.
    """
    session = _lock_parked_vehicle(session_id)
    kept = check_counted_twice(session)
    session_id = session.pk
    session.delete()
    session.pk = session_id
    free_space(session.lot_id, now=now)
    return session, kept


@transaction.atomic
def revoke_exit_grant(session_id: uuid.UUID, *, now: datetime) -> ParkingSession:
    """Take back an exit grant (a payment recorded for the wrong car): the vehicle owes again.

    grant_exit kept the start of the period the grant covered in
    `billing_from`, so the fee runs from there again, as if the grant had
    never been made (free minutes included, if that period began at entry).
    Payments are financial records and stay as they are.
    """
    session = _lock_parked_vehicle(session_id)
    if session_status(session, now).state != SessionState.PAID:
        raise VehicleRefused(
            "not_paid", _("%(plate)s has no exit grant to take back.") % {"plate": session.plate}
        )
    session.exit_allowed_until = None
    session.charged_on_window_end_day = 0
    session.save(update_fields=["exit_allowed_until", "charged_on_window_end_day", "updated_at"])
    return session


def check_plate_free(lot_id: int, plate: str, *, session_id: uuid.UUID) -> None:
    """Refuse `plate` (normalised) for a vehicle if another vehicle in the lot has it."""
    if ParkingSession.objects.filter(lot_id=lot_id, plate=plate).exclude(pk=session_id).exists():
        raise VehicleRefused(
            "plate_taken",
            _("Another vehicle with plate %(plate)s is parked in this lot.") % {"plate": plate},
        )


def correct_plate(session_id: uuid.UUID, plate: str) -> ParkingSession:
    """Set the plate (normalised) of a vehicle the camera misread; one plate per lot."""
    try:
        with transaction.atomic():
            session = _lock_parked_vehicle(session_id)
            if session.plate != plate:
                check_plate_free(session.lot_id, plate, session_id=session.pk)
                session.plate = plate
                session.plate_key = ocr_key(plate)
                session.save(update_fields=["plate", "plate_key", "updated_at"])
    except IntegrityError:
        # A gate admitted that plate between the check and the update.
        raise VehicleRefused(
            "plate_taken",
            _("Another vehicle with plate %(plate)s is parked in this lot.") % {"plate": plate},
        ) from None
    return session


class _Minutes(Func):
    """An integer expression as a duration of that many minutes."""

    output_field = DurationField()
    template = "(%(expressions)s * INTERVAL '1 minute')"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps SQLite durations as integer microseconds.
        return self.as_sql(
            compiler, connection, template="(%(expressions)s * 60000000)", **extra_context
        )


def sessions_in_state(sessions: QuerySet, state: SessionState, now: datetime) -> QuerySet:
    """The sessions `session_status(session, now)` puts in `state`, decided by the database.

    For list filters over many vehicles: session_status and
    parking.fees.free_span (how long a period costs nothing) restated in SQL;
    a test holds them in agreement, at the edges too. One case is left to
    session_status itself: a period that begins on a day whose maximum the
    stay has paid (free until a block starts the next day, in the lot's time
    zone, which SQLite cannot tell). Such vehicles are few: a paid car that
    overstayed after paying a whole day's maximum.
    """
    tariff = "lot__tariff__"
    first_period_free = Q(**{tariff + "first_period_price": 0}) | Q(
        **{tariff + "first_period_minutes": 0}
    )
    # A period restarted after an overstayed exit window has neither free
    # minutes nor a first period (parking.fees.calculate_fee's `restarted`).
    from_entry = Q(fee_start=F("entered_at"))
    free_minutes = Case(When(from_entry, then=F(tariff + "free_minutes")), default=Value(0))
    first_period_minutes = Case(
        When(from_entry & first_period_free, then=F(tariff + "first_period_minutes")),
        default=Value(0),
    )
    payment_state = Case(
        When(exit_allowed_until__gte=now, then=Value(SessionState.PAID.value)),
        When(Q(**{tariff + "daily_cap": 0}), then=Value(SessionState.FREE.value)),
        When(
            Q(**{tariff + "unit_price": 0}) & (first_period_free | ~from_entry),
            then=Value(SessionState.FREE.value),
        ),
        When(free_until__gte=now, then=Value(SessionState.FREE.value)),
        default=Value(SessionState.UNPAID.value),
    )
    # (A maximum of 0 makes every car free, which the SQL above says already.)
    day_paid = Q(**{tariff + "daily_cap__gt": 0}) & (
        Q(
            exit_allowed_until__lt=now,
            charged_on_window_end_day__gte=F(tariff + "daily_cap"),
        )
        | Q(
            exit_allowed_until__isnull=True,
            charged_on_billing_day__gte=F(tariff + "daily_cap"),
        )
    )
    decided_here = list(sessions.filter(day_paid).select_related("lot__tariff"))
    in_state = [one.pk for one in decided_here if session_status(one, now).state == state]
    return (
        sessions.annotate(fee_start=Coalesce("exit_allowed_until", "billing_from"))
        .annotate(
            free_until=F("fee_start") + _Minutes(Greatest(free_minutes, first_period_minutes))
        )
        .annotate(payment_state=payment_state)
        .filter(
            (Q(payment_state=state.value) & ~Q(pk__in=[one.pk for one in decided_here]))
            | Q(pk__in=in_state)
        )
    )


@transaction.atomic
def revoke_gate_token(gate_id: int, *, now: datetime) -> Gate:
    """Stop a gate's token working (a stolen or retired device); the first revocation stands."""
    gate = Gate.objects.select_for_update().get(pk=gate_id)
    if gate.revoked_at is None:
        gate.revoked_at = now
        gate.save(update_fields=["revoked_at"])
    return gate


class TokenChanged(Exception):
    """The gate's token is no longer the one the caller asked to replace."""


@transaction.atomic
def issue_gate_token(gate_id: int, *, replacing: str | None = None) -> tuple[Gate, str]:
    """Give a gate a new token, shown in clear this once; the old one stops working.

    `replacing`: the hint of the token the caller saw. If the gate has another one by
    now (the same confirmation sent twice: a reload, a double click), TokenChanged and
    nothing changes, so the token just shown to someone keeps working.
    """
    gate = Gate.objects.select_for_update().get(pk=gate_id)
    if replacing is not None and gate.token_hint != replacing:
        raise TokenChanged(gate_id)
    token = gate.set_new_token()
    gate.save(update_fields=["token_hash", "token_hint", "revoked_at"])
    return gate, token
