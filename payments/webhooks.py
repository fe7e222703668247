"""Where payment platforms notify us: verify, deduplicate, re-read, record (payments.services)."""

import logging

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .providers import UnknownProvider
from .providers.base import InvalidNotification, ProviderError

logger = logging.getLogger(__name__)


@csrf_exempt  # signed by the platform instead
@require_POST
def provider_webhook(request: HttpRequest, provider_id: str):
    """200 once handled (or for events we ignore); 400 bad signature, nothing changed;
    404 provider not enabled; 503 when the platform cannot be asked: it will retry."""
    try:
        outcomes = services.receive_notification(
            provider_id, request.body, dict(request.headers), now=timezone.now()
        )
    except UnknownProvider:
        return JsonResponse(
            {"code": "unknown_provider", "message": "Not enabled here."}, status=404
        )
    except InvalidNotification as exc:
        logger.warning("%s webhook refused: %s", provider_id, exc)
        return JsonResponse(
            {"code": "invalid_signature", "message": _("The notification could not be verified.")},
            status=400,
        )
    except ProviderError as exc:
        logger.warning("%s webhook: provider unreachable, asking for a retry: %s", provider_id, exc)
        return JsonResponse(
            {"code": "provider_unavailable", "message": _("Please deliver it again later.")},
            status=503,
        )
    return JsonResponse({"received": True, "outcomes": [str(outcome) for outcome in outcomes]})
