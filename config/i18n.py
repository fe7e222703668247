"""Languages: which ones OpenLot speaks, and messages rendered in the reader's.

A message is made once and may be read by someone whose language is only
known later: a gate's refusal is worded before the gate is identified, a
payment's failure reason is stored and read by a driver or an owner. So
messages stay lazy (`gettext_lazy`, `interpolate`) until the reader is known,
and text kept in the database is kept in the source language (`source_text`)
and translated when shown (`translate_stored`).
"""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, each language named in itself (a callable: migrations keep the name)."""
    return list(settings.LANGUAGES)


def default_language() -> str:
    """The language new gates speak: LANGUAGE_CODE, as one of LANGUAGES."""
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def supported_language(code: str | None) -> str | None:
    """`code` as one of LANGUAGES (zh-TW is zh-hant), or None if it is none of them."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def _interpolate(message, params) -> str:
    return str(message % params)


# interpolate(_("Pay %(amount)s"), {"amount": "NT$30"}): a lazy message with its values,
# worded in whichever language is active when it is finally read. (A lazy string's own
# `%` words it at once, in the language active then.)
interpolate = lazy(_interpolate, str)

# A number of bytes as Django says file sizes ("64.0 KB", 「5.0 MB」), worded when read.
file_size = lazy(filesizeformat, str)


def source_text(message) -> str:
    """`message` in the source language (its msgid), for storing: shown via translate_stored."""
    with translation.override(None):
        return str(message)


def translate_stored(text: str) -> str:
    """A stored text in the reader's language, if it is one of our messages; else as it is.

    For texts stored with `source_text` (a payment's failure reason); a payment
    platform's own words are not in our catalogue and are shown as they came.
    """
    return gettext(text) if text else text
