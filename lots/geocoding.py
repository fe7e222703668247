"""Typed addresses to coordinates, through geopy, when a geocoder is configured.

Off unless GEOCODER is set (GEOCODER=nominatim with GEOCODER_USER_AGENT), so
nothing leaves the server by default and tests never touch the network.
Answers are cached (Django's cache) for a day: the public Nominatim allows
one request a second, and people search for the same stations and streets.
"""

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from config.cache import UNREACHABLE, unreachable

CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str


class GeocoderUnavailable(Exception):
    """The geocoder did not answer (network, quota, timeout)."""


def geocoder_enabled() -> bool:
    return bool(settings.GEOCODER)


def geocode(address: str, *, language: str | None = None) -> Place | None:
    """The place an address names, or None if the geocoder knows none.

    Raises GeocoderUnavailable when the geocoder cannot be asked, and
    RuntimeError when none is configured (check `geocoder_enabled()` first).
    """
    if not geocoder_enabled():
        raise RuntimeError("no geocoder is configured (GEOCODER)")
    address = " ".join(address.split())
    key = "geocode:" + hashlib.sha256(f"{language}|{address}".encode()).hexdigest()
    try:
        cached = cache.get(key)
    except UNREACHABLE as error:
        unreachable("geocoding cache", error)
        cached = None
    if cached is not None:
        return Place(*cached) if cached else None
    try:
        location = _nominatim().geocode(
            address,
            exactly_one=True,
            language=language or False,
            country_codes=settings.GEOCODER_COUNTRY_CODES or None,
        )
    except GeopyError as exc:
        raise GeocoderUnavailable(str(exc)) from exc
    place = Place(location.latitude, location.longitude, location.address) if location else None
    kept = (place.latitude, place.longitude, place.label) if place else ()
    with contextlib.suppress(UNREACHABLE):  # logged when it was read
        cache.set(key, kept, CACHE_SECONDS)
    return place


def _nominatim() -> Nominatim:
    return Nominatim(
        user_agent=settings.GEOCODER_USER_AGENT,
        domain=settings.GEOCODER_DOMAIN,
        scheme=settings.GEOCODER_SCHEME,
        timeout=settings.GEOCODER_TIMEOUT,
    )
