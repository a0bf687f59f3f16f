"""The layout of a form as documents draw it, derived from its schema.

A form is a sequence of sections in the order the schema declares them. A section is
either a block of single fields (a two-column table: label, value) or a repeating group
(a table with a header row of labels and a row per item). The Word and PDF builders draw
from this, and the parsers read back with it, so the three can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import fields as f
from . import get_form, options


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    options: tuple = ()
    multiline: bool = False
    help: str | None = None

    def option_label(self, value):
        for option_value, option_label in self.options:
            if option_value == value:
                return option_label
        return None


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    help: str | None
    is_group: bool
    fields: tuple[FieldSpec, ...]
    blank_rows: int = 0

    def field(self, name) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def cpr_enabled() -> bool:
    """Whether the municipality records the child's CPR number (options.configure)."""
    return options.cpr_enabled()


@lru_cache(maxsize=64)
def _sections(form_id: str, with_cpr: bool, meeting_types: tuple) -> tuple[Section, ...]:
    # meeting_types is part of the key only: the options below are read now, so a
    # configure() gives new sections (and the documents' caches keyed on them follow).
    schema = get_form(form_id).new_schema()
    sections = []
    for name, field in schema.fields.items():
        if isinstance(field, f.FormList):
            inner, is_group = field.inner.schema, True
        elif isinstance(field, f.FormNested):
            inner, is_group = field.schema, False
        else:  # every form's top level is made of sections and groups only
            raise TypeError(f"{form_id}.{name}: top-level fields must be sections or groups")
        specs = tuple(
            FieldSpec(
                name=inner_name,
                label=inner_field.metadata["label"],
                kind=inner_field.metadata["kind"],
                options=tuple(inner_field.metadata.get("options", ())),
                multiline=inner_field.metadata.get("multiline", False),
                help=inner_field.metadata.get("help"),
            )
            for inner_name, inner_field in inner.fields.items()
            if with_cpr or inner_name != "cpr"
        )
        sections.append(Section(name, field.metadata["label"], field.metadata.get("help"),
                                is_group, specs, field.metadata.get("blank_rows", 0)))
    return tuple(sections)


def sections(form_id: str) -> tuple[Section, ...]:
    """The sections as documents show them with this municipality's settings."""
    return _sections(form_id, cpr_enabled(), options.meeting_types())


def all_sections(form_id: str) -> tuple[Section, ...]:
    """Every field, including those a setting may hide (for building templates)."""
    return _sections(form_id, True, options.meeting_types())
