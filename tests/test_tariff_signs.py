"""Reading the tariff texts of Taiwan's open data (as printed on the lots' signs)."""

import pytest

from lots.tariff_signs import SignTariff, read_tariff_sign


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NT$30 an hour, billed per half hour.
        (
            "30元/時，全程以半小時計費，月租：7,200元/月，全日里民優惠月票最高售價5,760元/月",
            SignTariff(unit_minutes=30, unit_price=1500),
        ),
        # First hour whole, then per half hour; motorcycles' cap and towing fees are not ours.
        (
            "小型車150元/時，機車30元/時(當日最高50元)，停車未滿1小時以1小時計，逾1小時以上者，"
            "未滿半小時以半小時計。全日10,000元/月。違規停車保管費:汽車半日100元/次，機車半日25元/次。",
            SignTariff(
                first_period_minutes=60, first_period_price=15000, unit_minutes=30, unit_price=7500
            ),
        ),
        (
            "每小時60元，停車時數未滿1小時者，以1小時收費。停車時數逾1小時以上，其超過之不滿1小時部分，"
            "如未逾半小時者以半小時計算。",
            SignTariff(
                first_period_minutes=60, first_period_price=6000, unit_minutes=30, unit_price=3000
            ),
        ),
        # New Taipei's form: per hour.
        ("小型車計時80元;小型車月租8000元;", SignTariff(unit_minutes=60, unit_price=8000)),
        ("小型車計時20元;小型車月租4000元;機車免費;", SignTariff(unit_price=2000)),
        ("小型車-臨停:30/時，機車-臨停:30/次，小型車-月租:2000/月", SignTariff(unit_price=3000)),
        ("汽車：20元/H", SignTariff(unit_price=2000)),
        # Free minutes.
        (
            "40元/時，全程以半小時計費，入場未滿15分鐘免費",
            SignTariff(free_minutes=15, unit_minutes=30, unit_price=2000),
        ),
        # A per-visit price beside an hourly one caps the day; alone it is the day's price.
        (
            "小型車30元/時，停車全程以半小時計;計次:600元/次，隔日另計;月租:全日7,200元。"
            "機車:20元/次，隔日另計，臨停前1小時免費;月租2400元/月。",
            SignTariff(unit_minutes=30, unit_price=1500, daily_cap=60000),
        ),
        ("計次50元", SignTariff(unit_price=5000, daily_cap=5000)),
        ("臨時票：每日每次70元", SignTariff(unit_price=7000, daily_cap=7000)),
        # Shared with heavy motorcycles; EV charging surcharges are not parking.
        (
            "計時:小型車/大重機:20元/時，停放於充電格位之車輛，加收10元/時；機車:10元/時"
            "(當日當次上限20元，跨日另計)；全程半小時",
            SignTariff(unit_minutes=30, unit_price=1000),
        ),
        # Time-of-day prices: the first printed.
        (
            "計時:30元/時(08-18)，10元/時(18-08)，停車逾1小時以上者，未滿半小時以半小時計費",
            SignTariff(
                first_period_minutes=60, first_period_price=3000, unit_minutes=30, unit_price=1500
            ),
        ),
        ("當日最高200元，計時40元", SignTariff(unit_price=4000, daily_cap=20000)),
        ("小型車免費;", SignTariff(unit_price=0)),
    ],
)
def test_a_sign_is_read_into_a_tariff(text, expected):
    assert read_tariff_sign(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "小型車月租2500元;",
        "本停車場為24小時計時收費。",
        "機車：20元/次",
        "機車免費;",
        "2000元/月，6000元/季，10800元/半年，19200元/年",
        # Typing slips a tariff cannot hold (the lot gets the default tariff instead).
        "99999999999分鐘內免費，每小時30元",
        "每小時99999999999元",
        "每小時30元，當日最高99999999999元",
    ],
)
def test_a_sign_without_a_car_price_is_not_read(text):
    assert read_tariff_sign(text) is None
