"""The admin log's messages, kept as their message id and values: shown in the reader's language.

Django's admin keeps a change message as text, worded in the language of whoever
acted; an owner's team may read another. Ours are kept as JSON, as Django keeps its
own change messages, and worded when the history is shown (`shown`).
"""

import json

from django.contrib.admin.models import LogEntry
from django.utils.text import capfirst
from django.utils.translation import gettext

from config.i18n import source_text

KEY = "openlot"


def log_message(message, **values) -> str:
    """`message` (a lazy gettext) with its values, for ModelAdmin.log_change and the like."""
    return json.dumps([{KEY: {"message": source_text(message), "values": values}}])


def shown(entry: LogEntry) -> str:
    """An entry's change message in the active language."""
    try:
        (part,) = json.loads(entry.change_message)
        kept = part[KEY]
    except (ValueError, TypeError, KeyError):  # text, or Django's own JSON
        return _djangos_own(entry)
    message = gettext(kept["message"])
    return message % kept["values"] if kept["values"] else message


def _djangos_own(entry: LogEntry) -> str:
    """Django's own change message, its field names in the active language too.

    Django keeps a changed field as its label, "Daily maximum", and translates that
    when shown; the catalogues hold the verbose name, "daily maximum", so the label
    stayed English in a Chinese history.
    """
    try:
        parts = json.loads(entry.change_message)
    except ValueError:
        parts = None
    if not isinstance(parts, list):
        return entry.get_change_message()
    for part in parts:
        for action in part.values() if isinstance(part, dict) else ():
            if isinstance(action, dict) and isinstance(action.get("fields"), list):
                action["fields"] = [_field_label(label) for label in action["fields"]]
    return LogEntry(change_message=json.dumps(parts)).get_change_message()


def _field_label(label) -> str:
    if not isinstance(label, str) or gettext(label) != label:
        return label
    return capfirst(gettext(label[:1].lower() + label[1:]))
