from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_sandbox_off(app_configs, **kwargs):
    """The sandbox's Pay button lets a car out with no money taken: not on a real site."""
    if settings.PAYMENTS_SANDBOX and not settings.DEBUG:
        return [
            Warning(
                "The sandbox payment platform is on: any driver can press its Pay button "
                "and leave without paying.",
                hint="Unset PAYMENTS_SANDBOX (or set it to false) on a site that takes money.",
                id="payments.W001",
            )
        ]
    return []


@register()
def check_stripe_whole(app_configs, **kwargs):
    """Stripe is offered with both its secrets: one without the other leaves it off, silently."""
    if bool(settings.STRIPE_SECRET_KEY) == bool(settings.STRIPE_WEBHOOK_SECRET):
        return []
    missing = "STRIPE_WEBHOOK_SECRET" if settings.STRIPE_SECRET_KEY else "STRIPE_SECRET_KEY"
    return [
        Warning(
            f"Stripe is set up by half: {missing} is empty, so drivers are not offered Stripe.",
            hint="Set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or neither).",
            id="payments.W002",
        )
    ]
