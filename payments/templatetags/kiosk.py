"""Money and durations as the kiosk shows them."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from lots.money import format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str) -> str:
    """`{{ payment.amount|money:payment.currency }}` -> NT$30."""
    return format_money(amount, currency)


@register.filter
def duration(length: timedelta) -> str:
    """A parking time as people read it: "45 min", "2 h 05 min"."""
    minutes = max(int(length.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
