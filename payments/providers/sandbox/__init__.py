"""The sandbox: a built-in stand-in for a payment platform, so the whole flow runs offline.

It behaves like a hosted checkout: `start` opens a checkout on the sandbox's
own page (Pay / Decline); the outcome is kept on the sandbox's side
(SandboxCheckout, its "platform database"), the app is told through a signed
server-side notification, and the driver is sent back. Enabled by
PAYMENTS_SANDBOX (on in development and the demo, off in production unless
asked for). No money moves.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from ..base import (
    Checkout,
    CheckoutUrls,
    Notification,
    PaymentProvider,
    PaymentReport,
    ProviderState,
)
from . import platform


class SandboxProvider(PaymentProvider):
    id = "sandbox"
    name = gettext_lazy("Sandbox (test payments, no real money)")
    logo = "img/providers/sandbox.svg"

    def start(self, payment, urls: CheckoutUrls) -> Checkout:
        checkout = platform.open_checkout(
            payment, return_url=urls.return_url, cancel_url=urls.cancel_url
        )
        page = reverse("sandbox_checkout", args=[checkout.reference])
        return Checkout(checkout.reference, urls.site_url.rstrip("/") + page)

    def fetch_status(self, payment, reference: str = "") -> PaymentReport:
        checkout = platform.find_checkout(payment.pk, reference or payment.provider_reference)
        if checkout is None:
            return PaymentReport(ProviderState.OPEN)
        return platform.report(checkout)

    def cancel(self, payment) -> PaymentReport:
        checkout = platform.cancel_checkout(payment.pk)
        if checkout is None:
            return PaymentReport(ProviderState.CANCELED)
        return platform.report(checkout)

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> list[Notification]:
        return [platform.verify_notification(body, headers.get(platform.SIGNATURE_HEADER, ""))]
