"""The one service that confirms payments, and payments recorded by hand."""

from datetime import timedelta

import pytest

from parking.models import ParkingSession
from payments.models import Payment, PaymentStatus
from payments.services import PaymentRefused, confirm_payment, record_manual_payment


@pytest.fixture
def parked(gates, entry_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    return ParkingSession.objects.select_related("lot").get(pk=session_id)


def pending_payment(session, clock, **fields):
    values = {
        "lot": session.lot,
        "session": session,
        "plate": session.plate,
        "billing_from": session.billing_from,
        "billing_until": clock.now(),
        "amount": 3000,
        "currency": "TWD",
        "provider": "sandbox",
        "created_at": clock.now(),
    }
    return Payment.objects.create(**(values | fields))


def test_a_confirmed_payment_lets_the_car_out_for_fifteen_minutes(parked, gates, exit_gate, clock):
    payment = pending_payment(parked, clock)

    confirmed = confirm_payment(payment.pk, paid_at=clock.now(), now=clock.now())

    assert confirmed.status == PaymentStatus.SUCCEEDED
    assert confirmed.paid_at == clock.now()
    assert confirmed.receipt_number.startswith(f"{clock.now():%Y%m%d}-")
    parked.refresh_from_db()
    assert parked.exit_allowed_until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=15)
    assert gates.leave(exit_gate, "ABC-1234").json()["code"] == "exit_granted"


def test_confirming_twice_changes_nothing_the_second_time(parked, clock):
    payment = pending_payment(parked, clock)
    first = confirm_payment(payment.pk, paid_at=clock.now(), now=clock.now())
    clock.advance(minutes=5)

    again = confirm_payment(payment.pk, paid_at=clock.now(), now=clock.now())

    assert (again.paid_at, again.receipt_number) == (first.paid_at, first.receipt_number)
    parked.refresh_from_db()
    assert parked.exit_allowed_until == first.paid_at + timedelta(minutes=15)


def test_money_taken_after_a_local_failure_still_counts(parked, clock):
    payment = pending_payment(parked, clock, status=PaymentStatus.FAILED, failure_reason="timeout")

    confirmed = confirm_payment(payment.pk, paid_at=clock.now(), now=clock.now())

    assert confirmed.status == PaymentStatus.SUCCEEDED
    assert confirmed.failure_reason == ""


def test_a_payment_for_a_car_that_left_stands_as_a_record(parked, gates, exit_gate, clock):
    payment = pending_payment(parked, clock)
    parked.delete()

    confirmed = confirm_payment(payment.pk, paid_at=clock.now(), now=clock.now())

    assert confirmed.status == PaymentStatus.SUCCEEDED
    assert confirmed.session is None
    assert (confirmed.plate, confirmed.amount) == ("ABC1234", 3000)


def test_a_manual_payment_records_the_amount_due_and_who_took_it(
    parked, owner, gates, exit_gate, clock
):
    payment = record_manual_payment(parked.pk, by=owner, now=clock.now())

    assert (payment.provider, payment.status, payment.amount) == ("manual", "succeeded", 3000)
    assert (payment.recorded_by, payment.paid_at, payment.plate) == (owner, clock.now(), "ABC1234")
    assert (payment.billing_from, payment.billing_until) == (parked.entered_at, clock.now())
    assert gates.leave(exit_gate, "ABC-1234").json()["code"] == "exit_granted"


def test_a_manual_payment_is_refused_when_nothing_is_due(gates, entry_gate, owner, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]

    with pytest.raises(PaymentRefused) as refused:
        record_manual_payment(session_id, by=owner, now=clock.now())

    assert refused.value.code == "nothing_due"
    assert not Payment.objects.exists()
