"""calculate_fee at the edges, and the real signs of Taiwanese lots."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parking.fees import TariffRules, calculate_fee

TAIPEI = ZoneInfo("Asia/Taipei")
START = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)

# "30元/時，全程以半小時計費": NT$30 an hour, billed per half hour.
PER_HALF_HOUR = TariffRules(timezone=TAIPEI, unit_minutes=30, unit_price=1500)
# "First hour NT$30, then NT$15 per half hour, daily max NT$180".
FIRST_HOUR_THEN_HALF_HOURS = TariffRules(
    timezone=TAIPEI,
    first_period_minutes=60,
    first_period_price=3000,
    unit_minutes=30,
    unit_price=1500,
    daily_cap=18000,
)


def fee_after(tariff, **elapsed):
    return calculate_fee(tariff, START, START + timedelta(**elapsed))


@pytest.mark.parametrize(
    ("elapsed", "amount"),
    [
        ({"seconds": 1}, 1500),
        ({"minutes": 30}, 1500),
        ({"minutes": 30, "seconds": 1}, 3000),
        ({"hours": 1}, 3000),
        ({"hours": 2, "minutes": 10}, 7500),
    ],
)
def test_per_half_hour_sign_rounds_every_started_half_hour_up(elapsed, amount):
    assert fee_after(PER_HALF_HOUR, **elapsed).amount == amount


@pytest.mark.parametrize(
    ("elapsed", "amount"),
    [
        ({"minutes": 1}, 3000),
        ({"minutes": 60}, 3000),
        ({"minutes": 60, "seconds": 1}, 4500),
        ({"hours": 3}, 3000 + 4 * 1500),
        ({"hours": 5, "minutes": 30}, 3000 + 9 * 1500),
        ({"hours": 6, "minutes": 1}, 18000),
        ({"hours": 10}, 18000),
    ],
)
def test_first_hour_then_half_hours_sign_with_daily_max(elapsed, amount):
    assert fee_after(FIRST_HOUR_THEN_HALF_HOURS, **elapsed).amount == amount


def test_the_daily_max_is_shown_in_the_breakdown():
    fee = fee_after(FIRST_HOUR_THEN_HALF_HOURS, hours=10)
    (day,) = fee.days
    assert day.day == date(2026, 3, 2)
    assert day.first_period is True
    assert day.units == 18
    assert day.subtotal == 3000 + 18 * 1500
    assert day.amount == 18000
    assert day.capped


def test_a_stay_of_exactly_the_free_minutes_is_free():
    tariff = TariffRules(timezone=TAIPEI, free_minutes=10, unit_minutes=30, unit_price=1500)
    fee = fee_after(tariff, minutes=10)
    assert fee.amount == 0
    assert fee.free


def test_one_second_past_the_free_minutes_is_charged_from_the_start():
    tariff = TariffRules(timezone=TAIPEI, free_minutes=10, unit_minutes=30, unit_price=1500)
    assert fee_after(tariff, minutes=10, seconds=1).amount == 1500
    assert fee_after(tariff, minutes=30, seconds=1).amount == 3000


def test_a_restarted_period_has_no_free_minutes():
    tariff = TariffRules(timezone=TAIPEI, free_minutes=10, unit_minutes=30, unit_price=1500)
    end = START + timedelta(minutes=1)
    assert calculate_fee(tariff, START, end, restarted=True).amount == 1500


def test_a_restarted_period_is_billed_by_the_unit_without_the_first_period_price():
    # Paid at 20:00 under "first hour NT$30, then NT$15 per half hour": one minute
    # past the exit window is one half hour, not the first hour's price again.
    assert (
        calculate_fee(
            FIRST_HOUR_THEN_HALF_HOURS, START, START + timedelta(minutes=1), restarted=True
        ).amount
        == 1500
    )
    fee = calculate_fee(
        FIRST_HOUR_THEN_HALF_HOURS, START, START + timedelta(hours=2, minutes=45), restarted=True
    )
    assert fee.amount == 6 * 1500
    assert not fee.days[0].first_period


def test_nothing_is_charged_for_an_empty_or_backwards_period():
    assert calculate_fee(PER_HALF_HOUR, START, START).amount == 0
    assert calculate_fee(PER_HALF_HOUR, START, START - timedelta(hours=1)).amount == 0


def test_units_are_counted_on_the_day_they_start_across_midnight():
    start = datetime(2026, 3, 2, 23, 0, tzinfo=TAIPEI)
    fee = calculate_fee(PER_HALF_HOUR, start, start + timedelta(hours=2))
    assert fee.amount == 6000
    assert [(d.day, d.units, d.amount) for d in fee.days] == [
        (date(2026, 3, 2), 2, 3000),
        (date(2026, 3, 3), 2, 3000),
    ]


def test_a_day_on_which_no_unit_has_started_yet_is_not_listed():
    # 23:09 to 00:00:26: the unit begun at 23:39 runs past midnight, and none has begun
    # on 3 March yet. The kiosk showed "Tue 3 Mar: NT$0" under the amount.
    start = datetime(2026, 3, 2, 23, 9, tzinfo=TAIPEI)
    fee = calculate_fee(PER_HALF_HOUR, start, start + timedelta(minutes=51, seconds=26))
    assert fee.amount == 3000
    assert [(d.day, d.units, d.amount) for d in fee.days] == [(date(2026, 3, 2), 2, 3000)]


def test_the_day_turns_at_midnight_in_the_lots_time_zone_not_utc():
    # 23:00-01:00 in Taipei is 15:00-17:00 UTC: one UTC day, two Taipei days.
    capped = TariffRules(timezone=TAIPEI, unit_minutes=30, unit_price=1500, daily_cap=2000)
    start = datetime(2026, 3, 2, 23, 0, tzinfo=TAIPEI)
    fee = calculate_fee(capped, start, start + timedelta(hours=2))
    assert fee.amount == 2000 + 2000


def test_a_multi_day_stay_pays_the_daily_max_each_calendar_day():
    start = datetime(2026, 3, 2, 8, 0, tzinfo=TAIPEI)
    end = datetime(2026, 3, 4, 20, 0, tzinfo=TAIPEI)
    fee = calculate_fee(FIRST_HOUR_THEN_HALF_HOURS, start, end)
    assert [d.day for d in fee.days] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert [d.amount for d in fee.days] == [18000, 18000, 18000]
    assert fee.amount == 54000


def test_a_short_last_day_pays_below_the_daily_max():
    start = datetime(2026, 3, 2, 22, 0, tzinfo=TAIPEI)
    end = datetime(2026, 3, 3, 0, 40, tzinfo=TAIPEI)
    fee = calculate_fee(FIRST_HOUR_THEN_HALF_HOURS, start, end)
    # Day 1: first hour (NT$30) + 22:00-24:00 minus it = 2 half hours; day 2: 00:00, 00:30.
    assert [(d.first_period, d.units, d.amount) for d in fee.days] == [
        (True, 2, 6000),
        (False, 2, 3000),
    ]
    assert fee.amount == 9000


def test_elapsed_time_is_real_time_across_a_dst_change():
    new_york = ZoneInfo("America/New_York")
    tariff = TariffRules(timezone=new_york, unit_minutes=30, unit_price=100)
    start = datetime(2026, 3, 8, 1, 30, tzinfo=new_york)  # clocks jump 02:00 -> 03:00
    end = datetime(2026, 3, 8, 4, 30, tzinfo=new_york)  # two real hours later
    assert calculate_fee(tariff, start, end).amount == 4 * 100


def test_a_tariff_needs_a_billing_unit():
    with pytest.raises(ValueError):
        TariffRules(timezone=TAIPEI, unit_minutes=0, unit_price=100)
