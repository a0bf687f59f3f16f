"""Reading dates and times the way Danes write them.

Pure functions, standard library only. Staff type "10-03-2026", "10/3 26", "10. marts 2026"
or "kl. 14.30" in Word, in a PDF or in the browser; the forms store the canonical ISO date
and "HH:MM". Errors are plain Danish without paths or internal codes.

    parse_date(text, *, today=None) -> datetime.date
    parse_time(text) -> str            # "HH:MM"
    plural(n, "sag", "sager") -> str   # "1 sag", "2 sager"
    document_name(form_id, ...) -> str # "Dagsorden første møde – Alma Sørensen – 10-03-2026.docx"
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

DATE_HINT = "Skriv datoen som dd-mm-åååå, fx 10-03-2026."
TIME_HINT = "Skriv tidspunktet som 14:30."

MONTHS = {
    "januar": 1, "jan": 1,
    "februar": 2, "feb": 2,
    "marts": 3, "mar": 3,
    "april": 4, "apr": 4,
    "maj": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

# Unicode spaces Word and browsers put between "10." and "marts" (no-break, thin, ...).
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# 10-03-2026  10.3.2026  10/3-2026  10/3 2026  10/3 26  10-03-26  10.03.26
_NUMERIC = re.compile(r"^(\d{1,2})\s*[-./]\s*(\d{1,2})\s*[-./ ]\s*(\d{2}|\d{4})$")
# 10. marts 2026  10 mar 2026  10. mar. 26  10.marts 2026
_NAMED = re.compile(r"^(\d{1,2})\.?\s*([a-zæøå]+)\.?\s*(\d{2}|\d{4})$")

_CLOCK = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})(?:\s*[:.]\s*(\d{2}))?$")


def _clean(text) -> str:
    if not isinstance(text, str):
        raise ValueError(DATE_HINT)
    return _SPACES.sub(" ", text).strip()


def _full_year(year_text: str, today: dt.date) -> int:
    year = int(year_text)
    if len(year_text) == 4:
        return year
    return 2000 + year if 2000 + year <= today.year + 10 else 1900 + year


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"Datoen {day:02d}-{month:02d}-{year:04d} findes ikke. "
                         + DATE_HINT) from None


def parse_date(text: str, *, today: dt.date | None = None) -> dt.date:
    """The date in `text`, written as Danes write it.

    Accepts 2026-03-10, 10-03-2026, 10.3.2026, 10/3-2026, 10/3 2026, 10. marts 2026,
    10 mar 2026, 10/3 26 and 10-03-26. A two-digit year is 20yy when that is at most ten
    years after this year (`today`, default the real today), else 19yy.
    Raises ValueError with a Danish message for anything else, and for dates that do
    not exist (31-02-2026).
    """
    cleaned = _clean(text).lower()
    today = today or dt.date.today()
    match = _ISO.match(cleaned)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _make(year, month, day)
    match = _NUMERIC.match(cleaned)
    if match:
        day, month, year = match.groups()
        return _make(_full_year(year, today), int(month), int(day))
    match = _NAMED.match(cleaned)
    if match:
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name)
        if month is None:
            raise ValueError(f"Ukendt måned. {DATE_HINT}")
        return _make(_full_year(year, today), month, int(day))
    raise ValueError(DATE_HINT)


def parse_time(text: str) -> str:
    """The time of day in `text` as "HH:MM".

    Accepts 14:30, 14.30, kl. 14.30, kl 14, 9.05 and 14. Raises ValueError with a Danish
    message otherwise (also for 24:00, 14:60 and 14.5).
    """
    if not isinstance(text, str):
        raise ValueError(TIME_HINT)
    match = _CLOCK.match(_SPACES.sub(" ", text).strip().lower())
    if not match:
        raise ValueError(TIME_HINT)
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"Tidspunktet findes ikke. {TIME_HINT}")
    return f"{hour:02d}:{minute:02d}"


def format_date(day: dt.date) -> str:
    """The Danish way to show a date: dd-mm-åååå."""
    return f"{day:%d-%m-%Y}"


def plural(n: int, singular: str, plural_form: str) -> str:
    """"1 sag", "2 sager", "0 sager": Danish counts one in the singular, all else plural."""
    return f"{n} {singular if n == 1 else plural_form}"


# --- file names that say what and who ------------------------------------------------------

# What a form is called in a file name (a meeting's form is its agenda before the meeting,
# its minutes after).
_MEETINGS = {"first_meeting": "første møde", "follow_up_meeting": "opfølgende møde"}
_OTHERS = {"consent": "Samtykke", "network_map": "Netværkskort"}
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
NAME_MAX = 80  # characters of a child's name in a file name


def document_what(form_id: str, *, day: dt.date | None = None, today: dt.date | None = None,
                  stage: str | None = None) -> str:
    """What a document is, in words: "Dagsorden første møde" (a meeting not yet held, or
    no date), "Referat opfølgende møde" (held), "Samtykke", "Netværkskort". `stage`
    ("agenda" | "minutes") decides instead of the dates."""
    if form_id in _MEETINGS:
        if stage is None:
            held = day is not None and day <= (today or dt.date.today())
            stage = "minutes" if held else "agenda"
        return ("Referat " if stage == "minutes" else "Dagsorden ") + _MEETINGS[form_id]
    return _OTHERS.get(form_id, form_id)


def clean_name_part(text: str | None, limit: int = NAME_MAX) -> str:
    """A piece of a file name: no characters a file system refuses, one space between
    words, at most `limit` characters."""
    text = " ".join(_NOT_IN_NAMES.sub(" ", text or "").split()).strip(". ")
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def document_name(form_id: str, fmt: str, *, who: str | None = None,
                  day: dt.date | None = None, today: dt.date | None = None,
                  blank: bool = False, version: int | None = None,
                  stage: str | None = None) -> str:
    """A document's file name in Danish, saying what and who:
    "Dagsorden første møde – Alma Sørensen – 10-03-2026.docx" (the meeting's date, or the
    day it was made), "Samtykke – tom formular.pdf", "… – version 2.docx"."""
    today = today or dt.date.today()
    what = document_what(form_id, day=day, today=today, stage=stage)
    if blank:
        return f"{what} – tom formular.{fmt}"
    parts = [what, clean_name_part(who), format_date(day or today)]
    if version and version > 1:
        parts.append(f"version {version}")
    return " – ".join(part for part in parts if part) + f".{fmt}"


_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa",
                        "–": "-", "—": "-", "…": "...", "\"": "", "\\": ""})


def ascii_name(name: str) -> str:
    """A file name in ASCII for programs that cannot read UTF-8 names: æ ø å written
    ae oe aa, other letters without their accents."""
    text = unicodedata.normalize("NFKD", name.translate(_ASCII))
    text = text.encode("ascii", "ignore").decode("ascii")
    return " ".join(_NOT_IN_NAMES.sub(" ", text).split()) or "dokument"


# --- JSON that cannot be read, in Danish -----------------------------------------------------

_JSON_PROBLEMS = (
    ("Expecting property name enclosed in double quotes",
     "et feltnavn skal stå i dobbelte anførselstegn (\"navn\")"),
    ("Expecting value", "der mangler en værdi (eller der står et tegn, JSON ikke kender)"),
    ("Expecting ',' delimiter", "der mangler et komma mellem to værdier"),
    ("Expecting ':' delimiter", "der mangler et kolon efter et feltnavn"),
    ("Extra data", "der står mere efter dataene"),
    ("Unterminated string", "en tekst mangler sit afsluttende anførselstegn"),
    ("Invalid control character", "en tekst indeholder et linjeskift eller styretegn "
                                   "(skriv \\n)"),
    ("Invalid \\uXXXX escape", "en \\u-kode i en tekst er ugyldig"),
    ("Invalid \\escape", "en \\-kode i en tekst er ugyldig"),
    ("Illegal trailing comma", "der står et komma for meget før slutningen"),
)


def json_problem(exc) -> str:
    """What is wrong with JSON that cannot be read (a json.JSONDecodeError), in Danish:
    "linje 3, kolonne 5: der mangler et komma mellem to værdier"."""
    message = str(getattr(exc, "msg", "") or "")
    reason = next((danish for english, danish in _JSON_PROBLEMS if message.startswith(english)),
                  "teksten er ikke gyldig JSON")
    return f"linje {getattr(exc, 'lineno', '?')}, kolonne {getattr(exc, 'colno', '?')}: {reason}"
