"""Money, days, times and durations as the kiosk shows them, in the reader's language."""

import math
from datetime import timedelta

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from config.http import address_in, client_address
from config.i18n import translate_stored as _translate_stored
from lots.dates import clock_time, moment, short_day, short_day_time
from lots.money import format_money

register = template.Library()


@register.filter
def kiosk_terminal(request) -> bool:
    """Whether this page may be on a lot's kiosk terminal, and so starts over when idle.

    By default every kiosk page may be (KIOSK_IDLE_RESET=all): the next driver at a
    terminal must not see the last one's car or receipt. With KIOSK_IDLE_RESET=terminals
    only the addresses in KIOSK_TRUSTED_ADDRESSES are, and a driver's own phone keeps
    its page (its receipt says until when the car may leave). Opted into, not the
    default: a terminal whose address is not seen as listed (a proxy not named in
    CLIENT_IP_HEADER, a NAT) would then keep the last driver's receipt on show.
    """
    trusted = settings.KIOSK_TRUSTED_ADDRESSES
    if settings.KIOSK_IDLE_RESET != "terminals" or not trusted or request is None:
        return True
    return address_in(client_address(request), trusted)


@register.filter
def money(amount: int, currency: str) -> str:
    """`{{ payment.amount|money:payment.currency }}` -> NT$30."""
    return format_money(amount, currency)


@register.filter(name="short_day")
def short_day_filter(value) -> str:
    """Tue 24 Nov; 11月24日 (二). On the current time zone: wrap in {% timezone lot.timezone %}."""
    return short_day(value)


@register.filter(name="short_day_time")
def short_day_time_filter(value) -> str:
    """Tue 24 Nov, 09:05; 11月24日 (二) 09:05."""
    return short_day_time(value)


@register.filter
def clock(value) -> str:
    """09:05 (a 24-hour clock in every language)."""
    return clock_time(value) if value else ""


@register.filter
def when(value) -> str:
    """09:05 today; "Tue 3 Mar, 00:15" on another day (on the current time zone's clock)."""
    return moment(value) if value else ""


@register.filter
def translate_stored(text: str) -> str:
    """A stored message (a payment's failure reason) in the reader's language."""
    return _translate_stored(text)


@register.filter
def duration(length: timedelta) -> str:
    """A parking time as people read it: "45 min", "2 h 05 min".

    A minute begun counts, as a billing unit begun does: 3 h 00 min 54 s is "3 h 01
    min", beside a fourth hour charged, not "3 h 00 min", which read as overcharged.
    """
    minutes = max(math.ceil(length.total_seconds() / 60), 0)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
