"""The sandbox's hosted checkout page: the amount, Pay and Decline.

After the driver's choice the sandbox notifies the app as a platform would, a
signed server-side notification through the same entry point the webhook URL
uses (in-process, so it works with no network), then sends the driver back.
"""

import logging

from django.conf import settings
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ... import services
from ...models import SandboxCheckout
from . import platform

logger = logging.getLogger(__name__)


def notify_app(checkout: SandboxCheckout) -> None:
    body, headers = platform.signed_notification(checkout)
    try:
        services.receive_notification("sandbox", body, headers, now=timezone.now())
    except Exception:
        # A real platform would deliver it again later; the return page asks
        # for the payment's state anyway, so the driver is not stuck.
        logger.exception("sandbox notification for %s not handled", checkout.reference)


@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, reference: str):
    if not settings.PAYMENTS_SANDBOX:
        raise Http404
    checkout = get_object_or_404(SandboxCheckout, reference=reference)
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        if outcome in ("succeed", "decline") and checkout.status == SandboxCheckout.Status.OPEN:
            checkout, decided = platform.settle(reference, paid=outcome == "succeed")
            if decided:
                notify_app(checkout)
        return redirect(checkout.return_url)
    context = {"checkout": checkout, "expired": platform.is_expired(checkout)}
    return render(request, "payments/sandbox/checkout.html", context)
