"""The exit kiosk: find your car, see what you owe, pay, and see until when you may leave."""

from urllib.parse import urlencode
from uuid import UUID

from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from lots.models import Lot
from parking.services import find_similar_vehicles
from parking.status import SessionState

from . import services
from .forms import INVOICE_HINTS, PaymentForm, PlateSearchForm
from .models import Payment, PaymentStatus
from .providers import enabled_providers
from .ratelimit import (
    kiosk_search_retry_after,
    payment_start_retry_after,
    too_many_payments,
    too_many_searches_here,
)


def _lot_or_404(lot_id: int) -> Lot:
    return get_object_or_404(Lot.objects.select_related("tariff"), pk=lot_id)


@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_search(request: HttpRequest, lot_id: int):
    """The kiosk's start: type your plate, pick your car from at most six photos.

    The form posts the plate. `?plate=` searches too: it is where the language
    switcher returns to, so a driver who changes language keeps the cars found.
    """
    lot = _lot_or_404(lot_id)
    data = request.POST if request.method == "POST" else None
    if request.method == "GET" and "plate" in request.GET:  # not HEAD: no search unseen
        data = request.GET
    form = PlateSearchForm(data)
    context = {"lot": lot, "form": form, "vehicles": None}
    status = 200
    if data is not None and form.is_valid():
        wait = kiosk_search_retry_after(request, now=timezone.now())
        if wait is not None:
            context["refusal"] = too_many_searches_here(wait)
            status = 429
        else:
            context["typed"] = form.cleaned_data["plate"]
            context["vehicles"] = find_similar_vehicles(lot, form.cleaned_data["plate"])
            query = urlencode({"plate": form.data["plate"]})  # as typed, for the field
            context["language_next"] = f"{reverse('kiosk', args=[lot.pk])}?{query}"
            # Carried to the car's page, whose "Not my car" comes back to these cars.
            context["search_query"] = query
    return render(request, "payments/kiosk/search.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_vehicle(request: HttpRequest, lot_id: int, session_id: UUID):
    """The fee quote with its breakdown, and the choice of payment platform and e-invoice."""
    lot = _lot_or_404(lot_id)
    found = services.quote(session_id, now=timezone.now())
    if found is None or found.session.lot_id != lot.pk:
        return render(request, "payments/kiosk/gone.html", {"lot": lot}, status=404)
    providers = enabled_providers()
    # "Try again" after a declined or abandoned attempt offers the same choices again.
    initial = services.retry_choices(session_id, request.GET.get("retry"))
    form = PaymentForm(request.POST or None, providers=providers, initial=initial)
    refusal, status = None, 200
    if request.method == "POST" and not form.is_valid() and "quoted_amount" in form.errors:
        # The page's own field, unreadable: a page broken or tampered with.
        refusal = _("This page is out of date. Please check the amount and pay again.")
        status = 409
    if request.method == "POST" and form.is_valid():
        wait = payment_start_retry_after(request, now=timezone.now())
        if wait is not None:
            refusal, status = too_many_payments(wait), 429
        else:
            try:
                started = services.start_payment(
                    session_id,
                    form.cleaned_data["provider"],
                    form.cleaned_data["invoice"],
                    now=timezone.now(),
                    site_url=request.build_absolute_uri("/"),
                    expected_amount=form.cleaned_data["quoted_amount"],
                )
            except services.PaymentRefused as exc:
                refusal, status = exc.message, 409
                found = services.quote(session_id, now=timezone.now()) or found
                if exc.code == "nothing_due" and not found.status.amount_due:
                    # Paid meanwhile (another tab, the booth): the page now says so
                    # itself ("Already paid. Exit allowed until …"), not as an error.
                    refusal, status = None, 200
            else:
                return redirect(started.payment.redirect_url)
    context = {
        "lot": lot,
        "not_my_car": _back_to_search(lot, request.GET.get("plate")),
        "session": found.session,
        "status": found.status,
        "quote": found,
        "parked_for": found.until - found.session.entered_at,
        "form": form,
        "providers": providers,
        "invoice_hints": INVOICE_HINTS,
        "refusal": refusal,
    }
    return render(request, "payments/kiosk/quote.html", context, status=status)


def _back_to_search(lot: Lot, typed: str | None) -> str:
    """The kiosk's start, with the cars the driver picked from if the search came along."""
    start = reverse("kiosk", args=[lot.pk])
    if not typed or len(typed) > PlateSearchForm.base_fields["plate"].max_length:
        return start
    return f"{start}?{urlencode({'plate': typed})}"


@require_safe
def kiosk_payment(request: HttpRequest, payment_id: UUID):
    """Where the platform sends the driver back: paid, failed, or still being confirmed."""
    get_object_or_404(Payment, pk=payment_id)
    now = timezone.now()
    # Reloads ask the platform no more often than the page's own polls do.
    payment = services.refresh_payment(payment_id, now=now, throttle=True)
    # A failed attempt may be tried again while the car is still parked, unless it
    # owes nothing now (paid another way meanwhile: cash at the booth, another attempt;
    # or free: a tariff changed).
    can_retry = payment.is_final and payment.status != PaymentStatus.SUCCEEDED
    can_retry = can_retry and payment.session_id is not None
    settled = None
    if can_retry:
        found = services.quote(payment.session_id, now=now)
        if found is not None and found.status.state != SessionState.UNPAID:
            can_retry, settled = False, found.status
    # Paid, and its exit window is over: the car has left, or stayed on (the time since
    # is owed again), or the platform confirmed the payment only after the window.
    # (Payments confirmed before confirmed_at was kept say neither who was late.)
    window_over = payment.status == PaymentStatus.SUCCEEDED and payment.exit_allowed_until < now
    confirmed = payment.confirmed_at
    context = {
        "payment": payment,
        "lot": payment.lot,
        "can_retry": can_retry,
        "settled": settled,
        "window_over": window_over,
        "still_parked": payment.session_id is not None,
        "confirmed_late": confirmed is not None and confirmed > payment.exit_allowed_until,
        "stayed_on": confirmed is not None and confirmed <= payment.exit_allowed_until,
    }
    return render(request, "payments/kiosk/result.html", context)


@require_GET
def kiosk_payment_cancel(request: HttpRequest, payment_id: UUID):
    """The driver left the platform's page without paying (its "back" link)."""
    get_object_or_404(Payment, pk=payment_id)
    services.cancel_payment(payment_id, now=timezone.now())
    return redirect("kiosk_payment", payment_id=payment_id)
