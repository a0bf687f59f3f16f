"""Records (one filled form) and the checks of their shape.

A record is {"form": id, "version": n, "data": {...}}; `data` is always kept in its
canonical JSON shape (see base.py), so two records are equal exactly when they hold the
same information.
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import ValidationError

from . import fields as f
from . import get_form
from .layout import cpr_enabled


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    path: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "path": self.path,
                "message": self.message}


def error(code, path, message) -> Finding:
    return Finding(code, "error", path, message)


def warning(code, path, message) -> Finding:
    return Finding(code, "warning", path, message)


def has_errors(findings) -> bool:
    return any(finding.severity == "error" for finding in findings)


def make_record(form_id: str, data: dict) -> dict:
    form = get_form(form_id)
    return {"form": form.id, "version": form.version, "data": data}


def load_data(form_id: str, data) -> tuple[dict | None, list[Finding]]:
    """The canonical JSON shape of `data`, or None and findings naming every bad field."""
    schema = get_form(form_id).shared_schema
    if not isinstance(data, dict):
        return None, [error("shape.type", "", "Formularens data skal være et JSON-objekt.")]
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        return None, [error("shape.invalid", path, message)
                      for path, message in _flatten(exc.messages)]
    canonical = schema.dump(loaded)
    if canonical.get("child", {}).get("cpr") is not None and not cpr_enabled():
        return None, [error("shape.cpr_disabled", "child.cpr",
                            "CPR-nummer er ikke slået til i denne kommune. Brug fødselsdatoen.")]
    return canonical, []


def required_findings(form_id: str, data: dict) -> list[Finding]:
    """A finding for every required field left empty in canonical `data`."""
    schema = get_form(form_id).shared_schema
    return [error("required", path, f"{label} skal udfyldes.")
            for path, label in _empty_required(schema, data, "")]


def _empty_required(schema, data, prefix):
    for name, field in schema.fields.items():
        value = data.get(name)
        path = f"{prefix}{name}"
        if isinstance(field, f.FormList):
            inner = field.inner.schema
            for index, row in enumerate(value or []):
                yield from _empty_required(inner, row, f"{path}.{index}.")
        elif isinstance(field, f.FormNested):
            yield from _empty_required(field.schema, value or {}, f"{path}.")
        elif field.metadata.get("required") and (
                value is None or (isinstance(value, str) and not value.strip())):
            # a value of only spaces is no value (canonical data holds None already)
            yield path, field.metadata["label"]


def _flatten(messages, prefix=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                yield from _flatten(value, prefix)
            else:
                yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list):
        for item in messages:
            yield from _flatten(item, prefix)
    else:
        yield prefix, str(messages)
