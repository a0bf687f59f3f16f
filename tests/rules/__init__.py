"""Unit tests of formservice.rules: each rule on the samples with one thing changed."""
from __future__ import annotations

import copy
import datetime as dt
import json
import pathlib

from formservice.forms.record import load_data

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "samples"
_LOADED: dict[str, dict] = {}


def sample(form_id: str) -> dict:
    """A fresh copy of samples/<form_id>.json in canonical shape."""
    if form_id not in _LOADED:
        raw = json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))
        data, findings = load_data(form_id, raw)
        assert findings == [], findings
        _LOADED[form_id] = data
    return copy.deepcopy(_LOADED[form_id])


def canonical(form_id: str, data: dict) -> dict:
    """`data` through load_data, so a test's edits are in the canonical shape too."""
    loaded, findings = load_data(form_id, data)
    assert findings == [], findings
    return loaded


def codes(findings) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity, f.path) for f in findings]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
