"""PostgreSQL's one-round-trip exit lets a car out by itself only when Python would too.

`openlot_exit_certainly_allowed` (SQL) recognises the common cases of a car that
owes nothing; anything else goes to parking.status.session_status. Whatever the
SQL lets out, session_status must let out: checked on random sessions, tariffs
and times (hypothesis).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parking.fees import TariffRules
from parking.models import ParkingSession
from parking.status import session_status

pytestmark = [
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the one-round-trip gate path exists on PostgreSQL only",
    ),
    pytest.mark.django_db,
]
ENTERED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
minutes = st.integers(min_value=0, max_value=3 * 24 * 60)


def sql_lets_out(session: ParkingSession, free_minutes: int, now: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT openlot_exit_certainly_allowed(%s, %s, %s, %s, %s)",
            [
                session.entered_at,
                session.billing_from,
                session.exit_allowed_until,
                free_minutes,
                now,
            ],
        )
        return cursor.fetchone()[0]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    billed_after=st.one_of(st.just(0), minutes),
    paid_window=st.one_of(st.none(), minutes),
    now_after=st.integers(min_value=-3600, max_value=4 * 24 * 3600),
    free_minutes=st.integers(min_value=0, max_value=180),
    unit_minutes=st.integers(min_value=1, max_value=120),
    unit_price=st.integers(min_value=0, max_value=5000),
    first_period=st.tuples(st.integers(0, 180), st.integers(0, 5000)),
    daily_cap=st.one_of(st.none(), st.integers(min_value=0, max_value=50000)),
)
def test_what_the_sql_lets_out_owes_nothing_in_python(
    billed_after,
    paid_window,
    now_after,
    free_minutes,
    unit_minutes,
    unit_price,
    first_period,
    daily_cap,
):
    billing_from = ENTERED + timedelta(minutes=billed_after)
    session = ParkingSession(
        plate="ABC1234",
        entered_at=ENTERED,
        billing_from=billing_from,
        exit_allowed_until=None
        if paid_window is None
        else billing_from + timedelta(minutes=paid_window),
    )
    first_minutes, first_price = first_period
    rules = TariffRules(
        timezone=ZoneInfo("Asia/Taipei"),
        unit_minutes=unit_minutes,
        unit_price=unit_price,
        free_minutes=free_minutes,
        first_period_minutes=first_minutes,
        first_period_price=first_price if first_minutes else 0,
        daily_cap=daily_cap,
    )
    now = ENTERED + timedelta(seconds=now_after)

    if sql_lets_out(session, free_minutes, now):
        assert session_status(session, now, rules).exit_allowed


def test_the_sql_recognises_a_paid_window_and_free_minutes():
    session = ParkingSession(entered_at=ENTERED, billing_from=ENTERED, exit_allowed_until=None)
    assert sql_lets_out(session, 10, ENTERED + timedelta(minutes=10))
    assert not sql_lets_out(session, 10, ENTERED + timedelta(minutes=10, seconds=1))
    session.exit_allowed_until = ENTERED + timedelta(hours=2)
    assert sql_lets_out(session, 0, ENTERED + timedelta(hours=2))
    assert not sql_lets_out(session, 0, ENTERED + timedelta(hours=2, seconds=1))
