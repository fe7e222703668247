from django.conf import settings
from django.core.checks import Tags, Warning, register

_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """Login attempts are counted in the cache: it must be one all app servers share."""
    if settings.CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is per process, so the admin login rate limit is too.",
                hint="Set CACHE_URL to dbcache://openlot_cache or a Redis URL.",
                id="admin_portal.W001",
            )
        ]
    return []
