"""The domain rules: pure functions over a record's canonical data.

`check(form_id, data)` gives every finding about one record: first the required fields
left empty, then each rule that applies to the form, in a fixed order. Rules that need
two records (a consent and a meeting) are in `cross`.
"""
from __future__ import annotations

import datetime as dt

from ..forms import get_form
from ..forms.record import Finding, required_findings
from . import child, consent, meetings, network_map

RULES: dict[str, tuple] = {
    "first_meeting": child.RULES + meetings.FIRST_MEETING,
    "follow_up_meeting": child.RULES + meetings.FOLLOW_UP_MEETING,
    "consent": child.RULES + consent.RULES,
    "network_map": child.RULES + network_map.RULES,
}


def rules_for(form_id: str) -> tuple:
    """The single-record rules for a form, in the order `check` runs them."""
    return RULES[get_form(form_id).id]


def check(form_id: str, data: dict, *, today: dt.date | None = None) -> list[Finding]:
    """All findings about one record's canonical `data` (see forms.record.load_data).

    `today` is the date overdue things are measured against; the clock is read only
    when it is not given. A rule's finding replaces the plain "required" finding on
    the same field, so each empty field is reported once, with the rule's advice.
    """
    rules = rules_for(form_id)
    if today is None:
        today = dt.date.today()
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule(data, today))
    covered = {finding.path for finding in found}
    required = [finding for finding in required_findings(form_id, data)
                if finding.path not in covered]
    return required + found


__all__ = ["RULES", "check", "rules_for"]
