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
