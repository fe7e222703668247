"""A vehicle's payment state, derived from its timestamps when read: nothing is scheduled."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from .fees import Fee, TariffRules, calculate_fee, free_span


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


def session_status(session, now: datetime, rules: TariffRules | None = None) -> SessionStatus:
    """The one place a session's payment state is derived from its timestamps.

    Paid means `now <= exit_allowed_until`. After that window the vehicle
    owes a new fee period from the window's end, billed by the unit (no free
    minutes, no first period: parking.fees.calculate_fee's `restarted`).
    """
    rules = rules or TariffRules.for_lot(session.lot)
    paid_until = session.exit_allowed_until
    if paid_until is not None and now <= paid_until:
        fee = Fee(amount=0, start=session.billing_from, end=now, free=False)
        return SessionStatus(SessionState.PAID, session.billing_from, fee, paid_until, False)
    billing_from = paid_until or session.billing_from
    fee = calculate_fee(rules, billing_from, now, restarted=billing_from != session.entered_at)
    if fee.amount:
        return SessionStatus(SessionState.UNPAID, billing_from, fee, None, paid_until is not None)
    # Free until the fee starts: the free minutes, or a first period priced at zero.
    span = free_span(rules, restarted=billing_from != session.entered_at)
    free_until = billing_from + span if span is not None else None
    return SessionStatus(SessionState.FREE, billing_from, fee, free_until, paid_until is not None)


def exit_window() -> timedelta:
    """How long a paid vehicle has to reach the exit gate."""
    return timedelta(minutes=settings.EXIT_GRACE_MINUTES)
