"""Days and times as people read them in their language, on a lot's own clock.

"Tue 24 Nov" in English, 「11月24日 (二)」 in Chinese; times on a 24-hour clock
("09:05") in every language. The order of the parts is a translatable format
(Django's date format characters, with `{weekday}` for the day of the week),
and the weekday has its own short names: Chinese writes 「(二)」, not 「星期二」.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext, pgettext_lazy

WEEKDAYS = (
    pgettext_lazy("short weekday", "Mon"),
    pgettext_lazy("short weekday", "Tue"),
    pgettext_lazy("short weekday", "Wed"),
    pgettext_lazy("short weekday", "Thu"),
    pgettext_lazy("short weekday", "Fri"),
    pgettext_lazy("short weekday", "Sat"),
    pgettext_lazy("short weekday", "Sun"),
)


def _escaped(text: str) -> str:
    """`text` as literal characters of a Django date format."""
    return "".join("\\" + char for char in text)


def _local(value: date | datetime, zone=None):
    if isinstance(value, datetime):
        return timezone.localtime(value, zone)  # the current time zone unless one is given
    return value


def _format(value: date | datetime, pattern: str) -> str:
    weekday = str(WEEKDAYS[value.weekday()])
    return date_format(value, pattern.replace("{weekday}", _escaped(weekday)))


def short_day(value: date | datetime, zone=None) -> str:
    """Tue 24 Nov; 11月24日 (二)."""
    value = _local(value, zone)
    return _format(value, pgettext("date format: weekday, day and month", "{weekday} j M"))


def short_day_time(value: datetime, zone=None) -> str:
    """Tue 24 Nov, 09:05; 11月24日 (二) 09:05."""
    value = _local(value, zone)
    pattern = pgettext("date format: weekday, day, month and 24-hour time", "{weekday} j M, H:i")
    return _format(value, pattern)


def clock_time(value: datetime, zone=None) -> str:
    """09:05, on a 24-hour clock in every language."""
    return date_format(_local(value, zone), "H:i")


def moment(value: datetime, zone=None) -> str:
    """09:05 today; "Tue 3 Mar, 00:15" on another day (today on the same clock), so an
    exit allowed until after midnight is not read as this morning."""
    local = _local(value, zone)
    if local.date() == timezone.localtime(timezone.now(), local.tzinfo).date():
        return clock_time(local)
    return short_day_time(local)
