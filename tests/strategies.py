"""Hypothesis strategies for form data whose text is as hostile as staff can type."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from formservice.forms import fields as kinds
from formservice.forms.layout import sections

HOSTILE = ["{{ x }}", "{% if x %}", "{%tr for r in rows %}", "{{p x }}", "<w:t>", "</w:p>",
           "&", "&amp;", '"', "'", "æøå", "ÆØÅ", "😀", "👩‍👧", "\n", "\t", "  ", "ş ğ ı ł ń ą ę ơ ư ạ",
           "{_{", "%}", "]]>", "\u00a0", "–€"]

_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
text_values = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(_chars, min_size=1, max_size=8)),
                       min_size=1, max_size=6).map("".join)
dates = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)).map(dt.date.isoformat)
times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")


def _value(spec):
    if spec.kind == kinds.BOOL:
        return st.booleans()
    inner = {
        kinds.TEXT: text_values,
        kinds.DATE: dates,
        kinds.TIME: times,
        kinds.INTEGER: st.integers(1, 99),
        kinds.CHOICE: st.sampled_from([value for value, _ in spec.options] or [None]),
    }[spec.kind]
    return st.one_of(st.none(), inner)


def _block(section):
    return st.fixed_dictionaries({spec.name: _value(spec) for spec in section.fields})


def form_data(form_id: str):
    parts = {}
    for section in sections(form_id):
        block = _block(section)
        parts[section.name] = st.lists(block, max_size=4) if section.is_group else block
    return st.fixed_dictionaries(parts)
