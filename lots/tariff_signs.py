"""Read a Taiwanese lot's tariff sign ("30元/時，全程以半小時計費") into Tariff fields.

Open data sets publish each lot's tariff as the operator wrote it. The common
forms are read; anything else is left to the caller's default (see
docs/map.md for what is read and why). Only car prices count: motorcycle,
monthly, season and disabled-permit prices are ignored.

The readings, with prices in NT$ as printed:

- "30元/時", "計時30元", "每小時30元", "臨停:30/時", "汽車：30元/H": NT$30 per hour.
- "... 全程以半小時計費": billed per half hour, NT$15 each.
- "停車未滿1小時以1小時計，逾1小時以上者，未滿半小時以半小時計": the first hour
  is charged whole (NT$30), then per half hour (NT$15).
- "計次100元", "100元/次" alone: NT$100 per calendar day ("隔日另計").
  Beside an hourly price, the per-visit price caps the day.
- "當日最高200元", "每日上限200元": a daily maximum.
- "15分鐘內免費", "前30分鐘免費": free minutes.
- "小型車免費", "現況無收費": free.

Where a sign gives several hourly prices (by time of day, weekday or
holiday) the first printed is used: the model has one price per lot.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass

from .models import MAX_TARIFF_MINUTES, MAX_TARIFF_PRICE
from .money import to_minor

CURRENCY = "TWD"  # 元 on a Taiwanese sign

# A sentence ends at these; a clause (a part of a sentence) at commas too.
_SENTENCES = re.compile(r"[;。\n]")
_CLAUSES = re.compile(r"[,、]")
# Clauses about other vehicles, other kinds of tickets, or fees that are not parking.
_NOT_A_CAR_VISIT = re.compile(r"月|季|年|身障|大型|大客|貨車|遊覽|充電|電動|保管|違規|拖吊")
_MOTORCYCLE = re.compile(r"機車|重機")
_CAR = re.compile(r"小型車|汽車|小客車|轎車")
_SHARED = re.compile(r"\s*[/及與和、]\s*大?")

_NUMBER = r"(\d+(?:\.\d+)?)"
_HOURLY = [
    re.compile(_NUMBER + r"\s*元?\s*/\s*(?:小時|時|hr\b|h\b)", re.IGNORECASE),
    re.compile(r"每\s*小?時\s*" + _NUMBER + r"\s*元"),
    re.compile(r"計時\s*:?\s*(?:小型車|汽車)?\s*" + _NUMBER + r"\s*元(?!\s*/)"),
]
_HALF_HOURLY = [
    re.compile(_NUMBER + r"\s*元?\s*/\s*半小?時"),
    re.compile(r"每\s*半小?時\s*" + _NUMBER + r"\s*元"),
]
_PER_VISIT = [
    re.compile(r"(?:計次|每次)\s*:?\s*(?:小型車|汽車)?\s*" + _NUMBER + r"\s*元"),
    re.compile(_NUMBER + r"\s*元\s*/\s*次"),
]
_DAILY_CAP = re.compile(
    r"(?:當日|每日|單日|全日|當次)*\s*(?:最高|上限)\s*(?:收費)?\s*" + _NUMBER + r"\s*元"
)
_FREE_MINUTES = re.compile(
    r"(?:前|未滿|未逾|入場)?\s*" + _NUMBER + r"\s*分鐘\s*(?:內|以內)?\s*免費"
)
_FREE = re.compile(r"^(?:小型車|汽車)?\s*(?:免費|無收費)|無收費|不收費")
_FREE_HOURS = re.compile(r"前\s*" + _NUMBER + r"\s*小時\s*免費")
# Billing rules: "全程以半小時計費" (every half hour), and "逾1小時以上者，未滿半小時以半
# 小時計" (past the first hour, per half hour: so the first hour is charged whole).
_PER_HALF_HOUR = re.compile(r"全程\s*以?\s*半小時|^以?\s*半小時\s*計")
_FIRST_HOUR_THEN_HALF_HOURS = re.compile(r"(?:逾|超過)\s*(?:1|一)\s*小時.*半小時")
_FIRST_HOUR_WHOLE = re.compile(r"未滿\s*(?:1|一)\s*小時.*以\s*(?:1|一)\s*小時")
_HALF_HOURS_AFTER = re.compile(r"未滿\s*半小時\s*以\s*半小時")


@dataclass(frozen=True)
class SignTariff:
    """Tariff fields (prices in minor units of TWD), as `lots.models.Tariff` takes them."""

    free_minutes: int = 0
    first_period_minutes: int = 0
    first_period_price: int = 0
    unit_minutes: int = 60
    unit_price: int = 0
    daily_cap: int | None = None

    def as_fields(self) -> dict:
        return asdict(self)


def read_tariff_sign(text: str) -> SignTariff | None:
    """The car tariff a sign's text states, or None when it states none we can read.

    A sign whose minutes or prices a tariff cannot hold ("first 99999999999 hours
    free": a typing slip in the data) is not read either.
    """
    sign = _read(text)
    if sign is None or not _plausible(sign):
        return None
    return sign


def _plausible(sign: SignTariff) -> bool:
    minutes = (sign.free_minutes, sign.first_period_minutes, sign.unit_minutes)
    prices = (sign.first_period_price, sign.unit_price, sign.daily_cap or 0)
    return max(minutes) <= MAX_TARIFF_MINUTES and max(prices) <= MAX_TARIFF_PRICE


def _read(text: str) -> SignTariff | None:
    priced, rules = _car_clauses(_normalise(text))
    hourly = _first_price(priced, _HOURLY)
    half_hourly = _first_price(priced, _HALF_HOURLY)
    per_visit = _first_price(priced, _PER_VISIT)
    cap = _first_price(priced, [_DAILY_CAP])
    free_minutes = _free_minutes(priced)

    if hourly is None and half_hourly is not None:
        hourly = 2 * half_hourly
    if hourly is None:
        if per_visit is None:
            free = any(_FREE.search(clause) for clause in priced)
            return SignTariff(unit_minutes=60, unit_price=0) if free else None
        # A price per visit, the next day counted anew: an hour's price, capped per day.
        return SignTariff(
            free_minutes=free_minutes, unit_minutes=60, unit_price=per_visit, daily_cap=per_visit
        )
    daily_cap = cap if cap is not None else per_visit
    joined = ",".join(rules)
    if _FIRST_HOUR_THEN_HALF_HOURS.search(joined) or (
        _FIRST_HOUR_WHOLE.search(joined) and _HALF_HOURS_AFTER.search(joined)
    ):
        return SignTariff(
            free_minutes=free_minutes,
            first_period_minutes=60,
            first_period_price=hourly,
            unit_minutes=30,
            unit_price=hourly // 2,
            daily_cap=daily_cap,
        )
    if half_hourly is not None or any(_PER_HALF_HOUR.search(rule) for rule in rules):
        return SignTariff(
            free_minutes=free_minutes,
            unit_minutes=30,
            unit_price=half_hourly if half_hourly is not None else hourly // 2,
            daily_cap=daily_cap,
        )
    return SignTariff(
        free_minutes=free_minutes, unit_minutes=60, unit_price=hourly, daily_cap=daily_cap
    )


def _normalise(text: str) -> str:
    # Full-width forms to ASCII (："，" -> ":" ","), and "7,200" -> "7200".
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def _car_clauses(text: str) -> tuple[list[str], list[str]]:
    """The clauses that price a car's visit, and those that may state billing rules.

    Within a sentence, a clause naming motorcycles makes the prices after it
    motorcycle prices too, until a clause names cars again ("小型車30元/時，
    機車20元/次，臨停前1小時免費": the free hour is the motorcycles'). Billing
    rules ("未滿半小時以半小時計") are general unless they name a motorcycle.
    """
    priced, rules = [], []
    for sentence in _SENTENCES.split(text):
        motorcycle = False
        for clause in _CLAUSES.split(sentence):
            clause = clause.strip()
            if not clause or _NOT_A_CAR_VISIT.search(clause):
                continue
            car, moto = _CAR.search(clause), _MOTORCYCLE.search(clause)
            if car and moto and _SHARED.fullmatch(clause, car.end(), moto.start()):
                moto = None  # "小型車/大重機:20元/時": one price for both
            if car and moto:
                # "小型車20元機車10元" or the other way round: keep the car's part.
                after_car = moto.start() > car.start()
                priced.append(clause[: moto.start()] if after_car else clause[car.start() :])
                motorcycle = after_car
            elif car:
                priced.append(clause)
                motorcycle = False
            elif moto:
                motorcycle = True
            elif not motorcycle:
                priced.append(clause)
            if not moto:
                rules.append(clause)
    return priced, rules


def _first_price(clauses: list[str], patterns) -> int | None:
    for clause in clauses:
        for pattern in patterns:
            match = pattern.search(clause)
            if match:
                try:
                    return to_minor(match.group(1), CURRENCY)
                except ValueError:
                    continue
    return None


def _free_minutes(clauses: list[str]) -> int:
    for clause in clauses:
        if match := _FREE_MINUTES.search(clause):
            return int(float(match.group(1)))
        if match := _FREE_HOURS.search(clause):
            return int(float(match.group(1)) * 60)
    return 0
