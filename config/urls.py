from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

from .api import api


def media(request, path):
    """Our own media (gate uploads, demo photos) when no CDN or object store serves it."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@require_safe
def favicon(request):
    """Where a browser or bot that asks /favicon.ico finds our icon (pages link it themselves)."""
    return redirect(static("favicon.svg"))  # not permanent: the hashed name changes with it


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    path("api/", api.urls),
    path("", include("lots.urls")),
    path("", include("payments.urls")),
]

if settings.SERVE_MEDIA:
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{prefix}(?P<path>.*)$", media, name="media"))
