"""Records (one filled form) and the checks of their shape.

A record is {"form": id, "version": n, "data": {...}}; `data` is always kept in its
canonical JSON shape (see base.py), so two records are equal exactly when they hold the
same information.
"""
from __future__ import annotations

import copy
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
        return None, [error("shape.invalid", path, labelled(form_id, path, message))
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


def load_lenient(form_id: str, data) -> tuple[dict, dict, list[Finding]]:
    """Data as far as it fits the form, for a draft that must keep everything a person
    wrote: (fitting, kept, findings).

    `fitting` is canonical data with every value that does not fit its field left out
    (rules can run on it); `kept` is the same with those values put back as they were
    typed, so a draft shows them and the person can correct them; `findings` name each
    such field by its label ("shape.invalid"). Data that fits gives the canonical data
    twice and no findings."""
    if not isinstance(data, dict):
        empty, _ = load_data(form_id, {})
        return empty, dict(empty), [error("shape.type", "", "Formularens data skal være et JSON-objekt.")]
    schema = get_form(form_id).shared_schema
    work = copy.deepcopy(data)
    refused: dict[str, tuple[object, str]] = {}
    for _ in range(10):  # each pass leaves out what the previous one refused
        try:
            loaded = schema.load(work)
            break
        except ValidationError as exc:
            bad = list(_flatten(exc.messages))
            for path, message in bad:
                value = _pop_path(work, path)
                refused.setdefault(path, (value, message))
    else:  # pragma: no cover - a form is three levels deep
        loaded = schema.load({})
    fitting = schema.dump(loaded)
    kept = copy.deepcopy(fitting)
    findings = []
    for path, (value, message) in refused.items():
        findings.append(error("shape.invalid", path, labelled(form_id, path, message)))
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            _put_path(kept, path, value if isinstance(value, str) else str(value))
    return fitting, kept, findings


def _pop_path(data, path: str):
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    last = keys[-1]
    if isinstance(node, dict) and last in node:
        return node.pop(last)
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        value = node[int(last)]
        node[int(last)] = {}
        return value
    return None


def _put_path(data: dict, path: str, value) -> None:
    keys = path.split(".")
    if len(keys) == 2 and isinstance(data.get(keys[0]), dict):
        data[keys[0]][keys[1]] = value
    elif len(keys) == 3 and keys[1].isdigit() and isinstance(data.get(keys[0]), list):
        rows, index = data[keys[0]], int(keys[1])
        while len(rows) <= index:
            rows.append({})
        rows[index][keys[2]] = value


def labelled(form_id: str, path: str, message: str) -> str:
    """A shape message as people read it: the field's Danish label first ("Sluttidspunkt:
    Skriv tidspunktet som 14:30.", "Deltagere, række 2: Rolle: …"), never its path."""
    keys = path.split(".") if path else []
    label = _label_of(form_id, path)
    if label is None and keys:
        label = _section_label(form_id, keys[0])
        if label and len(keys) >= 2 and keys[1].isdigit():
            label = f"{label}, række {int(keys[1]) + 1}"
        elif label and len(keys) >= 2:  # a key the section does not have
            return f"{label}: feltet »{keys[-1]}« findes ikke i formularen."
    elif label is not None and len(keys) >= 3 and keys[1].isdigit():
        label = f"{label} (række {int(keys[1]) + 1})"
    if label is None:
        return f"»{keys[0]}« er ikke et afsnit i formularen." if len(keys) == 1 and \
            message == "Ukendt felt." else message
    return f"{label}: {message}"


def _section_label(form_id: str, name: str) -> str | None:
    from .layout import all_sections
    for section in all_sections(form_id):
        if section.name == name:
            return section.label
    return None


def _label_of(form_id: str, path: str) -> str | None:
    from .layout import all_sections
    keys = path.split(".")
    for section in all_sections(form_id):
        if section.name == keys[0] and len(keys) >= 2:
            name = keys[-1]
            try:
                return section.field(name).label
            except KeyError:
                return None
    return None
