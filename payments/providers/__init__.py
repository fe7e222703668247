"""The payment platforms the kiosk offers: a registry of providers, enabled by settings.

`sandbox` is on when PAYMENTS_SANDBOX is true (development and the demo);
`stripe` when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are both set. The
kiosk lists exactly `enabled_providers()`.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import PaymentProvider

# Provider id -> class path; imported only when enabled, so an SDK is loaded
# only by a site that uses it.
REGISTRY = {
    "stripe": "payments.providers.stripe_checkout.StripeProvider",
    "sandbox": "payments.providers.sandbox.SandboxProvider",
}


class UnknownProvider(LookupError):
    """No enabled provider has this id."""


def enabled_ids() -> list[str]:
    ids = []
    if settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET:
        ids.append("stripe")
    if settings.PAYMENTS_SANDBOX:
        ids.append("sandbox")
    return ids


def enabled_providers() -> list[PaymentProvider]:
    return [import_string(REGISTRY[provider_id])() for provider_id in enabled_ids()]


def get_provider(provider_id: str) -> PaymentProvider:
    if provider_id not in enabled_ids():
        raise UnknownProvider(provider_id)
    return import_string(REGISTRY[provider_id])()


def untakeable_prices(tariff, currency: str) -> list[tuple[str, list[int]]]:
    """(platform name, prices) for each enabled platform that cannot charge some of a
    tariff's prices exactly, e.g. Stripe and KWD 0.125 (it takes three-decimal amounts
    in tens only). Fees are sums of prices, capped by one: they are chargeable when
    every price is."""
    prices = sorted(
        {p for p in (tariff.first_period_price, tariff.unit_price, tariff.daily_cap) if p}
    )
    found = []
    for provider in enabled_providers():
        refused = [price for price in prices if not provider.takes(price, currency)]
        if refused:
            found.append((provider.name, refused))
    return found
