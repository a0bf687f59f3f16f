"""Decisions about how the forms are laid out that the Word and the PDF documents share.

- The follow-up's review of earlier actions (8 columns) gets the width of a landscape page
  in Word; the PDF shows one block per action.
- The consent meets parents as they read it: the guidance first, then the form, and a
  signature line under each custody holder's row.
- The young person's section of the consent is shown when the child is 15 or older at some
  point while the consent is valid, on a form that cannot tell (no birth date or no
  dates of validity), and whenever it holds anything (nothing written is ever hidden).
- A table keeps its first rows with its heading and never leaves its last row alone on a
  page (short tables are kept whole).
- Empty rows for writing by hand: a filled group gets one spare row, its template's
  `blank_rows` when empty; a filled consent gets no spare custody holder (each row has a
  signature line, and one line per custody holder is what parents expect to sign).
"""
from __future__ import annotations

import datetime as dt

LANDSCAPE = frozenset({("follow_up_meeting", "reviewed_actions")})
GUIDANCE_FIRST = frozenset({"consent"})
SIGNED_GROUPS = frozenset({("consent", "custody_holders")})
YOUNG_PERSON = ("consent", "young_person")
YOUNG_AGE = 15
KEEP_WHOLE = 6  # tables of up to this many rows are kept on one page
SPARE_ROWS = 1
SPARE_ROWS_BY_GROUP = {("consent", "custody_holders"): 0}


def intro_contradicts(form) -> bool:
    """An intro that sends the reader to the guidance at the end, where it no longer is
    (forms/consent.py's intro predates the guidance-first order); such an intro is left out."""
    return form.id in GUIDANCE_FIRST and "sidst i skemaet" in (form.intro or "")


def landscape(form_id: str, section_name: str) -> bool:
    return (form_id, section_name) in LANDSCAPE


def signed(form_id: str, section_name: str) -> bool:
    return (form_id, section_name) in SIGNED_GROUPS


def rows_to_draw(form_id: str, section, items: list) -> int:
    """How many rows a group's table shows: its items and the spare rows after them."""
    if not items:
        return max(section.blank_rows, 1)
    spare = SPARE_ROWS_BY_GROUP.get((form_id, section.name), SPARE_ROWS)
    return len(items) + max(spare, section.blank_rows - len(items))


def keep_with_next(index: int, count: int) -> bool:
    """Whether row `index` of `count` keeps with the row after it: every row of a short
    table, else the first (so the header never stands alone) and the last but one."""
    if index >= count - 1:
        return False
    return count <= KEEP_WHOLE or index == 0 or index == count - 2


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _date(value):
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def shows_section(form_id: str, section_name: str, data: dict | None) -> bool:
    """Whether the document shows a (non-repeating) section for `data`."""
    if (form_id, section_name) != YOUNG_PERSON:
        return True
    data = data or {}
    young = data.get("young_person") or {}
    if any(value not in (None, False, "") for value in young.values()):
        return True
    born = _date((data.get("child") or {}).get("birth_date"))
    validity = data.get("validity") or {}
    until = _date(validity.get("valid_until")) or _date(validity.get("valid_from"))
    if born is None or until is None:
        return True
    return _age(born, until) >= YOUNG_AGE
