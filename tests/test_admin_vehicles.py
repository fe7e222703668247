"""The owners' list of parked vehicles: what they see, plate correction, payment by hand, delete."""

import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.urls import reverse

from admin_portal.admin.filters import LOT_CHOICES_SHOWN
from admin_portal.logs import shown
from lots.models import Lot
from parking.models import Direction, GateEvent, ParkingSession
from payments.models import Payment
from payments.services import record_manual_payment

from .conftest import login, make_gate, make_lot, start_payment
from .test_gate_photos import image_bytes, upload

VEHICLES = "/admin/parking/parkingsession/"
CANNOT_DELETE_ABC = (
    "ABC1234 cannot be deleted: it is not paid (NT$30 due). Record its payment first."
)


def change_url(session):
    return reverse("admin:parking_parkingsession_change", args=[session.pk])


def park(gates, gate, plate, **fields) -> ParkingSession:
    response = gates.enter(gate, plate, **fields)
    assert response.status_code == 201, response.json()
    return ParkingSession.objects.select_related("lot").get(pk=response.json()["session_id"])


def act(client, action, *sessions, confirm=False):
    """Run a bulk action on the vehicle list, as its form (or its confirmation page) posts it."""
    data = {"action": action, "_selected_action": [str(session.pk) for session in sessions]}
    data.update({"post": "yes"} if confirm else {"index": "0"})
    return client.post(VEHICLES, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def occupied(lot) -> int:
    return Lot.objects.get(pk=lot.pk).occupied


@pytest.fixture
def owner_client(client, owner):
    return login(client, owner)


@pytest.fixture
def car(gates, entry_gate, clock):
    """ABC-1234 entered at 09:00; it is 10:00 now and NT$30 is due."""
    session = park(gates, entry_gate, "ABC-1234", photo_url="https://cam.example/abc.jpg")
    clock.advance(hours=1)
    return session


@pytest.fixture
def bobs_car(gates, other_lot, clock):
    return park(gates, make_gate(other_lot, Direction.ENTRY), "BOB-0001")


def test_the_owner_sees_each_car_with_photo_plate_entry_time_fee_and_status(owner_client, car):
    response = owner_client.get(VEHICLES)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<img src="https://cam.example/abc.jpg"' in html
    assert "ABC-1234" in html  # as the camera read it
    assert "2026-03-02 09:00" in html  # in the lot's time zone
    assert "NT$30" in html
    assert "Unpaid" in html


def test_the_list_says_when_the_driver_is_paying_online_now(owner_client, client, car, clock):
    # An owner about to take cash at the booth sees the driver is at a checkout.
    payment = start_payment(client, car).json()

    assert "Unpaid · paying online now" in owner_client.get(VEHICLES).content.decode()

    client.post(payment["redirect_url"], {"outcome": "decline"})  # the platform says no
    html = owner_client.get(VEHICLES).content.decode()
    assert "paying online now" not in html and "Unpaid" in html
    start_payment(client, car)
    clock.advance(minutes=36)  # past the checkout's lifetime: it can no longer be paid
    html = owner_client.get(VEHICLES).content.decode()
    assert "paying online now" not in html and "Unpaid" in html


def test_the_list_shows_only_the_owners_own_cars(owner_client, car, bobs_car):
    response = owner_client.get(VEHICLES)

    assert list(response.context["cl"].result_list) == [car]
    assert "BOB0001" not in response.content.decode()


def test_entry_times_are_shown_on_the_lots_own_clock(owner_client, owner, gates, clock):
    tokyo = make_lot(owner, name="Tokyo Lot", timezone="Asia/Tokyo")
    park(gates, make_gate(tokyo, Direction.ENTRY), "TKY-0001")

    assert "2026-03-02 10:00" in owner_client.get(VEHICLES).content.decode()


def test_an_uploaded_photo_is_shown_as_our_own_thumbnail(owner_client, client, entry_gate, clock):
    response = upload(client, entry_gate, image_bytes())
    assert response.status_code == 201
    session = ParkingSession.objects.get()

    html = owner_client.get(VEHICLES).content.decode()

    assert f'<img src="/media/{session.photo_thumbnail.name}"' in html
    assert f'<a href="{session.photo_url}"' in html


@pytest.mark.parametrize(
    "photo_url",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example/x.jpg", "file:///etc"],
)
def test_a_photo_url_that_is_not_http_or_our_media_is_not_shown(owner_client, car, photo_url):
    ParkingSession.objects.filter(pk=car.pk).update(photo_url=photo_url)

    html = owner_client.get(VEHICLES).content.decode()

    assert photo_url not in html
    assert "no photo" in html


def test_a_photo_url_is_escaped(owner_client, gates, entry_gate, clock):
    # The gate API refuses such a URL; the page must not trust stored data anyway.
    car = park(gates, entry_gate, "ABC-1234")
    ParkingSession.objects.filter(pk=car.pk).update(
        photo_url='https://cam.example/a.jpg"><script>alert(1)'
    )

    html = owner_client.get(VEHICLES).content.decode()

    assert "<script>alert(1)" not in html
    assert "https://cam.example/a.jpg&quot;&gt;&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("typed", ["abc-1234", "ABC 1234", "ＡＢＣ１２３４", "C12", "abc-"])
def test_searching_by_plate_finds_the_car_however_the_plate_is_typed(
    owner_client, car, gates, entry_gate, typed
):
    park(gates, entry_gate, "XYZ-9876")

    response = owner_client.get(VEHICLES, {"q": typed})

    assert list(response.context["cl"].result_list) == [car]


def test_searching_by_plate_lists_a_car_counted_twice_as_a_look_alike(
    owner_client, gates, entry_gate
):
    # An entry camera read one car twice, the second time as a look-alike: two records.
    first = park(gates, entry_gate, "LKA-1234")
    second = park(gates, entry_gate, "LKA-I234")
    park(gates, entry_gate, "XYZ-9876")

    response = owner_client.get(VEHICLES, {"q": "lka-1234"})

    assert set(response.context["cl"].result_list) == {first, second}


def test_a_car_counted_twice_loses_its_second_record_with_nothing_charged(
    owner_client, gates, entry_gate, lot, clock
):
    first = park(gates, entry_gate, "LKA-1234")
    clock.advance(seconds=2)
    second = park(gates, entry_gate, "LKA-I234")  # the same car, read again
    clock.advance(hours=1)  # both owe now: neither can be deleted

    asked = act(owner_client, "remove_counted_twice", second)
    page = asked.content.decode()
    assert "Remove vehicles counted twice?" in page
    assert "LKAI234 · " in page
    assert "entered 09:00:02; the same car as LKA1234 (entered 09:00:00), the record kept" in page
    assert ParkingSession.objects.count() == 2

    done = act(owner_client, "remove_counted_twice", second, confirm=True)

    assert messages_of(done) == ["Removed LKAI234, counted twice; its space is free again."]
    assert list(ParkingSession.objects.all()) == [first]
    assert occupied(lot) == 1
    assert not Payment.objects.exists()
    entry = LogEntry.objects.get(object_id=str(second.pk))
    assert (entry.action_flag, shown(entry)) == (DELETION, "Removed as counted twice with LKA1234.")
    # The record kept says so in its history, the one page an owner can still open.
    history = owner_client.get(reverse("admin:parking_parkingsession_history", args=[first.pk]))
    assert "Counted twice: the record of LKAI234 was removed." in history.content.decode()


def test_a_record_whose_driver_is_paying_online_is_not_removed_as_counted_twice(
    owner_client, client, gates, entry_gate, clock
):
    park(gates, entry_gate, "LKA-1234")
    clock.advance(seconds=2)
    second = park(gates, entry_gate, "LKA-I234")
    clock.advance(hours=1)
    assert start_payment(client, second).status_code == 201

    done = act(owner_client, "remove_counted_twice", second, confirm=True)

    assert messages_of(done) == [
        "Nothing was removed. LKAI234: its driver is paying online now. Wait until that ends."
    ]
    assert ParkingSession.objects.count() == 2


def test_a_car_with_no_look_alike_is_not_removed_as_counted_twice(
    owner_client, car, gates, entry_gate, lot
):
    park(gates, entry_gate, "XYZ-9876")

    done = act(owner_client, "remove_counted_twice", car, confirm=True)

    assert messages_of(done) == [
        "Nothing was removed. ABC1234 is not counted twice: no other car in this lot has a "
        "plate a camera could read as it."
    ]
    assert ParkingSession.objects.count() == 2
    assert occupied(lot) == 2


def test_the_first_record_of_a_car_counted_twice_is_the_one_kept(
    owner_client, gates, entry_gate, lot, clock
):
    first = park(gates, entry_gate, "LKA-1234")
    clock.advance(seconds=2)
    second = park(gates, entry_gate, "LKA-I234")

    # Both ticked, or the first alone: nothing is removed, and the owner is told which.
    for selected in [(first, second), (first,)]:
        done = act(owner_client, "remove_counted_twice", *selected, confirm=True)

        assert messages_of(done) == [
            "Nothing was removed. LKA1234 entered first, so it is the record kept: "
            "remove LKAI234 instead."
        ]
        assert ParkingSession.objects.count() == 2
    assert occupied(lot) == 2


def test_a_record_paid_for_is_kept_even_if_it_entered_second(
    owner_client, owner, gates, entry_gate, lot, clock
):
    # The driver paid at the kiosk for the record of the second read.
    first = park(gates, entry_gate, "WIN-5555")
    clock.advance(seconds=2)
    second = park(gates, entry_gate, "WIN-S555")
    clock.advance(hours=1)
    record_manual_payment(second.pk, by=owner, now=clock.now())

    refused = act(owner_client, "remove_counted_twice", second, confirm=True)
    assert messages_of(refused) == [
        "Nothing was removed. WINS555 has been paid for, so it is the record kept: "
        "remove WIN5555 instead."
    ]

    done = act(owner_client, "remove_counted_twice", first, confirm=True)

    assert messages_of(done) == ["Removed WIN5555, counted twice; its space is free again."]
    assert list(ParkingSession.objects.all()) == [second]
    # The driver who paid leaves without being asked again.
    assert gates.leave(make_gate(lot, "exit"), "WIN-5555").json()["code"] == "exit_granted"


def test_search_never_reaches_another_owners_cars(owner_client, car, bobs_car):
    response = owner_client.get(VEHICLES, {"q": "BOB0001"})

    assert list(response.context["cl"].result_list) == []


def test_the_list_filters_by_payment_status(owner_client, owner, gates, entry_gate, clock):
    unpaid = park(gates, entry_gate, "UNP-0001")
    paid = park(gates, entry_gate, "PAI-0001")
    expired = park(gates, entry_gate, "EXP-0001")
    clock.advance(hours=1)
    act(owner_client, "mark_paid_in_cash", expired, confirm=True)
    clock.advance(minutes=20)
    act(owner_client, "mark_paid_in_cash", paid, confirm=True)
    just_in = park(gates, entry_gate, "NEW-0001")  # inside its 10 free minutes

    def listed(payment):
        response = owner_client.get(VEHICLES, {"payment": payment})
        return set(response.context["cl"].result_list)

    assert listed("unpaid") == {unpaid, expired}
    assert listed("paid") == {paid}
    assert listed("free") == {just_in}
    assert listed("grace_expired") == {expired}
    # The filter and the row name the state alike.
    page = owner_client.get(VEHICLES, {"payment": "grace_expired"}).content.decode()
    assert "Unpaid: grace expired</a>" in page
    assert "Unpaid: grace expired at " in page


def test_an_overstay_that_costs_nothing_is_not_listed_as_unpaid(owner_client, owner, gates, clock):
    # "First hour NT$30, then free": paid, stayed past the window, owes nothing again.
    lot = make_lot(
        owner, name="Then free", free_minutes=0, first_period_minutes=60,
        first_period_price=3000, unit_minutes=30, unit_price=0,
    )  # fmt: skip
    car = park(gates, make_gate(lot, Direction.ENTRY), "FRE-0001")
    clock.advance(minutes=10)
    act(owner_client, "mark_paid_in_cash", car, confirm=True)
    assert Payment.objects.get().amount == 3000
    clock.advance(minutes=30)

    response = owner_client.get(VEHICLES, {"payment": "grace_expired"})

    assert list(response.context["cl"].result_list) == []
    listed = owner_client.get(VEHICLES).content.decode()
    assert "Nothing due<" in listed  # for good: no time it ends


def test_the_list_sorts_by_entry_time(owner_client, gates, entry_gate, clock):
    first = park(gates, entry_gate, "AAA-0001")
    clock.advance(minutes=5)
    second = park(gates, entry_gate, "BBB-0002")
    entered_column = 5  # photo, plate as read, plate, lot, entered

    oldest_first = owner_client.get(VEHICLES, {"o": f"{entered_column}"})
    newest_first = owner_client.get(VEHICLES, {"o": f"-{entered_column}"})

    assert list(oldest_first.context["cl"].result_list) == [first, second]
    assert list(newest_first.context["cl"].result_list) == [second, first]


# --- Plate correction


def test_the_owner_corrects_a_misread_plate_normalised_as_at_the_gate(owner_client, owner, car):
    response = owner_client.post(change_url(car), {"plate": "abc-1284"}, follow=True)

    assert response.status_code == 200
    car.refresh_from_db()
    assert (car.plate, car.plate_key, car.plate_as_read) == ("ABC1284", "A8C1284", "ABC-1234")
    entry = LogEntry.objects.get(object_id=str(car.pk), action_flag=CHANGE)
    assert entry.user == owner
    assert shown(entry) == "Corrected the plate from ABC1234 to ABC1284."


def test_a_plate_correction_clashing_with_another_car_in_the_lot_is_refused(
    owner_client, car, gates, entry_gate
):
    park(gates, entry_gate, "ABC-1284")

    response = owner_client.post(change_url(car), {"plate": "ABC 1284"})

    assert response.status_code == 200
    assert "Another vehicle with plate ABC1284 is parked in this lot." in response.content.decode()
    car.refresh_from_db()
    assert car.plate == "ABC1234"
    assert not LogEntry.objects.exists()


def test_a_plate_admitted_while_the_form_was_checked_is_refused_on_save(
    owner_client, car, gates, entry_gate, monkeypatch
):
    # The form's check passes; a gate admits that plate before the save.
    monkeypatch.setattr("admin_portal.forms.check_plate_free", lambda *args, **kwargs: None)
    park(gates, entry_gate, "ABC-1284")

    response = owner_client.post(change_url(car), {"plate": "ABC-1284"}, follow=True)

    assert response.redirect_chain[-1][0] == change_url(car)
    assert "Another vehicle with plate ABC1284 is parked in this lot." in messages_of(response)
    car.refresh_from_db()
    assert car.plate == "ABC1234"
    assert not LogEntry.objects.exists()


def test_the_same_plate_in_another_owners_lot_is_no_clash(owner_client, car, bobs_car):
    owner_client.post(change_url(car), {"plate": "BOB-0001"})

    car.refresh_from_db()
    assert car.plate == "BOB0001"


@pytest.mark.parametrize("typed", ["", "A", "ABC<1234>", "ABCDEFGHIJK"])
def test_a_plate_the_gate_would_refuse_is_refused(owner_client, car, typed):
    response = owner_client.post(change_url(car), {"plate": typed})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["plate"]
    car.refresh_from_db()
    assert car.plate == "ABC1234"


def test_correcting_the_plate_leaves_a_payment_made_meanwhile_alone(owner_client, car, clock):
    """The form writes the plate only, never the payment fields it read before."""
    act(owner_client, "mark_paid_in_cash", car, confirm=True)

    owner_client.post(change_url(car), {"plate": "ABC-1284"})

    car.refresh_from_db()
    assert car.exit_allowed_until == clock.now() + timedelta(minutes=15)


# --- Payment status set by hand


def test_marking_a_car_paid_in_cash_records_a_payment_and_the_exit_gate_opens(
    owner_client, owner, car, gates, exit_gate, clock
):
    response = act(owner_client, "mark_paid_in_cash", car, confirm=True)

    payment = Payment.objects.get()
    assert (payment.provider, payment.status, payment.amount) == ("manual", "succeeded", 3000)
    assert (payment.recorded_by, payment.session_id, payment.plate) == (owner, car.pk, "ABC1234")
    assert any("exit allowed until 10:15" in message for message in messages_of(response))
    assert "Paid, exit allowed until 10:15" in owner_client.get(VEHICLES).content.decode()
    vehicle_log = LogEntry.objects.get(object_id=str(car.pk), action_flag=CHANGE)
    payment_log = LogEntry.objects.get(object_id=str(payment.pk), action_flag=ADDITION)
    assert vehicle_log.user == payment_log.user == owner
    assert (
        shown(vehicle_log)
        == shown(payment_log)
        == (
            "Recorded NT$30 paid in cash (receipt "
            f"{payment.receipt_number}); exit allowed until 10:15."
        )
    )

    clock.advance(minutes=14)
    exit_response = gates.leave(exit_gate, "ABC-1234")
    assert (exit_response.status_code, exit_response.json()["code"]) == (200, "exit_granted")


def fee_runs_from(page: str) -> str:
    """The "fee runs from" of a vehicle's admin page, as shown."""
    match = re.search(r'field-fee_runs_from.*?<div class="readonly">([^<]*)</div>', page, re.S)
    return match.group(1)


def test_a_paid_cars_fee_runs_from_the_end_of_its_exit_window(owner_client, car, clock):
    assert fee_runs_from(owner_client.get(change_url(car)).content.decode()) == "2026-03-02 09:00"
    act(owner_client, "mark_paid_in_cash", car, confirm=True)  # at 10:00: out by 10:15

    page = owner_client.get(change_url(car)).content.decode()
    # Not from its entry: that period is paid.
    assert fee_runs_from(page) == "2026-03-02 10:15, if still inside then"

    clock.advance(minutes=20)  # it stayed on: a new fee runs from 10:15
    assert fee_runs_from(owner_client.get(change_url(car)).content.decode()) == "2026-03-02 10:15"


def test_marking_paid_in_cash_asks_first_with_what_each_car_owes_now(
    owner_client, car, gates, entry_gate, clock
):
    just_in = park(gates, entry_gate, "NEW-0001")  # inside its 10 free minutes

    asked = act(owner_client, "mark_paid_in_cash", car, just_in)

    page = asked.content.decode()
    assert "Record cash payments?" in page
    assert "ABC1234 · Riverside · NT$30 due now" in page
    assert "NEW0001 · Riverside · Nothing due until 10:10" in page  # the free minutes end
    assert "Yes, the cash was paid" in page
    assert not Payment.objects.exists()
    car.refresh_from_db()
    assert car.exit_allowed_until is None


@pytest.mark.parametrize(("grace", "said"), [(15, "15 minutes"), (1, "1 minute")])
def test_the_cash_question_says_how_long_the_exit_stays_open(
    owner_client, car, settings, grace, said
):
    settings.EXIT_GRACE_MINUTES = grace

    page = act(owner_client, "mark_paid_in_cash", car).content.decode()

    assert f"then lets them out for {said}. The amount" in page


def test_cash_is_recorded_at_the_amount_the_confirmation_showed_or_not_at_all(
    owner_client, car, clock
):
    asked = act(owner_client, "mark_paid_in_cash", car).content.decode()
    assert "ABC1234 · Riverside · NT$30 due now" in asked
    shown = dict(
        re.findall(r'<input type="hidden" name="(amount_shown_[^"]+)" value="(\d+)"', asked)
    )
    clock.advance(minutes=1)  # a third half hour starts while the cashier counts

    answer = {"action": "mark_paid_in_cash", "_selected_action": [str(car.pk)], "post": "yes"}
    response = owner_client.post(VEHICLES, answer | shown, follow=True)

    # The NT$30 taken is not recorded as NT$45: nothing is, and the cashier is told.
    assert not Payment.objects.exists()
    assert messages_of(response) == [
        "ABC1234: nothing was recorded. NT$45 is due now, not the amount shown: record it again."
    ]
    asked = act(owner_client, "mark_paid_in_cash", car).content.decode()
    shown = dict(
        re.findall(r'<input type="hidden" name="(amount_shown_[^"]+)" value="(\d+)"', asked)
    )
    owner_client.post(VEHICLES, answer | shown)
    assert Payment.objects.get().amount == 4500


def test_the_history_reads_in_the_readers_language_whoever_acted(owner_client, car, clock):
    # The cashier works in Chinese, the owner reads in English (and the other way round).
    owner_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-TW"
    act(owner_client, "mark_paid_in_cash", car, confirm=True)
    owner_client.post(change_url(car), {"plate": "abc-1284"})
    history = reverse("admin:parking_parkingsession_history", args=[car.pk])

    english = owner_client.get(history, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = owner_client.get(history, HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()

    assert "Recorded NT$30 paid in cash (receipt " in english
    assert "Corrected the plate from ABC1234 to ABC1284." in english
    assert "已登錄現金繳費 NT$30（收據 " in chinese
    assert "已將車牌從 ABC1234 更正為 ABC1284。" in chinese


def test_a_cars_history_is_kept_after_it_has_left(owner_client, car, gates, exit_gate, clock):
    # The next day: who corrected the plate, who took the cash? The car is gone.
    owner_client.post(change_url(car), {"plate": "abc-1284"})
    act(owner_client, "mark_paid_in_cash", car, confirm=True)
    assert gates.leave(exit_gate, "ABC-1284").json()["code"] == "exit_granted"
    assert owner_client.get(change_url(car)).status_code == 404  # no longer inside

    history = owner_client.get(reverse("admin:parking_parkingsession_history", args=[car.pk]))

    assert history.status_code == 200
    html = history.content.decode()
    assert "Corrected the plate from ABC1234 to ABC1284." in html
    assert "Recorded NT$30 paid in cash (receipt " in html
    assert "ABC1284 (has left the lot)" in html
    assert change_url(car) not in html  # no link to a page that is gone
    event = GateEvent.objects.get(direction="exit")
    event_page = owner_client.get(reverse("admin:parking_gateevent_change", args=[event.pk]))
    assert (
        f'<a href="{reverse("admin:parking_parkingsession_history", args=[car.pk])}">'
        "Has left the lot: its history</a>"
    ) in event_page.content.decode()


@pytest.mark.parametrize("who", ["another owner", "nobody"])
def test_the_history_of_a_car_that_left_another_owners_lot_is_not_found(
    owner_client, bobs_car, other_owner, gates, other_lot, clock, who
):
    clock.advance(hours=1)
    record_manual_payment(bobs_car.pk, by=other_owner, now=clock.now())
    assert gates.leave(make_gate(other_lot, Direction.EXIT), "BOB-0001").status_code == 200
    car_id = bobs_car.pk if who == "another owner" else uuid.uuid4()

    history = reverse("admin:parking_parkingsession_history", args=[car_id])

    assert owner_client.get(history).status_code == 404
    assert owner_client.get(history.replace(str(car_id), "not-a-car")).status_code == 404


@pytest.mark.parametrize("confirm", [False, True])
def test_a_car_with_nothing_due_is_not_marked_paid(owner_client, gates, entry_gate, clock, confirm):
    session = park(gates, entry_gate, "NEW-0001")

    response = act(owner_client, "mark_paid_in_cash", session, confirm=confirm)

    assert not Payment.objects.exists()
    assert "NEW0001: Nothing is due for this vehicle." in messages_of(response)
    # Not asked to confirm a payment there is nothing to pay for.
    assert "Yes, the cash was paid" not in response.content.decode()


def test_marking_a_paid_car_unpaid_asks_first_then_the_exit_gate_asks_for_money(
    owner_client, owner, car, gates, exit_gate, clock
):
    act(owner_client, "mark_paid_in_cash", car, confirm=True)
    clock.advance(minutes=5)

    asked = act(owner_client, "mark_unpaid", car)
    assert "Mark vehicles unpaid?" in asked.content.decode()
    car.refresh_from_db()
    assert car.exit_allowed_until is not None

    act(owner_client, "mark_unpaid", car, confirm=True)

    car.refresh_from_db()
    assert car.exit_allowed_until is None
    assert car.billing_from == car.entered_at  # as if the grant had never been made
    response = gates.leave(exit_gate, "ABC-1234")
    assert (response.status_code, response.json()["amount_due"]) == (402, 4500)
    # The cash was recorded by mistake: its record is voided, not counted as taken.
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == (
        "voided",
        "Voided in the admin: recorded by mistake.",
    )
    said = (
        "Marked unpaid: took back the exit grant until 10:15 and voided the cash payment "
        f"{payment.receipt_number}; NT$45 due now."
    )
    entry = LogEntry.objects.filter(object_id=str(car.pk), action_flag=CHANGE).latest("pk")
    assert (entry.user, shown(entry)) == (owner, said)
    payment_entry = LogEntry.objects.get(object_id=str(payment.pk), action_flag=CHANGE)
    assert shown(payment_entry) == said
    assert "voided" in owner_client.get("/admin/payments/payment/").content.decode()


def test_a_car_paid_online_marked_unpaid_keeps_its_payment(owner_client, client, car, clock):
    payment = start_payment(client, car).json()
    client.post(payment["redirect_url"], {"outcome": "succeed"})  # money really taken

    act(owner_client, "mark_unpaid", car, confirm=True)

    car.refresh_from_db()
    assert car.exit_allowed_until is None
    assert Payment.objects.get().status == "succeeded"  # a refund is a separate act


def test_an_unpaid_car_cannot_be_marked_unpaid(owner_client, car):
    response = act(owner_client, "mark_unpaid", car)

    assert "ABC1234 has no exit grant to take back." in messages_of(response)
    assert not LogEntry.objects.exists()


def test_the_cars_page_offers_the_payment_action_that_fits(owner_client, car):
    html = owner_client.get(change_url(car)).content.decode()
    assert "Mark paid in cash (NT$30)" in html
    assert "Mark unpaid" not in html

    act(owner_client, "mark_paid_in_cash", car, confirm=True)

    html = owner_client.get(change_url(car)).content.decode()
    assert "Mark paid in cash" not in html
    assert "Mark unpaid" in html


# --- Deleting: paid cars only, freeing their space


def test_deleting_a_paid_car_frees_its_space_and_keeps_its_payment(owner_client, owner, car, lot):
    act(owner_client, "mark_paid_in_cash", car, confirm=True)
    assert occupied(lot) == 1

    response = owner_client.post(
        reverse("admin:parking_parkingsession_delete", args=[car.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not ParkingSession.objects.exists()
    assert occupied(lot) == 0
    payment = Payment.objects.get()
    assert (payment.session, payment.plate) == (None, "ABC1234")
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert (entry.user, entry.object_repr, entry.object_id) == (owner, "ABC1234", str(car.pk))


def test_a_car_inside_its_free_minutes_can_be_deleted(owner_client, gates, entry_gate, lot):
    session = park(gates, entry_gate, "NEW-0001")

    owner_client.post(
        reverse("admin:parking_parkingsession_delete", args=[session.pk]), {"post": "yes"}
    )

    assert not ParkingSession.objects.exists()
    assert occupied(lot) == 0


def test_an_unpaid_car_cannot_be_deleted_and_its_page_says_why(owner_client, car, lot):
    page = owner_client.get(change_url(car)).content.decode()
    assert (
        "ABC1234 cannot be deleted: it is not paid (NT$30 due). Record its payment first." in page
    )
    assert reverse("admin:parking_parkingsession_delete", args=[car.pk]) not in page

    for method in (owner_client.get, owner_client.post):
        response = method(
            reverse("admin:parking_parkingsession_delete", args=[car.pk]),
            {"post": "yes"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == change_url(car)
        assert CANNOT_DELETE_ABC in messages_of(response)

    assert ParkingSession.objects.filter(pk=car.pk).exists()
    assert occupied(lot) == 1
    assert not LogEntry.objects.exists()


def test_the_bulk_delete_refuses_them_all_if_one_is_unpaid(
    owner_client, car, gates, entry_gate, lot
):
    paid = park(gates, entry_gate, "PAI-0001")
    act(owner_client, "mark_paid_in_cash", paid, confirm=True)

    for confirm in (False, True):
        response = act(owner_client, "delete_paid_vehicles", car, paid, confirm=confirm)
        assert any(
            "Nothing was deleted. ABC1234 cannot be deleted: it is not paid (NT$30 due)." in m
            for m in messages_of(response)
        )

    assert ParkingSession.objects.count() == 2
    assert occupied(lot) == 2


def test_the_bulk_delete_asks_first_then_frees_each_space(
    owner_client, owner, car, gates, entry_gate, lot
):
    free = park(gates, entry_gate, "NEW-0001")
    act(owner_client, "mark_paid_in_cash", car, confirm=True)

    asked = act(owner_client, "delete_paid_vehicles", car, free)
    assert "Delete vehicles?" in asked.content.decode()
    assert ParkingSession.objects.count() == 2

    done = act(owner_client, "delete_paid_vehicles", car, free, confirm=True)

    assert not ParkingSession.objects.exists()
    assert occupied(lot) == 0
    assert "Deleted ABC1234, NEW0001; their spaces are free again." in messages_of(done)
    assert set(
        LogEntry.objects.filter(action_flag=DELETION).values_list("object_repr", "user")
    ) == {
        ("ABC1234", owner.pk),
        ("NEW0001", owner.pk),
    }


def test_the_bulk_delete_of_one_car_speaks_of_one(owner_client, gates, entry_gate, lot):
    free = park(gates, entry_gate, "NEW-0001")

    done = act(owner_client, "delete_paid_vehicles", free, confirm=True)

    assert "Deleted NEW0001; its space is free again." in messages_of(done)


def test_djangos_own_delete_action_is_not_offered(owner_client, car):
    response = owner_client.get(VEHICLES)

    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "delete_paid_vehicles" in actions


def test_cars_cannot_be_added_by_hand(owner_client, superuser, client):
    assert owner_client.get("/admin/parking/parkingsession/add/").status_code == 403
    assert login(client, superuser).get("/admin/parking/parkingsession/add/").status_code == 403


# --- Another owner's cars


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_owners_car_is_not_found(owner_client, bobs_car, page):
    url = reverse(f"admin:parking_parkingsession_{page}", args=[bobs_car.pk])

    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {"plate": "HIJ-0001", "post": "yes"}).status_code == 404

    bobs_car.refresh_from_db()
    assert bobs_car.plate == "BOB0001"
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("action", "bob_has_paid"),
    [("mark_paid_in_cash", False), ("mark_unpaid", True), ("delete_paid_vehicles", True)],
)
def test_bulk_actions_never_touch_another_owners_car(
    owner_client, other_owner, bobs_car, other_lot, action, bob_has_paid, clock
):
    clock.advance(hours=2)
    if bob_has_paid:
        record_manual_payment(bobs_car.pk, by=other_owner, now=clock.now())
    bobs_car.refresh_from_db()
    before = (bobs_car.exit_allowed_until, Payment.objects.count())

    act(owner_client, action, bobs_car)
    act(owner_client, action, bobs_car, confirm=True)

    bobs_car.refresh_from_db()
    assert (bobs_car.exit_allowed_until, Payment.objects.count()) == before
    assert occupied(other_lot) == 1
    assert not LogEntry.objects.exists()


def test_the_lot_filter_offers_lots_with_cars_first_among_many(client, superuser, owner, car, lot):
    # After an open-data import a superuser sees thousands of lots; the first hundred
    # names were all imported lots without a car, and Riverside was not offered.
    for n in range(LOT_CHOICES_SHOWN):
        make_lot(owner, name=f"Imported {n:03d}")

    response = login(client, superuser).get(VEHICLES)

    lot_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "lot")
    assert lot_filter.lookup_choices[0] == (str(lot.pk), "Riverside")
    assert len(lot_filter.lookup_choices) == LOT_CHOICES_SHOWN


def test_the_lot_filter_offers_only_the_owners_lots_and_another_owners_is_not_found(
    owner_client, car, lot, bobs_car, other_lot
):
    response = owner_client.get(VEHICLES)
    lot_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "lot")
    assert lot_filter.lookup_choices == [(str(lot.pk), "Riverside")]

    assert owner_client.get(VEHICLES, {"lot": lot.pk}).status_code == 200
    assert owner_client.get(VEHICLES, {"lot": other_lot.pk}).status_code == 404
    assert owner_client.get(VEHICLES, {"lot": "x"}).status_code == 404
    crafted = owner_client.get(VEHICLES, {"lot__id__exact": other_lot.pk})
    assert list(crafted.context["cl"].result_list) == []


def test_the_superuser_sees_every_owners_cars(client, superuser, car, bobs_car):
    response = login(client, superuser).get(VEHICLES)

    assert set(response.context["cl"].result_list) == {car, bobs_car}


def test_the_list_costs_the_same_queries_for_any_number_of_cars(
    owner_client, gates, entry_gate, clock, django_assert_max_num_queries
):
    for number in range(20):  # the lot's capacity
        park(gates, entry_gate, f"CAR{number:04d}")
    clock.advance(hours=1)

    with django_assert_max_num_queries(10):
        assert owner_client.get(VEHICLES).status_code == 200


def test_either_answer_to_a_confirmation_goes_back_to_the_list_as_searched(
    owner_client, car, gates, entry_gate
):
    other = park(gates, entry_gate, "NEW-0001")
    searched = f"{VEHICLES}?q=abc"
    data = {"action": "mark_paid_in_cash", "_selected_action": [str(car.pk)]}

    asked = owner_client.post(searched, data | {"index": "0"})
    back = re.search(r'<a href="([^"]*)" class="button cancel-link">', asked.content.decode())
    listed = owner_client.get(back.group(1).replace("&amp;", "&"))
    assert [row.plate for row in listed.context["cl"].result_list] == ["ABC1234"]

    done = owner_client.post(searched, data | {"post": "yes"}, follow=True)
    assert done.redirect_chain[-1][0] == searched
    assert [row.plate for row in done.context["cl"].result_list] == ["ABC1234"]
    assert other.plate not in [row.plate for row in done.context["cl"].result_list]
