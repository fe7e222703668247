"""A vehicle's payment state, derived from its timestamps when read: nothing is scheduled."""

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from .fees import Fee, TariffRules, calculate_fee, free_until


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
    # What earlier periods of the stay cost on billing_from's day (toward its daily cap).
    charged_earlier: int = 0

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
    minutes, no first period: parking.fees.calculate_fee's `restarted`), and
    capped with what the stay already cost on that day.
    """
    rules = rules or TariffRules.for_lot(session.lot)
    paid_until = session.exit_allowed_until
    if paid_until is not None and now <= paid_until:
        fee = Fee(amount=0, start=session.billing_from, end=now, free=False)
        return SessionStatus(
            SessionState.PAID, session.billing_from, fee, paid_until, False,
            session.charged_on_billing_day,
        )  # fmt: skip
    if paid_until is not None:
        billing_from, charged = paid_until, session.charged_on_window_end_day
    else:
        billing_from, charged = session.billing_from, session.charged_on_billing_day
    restarted = billing_from != session.entered_at
    fee = calculate_fee(rules, billing_from, now, restarted=restarted, charged_earlier=charged)
    expired = paid_until is not None
    if fee.amount:
        return SessionStatus(SessionState.UNPAID, billing_from, fee, None, expired, charged)
    # Free until the fee starts: the free minutes, a first period priced at zero, or
    # the rest of a day whose maximum the stay has paid.
    until = free_until(rules, billing_from, restarted=restarted, charged_earlier=charged)
    return SessionStatus(SessionState.FREE, billing_from, fee, until, expired, charged)


def charged_on_day(status: SessionStatus, fee: Fee, day: date, zone) -> int:
    """What the stay has cost on `day`: the period `fee` (from status.billing_from) and
    the earlier periods counted on its first day."""
    earlier = status.charged_earlier if status.billing_from.astimezone(zone).date() == day else 0
    return earlier + sum(d.amount for d in fee.days if d.day == day)


def exit_window() -> timedelta:
    """How long a paid vehicle has to reach the exit gate."""
    return timedelta(minutes=settings.EXIT_GRACE_MINUTES)
