"""What a gate asks and what it is answered: shared by the ORM path and the PostgreSQL path."""

import uuid
from dataclasses import dataclass

from .models import OPENING_OUTCOMES, Outcome


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
    gate_id: int
    lot_id: int
    direction: str
    currency: str
    language: str  # the gate's: its message is worded in it
    session_id: uuid.UUID | None = None
    available: int | None = None
    amount_due: int | None = None
    replayed: bool = False  # the answer to an earlier call with the same read_id

    @property
    def opened(self) -> bool:
        return self.outcome in OPENING_OUTCOMES


class GateRefused(Exception):
    """The token does not let this gate call: unknown, revoked, or the other direction.

    `gate_language` is the language of the gate the token belongs to, if any.
    """

    CODES = frozenset({"unauthorized", "token_revoked", "wrong_direction"})

    def __init__(
        self,
        code: str,
        gate_direction: str | None = None,
        gate_language: str | None = None,
        *,
        gate_id: int | None = None,
        lot_id: int | None = None,
    ):
        super().__init__(code)
        self.code = code
        self.gate_direction = gate_direction
        self.gate_language = gate_language
        # For the request log: which gate is misconfigured (never the token).
        self.gate_id, self.lot_id = gate_id, lot_id


class ReadIdReused(Exception):
    """A read_id came back with a different plate: a gate bug, not a retry."""

    def __init__(
        self,
        *args,
        gate_language: str | None = None,
        gate_id: int | None = None,
        lot_id: int | None = None,
    ):
        super().__init__(*args)
        self.gate_language = gate_language
        self.gate_id, self.lot_id = gate_id, lot_id


class Undecided(Exception):
    """Every try of a decision lost a race with other calls for the same plate.

    Each try is its own transaction and changes nothing when it loses, so the
    gate may simply ask again (with the same read_id).
    """

    def __init__(self, *args, gate_language: str | None = None):
        super().__init__(*args)
        self.gate_language = gate_language


def pick_exit_session(candidates, plate: str):
    """Of the vehicles matching up to OCR confusions: the exact plate, else the only one.

    None when there is none, or several and none exact (Outcome.AMBIGUOUS_PLATE).
    """
    for session in candidates:
        if session.plate == plate:
            return session
    return candidates[0] if len(candidates) == 1 else None
