"""How the admin shows times, money and photos: in the lot's zone and currency, escaped."""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from lots.money import format_money

DATE_TIME = "Y-m-d H:i"
EMPTY = "-"  # as Django's admin shows an empty value


def lot_time(value: datetime | None, lot, fmt: str = DATE_TIME) -> str:
    """`value` on the lot's wall clock (the owner's, wherever the server is)."""
    if value is None:
        return EMPTY
    return date_format(timezone.localtime(value, lot.zone), fmt)


def money(amount: int | None, currency: str) -> str:
    return EMPTY if amount is None else format_money(amount, currency)


def image_url(url: str) -> str | None:
    """`url` if it may be shown as an image: http(s) (a gate's camera), or our own media."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    own_media = settings.MEDIA_URL
    if not parts.scheme and not parts.netloc and own_media.startswith("/"):
        return url if url.startswith(own_media) else None
    return None
