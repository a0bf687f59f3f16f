"""The domain rules: pure functions over a record's canonical data.

`check(form_id, data)` gives every finding about one record: first the required fields
left empty, then each rule that applies to the form, in a fixed order. Rules that need
two records (a consent and a meeting) are in `cross`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..forms import get_form
from ..forms.record import Finding, required_findings
from . import child, consent, meetings, network_map
from .codes import (RULE_CODES, SEVERITIES, apply_severity, default_severity,
                    severity_problems)

RULES: dict[str, tuple] = {
    "first_meeting": child.RULES + meetings.FIRST_MEETING,
    "follow_up_meeting": child.RULES + meetings.FOLLOW_UP_MEETING,
    "consent": child.RULES + consent.RULES,
    "network_map": child.RULES + network_map.RULES,
}


def rules_for(form_id: str) -> tuple:
    """The single-record rules for a form, in the order `check` runs them."""
    return RULES[get_form(form_id).id]


def check(form_id: str, data: dict, *, today: dt.date | None = None,
          severity: Mapping[str, str] | None = None) -> list[Finding]:
    """All findings about one record's canonical `data` (see forms.record.load_data).

    `today` is the date overdue things are measured against; the clock is read only
    when it is not given. `severity` is a municipality's profile: rule code → "error",
    "warning" or "off" (see RULE_CODES for the codes and their defaults). A rule's finding
    replaces the plain "required" finding on the same field, so each empty field is
    reported once, with the rule's advice (unless the profile turns that rule off).
    """
    rules = rules_for(form_id)
    if today is None:
        today = dt.date.today()
    found: list[Finding] = []
    for rule in rules:
        found.extend(rule(data, today))
    found = apply_severity(found, severity)
    covered = {finding.path for finding in found}
    required = [finding for finding in required_findings(form_id, data)
                if finding.path not in covered]
    return apply_severity(required, severity) + found


__all__ = ["RULES", "RULE_CODES", "SEVERITIES", "apply_severity", "check",
           "default_severity", "rules_for", "severity_problems"]
