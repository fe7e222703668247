from django import template

from lots.nearby import format_distance, fullness

register = template.Library()

# A lot's exit kiosk (the payments app serves it; DESIGN fixes the path).
KIOSK_URL = "/kiosk/{id}/"


@register.filter
def distance(metres: float) -> str:
    """850 m, 1.2 km."""
    return format_distance(metres)


@register.filter
def lot_fullness(lot) -> str:
    """plenty, few, full or unknown (no gates count it): the colour a lot is shown in."""
    return fullness(lot.available, lot.capacity, counted=lot.live_vacancy)


@register.filter
def kiosk_url(lot_id: int) -> str:
    return KIOSK_URL.format(id=lot_id)
