"""The base schema every form block derives from, and the record's canonical shape.

Loading a form's data gives its canonical shape: every declared field present (None,
False or [] when not given), "" read as not given, line ends as "\\n", and rows of a
repeating group that hold nothing dropped (an empty table row carries no information).
"""
from __future__ import annotations

from marshmallow import RAISE, Schema, pre_load, post_load

from . import fields as f


class Block(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

    error_messages = {"unknown": "Ukendt felt.", "type": "Skal være et objekt med felter."}

    @pre_load
    def _open_empty_sections(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, field in self.fields.items():
            if isinstance(field, f.FormNested) and data.get(name) is None:
                data[name] = {}
            elif isinstance(field, f.FormList) and data.get(name) is None:
                data[name] = []
        return data

    @post_load
    def _drop_empty_rows(self, data, **kwargs):
        for name, field in self.fields.items():
            if isinstance(field, f.FormList) and data.get(name):
                data[name] = [row for row in data[name] if not is_empty(row)]
        return data


def is_empty(value) -> bool:
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return value is None or value is False
