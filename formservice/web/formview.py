"""A form on a page, from its layout: sections of fields (or tables of rows), every field
with its Danish label, its value, an anchor named after its path in the record
(`felt-actions-2-deadline` for actions.2.deadline) and the findings about it.

The same view serves reading (what an uploaded file holds, a stored record) and filling
in (inputs named by path, `actions.2.deadline`), and `collect` turns a submitted page back
into the form's data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from ..forms import fields as kinds
from ..forms import get_form
from ..forms.layout import FieldSpec, Section, sections

ROW_MARK = "_row"
BLANK_ROWS_SHOWN = 3


def anchor(path: str) -> str:
    return "felt-" + path.replace(".", "-") if path else "fund"


@dataclass
class FieldView:
    spec: FieldSpec
    path: str
    value: object
    required: bool
    findings: list = field(default_factory=list)
    row_number: int | str | None = None  # in a table ("__n__" in the row to copy)

    @property
    def anchor(self) -> str:
        return anchor(self.path)

    @property
    def name(self) -> str:
        return self.path

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def has_error(self) -> bool:
        return any(f["severity"] == "error" for f in self.findings)

    @property
    def display(self) -> str:
        """The value as a person reads it: 03-12-2026, Ja/Nej, the option's label."""
        value, spec = self.value, self.spec
        if value is None or value == "":
            return ""
        if spec.kind == kinds.BOOL:
            return "Ja" if value else "Nej"
        if spec.kind == kinds.DATE and isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
            except ValueError:
                return value
        if spec.kind == kinds.CHOICE:
            return spec.option_label(value) or str(value)
        return str(value)

    @property
    def input_value(self) -> str:
        """The value in its input: a date as Danes write it (03-12-2026; typed text that is
        not a date is kept as typed)."""
        if self.value is None or self.value is False or self.value is True:
            return ""
        if self.spec.kind == kinds.DATE and isinstance(self.value, str):
            try:
                return dt.date.fromisoformat(self.value).strftime("%d-%m-%Y")
            except ValueError:
                return self.value
        return str(self.value)

    def selected(self, option_value) -> bool:
        return self.value is not None and str(self.value) == str(option_value)

    @property
    def input_label(self) -> str:
        """The label of the input, with its row in a table (column headers are visual)."""
        return self.label if self.row_number is None else f"{self.label}, række {self.row_number}"


@dataclass
class RowView:
    index: int
    path: str
    cells: list[FieldView]

    @property
    def anchor(self) -> str:
        return anchor(self.path)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def empty(self) -> bool:
        return all(cell.value in (None, "", False) for cell in self.cells)


@dataclass
class SectionView:
    section: Section
    fields: list[FieldView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    findings: list = field(default_factory=list)  # about the section or one of its rows
    template_row: RowView | None = None          # an empty row to copy (add-row)

    @property
    def anchor(self) -> str:
        return anchor(self.section.name)

    @property
    def name(self) -> str:
        return self.section.name

    @property
    def label(self) -> str:
        return self.section.label

    @property
    def help(self):
        return self.section.help

    @property
    def is_group(self) -> bool:
        return self.section.is_group

    @property
    def next_index(self) -> int:
        return len(self.rows)


@dataclass
class FormView:
    form_id: str
    title: str
    sections: list[SectionView]
    findings: list[dict]  # all of them, each with its anchor and where it is ("Deltagere, række 2")

    @property
    def errors(self) -> list[dict]:
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [f for f in self.findings if f["severity"] != "error"]


@cache
def required_paths(form_id: str) -> frozenset[str]:
    """section.field for every field the form marks as required (group fields: group.field)."""
    found = set()
    for name, section_field in get_form(form_id).new_schema().fields.items():
        inner = section_field.inner.schema if isinstance(section_field, kinds.FormList) \
            else section_field.schema
        for inner_name, inner_field in inner.fields.items():
            if inner_field.metadata.get("required"):
                found.add(f"{name}.{inner_name}")
    return frozenset(found)


def build(form_id: str, data: dict | None, findings=(), *, extra_rows: dict | None = None,
          editing: bool = False) -> FormView:
    """The view of `data` (a record's data, canonical or as typed) with `findings` placed
    at the field, row or section they concern. `editing` adds empty rows to fill in."""
    data = data if isinstance(data, dict) else {}
    required = required_paths(form_id)
    extra_rows = extra_rows or {}
    views, places = [], {}
    for section in sections(form_id):
        view = SectionView(section)
        places[section.name] = (view, None, f"{section.label}")
        value = data.get(section.name)
        if section.is_group:
            items = [item if isinstance(item, dict) else {} for item in value] \
                if isinstance(value, list) else []
            count = len(items)
            if editing:
                count += (1 if items else min(max(section.blank_rows, 1), BLANK_ROWS_SHOWN))
                count += int(extra_rows.get(section.name, 0))
            for index in range(count):
                item = items[index] if index < len(items) else {}
                row = _row(form_id, section, index, item, required)
                view.rows.append(row)
                places[row.path] = (view, None, f"{section.label}, række {row.number}")
                for cell in row.cells:
                    places[cell.path] = (view, cell, f"{section.label}, række {row.number}: {cell.label}")
            if editing:
                view.template_row = _row(form_id, section, "__i__", {}, required)
        else:
            item = value if isinstance(value, dict) else {}
            for spec in section.fields:
                cell = FieldView(spec, f"{section.name}.{spec.name}", item.get(spec.name),
                                 f"{section.name}.{spec.name}" in required)
                view.fields.append(cell)
                places[cell.path] = (view, cell, f"{section.label}: {spec.label}")
        views.append(view)
    placed = []
    for finding in findings:
        finding = dict(finding)
        path = str(finding.get("path") or "")
        target = None
        parts = path.split(".") if path else []
        while parts:  # the most specific place on the page the path names
            key = ".".join(parts)
            if key in places:
                target = (key, places[key])
                break
            parts.pop()
        if target is None:
            finding.update(anchor=anchor(""), where="Hele formularen")
        else:
            key, (view, cell, where) = target
            finding.update(anchor=anchor(key), where=where)
            (cell.findings if cell is not None else view.findings).append(finding)
        placed.append(finding)
    placed.sort(key=lambda f: f["severity"] != "error")
    return FormView(form_id, get_form(form_id).title, views, placed)


def _row(form_id, section, index, item, required) -> RowView:
    path = f"{section.name}.{index}"
    number = index + 1 if isinstance(index, int) else "__n__"
    cells = [FieldView(spec, f"{path}.{spec.name}", item.get(spec.name),
                       f"{section.name}.{spec.name}" in required, row_number=number)
             for spec in section.fields]
    return RowView(index if isinstance(index, int) else -1, path, cells)


# --- from a submitted page back to data ------------------------------------------------

def collect(form_id: str, form) -> dict:
    """The form's data from a submitted page (`form`: request.form). Empty text is None,
    an unticked box False; a table row left wholly empty is left out. A value that is not
    what the field takes (a number that is not one) is kept as typed, so validation names it."""
    data = {}
    for section in sections(form_id):
        if section.is_group:
            indices = sorted({int(key.split(".")[1]) for key in form
                              if key.startswith(section.name + ".")
                              and key.split(".")[1].isdigit() and len(key.split(".")) == 3})
            rows = []
            for index in indices:
                row = {spec.name: _value(spec, form, f"{section.name}.{index}.{spec.name}")
                       for spec in section.fields}
                if any(value not in (None, False) for value in row.values()):
                    rows.append(row)
            data[section.name] = rows
        else:
            data[section.name] = {spec.name: _value(spec, form, f"{section.name}.{spec.name}")
                                  for spec in section.fields}
    return data


def _value(spec: FieldSpec, form, name: str):
    if spec.kind == kinds.BOOL:
        return form.get(name) in ("1", "on", "true", "ja")
    raw = form.get(name)
    if raw is None:
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not spec.multiline:
        text = text.strip()
    if not text.strip():
        return None
    if spec.kind == kinds.INTEGER:
        try:
            return int(text)
        except ValueError:
            return text
    if spec.kind == kinds.CHOICE:
        for option_value, _label in spec.options:
            if str(option_value) == text:
                return option_value
        return text
    return text
