"""JSON Schema (draft 2020-12) of each form's data, exported from its marshmallow schema.

schemas/<form>.json is this output; tests/forms/test_jsonschema.py fails when they drift.
"""
from __future__ import annotations

from . import fields as f
from . import get_form

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _field_schema(field) -> dict:
    meta = field.metadata
    if isinstance(field, f.FormList):
        return {"type": "array", "title": meta["label"], "maxItems": f.MAX_ROWS,
                "items": _object_schema(field.inner.schema)}
    if isinstance(field, f.FormNested):
        return {**_object_schema(field.schema), "title": meta["label"]}
    kind = meta["kind"]
    schema: dict = {"title": meta["label"]}
    if kind == f.BOOL:
        schema["type"] = "boolean"
    elif kind == f.DATE:
        schema.update(type=["string", "null"], format="date")
    elif kind == f.TIME:
        schema.update(type=["string", "null"], pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    elif kind == f.INTEGER:
        schema["type"] = ["integer", "null"]
        if meta.get("minimum") is not None:
            schema["minimum"] = meta["minimum"]
        if meta.get("maximum") is not None:
            schema["maximum"] = meta["maximum"]
    elif kind == f.CHOICE:
        values = [value for value, _ in meta["options"]]
        schema["enum"] = values + [None]
        schema["x-labels"] = {str(value): label for value, label in meta["options"]}
    else:
        schema.update(type=["string", "null"], maxLength=f.MAX_TEXT_LENGTH)
    if meta.get("multiline"):
        schema["x-multiline"] = True
    if meta.get("required"):
        schema["x-required"] = True
    if meta.get("help"):
        schema["description"] = meta["help"]
    return schema


def _object_schema(schema) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _field_schema(field) for name, field in schema.fields.items()},
    }


def form_json_schema(form_id: str) -> dict:
    form = get_form(form_id)
    return {
        "$schema": DIALECT,
        "$id": f"https://formservice.local/schemas/{form.id}.json",
        "title": form.title,
        "x-form": form.id,
        "x-version": form.version,
        **_object_schema(form.new_schema()),
    }
