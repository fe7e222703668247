"""Where payment platforms notify us: verify, deduplicate, re-read, record (payments.services)."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.http import json_answer

from . import services
from .providers import UnknownProvider
from .providers.base import InvalidNotification, ProviderError

logger = logging.getLogger(__name__)


@csrf_exempt  # signed by the platform instead
@require_POST
def provider_webhook(request: HttpRequest, provider_id: str):
    """200 once handled (or for events we ignore); 400 bad signature, nothing changed;
    404 provider not enabled; 413 a body past DATA_UPLOAD_MAX_MEMORY_SIZE (no platform
    sends one); 503 when the platform cannot be asked: it will retry.

    In English whatever the site's language: a payment platform's delivery log reads it.
    """
    with translation.override("en"):
        return _receive(request, provider_id)


def _receive(request: HttpRequest, provider_id: str):
    try:
        body = request.body
    except RequestDataTooBig:
        return json_answer(
            {"code": "body_too_large", "message": _("The request body is too large.")},
            status=413,
        )
    try:
        outcomes = services.receive_notification(
            provider_id, body, dict(request.headers), now=timezone.now()
        )
    except UnknownProvider:
        return json_answer(
            {
                "code": "unknown_provider",
                "message": _("This payment platform is not enabled here."),
            },
            status=404,
        )
    except InvalidNotification as exc:
        logger.warning("%s webhook refused: %s", provider_id, exc)
        return json_answer(
            {"code": "invalid_signature", "message": _("The notification could not be verified.")},
            status=400,
        )
    except ProviderError as exc:
        logger.warning("%s webhook: provider unreachable, asking for a retry: %s", provider_id, exc)
        return json_answer(
            {"code": "provider_unavailable", "message": _("Please deliver it again later.")},
            status=503,
        )
    return json_answer({"received": True, "outcomes": [str(outcome) for outcome in outcomes]})
