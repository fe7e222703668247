"""The public map: nearby lots with live vacancy.

Server-rendered, so it reads without JavaScript (`/?lat=&lng=` lists the lots
near a point); static/js/map.js adds the Leaflet map, geolocation, clicks on
the map and the live vacancy of the selected lot.
"""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_safe

from .forms import LocationForm
from .geocoding import GeocoderUnavailable, geocode, geocoder_enabled
from .nearby import FEW_SPACES_SHARE, describe_search, search_nearby
from .templatetags.lot_map import KIOSK_URL

gettext_noop("Taipei Main Station")  # MAP_DEFAULT_PLACE_NAME's default, translated at use


@dataclass(frozen=True)
class SearchPlace:
    latitude: float
    longitude: float
    label: str
    chosen: bool  # by the user (a point or an address), not the default centre


@require_safe  # GET, and HEAD for monitors and link checkers
def lot_map(request):
    return render(request, "lots/map.html", _map_context(request))


@require_safe
def lot_map_results(request):
    """The list of lots alone, for the map's script to swap in after a click or a locate."""
    return render(request, "lots/_results.html", _map_context(request))


def _map_context(request) -> dict:
    form = LocationForm(request.GET or None)
    place, problem = _search_place(form, request.LANGUAGE_CODE)
    search = search_nearby(place.latitude, place.longitude)
    lots = search.lots or [lot for lot in [search.nearest_beyond] if lot]
    selected = form.cleaned_data.get("lot") if form.is_valid() else None
    if selected not in {lot.id for lot in lots}:
        selected = None
    return {
        "form": form,
        "problem": problem,
        "place": place,
        "search": search,
        "lots": lots,
        "summary": describe_search(search),
        "selected": selected,
        "checked_at": timezone.localtime(),
        "geocoder_enabled": geocoder_enabled(),
        "map_config": _map_config(place, selected),
    }


def _search_place(form: LocationForm, language: str) -> tuple[SearchPlace, str]:
    """Where to search, and what went wrong finding it (shown above the list)."""
    default = SearchPlace(
        settings.MAP_DEFAULT_LATITUDE,
        settings.MAP_DEFAULT_LONGITUDE,
        _(settings.MAP_DEFAULT_PLACE_NAME),
        chosen=False,
    )
    if form.is_bound and not form.is_valid():
        return default, " ".join(str(error) for errors in form.errors.values() for error in errors)
    if form.point:
        lat, lng = form.point
        return SearchPlace(lat, lng, f"{lat:.5f}, {lng:.5f}", chosen=True), ""
    address = form.cleaned_data.get("q") if form.is_bound else ""
    if not address:
        return default, ""
    if not geocoder_enabled():
        return default, _("Address search is not available here: click the map instead.")
    try:
        found = geocode(address, language=language)
    except GeocoderUnavailable:
        return default, _("Address search is not answering right now: click the map instead.")
    if found is None:
        return default, _("No place found for “%(address)s”.") % {"address": address}
    return SearchPlace(found.latitude, found.longitude, found.label, chosen=True), ""


def _map_config(place: SearchPlace, selected: int | None) -> dict:
    """What static/js/map.js needs, passed with json_script (no inline script)."""
    vacancy_url = reverse("api:lot_vacancy", kwargs={"lot_id": 0}).replace("/0/", "/{id}/")
    return {
        "centre": [place.latitude, place.longitude],
        "chosen": place.chosen,
        "zoom": settings.MAP_DEFAULT_ZOOM,
        "tiles": {
            "url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "maxZoom": settings.MAP_TILE_MAX_ZOOM,
        },
        "resultsUrl": reverse("lot_map_results"),
        "vacancyUrl": vacancy_url,
        "kioskUrl": KIOSK_URL,
        "refreshSeconds": settings.MAP_VACANCY_REFRESH_SECONDS,
        # Times of readings on the site's clock, as the server-rendered list shows them.
        "timeZone": timezone.get_current_timezone_name(),
        "fewShare": FEW_SPACES_SHARE,
        "selected": selected,
        "text": {
            "free": _("%(available)s of %(capacity)s spaces free"),
            "full": _("Full: 0 of %(capacity)s spaces free"),
            "away": _("%(distance)s away"),
            "checkedAt": _("Checked at %(time)s"),
            "checking": _("Checking the vacancy…"),
            "unavailable": _("The vacancy could not be read; trying again…"),
            "kiosk": _("Pay at this lot's kiosk"),
            "uncounted": _(
                "This lot's gates do not report to OpenLot, so whether it has room is not "
                "known here."
            ),
            "here": _("Searching around here"),
            "locating": _("Finding where you are…"),
            "locateFailed": _("Your location is not available: click the map or type an address."),
            "searching": _("Looking for parking around there…"),
            "searchFailed": _("The search did not work. Please try again."),
            "lotVacancy": _("%(name)s: %(vacancy)s"),
            "zoomIn": _("Zoom in"),
            "zoomOut": _("Zoom out"),
            "closePopup": _("Close"),
        },
    }
