"""Numbers in URLs and forms as people and devices write them: decimal digits, not
Python literals.

pydantic and Django's form fields parse a string the way Python's int() and float()
do, so "1_000" is 1000 and a query `lat=2_5` would search at latitude 25. The API
types refuse such strings with pydantic's own error types (worded by config.errors),
the form fields with their field's "invalid" message; numbers that are already
numbers are left alone.
"""

import re
from typing import Annotated

from django import forms
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
# nan and inf pass, for the field's allow_inf_nan=False to refuse as "not finite".
_DECIMAL = re.compile(
    r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf|infinity)", re.ASCII | re.IGNORECASE
)


def _written_as(pattern: re.Pattern, error_type: str, message: str) -> BeforeValidator:
    def check(value):
        if isinstance(value, str) and not pattern.fullmatch(value.strip()):
            raise PydanticCustomError(error_type, message)
        return value

    return BeforeValidator(check)


WRITTEN_AS_INTEGER = _written_as(
    _INTEGER, "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
)
WRITTEN_AS_DECIMAL = _written_as(
    _DECIMAL, "float_parsing", "Input should be a valid number, unable to parse string as a number"
)
# A constraint on an optional number goes before the check, or the OpenAPI document
# shows it as an unknown keyword: Annotated[int, Field(ge=1), WRITTEN_AS_INTEGER] | None.
Integer = Annotated[int, WRITTEN_AS_INTEGER]
Float = Annotated[float, WRITTEN_AS_DECIMAL]


def _written(pattern: re.Pattern, field: forms.Field, value):
    if isinstance(value, str) and value.strip() and not pattern.fullmatch(value.strip()):
        raise forms.ValidationError(field.error_messages["invalid"], code="invalid")
    return value


class IntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(_written(_INTEGER, self, value))


class FloatField(forms.FloatField):
    def to_python(self, value):
        return super().to_python(_written(_DECIMAL, self, value))
