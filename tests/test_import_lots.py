"""manage.py import_lots: real open data in, every bad row reported, nothing loaded twice."""

import io
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lots import importing
from lots.management.commands.import_lots import ProgressBar
from lots.models import Lot, Tariff
from lots.services import LOT_OWNERS_GROUP

REAL_DATA = Path(__file__).resolve().parent.parent / "data" / "taiwan_parking_lots.csv"
HEADER = "source,source_id,name,address,lat,lng,capacity,tariff,hours\n"


def import_lots(*args) -> list[str]:
    out = StringIO()
    call_command("import_lots", *args, stdout=out)
    return out.getvalue().splitlines()


def csv_file(tmp_path, *rows: str) -> str:
    path = tmp_path / "lots.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_the_real_data_set_loads_and_every_bad_row_is_listed_with_its_reason(owner):
    out = import_lots(str(REAL_DATA), "--owner", "alice")

    assert Lot.objects.count() == 3481
    assert Tariff.objects.count() == 3481
    assert f"Loaded 3,481 of 3,691 rows from {REAL_DATA} for alice." in out
    summary = out[out.index("Skipped 210 rows:") + 1 :]
    assert summary == [
        "     103  no car spaces (capacity 0)",
        "      65  no capacity",
        "      30  same source and id as an earlier row",
        "      12  coordinates outside the bounding box",
    ]
    assert "  line 48: taipei - 帝樂文娜停車場: no capacity" in out
    assert any(
        line.startswith("  line ") and "coordinates outside the bounding box (0.0, 0.0)" in line
        for line in out
    )
    assert sum(line.startswith("  line ") for line in out) == 210
    assert set(Lot.objects.values_list("source", flat=True)) == {
        "taipei",
        "new_taipei",
        "taoyuan",
        "hsinchu",
    }
    assert not Lot.objects.exclude(owner=owner).exists()


def test_a_real_lot_is_imported_with_its_sign_read_into_a_tariff(owner):
    import_lots(str(REAL_DATA), "--owner", "alice")

    lot = Lot.objects.get(source="taipei", source_id="1823-6")
    assert (lot.name, lot.address, lot.capacity, lot.occupied) == (
        "公館路平面停車場",
        "公館路、西安路口",
        132,
        0,
    )
    assert (lot.latitude, lot.longitude) == (25.121221, 121.502896)
    assert (lot.currency, lot.timezone, lot.is_active) == ("TWD", "Asia/Taipei", True)
    # "30元/時，全程以半小時計費": NT$30 an hour, billed per half hour.
    assert lot.tariff.describe() == "NT$15 per 30 min"


def test_lots_without_an_id_in_the_data_get_a_stable_one(owner):
    import_lots(str(REAL_DATA), "--owner", "alice")

    hsinchu = Lot.objects.filter(source="hsinchu")
    assert hsinchu.count() > 50
    assert all(
        source_id.startswith("~") for source_id in hsinchu.values_list("source_id", flat=True)
    )
    lot = hsinchu.get(name="南門機械停車場")
    assert lot.source_id == importing.derived_source_id("南門機械停車場", 24.800005, 120.968525)


def test_importing_again_changes_nothing(owner):
    import_lots(str(REAL_DATA), "--owner", "alice")
    before = list(Lot.objects.order_by("id").values_list("id", "updated_at"))

    out = import_lots(str(REAL_DATA), "--owner", "alice")

    assert list(Lot.objects.order_by("id").values_list("id", "updated_at")) == before
    assert f"Loaded 0 of 3,691 rows from {REAL_DATA} for alice." in out
    assert "   3,481  already imported" in out
    # Lots already there are counted, not listed one by one (unless -v 2).
    assert sum(line.startswith("  line ") for line in out) == 210


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("taipei,1,No capacity,,25.04,121.51,,20元/時,", "no capacity"),
        ("taipei,2,Zero,,25.04,121.51,0,20元/時,", "no car spaces (capacity 0)"),
        ("taipei,3,Negative,,25.04,121.51,-5,20元/時,", "capacity is not a number of spaces (-5)"),
        ("taipei,4,Words,,25.04,121.51,many,20元/時,", "capacity is not a number of spaces (many)"),
        ("taipei,5,Huge,,25.04,121.51,5000000,,", "capacity is not a number of spaces (5000000)"),
        ("taipei,6,Null Island,,0,0,10,,", "coordinates outside the bounding box (0.0, 0.0)"),
        (
            "taipei,7,Pacific,,2.47,143.05,10,,",
            "coordinates outside the bounding box (2.47, 143.05)",
        ),
        (
            "taipei,8,Swapped,,121.51,25.04,10,,",
            "coordinates outside the bounding box (121.51, 25.04)",
        ),
        ("taipei,9,No position,,,,10,,", "coordinates are not numbers"),
        ("taipei,10,NaN,,nan,inf,10,,", "coordinates are not numbers (nan, inf)"),
        ("taipei,10,Text,,north,121,10,,", "coordinates are not numbers (north, 121)"),
        ("taipei,11,,,25.04,121.51,10,,", "no name"),
        (",12,No source,,25.04,121.51,10,,", "no source"),
        ("taipei,13," + "N" * 201 + ",,25.04,121.51,10,,", "a field is too long (name)"),
    ],
)
def test_each_bad_row_is_skipped_with_its_reason(owner, tmp_path, row, reason):
    path = csv_file(tmp_path, "taipei,100,Good Lot,1 Good Rd,25.04,121.51,10,20元/時,", row)

    out = import_lots(path, "--owner", "alice")

    assert list(Lot.objects.values_list("name", flat=True)) == ["Good Lot"]
    (listed,) = [line for line in out if line.startswith("  line 3: ")]
    assert listed.endswith(f": {reason}")


def test_a_second_row_with_the_same_source_and_id_is_skipped(owner, tmp_path):
    path = csv_file(
        tmp_path,
        "taipei,7,First,,25.04,121.51,10,,",
        "taipei,7,Second,,25.05,121.52,10,,",
        "new_taipei,7,Other city,,25.01,121.46,10,,",
    )

    out = import_lots(path, "--owner", "alice")

    assert sorted(Lot.objects.values_list("name", flat=True)) == ["First", "Other city"]
    assert "  line 3: taipei 7 Second: same source and id as an earlier row (line 2)" in out


def test_a_bounding_box_keeps_only_the_lots_inside(owner):
    # Taipei City and its near surroundings only.
    out = import_lots(str(REAL_DATA), "--owner", "alice", "--bbox", "121.45,24.96,121.67,25.21")

    loaded = Lot.objects.count()
    assert 1500 < loaded < 3481
    assert not Lot.objects.filter(source="hsinchu").exists()
    assert any(line.startswith(f"Loaded {loaded:,} of 3,691 rows") for line in out)


@pytest.mark.parametrize("bbox", ["121,25,120,26", "1,2,3", "west,south,east,north", "0,0,200,10"])
def test_a_bad_bounding_box_is_refused(owner, bbox):
    with pytest.raises(CommandError, match="bounding box"):
        import_lots(str(REAL_DATA), "--owner", "alice", "--bbox", bbox)
    assert not Lot.objects.exists()


def test_a_file_without_the_needed_columns_is_refused(owner, tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text("name,lat,lng\nA,25,121\n", encoding="utf-8")

    with pytest.raises(CommandError, match="missing columns: source, source_id, address"):
        import_lots(str(path), "--owner", "alice")


def test_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        import_lots(str(tmp_path / "nothing.csv"), "--owner", "alice")


def test_the_owner_is_created_when_missing(db, tmp_path):
    path = csv_file(tmp_path, "taipei,1,A,,25.04,121.51,10,,")

    out = import_lots(path, "--owner", "opendata")

    owner = get_user_model().objects.get(username="opendata")
    assert not owner.has_usable_password()
    assert owner.is_staff
    assert owner.groups.filter(name=LOT_OWNERS_GROUP).exists()
    assert Lot.objects.get().owner == owner
    assert out[0].startswith("Created owner opendata; set a password with: ")


def test_a_sign_that_cannot_be_read_gets_the_documented_default_tariff(owner, tmp_path):
    path = csv_file(tmp_path, "taipei,1,A,,25.04,121.51,10,本停車場為24小時計時收費。,")

    out = import_lots(path, "--owner", "alice")

    assert Lot.objects.get().tariff.describe() == "NT$30 per 60 min"
    assert "  tariff read from the sign: 0; default tariff (NT$30 per 60 min): 1" in out


def test_a_failure_halfway_loads_nothing(owner, monkeypatch):
    real_bulk_create = Tariff.objects.bulk_create
    calls = []

    def fail_on_the_third_batch(tariffs, *args, **kwargs):
        calls.append(len(tariffs))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_bulk_create(tariffs, *args, **kwargs)

    monkeypatch.setattr(Tariff.objects, "bulk_create", fail_on_the_third_batch)

    with pytest.raises(RuntimeError, match="disk full"):
        import_lots(str(REAL_DATA), "--owner", "alice")

    assert not Lot.objects.exists()
    assert not Tariff.objects.exists()


def test_the_progress_bar_draws_on_one_line():
    stream = io.StringIO()
    bar = ProgressBar(stream)

    for done in range(0, 201):
        bar.show("load", done, 200)
    bar.done()

    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 101  # redrawn once per percent, not per row
    assert frames[-1] == "Loading  [##############################] 200/200\n"
