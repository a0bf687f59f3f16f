"""Small pure helpers shared by the rules: dates, names, CPR, Danish wording."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")


def as_date(value) -> dt.date | None:
    """A date from the canonical "YYYY-MM-DD" string (or a date); None when absent or bad."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def section(data: dict, name: str) -> dict:
    value = (data or {}).get(name)
    return value if isinstance(value, dict) else {}


def rows(data: dict, name: str) -> list[dict]:
    value = (data or {}).get(name)
    if not isinstance(value, list):
        return []
    return [row if isinstance(row, dict) else {} for row in value]


def text(value) -> str | None:
    """Stripped text, or None when there is nothing but white space."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def normalise(value) -> str:
    """For comparing names: NFC, case-folded, white space collapsed."""
    value = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(value.split()).casefold()


def same_person(a, b) -> bool:
    return bool(text(a)) and bool(text(b)) and normalise(a) == normalise(b)


def short(value, limit: int = 40) -> str:
    """The start of a free text, on one line, for naming a row in a message."""
    value = " ".join(str(value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def dk_date(value: dt.date) -> str:
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def add_years(value: dt.date, years: int) -> dt.date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a year that has none
        return value.replace(year=value.year + years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def label(options, value) -> str:
    for key, name in options:
        if key == value:
            return name
    return str(value)


# CPR: DDMMYY-SSSS. The 7th digit and the year give the century (CPR-kontoret's table).
# Only the date part is checked; modulus 11 is never required (not used since 2007).
_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})[- ]?(\d)(\d{3})$")


def cpr_century(year2: int, seventh: int) -> int:
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


def parse_cpr(value) -> tuple[dt.date | None, str | None]:
    """(birth date, None) for a CPR number whose date part exists, else (None, problem).

    The problem is "format" (not DDMMÅÅ-XXXX) or "date" (no such date).
    """
    match = _CPR.match(str(value or "").strip())
    if not match:
        return None, "format"
    day, month, year2, seventh = (int(match.group(i)) for i in range(1, 5))
    year = cpr_century(year2, seventh) + year2
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, "date"


def birth_date_of(child: dict) -> dt.date | None:
    """The child's birth date, from the date field or else from a valid CPR number."""
    birth = as_date(child.get("birth_date"))
    if birth is None and text(child.get("cpr")):
        birth, _ = parse_cpr(child["cpr"])
    return birth
