"""The shape of every refusal the JSON API gives: a machine `code` and a human `message`."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from ninja import Field, Schema

from .i18n import interpolate


class ApiError(Exception):
    """Raise anywhere under the API to refuse with `status`, `code` and `message`.

    `message` may be lazy: it is worded when the answer is made, in `language`
    when the caller's is known (a gate's), else in the request's. `log` goes to the
    request's structured log line (config.logging), with the refusal's `code`.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message,
        *,
        language: str | None = None,
        log: dict | None = None,
        **extra,
    ):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message
        self.language = language
        self.log = log or {}  # for the request's log line, not the answer (a gate's id...)
        self.extra = extra


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] | None = None
    # With 429 `rate_limited` and 503 `busy`, as their Retry-After header: ask again after
    # this many seconds.
    retry_after: int | None = None


class GateErrorOut(ErrorOut):
    """A gate's refusal: like any error, and `open` is false so the gate can act on it alone."""

    code: str = Field(
        ...,
        description="401 unauthorized or token_revoked; 403 wrong_direction; 422 "
        "invalid_plate, invalid_request (see errors), read_id_reused, invalid_photo_url, "
        "invalid_photo or photo_too_large (over 4,096 px a side); 413 photo_too_large or "
        "body_too_large; 400 malformed_json or malformed_body; 411 length_required; 415 "
        "unsupported_media_type; 503 busy (ask again with the same read_id after "
        "retry_after seconds) or service_unavailable.",
    )
    open: bool = False


# Refusals of the request itself, made before an endpoint reads it (config.http's
# middleware): a body whose Content-Length is no number (400), a chunked body (411), a
# body over the size allowed (413). Any endpoint may answer them, a GET sent a body too.
REQUEST_ERRORS = {400: ErrorOut, 411: ErrorOut, 413: ErrorOut}


# What is wrong with a field, for the pydantic error types our schemas can give: in
# pydantic's own English words, translated. Other types keep pydantic's message.
_FIELD_MESSAGES = {
    "missing": _("Field required"),
    "extra_forbidden": _("Extra inputs are not permitted"),
    "greater_than": _("Input should be greater than %(gt)s"),
    "greater_than_equal": _("Input should be greater than or equal to %(ge)s"),
    "less_than": _("Input should be less than %(lt)s"),
    "less_than_equal": _("Input should be less than or equal to %(le)s"),
    "finite_number": _("Input should be a finite number"),
    "string_type": _("Input should be a valid string"),
    "string_unicode": _(
        "Input should be a valid string, unable to parse raw data as a unicode string"
    ),
    "string_too_short": ngettext_lazy(
        "String should have at least %(min_length)s character",
        "String should have at least %(min_length)s characters",
        "min_length",
    ),
    "string_too_long": ngettext_lazy(
        "String should have at most %(max_length)s character",
        "String should have at most %(max_length)s characters",
        "max_length",
    ),
    "int_type": _("Input should be a valid integer"),
    "int_parsing": _("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": _("Input should be a valid integer, got a number with a fractional part"),
    "float_type": _("Input should be a valid number"),
    "float_parsing": _("Input should be a valid number, unable to parse string as a number"),
    "bool_type": _("Input should be a valid boolean"),
    "bool_parsing": _("Input should be a valid boolean, unable to interpret input"),
    "uuid_type": _("Input should be a valid UUID"),
    "uuid_parsing": _("Input should be a valid UUID"),
    "uuid_nil": _("The nil UUID is not a read_id: send a new UUID for each plate read"),
    "dict_type": _("Input should be a valid dictionary"),
    "model_type": _("Input should be a valid dictionary"),
    "model_attributes_type": _("Input should be a valid dictionary"),
}


def field_error(field: str, error: dict) -> dict:
    """One entry of a 422's `errors`: the field and a (lazy) message in the reader's language."""
    template = _FIELD_MESSAGES.get(error.get("type"))
    message = error.get("msg", "")
    if template is not None:
        message = interpolate(template, {k: _plain(v) for k, v in (error.get("ctx") or {}).items()})
    return {"field": field, "message": message}


def _plain(value):
    """90, not 90.0 (a limit on a float field), as pydantic's own message writes it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def fields_sent_twice(names) -> ApiError:
    """A field given twice (two plates: which car is at the gate?) is refused, not guessed."""
    return ApiError(
        422,
        "invalid_request",
        _("The request has invalid or missing fields."),
        errors=[{"field": name, "message": _("Send this field once.")} for name in names],
    )
