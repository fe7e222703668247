"""Money is an integer in the currency's minor unit (ISO 4217); NT$20 is 2000 TWD."""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format

# ISO 4217's currency codes in use (list one, 2025; precious metals, testing and
# "no currency" codes left out). A lot counts money in one of them: a payment
# platform refuses any other, and compares the code it reports with ours.
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV
    BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
    HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR
    MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 (a table of codes reads better than quoted strings)
)

# The most an amount may be, in minor units: what the amount columns hold (bigint).
# A week in a lot that counts in Iranian rials (minor unit 1/100) passes the 2^31 of
# a plain integer column; nothing a stay can cost comes near this.
MAX_AMOUNT = 2**63 - 1

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENTS = {
    "BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3,
    "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0,
    "TND": 3, "UGX": 0, "UYI": 0, "UYW": 4, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip
_SYMBOLS = {"TWD": "NT$", "USD": "US$", "EUR": "€", "JPY": "¥", "GBP": "£", "HKD": "HK$"}


# Currencies whose minor unit no coin carries any more: a price is a whole number of this
# many minor units, or nobody could pay it at the booth. Taiwan's smallest coin is NT$1
# (the 50-cent coin left circulation long ago); Hungary's forint lost its fillér in 1999.
_COINS = {"TWD": 100, "HUF": 100}


class NotPayableInCash(ValueError):
    """An amount finer than the currency's smallest coin (NT$15.50)."""


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def smallest_coin(currency: str) -> int:
    """The least amount cash can pay in `currency`, in minor units (NT$1 is 100 TWD)."""
    return _COINS.get(currency.upper(), 1)


def in_coins(minor: int, currency: str) -> int:
    """`minor` rounded down to what cash can pay (a limit said as a price: NT$21,474,836)."""
    return minor - minor % smallest_coin(currency)


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """A price as printed on a sign ("30", "12.50") in minor units.

    Refuses negative amounts and fractions of a minor unit, and (NotPayableInCash)
    amounts finer than the currency's smallest coin.
    """
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"{amount!r} is not an amount") from exc
    if not value.is_finite():  # "Infinity" and "NaN" are Decimals too
        raise ValueError(f"{amount!r} is not an amount")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value() or minor < 0:
        raise ValueError(f"{amount} is not a non-negative amount in {currency}")
    if minor % smallest_coin(currency):
        coin = to_major(smallest_coin(currency), currency).normalize()
        raise NotPayableInCash(f"{amount} {currency}: prices are whole multiples of {coin}")
    return int(minor)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int, currency: str) -> str:
    """NT$20, NT$1,200, NT$12.50, US$3.10: whole amounts without decimals, as signs print them.

    The symbol leads in every language (Taiwan writes NT$30 in Chinese too); the
    digits are grouped and the decimals marked as the active language does.
    """
    value = to_major(minor, currency)
    places = 0 if value == value.to_integral_value() else exponent(currency)
    text = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{_SYMBOLS.get(currency.upper(), currency.upper() + ' ')}{text}"
