"""The admin log's messages, kept as their message id and values: shown in the reader's language.

Django's admin keeps a change message as text, worded in the language of whoever
acted; an owner's team may read another. Ours are kept as JSON, as Django keeps its
own change messages, and worded when the history is shown (`shown`).
"""

import json

from django.contrib.admin.models import LogEntry
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
        return entry.get_change_message()
    message = gettext(kept["message"])
    return message % kept["values"] if kept["values"] else message
