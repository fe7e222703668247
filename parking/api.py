"""Gate API: the camera at each barrier posts what it read; we answer open or not."""

import functools
import json
import logging

import pydantic
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Router
from ninja.security import HttpBearer

from config.errors import ApiError, GateErrorOut, field_error, fields_sent_twice
from config.http import RepeatedKeys, loads_keys_once, sends_json
from config.i18n import file_size, interpolate
from lots.money import format_money

from . import services
from .decisions import GateDecision, GateRefused, PlateRead, ReadIdReused, Undecided
from .models import Direction, Gate, Outcome, hash_token
from .photos import (
    InvalidPhoto,
    StoredPhoto,
    store_uploaded_photo,
    too_large_photo,
    validate_photo_url,
)
from .plates import InvalidPlate, normalise_plate
from .schemas import EntryIn, ExitIn, GateDecisionOut

logger = logging.getLogger(__name__)

router = Router(tags=["gates"])

STATUS = {
    Outcome.ENTERED: 201,
    Outcome.ALREADY_INSIDE: 200,
    Outcome.FULL: 409,
    Outcome.LOT_CLOSED: 409,
    Outcome.EXIT_GRANTED: 200,
    Outcome.PAYMENT_REQUIRED: 402,
    Outcome.NO_ENTRY_RECORD: 404,
    Outcome.AMBIGUOUS_PLATE: 409,
}
# What a gate's display says, in the gate's own language (Gate.language). Messages in
# this module stay lazy: a refusal is worded once the gate, and so its language, is
# known (config.api.error_response).
MESSAGES = {
    Outcome.ENTERED: _("Welcome"),
    Outcome.ALREADY_INSIDE: _("Welcome"),
    Outcome.FULL: _("Parking full"),
    Outcome.LOT_CLOSED: _("Parking closed"),
    Outcome.EXIT_GRANTED: _("Thank you, drive safely"),
    Outcome.PAYMENT_REQUIRED: _("Please pay %(amount)s at the kiosk"),
    Outcome.NO_ENTRY_RECORD: _("No entry record for this plate"),
    Outcome.AMBIGUOUS_PLATE: _("Several parked cars match this plate: please call the attendant"),
}


def bearer_token(request: HttpRequest) -> str:
    """The token of the request's `Authorization: Bearer <token>` header, or ''."""
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class GateToken(HttpBearer):
    """A gate's bearer token. Checked with the decision itself (one database round trip).

    Here only its shape is checked; `services.enter`/`services.leave` find the
    gate it belongs to, and refuse unknown, revoked or other-direction tokens.
    """

    def __call__(self, request: HttpRequest) -> str | None:
        # HttpBearer's, reading the one header: request.headers would build them all.
        token = bearer_token(request)
        return self.authenticate(request, token) if token else None

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token if len(token) <= 200 else None


def gate_language(request: HttpRequest) -> str | None:
    """The language of the gate whose bearer token the request carries, if any.

    For refusals made before the gate was identified (a bad plate, a bad body):
    one indexed lookup, on the error path only.
    """
    token = bearer_token(request)
    if not 0 < len(token) <= 200:
        return None
    try:
        return (
            Gate.objects.filter(token_hash=hash_token(token))
            .values_list("language", flat=True)
            .first()
        )
    except DatabaseError:
        return None


def _which_gate(refused: GateRefused | ReadIdReused) -> dict:
    """The refused gate, for the request log line (an unknown token names none)."""
    if refused.gate_id is None:
        return {}
    return {"gate_id": refused.gate_id, "lot_id": refused.lot_id}


def refusal(refused: GateRefused) -> ApiError:
    language, log = refused.gate_language, _which_gate(refused)
    if refused.code == "token_revoked":
        return ApiError(
            401,
            "token_revoked",
            _("This gate's token has been revoked."),
            language=language,
            log=log,
        )
    if refused.code == "wrong_direction":
        direction = Direction(refused.gate_direction).label
        return ApiError(
            403,
            "wrong_direction",
            interpolate(
                _("This token belongs to an %(direction)s gate."), {"direction": direction}
            ),
            language=language,
            log=log,
        )
    return ApiError(
        401, "unauthorized", _("A valid gate token is required: Authorization: Bearer <token>.")
    )


def body_too_large(limit: int) -> ApiError:
    """413 with the limit, said as Django says file sizes ("64.0 KB"): a gate's developer
    sees what to send."""
    return ApiError(
        413,
        "body_too_large",
        interpolate(
            _("The request body is too large: at most %(size)s."), {"size": file_size(limit)}
        ),
    )


def photo_refusal(invalid: InvalidPhoto) -> ApiError:
    return ApiError(invalid.status, invalid.code, invalid.message)


def _form_payload(request: HttpRequest, schema, *, takes_photo: bool):
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.PHOTO_MAX_BYTES + 64 * 1024:
        if takes_photo:
            # What makes an entry's form that large is its photo: said so, as for a photo
            # over the limit in a smaller body, so a gate that then sends the plate
            # without its photo knows to.
            raise photo_refusal(too_large_photo())
        raise body_too_large(settings.PHOTO_MAX_BYTES + 64 * 1024)
    try:
        fields, files = request.POST, request.FILES
    except MultiPartParserError as exc:
        raise ApiError(400, "malformed_body", _("The multipart body could not be read.")) from exc
    # One of ours sent twice (two plates, two photos) is the client's mistake: answering
    # for one of them would be guessing which car is at the gate. Fields we do not read
    # (a camera's own) are left alone, as in JSON.
    repeated = sorted(
        name
        for name in {*schema.model_fields, "photo"}
        if len(fields.getlist(name) + files.getlist(name)) > 1
    )
    if repeated:
        raise fields_sent_twice(repeated)
    # One of ours sent as a file part (some HTTP clients send every field so): read as
    # absent, a read_id would be lost and a retry decided again, so it is refused.
    as_files = sorted(name for name in schema.model_fields if name in files)
    if as_files:
        raise ApiError(
            422,
            "invalid_request",
            _("The request has invalid or missing fields."),
            errors=[
                {"field": name, "message": _("Send this field as text, not as a file.")}
                for name in as_files
            ],
        )
    if takes_photo and fields.get("photo"):
        # Form text, not a file (a client that forgot to attach it): admitting the car
        # without its photo would hide the mistake from whoever wrote the client. (An
        # empty one is no photo, as an absent one is.)
        raise ApiError(
            422, "invalid_photo", _("Send the photo as a file (multipart file field photo).")
        )
    # Each field means what it means in JSON (an empty read_id is no UUID: 422).
    return _validated(schema, fields.dict()), files.get("photo")


def _json_payload(request: HttpRequest, schema):
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.GATE_JSON_MAX_BYTES:
        raise body_too_large(settings.GATE_JSON_MAX_BYTES)
    try:
        data = loads_keys_once(request.body)
    except RepeatedKeys as exc:
        raise fields_sent_twice(exc.keys) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested past the limit
        raise ApiError(400, "malformed_json", _("The body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", _("The body must be a JSON object."))
    return _validated(schema, data), None


def _validated(schema, data: dict):
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            field_error(".".join(str(p) for p in error["loc"]) or "body", error)
            for error in exc.errors()
        ]
        raise ApiError(
            422,
            "invalid_request",
            _("The request has invalid or missing fields."),
            errors=errors,
        ) from exc


def read_gate_payload(request: HttpRequest, schema, *, takes_photo: bool = False):
    """The validated body (JSON, or multipart with a `photo` file) and the upload, if any."""
    if request.content_type == "multipart/form-data":
        return _form_payload(request, schema, takes_photo=takes_photo)
    if sends_json(request):
        return _json_payload(request, schema)
    raise ApiError(
        415,
        "unsupported_media_type",
        _("Send the body as application/json (or multipart/form-data with a photo)."),
    )


def plate_read(payload, *, photo_url: str = "", photo: StoredPhoto | None = None):
    try:
        plate = normalise_plate(payload.plate)
    except InvalidPlate as exc:
        raise ApiError(422, "invalid_plate", exc.message) from exc
    return PlateRead(
        plate=plate,
        plate_as_read=payload.plate,
        read_id=payload.read_id,
        photo_url=photo.url if photo else photo_url,
        photo_thumbnail=photo.thumbnail if photo else "",
    )


@functools.cache
def display_message(outcome: Outcome, language: str) -> str:
    """What the display says for an outcome that names no amount: worded once per language."""
    with translation.override(language):
        return str(MESSAGES[outcome])


def respond(request: HttpRequest, decision: GateDecision, response: HttpResponse) -> HttpResponse:
    """The gate's answer, as GateDecisionOut documents it (the fuzz tests hold it to that).

    Serialised directly: this runs on every gate call, and validating our own
    output through the schema again cost more than the rest of the view. Written
    into the response django-ninja made for the view (its "temporal response",
    already JSON in UTF-8), rather than a second one.
    """
    # One structured log line per gate call (config.logging.RequestLogMiddleware).
    getattr(request, "log_context", {}).update(
        gate_id=decision.gate_id,
        lot_id=decision.lot_id,
        direction=decision.direction,
        plate=decision.plate,
        decision=decision.outcome.value,
        replayed=decision.replayed,
    )
    amount_due = decision.amount_due
    # The gate's display speaks the gate's language, whoever sent the request.
    language = decision.language or translation.get_language()
    if amount_due is None:
        display, message = None, display_message(decision.outcome, language)
    else:
        with translation.override(language):
            display = format_money(amount_due, decision.currency)
            message = MESSAGES[decision.outcome] % {"amount": display}
    body = {
        "open": decision.opened,
        "code": decision.outcome.value,
        "message": str(message),
        "plate": decision.plate,
        "session_id": str(decision.session_id) if decision.session_id else None,
        "available": decision.available,
        "amount_due": amount_due,
        "amount_due_display": display,
        "currency": decision.currency,
    }
    response.content = json.dumps(body, ensure_ascii=False)
    response.status_code = STATUS[decision.outcome]
    response["Content-Language"] = language
    return response


def _request_body_doc(schema, *, with_photo: bool) -> dict:
    """JSON, or the same fields as a form (read_gate_payload reads both), with a photo file."""
    json_schema = schema.model_json_schema()
    form_schema = json_schema
    if with_photo:
        form_schema = {
            **json_schema,
            "properties": {
                **json_schema["properties"],
                "photo": {
                    "type": "string",
                    "format": "binary",
                    "description": "JPEG, PNG or WebP, at most 5 MB and 4,096 px a side; "
                    "used instead of photo_url.",
                },
            },
        }
    content = {
        "application/json": {"schema": json_schema},
        "multipart/form-data": {"schema": form_schema},
    }
    return {"requestBody": {"required": True, "content": content}}


GATE_ERRORS = {
    400: GateErrorOut,
    401: GateErrorOut,
    403: GateErrorOut,
    411: GateErrorOut,
    413: GateErrorOut,
    415: GateErrorOut,
    422: GateErrorOut,
    503: GateErrorOut,
}


@router.post(
    "/entry",
    auth=GateToken(),
    url_name="gate_entry",
    summary="A vehicle at an entry gate",
    response={201: GateDecisionOut, 200: GateDecisionOut, 409: GateDecisionOut, **GATE_ERRORS},
    openapi_extra=_request_body_doc(EntryIn, with_photo=True),
)
def entry(request: HttpRequest, response: HttpResponse):
    """201 `entered` (open), 200 `already_inside` (open again, counted once), 409 `full`
    or `lot_closed`."""
    payload, upload = read_gate_payload(request, EntryIn, takes_photo=True)
    now = timezone.now()
    try:
        photo_url = validate_photo_url(payload.photo_url) if payload.photo_url else ""
        read = plate_read(payload, photo_url=photo_url)
    except InvalidPhoto as exc:
        raise photo_refusal(exc) from exc
    if upload is None:
        return respond(request, decide(services.enter, request.auth, read, now), response)
    return respond(request, _enter_with_photo(request.auth, payload, upload, now), response)


def _enter_with_photo(token: str, payload, upload, now) -> GateDecision:
    # The token is checked before anything is stored for the request.
    gate = decide(services.authenticate_gate, token, Direction.ENTRY, now)
    try:
        photo = store_uploaded_photo(upload, now=now)
    except InvalidPhoto as exc:
        raise photo_refusal(exc) from exc
    except OSError:
        # Storage failed (MEDIA_ROOT missing, read-only or full): the car is decided on
        # without its photo, as one whose camera could not upload, not kept at the gate.
        logger.exception("gate %s: the uploaded photo could not be stored", gate.pk)
        photo = None
    decision = None
    try:
        decision = decide(services.admit_vehicle, gate, plate_read(payload, photo=photo), now)
    finally:
        # An uploaded photo is kept only with the vehicle it admitted.
        unused = decision is None or decision.outcome != Outcome.ENTERED or decision.replayed
        if photo is not None and unused:
            photo.delete()
    return decision


def decide(service, *args):
    """Run a gate service, turning its refusals into API errors."""
    *args, now = args
    try:
        return service(*args, now=now)
    except GateRefused as refused:
        raise refusal(refused) from refused
    except ReadIdReused as exc:
        raise ApiError(
            422,
            "read_id_reused",
            _("This read_id was already used for another plate."),
            language=exc.gate_language,
            log=_which_gate(exc),
        ) from exc
    except Undecided as exc:
        # Calls for the same plate kept deciding first (say, a car read at the entry
        # and the exit at once, many times over): nothing was changed, ask again.
        logger.warning("%s", exc)
        raise ApiError(
            503,
            "busy",
            _("Other gates are deciding for this plate right now. Please try again."),
            language=exc.gate_language,
            retry_after=1,
        ) from exc


@router.post(
    "/exit",
    auth=GateToken(),
    url_name="gate_exit",
    summary="A vehicle at an exit gate",
    response={
        200: GateDecisionOut,
        402: GateDecisionOut,
        404: GateDecisionOut,
        409: GateDecisionOut,
        **GATE_ERRORS,
    },
    openapi_extra=_request_body_doc(ExitIn, with_photo=False),
)
def exit_(request: HttpRequest, response: HttpResponse):
    """200 `exit_granted` (open, space freed), 402 `payment_required`, 404 `no_entry_record`,
    409 `ambiguous_plate` (not the exact plate, and several cars equal to it up to
    camera look-alikes: staff must look)."""
    payload, _upload = read_gate_payload(request, ExitIn)
    decision = decide(services.leave, request.auth, plate_read(payload), timezone.now())
    return respond(request, decision, response)
