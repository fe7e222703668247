"""The shape of every refusal the JSON API gives: a machine `code` and a human `message`."""

from ninja import Schema


class ApiError(Exception):
    """Raise anywhere under the API to refuse with `status`, `code` and `message`."""

    def __init__(self, status: int, code: str, message, **extra):
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] | None = None


class GateErrorOut(ErrorOut):
    """A gate's refusal: like any error, and `open` is false so the gate can act on it alone."""

    open: bool = False
