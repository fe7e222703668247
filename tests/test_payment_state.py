"""A vehicle's payment state, derived from time: in Python for one car, in SQL for list filters.

`session_status` is the one definition; `sessions_in_state` (the admin's
payment-status filter) must put every vehicle in the same state, at the edges too.
"""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from parking.fees import TariffRules, calculate_fee, free_span, free_until
from parking.models import ParkingSession
from parking.plates import ocr_key
from parking.services import SessionState, session_status, sessions_in_state

from .conftest import make_lot

TAIPEI = ZoneInfo("Asia/Taipei")

tariffs = st.builds(
    TariffRules,
    timezone=st.just(TAIPEI),
    unit_minutes=st.integers(1, 240),
    unit_price=st.sampled_from([0, 1, 1500]),
    free_minutes=st.integers(0, 60),
    first_period_minutes=st.sampled_from([0, 15, 60, 120]),
    first_period_price=st.sampled_from([0, 3000]),
    daily_cap=st.sampled_from([None, 0, 1, 18000]),
)


@given(
    tariff=tariffs,
    restarted=st.booleans(),
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    seconds=st.integers(-60, 3 * 24 * 3600),
)
def test_free_span_is_exactly_how_long_a_stay_costs_nothing(tariff, restarted, start, seconds):
    end = start + timedelta(seconds=seconds)
    fee = calculate_fee(tariff, start, end, restarted=restarted)
    span = free_span(tariff, restarted=restarted)

    assert (fee.amount == 0) == (span is None or end - start <= span)


@given(
    tariff=tariffs,
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    seconds=st.integers(-60, 3 * 24 * 3600),
    charged_earlier=st.sampled_from([0, 1, 17999, 18000, 30000]),
)
def test_free_until_is_exactly_when_a_restarted_period_starts_to_cost(
    tariff, start, seconds, charged_earlier
):
    # A restarted period, with what the stay already paid on its first day.
    end = start + timedelta(seconds=seconds)
    fee = calculate_fee(tariff, start, end, restarted=True, charged_earlier=charged_earlier)
    until = free_until(tariff, start, restarted=True, charged_earlier=charged_earlier)

    assert (fee.amount == 0) == (until is None or end <= until)


TARIFFS = {
    "per half hour, 10 free minutes": {"free_minutes": 10},
    "first hour NT$30 then half hours, cap": {
        "free_minutes": 15,
        "first_period_minutes": 60,
        "first_period_price": 3000,
        "daily_cap": 18000,
    },
    "first hour free": {"first_period_minutes": 60, "first_period_price": 0, "free_minutes": 0},
    "free first half hour and 20 free minutes": {
        "free_minutes": 20,
        "first_period_minutes": 30,
        "unit_minutes": 60,
        "unit_price": 2000,
    },
    "free of charge": {"unit_price": 0},
    "capped at zero": {"daily_cap": 0},
}


def vehicles(lot, now):
    """Vehicles in every situation the state depends on, at its edges."""
    plates = (f"CAR{n}" for n in itertools.count())
    entries = [0, 5, 10, 11, 15, 20, 21, 30, 31, 60, 61, 200, -5]
    for minutes, seconds in itertools.product(entries, (0, 1)):
        entered_at = now - timedelta(minutes=minutes, seconds=seconds)
        since_entry = now - entered_at
        situations = [
            (entered_at, None),  # never paid
            (entered_at, now + timedelta(minutes=5)),  # paid, inside the window
            (entered_at, now),  # paid, the window's last instant
            (entered_at, now - timedelta(minutes=1)),  # grace just expired
            (entered_at, now - timedelta(minutes=40)),  # grace expired long ago
            (entered_at, entered_at),  # granted until entry
            (entered_at + since_entry / 2, None),  # grant taken back after a later payment
        ]
        # What the stay paid earlier on the day a restarted period begins: none, part of
        # the day's maximum (NT$180 where there is one), all of it.
        charges = [(0, 0), (0, 17000), (0, 18000), (18000, 0)]
        for (billing_from, exit_allowed_until), (
            on_billing_day,
            on_window_end_day,
        ) in itertools.product(situations, charges):
            plate = next(plates)
            yield ParkingSession(
                lot=lot,
                plate=plate,
                plate_key=ocr_key(plate),
                plate_as_read=plate,
                entered_at=entered_at,
                billing_from=billing_from,
                exit_allowed_until=exit_allowed_until,
                charged_on_billing_day=on_billing_day if billing_from != entered_at else 0,
                charged_on_window_end_day=on_window_end_day if exit_allowed_until else 0,
            )


def test_the_database_puts_every_vehicle_in_the_state_session_status_gives(owner, clock):
    now = clock.now()
    for name, tariff in TARIFFS.items():
        lot = make_lot(owner, name=name, capacity=500, **tariff)
        ParkingSession.objects.bulk_create(vehicles(lot, now))
        sessions = ParkingSession.objects.filter(lot=lot).select_related("lot__tariff")
        expected = {state: set() for state in SessionState}
        for session in sessions:
            expected[session_status(session, now).state].add(session.plate)

        for state in SessionState:
            found = set(sessions_in_state(sessions, state, now).values_list("plate", flat=True))
            assert found == expected[state], (name, state)
        assert all(expected.values()) or name in {"free of charge", "capped at zero"}
