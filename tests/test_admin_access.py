"""Who gets into the admin, and what each persona sees there."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from admin_portal import demo
from admin_portal.roles import LOT_OWNER_PERMISSIONS
from parking.models import Direction, ParkingSession

from .conftest import login, make_gate

ADMIN_PAGES = [
    "/admin/",
    "/admin/lots/lot/",
    "/admin/parking/gate/",
    "/admin/parking/parkingsession/",
    "/admin/parking/gateevent/",
    "/admin/payments/payment/",
    "/admin/payments/payment/export.csv",
]


def test_the_lot_owners_group_comes_with_its_permissions(db):
    group = Group.objects.get(name="Lot owners")

    permissions = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert permissions == set(LOT_OWNER_PERMISSIONS)


def test_create_lot_makes_its_owner_a_lot_owner(db):
    call_command(
        "create_lot", "--name", "Zhongshan", "--lat", "25.05", "--lng", "121.52",
        "--capacity", "80", "--owner", "carol", stdout=StringIO(),
    )  # fmt: skip

    carol = get_user_model().objects.get(username="carol")
    assert carol.is_staff
    assert list(carol.groups.values_list("name", flat=True)) == ["Lot owners"]


def test_create_lot_makes_an_existing_user_a_lot_owner(outsider):
    out = StringIO()
    call_command(
        "create_lot", "--name", "Ximen", "--lat", "25.04", "--lng", "121.50",
        "--capacity", "12", "--owner", "charlie", stdout=out,
    )  # fmt: skip

    outsider.refresh_from_db()
    assert outsider.is_staff
    assert outsider.groups.filter(name="Lot owners").exists()
    assert 'charlie is now a lot owner ("Lot owners" group).' in out.getvalue()


def test_the_demo_owner_is_a_lot_owner_and_sees_the_demo_lots(client, db):
    demo_lots = demo.seed(timezone.now())

    owner = get_user_model().objects.get(username=demo.OWNER[0])
    assert owner.groups.filter(name="Lot owners").exists()
    assert client.login(username=demo.OWNER[0], password=demo.OWNER[1])
    response = client.get("/admin/lots/lot/")
    assert {lot.pk for lot in response.context["cl"].result_list} == {
        item.lot.pk for item in demo_lots
    }
    vehicles = client.get("/admin/parking/parkingsession/")
    assert vehicles.context["cl"].result_count == ParkingSession.objects.count() > 0


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_outsider_is_sent_to_the_login_page(client, outsider, url):
    response = login(client, outsider).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_outsider_changes_nothing_by_posting(client, outsider, gates, entry_gate, clock):
    session_id = gates.enter(entry_gate, "ABC-1234").json()["session_id"]
    clock.advance(hours=1)
    outsider_client = login(client, outsider)

    outsider_client.post(
        reverse("admin:parking_parkingsession_change", args=[session_id]), {"plate": "XYZ-1"}
    )
    outsider_client.post(  # as the confirmation page posts it
        "/admin/parking/parkingsession/",
        {"action": "mark_paid_in_cash", "_selected_action": [session_id], "post": "yes"},
    )

    session = ParkingSession.objects.get(pk=session_id)
    assert (session.plate, session.exit_allowed_until) == ("ABC1234", None)


def test_an_owner_sees_lots_parking_and_payments_and_no_user_accounts(client, owner):
    response = login(client, owner).get("/admin/")

    apps = [app["app_label"] for app in response.context["app_list"]]
    assert apps == ["lots", "parking", "payments"]
    assert login(client, owner).get("/admin/auth/user/").status_code == 403


def test_staff_outside_the_lot_owners_group_may_do_nothing(client, owner, lot):
    owner.groups.clear()

    response = login(client, owner).get("/admin/")

    assert response.context["app_list"] == []
    assert client.get("/admin/lots/lot/").status_code == 403


def test_the_superuser_sees_everything(client, superuser):
    response = login(client, superuser).get("/admin/")

    apps = [app["app_label"] for app in response.context["app_list"]]
    assert apps == ["lots", "parking", "payments", "auth"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/parking/gate/",
        "/admin/parking/parkingsession/",
        "/admin/parking/gateevent/",
        "/admin/payments/payment/",
        "/admin/payments/payment/export.csv",
    ],
)
def test_filtering_a_list_by_another_owners_lot_is_not_found(client, owner, lot, other_lot, url):
    owner_client = login(client, owner)

    assert owner_client.get(url, {"lot": lot.pk}).status_code == 200
    assert owner_client.get(url, {"lot": other_lot.pk}).status_code == 404


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "mine", "theirs"),
    [
        ("gate", "lot", "", "Riverside", "Bob's Lot"),
        ("parkingsession", "entry_gate", "entry", "Riverside · entry 1 (entry)",
         "Bob's Lot · entry 1 (entry)"),
        ("payment", "session", "AB", "ABC1234", "ABD5678"),
    ],
)  # fmt: skip
def test_autocomplete_offers_only_the_owners_objects(
    client, owner, gates, entry_gate, other_lot, model_name, field_name, term, mine, theirs
):
    gates.enter(entry_gate, "ABC-1234")
    gates.enter(make_gate(other_lot, Direction.ENTRY), "ABD-5678")
    app_label = "payments" if model_name == "payment" else "parking"

    response = login(client, owner).get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name,
         "term": term},
    )  # fmt: skip

    found = [result["text"] for result in response.json()["results"]]
    assert mine in found
    assert theirs not in found


def test_a_per_process_cache_is_flagged_for_production(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    messages = run_checks(include_deployment_checks=True)

    assert "admin_portal.W001" in {message.id for message in messages}
