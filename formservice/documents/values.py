"""Reading typed values back from what a person wrote in a form's field."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

try:  # the Danish date and time reader shared by documents, pages and plans
    from ..forms.danish import parse_date as _parse_date
    from ..forms.danish import parse_time as _parse_time
except ImportError:  # pragma: no cover - only before forms/danish.py exists
    _parse_date = _parse_time = None

MONTHS = {name: number for number, name in enumerate(
    ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
     "oktober", "november", "december"), start=1)}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-./ ](\d{1,2})[-./ ](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WORD_DATE = re.compile(r"^(\d{1,2})\.?\s+([a-zæøå]+)\.?\s+(\d{4})$")
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_CANONICAL_DATE = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})\Z")
MAX_DATE_TEXT = 64  # no date or time a person writes is longer; longer text is kept as is


def read_integer(text: str):
    """An integer as written (digits, an optional sign, at most 18 digits); anything else
    is kept as written so validation can name it (10,000 digits are text, not a number)."""
    stripped = text.strip()
    return int(stripped) if _INTEGER.fullmatch(stripped) else stripped


def read_time(text: str):
    """"HH:MM" for a time Danish users write (14:30, 14.30, kl. 14.30); anything else is
    kept as written so validation can name it."""
    if len(text) > MAX_DATE_TEXT:
        return text
    if _parse_time is not None:
        try:
            return _parse_time(text)
        except ValueError:
            return text
    return text


def normal_label(label: str) -> str:
    """A label as compared: runs of whitespace as one space, no case."""
    if len(label) <= MAX_CACHED_LABEL:  # (a form's labels and values come back every time)
        return _normal_cached(label)
    return " ".join(label.split()).casefold()


MAX_CACHED_LABEL = 200


@lru_cache(maxsize=4096)
def _normal_cached(label: str) -> str:
    return " ".join(label.split()).casefold()


def read_date(text: str):
    """ISO for a date Danish users write (30-11-2026, 30.11.2026, 10/3 26, 30. november
    2026); anything else is kept as written so validation can name it."""
    if len(text) > MAX_DATE_TEXT:
        return text
    if _parse_date is not None:
        canonical = _CANONICAL_DATE.match(text)
        if canonical:  # dd-mm-yyyy, as the forms write a date: parse_date's answer, quicker
            day, month, year = map(int, canonical.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return text
        try:
            return _parse_date(text).isoformat()
        except ValueError:
            return text
    for pattern, order in ((_NUMERIC_DATE, "dmy"), (_ISO_DATE, "ymd")):
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, map(int, match.groups())))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"]).isoformat()
            except ValueError:
                return text
    match = _WORD_DATE.match(text.casefold())
    if match and match.group(2) in MONTHS:
        try:
            return dt.date(int(match.group(3)), MONTHS[match.group(2)],
                           int(match.group(1))).isoformat()
        except ValueError:
            return text
    return text


def read_choice(spec, text: str):
    """A choice's value from its Danish label or its code; anything else as written."""
    return _choices(spec).get(normal_label(text), text)


@lru_cache(maxsize=None)
def _choices(spec) -> dict:
    """A choice's value by its Danish label or its code, as a person may have typed either."""
    found = {}
    for value, label in spec.options:
        found[normal_label(str(value))] = value
        found[normal_label(label)] = value
    return found
