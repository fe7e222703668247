"""What happens at the gates. Each decision and its GateEvent are one transaction.

Locks are always taken in the same order, vehicle row first, lot row second
(entry inserts the session then takes a space; exit locks the session then
frees the space), so concurrent entries and exits of one lot queue instead of
deadlocking.
"""

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, DurationField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from lots.models import Lot
from lots.money import format_money
from lots.services import free_space, occupy_space

from .fees import Fee, TariffRules, calculate_fee
from .models import OPENING_OUTCOMES, Gate, GateEvent, Outcome, ParkingSession, hash_token
from .plates import ocr_key

# A decision is tried again after a unique-constraint race (two gates reading
# one car, a retried read); the second try always sees the winner's rows.
_ATTEMPTS = 3


@dataclass(frozen=True)
class PlateRead:
    """One plate read by a gate camera, validated at the edge."""

    plate: str  # normalised
    plate_as_read: str
    read_id: uuid.UUID | None = None
    photo_url: str = ""
    photo_thumbnail: str = ""  # storage name of our thumbnail, if we made one


@dataclass(frozen=True)
class GateDecision:
    outcome: Outcome
    plate: str
    lot: Lot
    session_id: uuid.UUID | None = None
    available: int | None = None
    amount_due: int | None = None
    currency: str = ""
    replayed: bool = False  # the answer to an earlier call with the same read_id

    @property
    def opened(self) -> bool:
        return self.outcome in OPENING_OUTCOMES


class ReadIdReused(Exception):
    """A read_id came back with a different plate: a gate bug, not a retry."""


class SessionState(enum.StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"  # inside the exit window a payment granted
    FREE = "free"  # nothing due (free minutes, or a free tariff)


@dataclass(frozen=True)
class SessionStatus:
    state: SessionState
    # Start of the period the fee runs over: the entry, or the end of an exit
    # window the vehicle overstayed.
    billing_from: datetime
    fee: Fee
    # Until when the exit gate opens without (further) payment; None if it doesn't.
    exit_allowed_until: datetime | None
    grace_expired: bool  # it was paid, but did not leave in time

    @property
    def amount_due(self) -> int:
        return self.fee.amount

    @property
    def exit_allowed(self) -> bool:
        return self.state != SessionState.UNPAID


def session_status(
    session: ParkingSession, now: datetime, rules: TariffRules | None = None
) -> SessionStatus:
    """The one place a session's payment state is derived from its timestamps.

    Paid means `now <= exit_allowed_until`. After that window the vehicle
    owes a new fee period from the window's end, without free minutes.
    """
    rules = rules or TariffRules.for_lot(session.lot)
    paid_until = session.exit_allowed_until
    if paid_until is not None and now <= paid_until:
        fee = Fee(amount=0, start=session.billing_from, end=now, free=False)
        return SessionStatus(SessionState.PAID, session.billing_from, fee, paid_until, False)
    billing_from = paid_until or session.billing_from
    fee = calculate_fee(
        rules, billing_from, now, free_minutes_apply=billing_from == session.entered_at
    )
    if fee.amount:
        return SessionStatus(SessionState.UNPAID, billing_from, fee, None, paid_until is not None)
    free_until = billing_from + timedelta(minutes=rules.free_minutes) if fee.free else None
    return SessionStatus(SessionState.FREE, billing_from, fee, free_until, paid_until is not None)


def exit_window() -> timedelta:
    return timedelta(minutes=settings.EXIT_GRACE_MINUTES)


def _locked_session(session_id: uuid.UUID) -> ParkingSession | None:
    """The vehicle's row, locked (the first lock in the shared order), with its lot's tariff."""
    return (
        ParkingSession.objects.select_for_update(of=("self",))
        .select_related("lot__tariff")
        .filter(pk=session_id)
        .first()
    )


@transaction.atomic
def grant_exit(session_id: uuid.UUID, until: datetime, *, now: datetime) -> ParkingSession | None:
    """Let the vehicle out without paying until `until` (a payment, cash at the booth).

    The period the grant covers starts at the fee clock's current start, which
    is kept in `billing_from`, so taking the grant back bills from there again.
    Returns None when the vehicle has already left.
    """
    session = _locked_session(session_id)
    if session is None:
        return None
    session.billing_from = session_status(session, now).billing_from
    session.exit_allowed_until = until
    session.save(update_fields=["billing_from", "exit_allowed_until", "updated_at"])
    return session


def find_exit_session(lot: Lot, plate: str, *, lock: bool = False) -> ParkingSession | None:
    """The vehicle `plate` names: the exact plate, else the one plate equal up to OCR confusions."""
    candidates = ParkingSession.objects.filter(lot=lot, plate_key=ocr_key(plate))
    if lock:
        candidates = candidates.select_for_update()
    candidates = list(candidates)
    for session in candidates:
        session.lot = lot
    exact = [session for session in candidates if session.plate == plate]
    if exact:
        return exact[0]
    return candidates[0] if len(candidates) == 1 else None


class _LotFull(Exception):
    """Raised inside the entry transaction to undo the session insert."""


def admit_vehicle(gate: Gate, read: PlateRead, *, now: datetime) -> GateDecision:
    """Entry gate: take a space and start the fee clock, or say why not."""
    mode = "insert"
    for _attempt in range(_ATTEMPTS):
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
    raise RuntimeError(f"entry of {read.plate} undecided after {_ATTEMPTS} attempts")


def _admit_once(gate: Gate, read: PlateRead, now: datetime, mode: str) -> GateDecision:
    lot = gate.lot
    if mode != "insert" or not lot.is_active:
        existing = ParkingSession.objects.filter(lot=lot, plate=read.plate).first()
        if existing:
            return _record(gate, read, Outcome.ALREADY_INSIDE, now, existing, lot.available)
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
    """Exit gate: let a paid (or nothing-due) vehicle out and free its space."""
    for _attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return _release_once(gate, read, now)
        except IntegrityError:
            if replay := _replay(gate, read):
                return replay
    raise RuntimeError(f"exit of {read.plate} undecided after {_ATTEMPTS} attempts")


def _release_once(gate: Gate, read: PlateRead, now: datetime) -> GateDecision:
    lot = gate.lot
    session = find_exit_session(lot, read.plate, lock=True)
    if session is None:
        return _record(gate, read, Outcome.NO_ENTRY_RECORD, now, available=lot.available)
    status = session_status(session, now)
    if not status.exit_allowed:
        return _record(
            gate, read, Outcome.PAYMENT_REQUIRED, now, session, lot.available, status.amount_due
        )
    session_id = session.pk
    session.delete()
    session.pk = session_id  # delete() clears it; the log keeps which vehicle left
    occupancy = free_space(lot.pk, now=now)
    return _record(gate, read, Outcome.EXIT_GRANTED, now, session, occupancy.available)


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
    GateEvent.objects.create(
        lot=lot,
        gate=gate,
        direction=gate.direction,
        plate=read.plate,
        plate_as_read=read.plate_as_read,
        outcome=outcome,
        session_id=session.pk if session else None,
        read_id=read.read_id,
        available=available,
        amount_due=amount_due,
        currency=lot.currency if amount_due is not None else "",
        created_at=now,
    )
    return GateDecision(
        outcome=outcome,
        plate=session.plate if session else read.plate,
        lot=lot,
        session_id=session.pk if session else None,
        available=available,
        amount_due=amount_due,
        currency=lot.currency,
    )


def _replay(gate: Gate, read: PlateRead) -> GateDecision | None:
    if read.read_id is None:
        return None
    event = GateEvent.objects.filter(gate=gate, read_id=read.read_id).first()
    if event is None:
        return None
    if event.plate != read.plate:
        raise ReadIdReused(read.read_id)
    return GateDecision(
        outcome=Outcome(event.outcome),
        plate=event.plate,
        lot=gate.lot,
        session_id=event.session_id,
        available=event.available,
        amount_due=event.amount_due,
        currency=gate.lot.currency,
        replayed=True,
    )


def authenticate_gate(token: str, *, now: datetime) -> Gate | None:
    """The gate holding `token` (revoked ones too: the caller tells them apart), or None."""
    gate = Gate.objects.select_related("lot__tariff").filter(token_hash=hash_token(token)).first()
    if gate is None or gate.revoked_at is not None:
        return gate
    resolution = timedelta(seconds=settings.GATE_LAST_SEEN_RESOLUTION_SECONDS)
    if gate.last_seen_at is None or now - gate.last_seen_at >= resolution:
        Gate.objects.filter(pk=gate.pk).update(last_seen_at=now)
        gate.last_seen_at = now
    return gate


@transaction.atomic
def create_gate(lot: Lot, *, name: str, direction: str) -> tuple[Gate, str]:
    """A new gate and its clear token (shown once; only its hash is stored)."""
    gate = Gate(lot=lot, name=name, direction=direction)
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
    session = _locked_session(session_id)
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
    session.save(update_fields=["exit_allowed_until", "updated_at"])
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
    a test holds them in agreement, at the edges too.
    """
    tariff = "lot__tariff__"
    first_period_free = Q(**{tariff + "first_period_price": 0}) | Q(
        **{tariff + "first_period_minutes": 0}
    )
    free_minutes = Case(
        When(fee_start=F("entered_at"), then=F(tariff + "free_minutes")), default=Value(0)
    )
    first_period_minutes = Case(
        When(first_period_free, then=F(tariff + "first_period_minutes")), default=Value(0)
    )
    payment_state = Case(
        When(exit_allowed_until__gte=now, then=Value(SessionState.PAID.value)),
        When(Q(**{tariff + "daily_cap": 0}), then=Value(SessionState.FREE.value)),
        When(
            Q(**{tariff + "unit_price": 0}) & first_period_free,
            then=Value(SessionState.FREE.value),
        ),
        When(free_until__gte=now, then=Value(SessionState.FREE.value)),
        default=Value(SessionState.UNPAID.value),
    )
    return (
        sessions.annotate(fee_start=Coalesce("exit_allowed_until", "billing_from"))
        .annotate(
            free_until=F("fee_start") + _Minutes(Greatest(free_minutes, first_period_minutes))
        )
        .annotate(payment_state=payment_state)
        .filter(payment_state=state.value)
    )


@transaction.atomic
def revoke_gate_token(gate_id: int, *, now: datetime) -> Gate:
    """Stop a gate's token working (a stolen or retired device); the first revocation stands."""
    gate = Gate.objects.select_for_update().get(pk=gate_id)
    if gate.revoked_at is None:
        gate.revoked_at = now
        gate.save(update_fields=["revoked_at"])
    return gate


@transaction.atomic
def issue_gate_token(gate_id: int) -> tuple[Gate, str]:
    """Give a gate a new token, shown in clear this once; the old one stops working."""
    gate = Gate.objects.select_for_update().get(pk=gate_id)
    token = gate.set_new_token()
    gate.save(update_fields=["token_hash", "token_hint", "revoked_at"])
    return gate, token
