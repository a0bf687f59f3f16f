"""Property: whatever structural edits a person makes in Word (split a table, delete a
header row, copy a row, delete a row with Track Changes on), no typed value is lost in
silence: each is in the record read back or quoted in a warning."""
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from formservice.documents.word_parse import parse_docx
from formservice.documents.word_render import render_docx
from formservice.forms import FORMS, fields as kinds
from formservice.forms.layout import sections
from formservice.forms.record import load_data
from word_editing import W, EditedDocument

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _typed_values(form_id, data) -> dict[str, set[str]]:
    """Every non-empty value of the record, by path, with the ways it may come back."""
    typed = {}
    for section in sections(form_id):
        rows = (enumerate(data[section.name]) if section.is_group
                else [(None, data[section.name])])
        for index, row in rows:
            for spec in section.fields:
                value = row.get(spec.name)
                if value in (None, False, True):
                    continue
                path = (f"{section.name}.{spec.name}" if index is None
                        else f"{section.name}.{index}.{spec.name}")
                shown = {str(value)}
                if spec.kind == kinds.DATE:
                    shown.add(dt.date.fromisoformat(value).strftime("%d-%m-%Y"))
                if spec.kind == kinds.CHOICE:
                    shown.add(spec.option_label(value))
                typed[path] = shown
    return typed


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value not in (None, True, False):
        yield str(value)


def _tags(document) -> list[str]:
    return sorted({tag.get(W + "val") for tag in document.root.iter(W + "tag")
                   if "." in (tag.get(W + "val") or "")})


def _edit(draw, document, expected):
    tags = _tags(document)
    kind = draw(st.sampled_from(["split", "header", "copy", "delete"]))
    if kind == "header":
        groups = [s.name for s in sections(document.form_id) if s.is_group]
        group = draw(st.sampled_from(groups))
        table = document.table_of(next(t for t in tags if t.startswith(group + ".")))
        first = document.rows(table)[0]
        if first.find(f".//{W}tag") is None:  # still a header row
            document.delete_header_row(group)
        return
    tag = draw(st.sampled_from(tags))
    if kind == "split":
        row = document.row_of(tag)
        table = document.table_of(tag)
        if document.rows(table)[0] is not row:
            document.split_table_before(tag)
    elif kind == "copy":
        document.copy_row(tag)
    else:
        row = document.row_of(tag)
        gone = {t.get(W + "val") for t in row.iter(W + "tag")}
        document.delete_row_tracked(tag)
        for path in gone:
            expected.pop(path, None)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_structural_edits_never_lose_a_typed_value_in_silence(form_id):
    data, findings = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    assert findings == []
    rendered = render_docx(form_id, data)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(draw):
        document = EditedDocument(rendered)
        document.form_id = form_id
        expected = _typed_values(form_id, data)
        for _ in range(draw.draw(st.integers(1, 4))):
            _edit(draw.draw, document, expected)
        record, reading = parse_docx(document.save())
        read = list(_strings(record["data"]))
        messages = [finding.message for finding in reading]
        for path, shown in expected.items():
            assert any(s in text for s in shown for text in read + messages), (path, shown)

    check()
