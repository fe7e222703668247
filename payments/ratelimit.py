"""Per-client rate limits in Django's cache, so every app server counts in the same place.

Fixed windows: each limit "N/S" allows N attempts per client in each window
of S seconds. Refused attempts count too, so a client hammering the kiosk stays
refused until the window turns.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from config.cache import UNREACHABLE, unreachable
from config.http import address_in, client_address, counted_client


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """'20/60' is 20 attempts a minute."""
        count, seconds = text.split("/")
        return cls(int(count), int(seconds))


def retry_after(scope: str, client: str, limits: list[Limit], *, now: datetime) -> int | None:
    """Count one attempt by `client`; seconds until it may try again if over a limit, else None.

    None too when the cache cannot be reached (config.cache): nothing is counted then.
    """
    try:
        return _counted(scope, client, limits, now)
    except UNREACHABLE as error:
        unreachable(f"rate limit {scope}", error)
        return None


def _counted(scope: str, client: str, limits: list[Limit], now: datetime) -> int | None:
    client_key = hashlib.sha256(client.encode()).hexdigest()[:32]
    wait = None
    for limit in limits:
        window = int(now.timestamp()) // limit.seconds
        key = f"ratelimit:{scope}:{limit.seconds}:{window}:{client_key}"
        cache.add(key, 0, timeout=limit.seconds + 1)
        try:
            attempts = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=limit.seconds + 1)
            attempts = 1
        if attempts > limit.count:
            seconds_left = (window + 1) * limit.seconds - int(now.timestamp())
            wait = max(wait or 0, seconds_left)
    return wait


def kiosk_search_retry_after(request: HttpRequest, *, now: datetime) -> int | None:
    """One kiosk plate search by this client: None if allowed, else seconds to wait."""
    return _kiosk_retry_after(request, "kiosk-search", settings.KIOSK_SEARCH_RATE_LIMITS, now)


def payment_start_retry_after(request: HttpRequest, *, now: datetime) -> int | None:
    """One payment started by this client: None if allowed, else seconds to wait.

    Each start may call the platform twice (close the checkout pending for the car,
    open another): unlimited, anyone could spend the platform's API rate limit for
    every driver, and close other drivers' checkouts as fast as they open them.
    """
    return _kiosk_retry_after(request, "payment-start", settings.KIOSK_PAYMENT_RATE_LIMITS, now)


def too_many_searches(seconds: int) -> str:
    """The search API's refusal."""
    return _wait_said(
        seconds,
        lambda n: ngettext(
            "Too many searches. Please wait %(seconds)s second.",
            "Too many searches. Please wait %(seconds)s seconds.",
            n,
        ),
        lambda n: ngettext(
            "Too many searches. Please wait %(minutes)s minute.",
            "Too many searches. Please wait %(minutes)s minutes.",
            n,
        ),
    )


def too_many_searches_here(seconds: int) -> str:
    """The kiosk page's: the driver's device is who is refused."""
    return _wait_said(
        seconds,
        lambda n: ngettext(
            "Too many searches from this device. Please wait %(seconds)s second.",
            "Too many searches from this device. Please wait %(seconds)s seconds.",
            n,
        ),
        lambda n: ngettext(
            "Too many searches from this device. Please wait %(minutes)s minute.",
            "Too many searches from this device. Please wait %(minutes)s minutes.",
            n,
        ),
    )


def too_many_payments(seconds: int) -> str:
    """payment_start_retry_after's, on the page and in the API."""
    return _wait_said(
        seconds,
        lambda n: ngettext(
            "Too many payment attempts from this device. Please wait %(seconds)s second.",
            "Too many payment attempts from this device. Please wait %(seconds)s seconds.",
            n,
        ),
        lambda n: ngettext(
            "Too many payment attempts from this device. Please wait %(minutes)s minute.",
            "Too many payment attempts from this device. Please wait %(minutes)s minutes.",
            n,
        ),
    )


def _wait_said(seconds: int, in_seconds, in_minutes) -> str:
    """A refusal in the request's language: a wait of up to a minute and a half in
    seconds, a longer one (an hourly limit) in minutes rounded up, not "3540 seconds"."""
    if seconds <= 90:
        return in_seconds(seconds) % {"seconds": seconds}
    minutes = math.ceil(seconds / 60)
    return in_minutes(minutes) % {"minutes": minutes}


def _kiosk_retry_after(
    request: HttpRequest, scope: str, limits: list[str], now: datetime
) -> int | None:
    # The lot's own kiosk terminals (KIOSK_TRUSTED_ADDRESSES) are not limited: a
    # busy exit would otherwise lock out the drivers queueing at it.
    if address_in(client_address(request), settings.KIOSK_TRUSTED_ADDRESSES):
        return None
    parsed = [Limit.parse(text) for text in limits]
    return retry_after(scope, counted_client(request), parsed, now=now)
