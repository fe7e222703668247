"""The JSON API: one NinjaAPI, one OpenAPI document, errors shaped the same everywhere."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from lots.api import router as lots_router
from parking.api import bearer_token, gate_language
from parking.api import router as gates_router
from payments.api import kiosk_router, payments_router, sessions_router

from .errors import ApiError, field_error, fields_sent_twice
from .http import RepeatedKeys, loads_keys_once, sends_json

logger = logging.getLogger(__name__)


class _NotJson(Exception):
    pass


class JsonBodyParser(Parser):
    """django-ninja's JSON parser, for JSON only: another content type is a 415, not a 400."""

    def parse_body(self, request):
        if not sends_json(request):
            raise _NotJson(request.content_type)
        return loads_keys_once(request.body)


class TextJSONRenderer(JSONRenderer):
    """Answers with their text as itself: a gate's log or a curl shows 車位已滿, not \\u8eca...

    (config.http.json_answer does the same for the few answers made outside the API.)
    """

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    parser=JsonBodyParser(),
    renderer=TextJSONRenderer(),
    title="OpenLot API",
    version="1",
    description=(
        "Gate, kiosk and public API of OpenLot. Money is an integer in the currency's "
        "minor unit (NT$20 is 2000 TWD). Every refusal carries a machine `code` and a "
        "human `message`; gate responses also carry `open`."
    ),
    urls_namespace="api",
)
api.add_router("/gates", gates_router)
api.add_router("/lots", lots_router)
api.add_router("/kiosk", kiosk_router)
api.add_router("/sessions", sessions_router)
api.add_router("/payments", payments_router)


# The code of the one refusal the database itself causes (on_database_unavailable).
DATABASE_UNAVAILABLE = "service_unavailable"


def _is_gate_call(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and (match.url_name or "").startswith("gate_"))


def _language(request, status: int, code: str, language: str | None) -> str:
    """Whom the message is for: a gate reads its own language, anyone else the request's."""
    if language:
        return language
    # A gate refused before it was identified (a bad plate, a bad body, a decision that
    # lost every race): look its token up. Not when the database is what failed: that
    # would only wait on it again.
    if _is_gate_call(request) and code != DATABASE_UNAVAILABLE:
        return gate_language(request) or translation.get_language()
    return translation.get_language()


def error_response(request, status: int, code: str, message, errors=None, language=None, **extra):
    # Every refusal's code goes to the request's log line (config.logging).
    getattr(request, "log_context", {}).setdefault("code", code)
    language = _language(request, status, code, language)
    with translation.override(language):
        body = {"code": code, "message": str(message), **extra}
        if errors:
            body["errors"] = [{**error, "message": str(error["message"])} for error in errors]
    if _is_gate_call(request):
        body = {"open": False, **body}
    response = api.create_response(request, body, status=status)
    response["Content-Language"] = language
    if status == 401:
        response["WWW-Authenticate"] = _challenge(request)
    return response


def _challenge(request) -> str:
    """RFC 6750's challenge for a refused bearer token: the scheme, and if the one sent failed."""
    if bearer_token(request):
        return 'Bearer realm="openlot", error="invalid_token"'
    return 'Bearer realm="openlot"'


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    getattr(request, "log_context", {}).update(exc.log)
    response = error_response(
        request, exc.status, exc.code, exc.message, language=exc.language, **exc.extra
    )
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def _field_name(loc) -> str:
    """("query", "lat") -> "lat"; ("body", "payload", "invoice", "kind") -> "invoice.kind".

    A body's fields are named as the client sent them, without the view's parameter.
    """
    parts = loc[2:] if loc[:1] == ("body",) else loc[1:]
    return ".".join(str(part) for part in parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [field_error(_field_name(tuple(error.get("loc", ()))), error) for error in exc.errors]
    return error_response(
        request, 422, "invalid_request", _("The request has invalid or missing fields."), errors
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error_response(
        request,
        401,
        "unauthorized",
        _("A valid gate token is required: Authorization: Bearer <token>."),
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # django-ninja's answer to a body its parser refused (JsonBodyParser above).
        if isinstance(exc.__cause__, _NotJson):
            return error_response(
                request, 415, "unsupported_media_type", _("Send the body as application/json.")
            )
        if isinstance(exc.__cause__, RepeatedKeys):
            return on_api_error(request, fields_sent_twice(exc.__cause__.keys))
        return error_response(request, 400, "malformed_json", _("The body is not valid JSON."))
    return error_response(request, exc.status_code, "bad_request", str(exc))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error_response(request, 413, "body_too_large", _("The request body is too large."))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    return error_response(request, 400, "bad_request", _("The request could not be read."))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request, exc):
    logger.error("database unavailable: %s", exc)
    return error_response(
        request,
        503,
        DATABASE_UNAVAILABLE,
        _("The parking system is temporarily unavailable. Please try again."),
    )


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unhandled API error")
    return error_response(
        request, 500, "internal_error", _("Something went wrong on our side. Please try again.")
    )
