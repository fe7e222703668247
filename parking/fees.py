"""Parking fees: a pure function of a tariff and a period.

How a sign is read (the usual rules of Taiwanese lots):

* Free minutes are a grace period: a stay of at most `free_minutes` costs
  nothing; a longer one is charged from its start.
* A period that restarts after a paid car overstayed its exit window is
  billed by the unit from its start: neither the free minutes nor the first
  period apply again (the driver already had both).
* The optional first period ("first hour NT$30") is charged whole as soon as
  it starts. After it, time is billed in units rounded up ("NT$15 per half
  hour"): one second into a unit costs the whole unit.
* The daily cap limits what one calendar day costs, in the lot's time zone,
  the day turning at 00:00. Each started block (first period or unit) counts
  on the day it starts. It holds for the stay, not for each period: what an
  earlier period of the same stay cost on the day a restarted period begins
  counts toward that day's cap (`charged_earlier`).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class TariffRules:
    """A tariff's numbers (prices in minor units) and the time zone its days turn in."""

    timezone: ZoneInfo
    unit_minutes: int
    unit_price: int
    free_minutes: int = 0
    first_period_minutes: int = 0
    first_period_price: int = 0
    daily_cap: int | None = None

    def __post_init__(self):
        if self.unit_minutes < 1:
            raise ValueError("unit_minutes must be at least 1")

    @classmethod
    def for_lot(cls, lot) -> "TariffRules":
        tariff = lot.tariff
        return cls(
            timezone=lot.zone,
            unit_minutes=tariff.unit_minutes,
            unit_price=tariff.unit_price,
            free_minutes=tariff.free_minutes,
            first_period_minutes=tariff.first_period_minutes,
            first_period_price=tariff.first_period_price,
            daily_cap=tariff.daily_cap,
        )


@dataclass(frozen=True)
class FeeDay:
    """What one calendar day of a stay costs."""

    day: date
    first_period: bool  # the first period started on this day
    units: int  # billing units started on this day
    subtotal: int  # before the daily cap
    amount: int  # after the daily cap
    # Charged on this day by an earlier period of the same stay (paid, then overstayed):
    # it counts toward the daily cap, which leaves `amount` at most cap - charged_earlier.
    charged_earlier: int = 0

    @property
    def capped(self) -> bool:
        return self.amount < self.subtotal


@dataclass(frozen=True)
class Fee:
    amount: int
    start: datetime
    end: datetime
    free: bool  # within the free minutes
    days: tuple[FeeDay, ...] = ()


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _local_days(start: datetime, end: datetime, zone: ZoneInfo):
    """(date, day start, day end) for each calendar day in `zone` that [start, end) touches."""
    day = start.astimezone(zone).date()
    last = (end - _MICROSECOND).astimezone(zone).date()
    while day <= last:
        following = day + timedelta(days=1)
        yield (
            day,
            datetime.combine(day, time(0), tzinfo=zone),
            datetime.combine(following, time(0), tzinfo=zone),
        )
        day = following


def _units_started(origin: datetime, unit: timedelta, begin: datetime, end: datetime) -> int:
    """How many of the units origin + k*unit (k >= 0) start in [begin, end)."""
    begin = max(begin, origin)
    if end <= begin:
        return 0
    unit_us = unit // _MICROSECOND
    return _ceil_div((end - origin) // _MICROSECOND, unit_us) - _ceil_div(
        (begin - origin) // _MICROSECOND, unit_us
    )


def _first_period(tariff: TariffRules, restarted: bool) -> tuple[timedelta, int]:
    """The first period's length and price: none when a period restarts."""
    if restarted or not tariff.first_period_minutes:
        return timedelta(0), 0
    return timedelta(minutes=tariff.first_period_minutes), tariff.first_period_price


def calculate_fee(
    tariff: TariffRules,
    start: datetime,
    end: datetime,
    *,
    restarted: bool = False,
    charged_earlier: int = 0,
) -> Fee:
    """What parking from `start` to `end` costs under `tariff`, with a per-day breakdown.

    `restarted`: the period began when a paid exit window ran out, so it is
    billed by the unit, without free minutes or a first period.
    `charged_earlier`: what earlier periods of the stay cost on `start`'s day;
    that day's cap is what is left of it.
    """
    # In UTC, arithmetic is elapsed time; in a zone with DST it would be wall-clock time.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    free = timedelta(0) if restarted else timedelta(minutes=tariff.free_minutes)
    if end <= start or end - start <= free:
        return Fee(amount=0, start=start, end=end, free=True)

    first_period, first_period_price = _first_period(tariff, restarted)
    units_from = start + first_period
    unit = timedelta(minutes=tariff.unit_minutes)
    first_day = start.astimezone(tariff.timezone).date()
    days = []
    for day, day_start, day_end in _local_days(start, end, tariff.timezone):
        has_first_period = bool(first_period) and day_start <= start < day_end
        units = _units_started(units_from, unit, max(day_start, start), min(day_end, end))
        if not (units or has_first_period):
            # Only the end of a block begun the day before: nothing starts on this day,
            # and a breakdown line "2 Dec: NT$0" would only puzzle the driver.
            continue
        subtotal = units * tariff.unit_price + (first_period_price if has_first_period else 0)
        earlier = charged_earlier if day == first_day and tariff.daily_cap is not None else 0
        amount = subtotal
        if tariff.daily_cap is not None:
            amount = min(subtotal, max(tariff.daily_cap - earlier, 0))
        days.append(FeeDay(day, has_first_period, units, subtotal, amount, earlier))
    return Fee(
        amount=sum(d.amount for d in days), start=start, end=end, free=False, days=tuple(days)
    )


def free_span(tariff: TariffRules, *, restarted: bool = False) -> timedelta | None:
    """How long a period may last and still cost nothing under `tariff`; None if it never costs.

    `calculate_fee(tariff, start, start + d, restarted=r).amount == 0` exactly
    when `d <= free_span(tariff, restarted=r)`: the free minutes, or a first
    period priced at zero (units only start after it), neither for a restarted
    period. A tariff whose prices or daily cap are zero costs nothing at all.
    """
    first_period, first_period_price = _first_period(tariff, restarted)
    if tariff.daily_cap == 0 or (tariff.unit_price == 0 and first_period_price == 0):
        return None
    span = timedelta(0) if restarted else timedelta(minutes=tariff.free_minutes)
    if first_period_price == 0:
        span = max(span, first_period)
    return span


def free_until(
    tariff: TariffRules, start: datetime, *, restarted: bool = False, charged_earlier: int = 0
) -> datetime | None:
    """Until when a period from `start` costs nothing; None if it never costs.

    `calculate_fee(tariff, start, end, restarted=r, charged_earlier=c).amount == 0`
    exactly when `end <= free_until(...)`. Besides `free_span`, a period that
    begins on a day whose cap the stay has paid already costs nothing until its
    first block that starts on a later day.
    """
    span = free_span(tariff, restarted=restarted)
    if span is None:
        return None
    until = start + span
    if tariff.daily_cap is None or charged_earlier < tariff.daily_cap:
        return until
    start = start.astimezone(UTC)
    first_period, _price = _first_period(tariff, restarted)
    if first_period:
        return until  # only a period from the entry has one, and nothing was charged before it
    unit = timedelta(minutes=tariff.unit_minutes)
    zone = tariff.timezone
    following = start.astimezone(zone).date() + timedelta(days=1)
    next_day = datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC)
    blocks = _ceil_div((next_day - start) // _MICROSECOND, unit // _MICROSECOND)
    return max(until, start + blocks * unit)
