"""The owners' lots: what they see and change; capacity never below the cars inside."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from lots.models import Lot
from payments.models import Payment, SandboxCheckout

from .conftest import login, start_payment

LOTS = "/admin/lots/lot/"


def change_url(lot):
    return reverse("admin:lots_lot_change", args=[lot.pk])


def lot_form(lot, **changes):
    """What the lot's change form posts, unchanged unless `changes` say otherwise."""
    tariff = lot.tariff
    gates = list(lot.gates.order_by("pk"))
    data = {
        "name": lot.name,
        "address": lot.address,
        "latitude": lot.latitude,
        "longitude": lot.longitude,
        "capacity": lot.capacity,
        "timezone": lot.timezone,
        "is_active": "on" if lot.is_active else "",
        "tariff-TOTAL_FORMS": "1",
        "tariff-INITIAL_FORMS": "1",
        "tariff-MIN_NUM_FORMS": "1",
        "tariff-MAX_NUM_FORMS": "1",
        "tariff-0-id": tariff.pk,
        "tariff-0-lot": lot.pk,
        "tariff-0-free_minutes": tariff.free_minutes,
        "tariff-0-first_period_minutes": tariff.first_period_minutes,
        "tariff-0-first_period_price": "0",
        "tariff-0-unit_minutes": tariff.unit_minutes,
        "tariff-0-unit_price": "15",
        "tariff-0-daily_cap": "",
        "gates-TOTAL_FORMS": str(len(gates)),
        "gates-INITIAL_FORMS": str(len(gates)),
        "gates-MIN_NUM_FORMS": "0",
        "gates-MAX_NUM_FORMS": "1000",
    }
    # The gates table's rows, as the page posts them (read-only: ids only).
    for n, gate in enumerate(gates):
        data |= {f"gates-{n}-id": gate.pk, f"gates-{n}-lot": lot.pk}
    return data | changes


@pytest.fixture
def owner_client(client, owner):
    return login(client, owner)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("台北", ["臺北車站停車場", "台北101停車場"]),
        ("臺北", ["臺北車站停車場", "台北101停車場"]),
        ("台大 新生南路", ["國立臺灣大學停車場"]),  # words: name or address, each
        ("台中", []),
    ],
)
def test_a_lot_is_found_whether_tai_is_typed_as_tai_or_as_the_official_tai(
    owner_client, owner, other_owner, typed, found
):
    # People type 台北; official names, the open data's too, write 臺北.
    from .conftest import make_lot

    make_lot(owner, name="臺北車站停車場", address="臺北市中正區北平西路3號")
    make_lot(owner, name="台北101停車場", address="台北市信義區")
    make_lot(owner, name="國立臺灣大學停車場", address="臺大 新生南路三段")
    make_lot(other_owner, name="臺北他人停車場")

    response = owner_client.get(LOTS, {"q": typed})

    assert sorted(lot.name for lot in response.context["cl"].result_list) == sorted(found)


def test_the_owner_sees_their_lots_with_capacity_occupancy_and_tariff(
    owner_client, lot, gates, entry_gate, other_lot
):
    gates.enter(entry_gate, "ABC-1234")

    response = owner_client.get(LOTS)

    assert list(response.context["cl"].result_list) == [lot]
    html = response.content.decode()
    assert "1 River Rd" in html
    assert "free up to 10 min, NT$15 per 30 min" in html
    assert f'<a href="/admin/parking/parkingsession/?lot={lot.pk}">1</a>' in html
    assert '<td class="field-available">19</td>' in html
    assert "Bob&#x27;s Lot" not in html


def test_a_lot_without_an_entry_gate_reports_no_free_spaces(owner_client, lot, owner):
    # e.g. imported from open data: as on the map, its capacity is no count of free spaces
    response = owner_client.get(LOTS)

    html = response.content.decode()
    assert '<td class="field-available">not reported (no entry gate)</td>' in html
    page = owner_client.get(change_url(lot)).content.decode()
    assert "not reported (no entry gate)" in page


def test_the_lot_page_shows_its_tariff_in_prices_as_printed_and_its_gates(
    owner_client, lot, entry_gate
):
    response = owner_client.get(change_url(lot))

    html = response.content.decode()
    assert 'name="tariff-0-unit_price" value="15"' in html
    assert entry_gate.name in html
    assert entry_gate.token_hint in html
    assert entry_gate.token not in html


def test_the_owner_changes_the_lot_and_its_tariff_in_prices_as_printed(owner_client, owner, lot):
    response = owner_client.post(
        change_url(lot),
        lot_form(
            lot,
            name="Riverside North",
            **{"tariff-0-unit_price": "20", "tariff-0-daily_cap": "180"},
        ),
    )

    assert response.status_code == 302
    lot.refresh_from_db()
    lot.tariff.refresh_from_db()
    assert lot.name == "Riverside North"
    assert (lot.tariff.unit_price, lot.tariff.daily_cap) == (2000, 18000)
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert (entry.user, entry.object_id) == (owner, str(lot.pk))


def test_a_price_finer_than_the_currency_allows_is_refused(owner_client, lot):
    response = owner_client.post(change_url(lot), lot_form(lot, **{"tariff-0-unit_price": "1.005"}))

    assert response.status_code == 200
    assert "This is not an amount in TWD." in response.content.decode()
    lot.tariff.refresh_from_db()
    assert lot.tariff.unit_price == 1500


@pytest.mark.parametrize("field", ["unit_price", "first_period_price", "daily_cap"])
def test_a_price_in_new_taiwan_dollar_cents_is_refused(owner_client, lot, field):
    # Nobody can pay NT$15.50 at the booth: Taiwan's smallest coin is NT$1.
    changes = {f"tariff-0-{field}": "15.5", "tariff-0-first_period_minutes": "60"}

    response = owner_client.post(change_url(lot), lot_form(lot, **changes))

    assert response.status_code == 200
    assert "Prices in TWD are whole multiples of NT$1: no coin pays less." in (
        response.content.decode()
    )
    lot.tariff.refresh_from_db()
    assert (lot.tariff.unit_price, lot.tariff.first_period_minutes) == (1500, 0)


def test_the_capacity_cannot_go_below_the_cars_inside(owner_client, lot, gates, entry_gate):
    for plate in ("AAA-0001", "BBB-0002", "CCC-0003"):
        gates.enter(entry_gate, plate)

    refused = owner_client.post(change_url(lot), lot_form(lot, capacity=2))

    assert refused.status_code == 200
    assert (
        "3 vehicles are parked in this lot now: the capacity cannot be less."
        in refused.content.decode()
    )
    assert Lot.objects.get(pk=lot.pk).capacity == 20

    accepted = owner_client.post(change_url(lot), lot_form(lot, capacity=3))

    assert accepted.status_code == 302
    assert Lot.objects.get(pk=lot.pk).capacity == 3


def test_saving_a_lot_never_writes_back_the_occupancy_it_read(lot, gates, entry_gate):
    stale = Lot.objects.get(pk=lot.pk)
    gates.enter(entry_gate, "ABC-1234")

    stale.name = "Riverside North"
    stale.save()

    lot.refresh_from_db()
    assert (lot.name, lot.occupied) == ("Riverside North", 1)


def test_an_owner_neither_adds_nor_deletes_lots_nor_changes_owner_or_currency(
    owner_client, owner, other_owner, lot
):
    assert owner_client.get("/admin/lots/lot/add/").status_code == 403
    assert owner_client.post(reverse("admin:lots_lot_delete", args=[lot.pk])).status_code == 403

    owner_client.post(change_url(lot), lot_form(lot, owner=other_owner.pk, currency="USD"))

    lot.refresh_from_db()
    assert (lot.owner, lot.currency) == (owner, "TWD")


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_another_owners_lot_is_not_found(owner_client, other_lot, page):
    url = reverse(f"admin:lots_lot_{page}", args=[other_lot.pk])

    assert owner_client.get(url).status_code == 404
    response = owner_client.post(url, lot_form(other_lot, name="Mine now", post="yes"))

    assert response.status_code == 404
    other_lot.refresh_from_db()
    assert other_lot.name == "Bob's Lot"
    assert not LogEntry.objects.exists()


def test_lot_autocomplete_offers_only_the_owners_lots(owner_client, lot, other_lot):
    response = owner_client.get(
        "/admin/autocomplete/",
        {"app_label": "parking", "model_name": "gate", "field_name": "lot", "term": ""},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Riverside"]
    searched = owner_client.get(
        "/admin/autocomplete/",
        {"app_label": "parking", "model_name": "gate", "field_name": "lot", "term": "Bob"},
    )
    assert searched.json()["results"] == []


def test_a_superuser_sees_every_lot_and_may_give_one_to_a_new_owner(
    client, superuser, lot, other_lot, outsider
):
    superuser_client = login(client, superuser)
    response = superuser_client.get(LOTS)
    assert set(response.context["cl"].result_list) == {lot, other_lot}

    superuser_client.post(change_url(lot), lot_form(lot, owner=outsider.pk, currency="TWD"))

    lot.refresh_from_db()
    assert lot.owner == outsider
    outsider.refresh_from_db()
    assert outsider.is_staff
    assert outsider.groups.filter(name="Lot owners").exists()


def test_a_superuser_adds_a_lot_with_its_tariff_for_a_new_owner(client, superuser, outsider):
    response = login(client, superuser).post(
        "/admin/lots/lot/add/",
        {
            "name": "Ximen",
            "address": "10 Emei St",
            "latitude": "25.04212",
            "longitude": "121.50792",
            "capacity": "12",
            "timezone": "Asia/Taipei",
            "is_active": "on",
            "currency": "USD",
            "owner": outsider.pk,
            "tariff-TOTAL_FORMS": "1",
            "tariff-INITIAL_FORMS": "0",
            "tariff-MIN_NUM_FORMS": "1",
            "tariff-MAX_NUM_FORMS": "1",
            "tariff-0-free_minutes": "10",
            "tariff-0-first_period_minutes": "60",
            "tariff-0-first_period_price": "2.50",
            "tariff-0-unit_minutes": "60",
            "tariff-0-unit_price": "1.25",
            "tariff-0-daily_cap": "",
            "gates-TOTAL_FORMS": "0",
            "gates-INITIAL_FORMS": "0",
            "gates-MIN_NUM_FORMS": "0",
            "gates-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302
    lot = Lot.objects.get(name="Ximen")
    assert (lot.owner, lot.currency, lot.occupied) == (outsider, "USD", 0)
    assert (lot.tariff.first_period_price, lot.tariff.unit_price) == (250, 125)
    assert outsider.groups.filter(name="Lot owners").exists()


def test_a_mistyped_time_zone_is_explained_on_the_form(owner_client, lot, gates, entry_gate, clock):
    gates.enter(entry_gate, "ABC-1234")  # the gates table shows when it was last seen

    response = owner_client.post(change_url(lot), lot_form(lot, timezone="Asia/Taipie"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Asia/Taipie is not a known time zone." in html
    assert "2026-03-02 09:00" in html  # last seen, on the lot's own clock (the form's is wrong)
    assert Lot.objects.get(pk=lot.pk).timezone == "Asia/Taipei"


def test_a_first_period_price_without_its_length_is_explained(owner_client, lot):
    response = owner_client.post(
        change_url(lot),
        lot_form(
            lot, **{"tariff-0-first_period_minutes": "0", "tariff-0-first_period_price": "30"}
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A first period price needs the first period&#x27;s length" in html
    assert "tariff_first_period_price_needs_length" not in html
    lot.tariff.refresh_from_db()
    assert lot.tariff.first_period_price == 0


@pytest.mark.parametrize("field", ["free_minutes", "first_period_minutes", "unit_minutes"])
def test_minutes_past_a_month_are_refused_on_the_form(
    owner_client, lot, gates, entry_gate, exit_gate, clock, field
):
    # 99999999999 free minutes once made every fee of the lot fail: the exit gate,
    # the kiosk and this car list answered 500.
    gates.enter(entry_gate, "ABC-1234")

    response = owner_client.post(
        change_url(lot), lot_form(lot, **{f"tariff-0-{field}": "99999999999"})
    )

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 44640." in response.content.decode()
    lot.tariff.refresh_from_db()
    assert getattr(lot.tariff, field) == {"free_minutes": 10, "unit_minutes": 30}.get(field, 0)
    assert owner_client.get("/admin/parking/parkingsession/").status_code == 200
    assert gates.leave(exit_gate, "ABC-1234").status_code == 200


@pytest.mark.parametrize("field", ["unit_price", "first_period_price", "daily_cap"])
def test_a_price_past_the_largest_is_explained_in_the_signs_units(owner_client, lot, field):
    # The column's limit is 2,147,483,647 hundredths: a page saying "at most 2147483647"
    # to someone who typed 21474837 made no sense.
    changes = {f"tariff-0-{field}": "21474837", "tariff-0-first_period_minutes": "60"}

    response = owner_client.post(change_url(lot), lot_form(lot, **changes))

    assert response.status_code == 200
    assert "A price is at most NT$21,474,836." in response.content.decode()
    assert "2147483647" not in response.content.decode()
    lot.tariff.refresh_from_db()
    assert (lot.tariff.unit_price, lot.tariff.first_period_minutes) == (1500, 0)


def test_a_first_period_price_left_empty_is_none(owner_client, lot):
    response = owner_client.post(
        change_url(lot), lot_form(lot, **{"tariff-0-first_period_price": ""})
    )

    assert response.status_code == 302
    lot.tariff.refresh_from_db()
    assert (lot.tariff.first_period_price, lot.tariff.unit_price) == (0, 1500)


def test_the_history_names_changed_fields_in_the_readers_language(owner_client, lot):
    owner_client.post(
        change_url(lot), lot_form(lot, capacity="25", **{"tariff-0-daily_cap": "210"})
    )
    history = reverse("admin:lots_lot_history", args=[lot.pk])

    english = owner_client.get(history, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = owner_client.get(history, HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()

    assert "Changed Capacity" in english
    assert "Changed Daily maximum for tariff" in english
    # Django translates "Capacity"; the catalogue holds "capacity" (the verbose name).
    assert "總車位數" in chinese
    assert "的 當日上限 已修改" in chinese
    assert "Capacity" not in chinese
    assert "Daily maximum" not in chinese


def test_a_superuser_types_the_currency_in_any_case_and_only_an_iso_code(client, superuser, lot):
    superuser_client = login(client, superuser)

    superuser_client.post(change_url(lot), lot_form(lot, owner=lot.owner_id, currency="usd"))

    # Stored as platforms report it: a card payment's "USD" must match the lot's.
    assert Lot.objects.get(pk=lot.pk).currency == "USD"
    for typed in ("NT$", "XYZ"):
        response = superuser_client.post(
            change_url(lot), lot_form(lot, owner=lot.owner_id, currency=typed)
        )

        assert response.status_code == 200
        assert f"{typed} is not an ISO 4217 currency code" in response.content.decode()
        assert Lot.objects.get(pk=lot.pk).currency == "USD"


@pytest.mark.parametrize(("currency", "unit_price"), [("JPY", 15), ("KWD", 15000), ("USD", 1500)])
def test_a_new_currency_reads_the_prices_as_the_form_shows_them(
    client, superuser, lot, currency, unit_price
):
    # The form shows "15" (NT$15, stored as 1500 hundredths); with the currency changed
    # and the prices left as shown, the lot charges 15 of the new money, not 1,500 yen.
    superuser_client = login(client, superuser)

    response = superuser_client.post(
        change_url(lot), lot_form(lot, owner=lot.owner_id, currency=currency)
    )

    assert response.status_code == 302
    lot = Lot.objects.select_related("tariff").get(pk=lot.pk)
    assert (lot.currency, lot.tariff.unit_price) == (currency, unit_price)
    page = superuser_client.get(change_url(lot)).content.decode()
    assert 'name="tariff-0-unit_price" value="15"' in page


def test_codes_stored_before_in_lower_case_are_upper_cased_with_their_payments(client, parked, lot):
    start_payment(client, parked)
    Lot.objects.filter(pk=lot.pk).update(currency="twd")  # as the admin stored it before
    Payment.objects.update(currency="twd")
    SandboxCheckout.objects.update(currency="twd")  # open at the platform, reported as is

    import_module("lots.migrations.0003_lot_currency_iso_4217").upper_case_currencies(apps, None)
    import_module("payments.migrations.0005_payment_currency_upper_case").upper_case_currencies(
        apps, None
    )

    assert Lot.objects.get(pk=lot.pk).currency == "TWD"
    assert list(Payment.objects.values_list("currency", flat=True)) == ["TWD"]
    assert list(SandboxCheckout.objects.values_list("currency", flat=True)) == ["TWD"]


@pytest.mark.parametrize(("unit_price", "warned"), [("0.125", True), ("0.120", False)])
def test_prices_a_card_platform_cannot_charge_are_warned_of(
    client, superuser, lot, fake_stripe, unit_price, warned
):
    # Stripe takes three-decimal amounts in tens only: KWD 0.125 per unit makes fees
    # of 0.125, 0.375... that card payments refuse at the kiosk.
    superuser_client = login(client, superuser)
    form = lot_form(lot, owner=lot.owner_id, currency="KWD")

    response = superuser_client.post(
        change_url(lot), {**form, "tariff-0-unit_price": unit_price}, follow=True
    )

    assert Lot.objects.select_related("tariff").get(pk=lot.pk).tariff.unit_price == int(
        float(unit_price) * 1000
    )
    page = response.content.decode()
    assert ("Credit card (Stripe) cannot charge KWD 0.125 exactly" in page) == warned
    assert ('class="warning"' in page) == warned
