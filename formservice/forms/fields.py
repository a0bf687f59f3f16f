"""Field factories for the form schemas.

Every field carries its Danish label and a *kind* in its metadata. The kind tells the
document builders how to draw the field (text cell, date picker, drop-down, check box)
and the parsers how to read it back; the marshmallow field does the validation.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from marshmallow import ValidationError, fields, validate

from . import danish

# XML 1.0 cannot hold these characters, so no document could carry them (and no database
# stores NUL or a lone surrogate).
UNSTORABLE = _UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_TEXT_LENGTH = 20_000  # characters in one field: a long minute, not a file
MAX_ROWS = 200  # rows in one repeating group: a large network, not a register

TEXT = "text"
DATE = "date"
TIME = "time"
CHOICE = "choice"
BOOL = "bool"
INTEGER = "integer"

_DANISH_ERRORS = {
    "required": "Feltet skal udfyldes.",
    "null": "Feltet må ikke være tomt.",
    "validator_failed": "Ugyldig værdi.",
}


class FormText(fields.String):
    default_error_messages = {**_DANISH_ERRORS, "invalid": "Skal være tekst.",
                              "invalid_utf8": "Teksten er ikke gyldig UTF-8."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > MAX_TEXT_LENGTH:
            raise ValidationError(f"Teksten er for lang ({len(text):,} tegn; højst "
                                  f"{MAX_TEXT_LENGTH:,}).".replace(",", "."))
        bad = _UNSTORABLE.search(text)
        if bad:
            raise ValidationError(
                f"Teksten indeholder et tegn, der ikke kan gemmes i et dokument "
                f"(U+{ord(bad.group()):04X})."
            )
        # A value of only spaces (or line breaks) is no value.
        return text if text.strip() else None


class FormDate(fields.Date):
    """A date; reads ISO (2026-03-10) and the Danish spellings danish.parse_date knows
    (10-03-2026, 10/3 26, 10. marts 2026, ...) and stores the ISO date."""

    default_error_messages = {**_DANISH_ERRORS,
                              "invalid": danish.DATE_HINT,
                              "format": "Datoen kan ikke skrives ud."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            return None
        try:
            return danish.parse_date(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class FormTime(FormText):
    """A time of day stored as "HH:MM"; reads 14:30, 14.30, kl. 14.30, kl 14, 9.05, 14."""

    default_error_messages = {**FormText.default_error_messages, "time": danish.TIME_HINT}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.time):
            return f"{value.hour:02d}:{value.minute:02d}"
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            return danish.parse_time(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class FormBool(fields.Boolean):
    default_error_messages = {**_DANISH_ERRORS, "invalid": "Sæt kryds for ja, eller lad feltet stå tomt for nej."}
    truthy = {True}
    falsy = {False}


class FormInteger(fields.Integer):
    default_error_messages = {**_DANISH_ERRORS, "invalid": "Skal være et helt tal.",
                              "too_large": "Tallet er for stort."}

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class FormNested(fields.Nested):
    default_error_messages = {**_DANISH_ERRORS, "type": "Afsnittet kan ikke læses (det skal have felter)."}


class FormList(fields.List):
    """A repeating group: at most MAX_ROWS rows, counted before any row is read, so a
    form with 100,000 participants is refused at once, not validated row by row."""

    default_error_messages = {**_DANISH_ERRORS, "invalid": "Skal være en liste.",
                              "too_many": "For mange rækker ({count}; højst {limit})."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (list, tuple)) and len(value) > MAX_ROWS:
            raise self.make_error("too_many", count=f"{len(value):,}".replace(",", "."),
                                  limit=MAX_ROWS)
        return super()._deserialize(value, attr, data, **kwargs)


def _meta(label, kind, required, help_text=None, **extra):
    meta = {"label": label, "kind": kind, "required": required}
    if help_text:
        meta["help"] = help_text
    meta.update(extra)
    return meta


def text(label, *, required=False, multiline=False, help=None):
    """Free text. `multiline` only sizes the box; every text field keeps newlines."""
    return FormText(allow_none=True, load_default=None,
                    metadata=_meta(label, TEXT, required, help, multiline=multiline))


def date(label, *, required=False, help=None):
    return FormDate(allow_none=True, load_default=None,
                    metadata=_meta(label, DATE, required, help))


def time(label, *, required=False, help=None):
    return FormTime(allow_none=True, load_default=None,
                    metadata=_meta(label, TIME, required, help))


class LiveOptions(Sequence):
    """Options read at run time from a getter (e.g. the configured meeting types).

    Behaves as the tuple of (value, label) pairs the getter returns now; layout.sections
    turns it into a plain tuple (and caches per value)."""

    def __init__(self, getter):
        self._getter = getter

    def __getitem__(self, index):
        return tuple(self._getter())[index]

    def __len__(self):
        return len(tuple(self._getter()))

    def __iter__(self):
        return iter(tuple(self._getter()))

    def __repr__(self):
        return f"LiveOptions({tuple(self._getter())!r})"


class _OneOf(validate.Validator):
    """Value is None (not given) or one of the options' values, read when validating."""

    def __init__(self, options):
        self.options = options

    def __call__(self, value):
        options = tuple(self.options)
        if value is None or value in [v for v, _ in options]:
            return value
        raise ValidationError("Vælg en af: " + ", ".join(str(lbl) for _, lbl in options) + ".")


def choice(label, options, *, required=False, help=None):
    """One of a list. `options` is a sequence of (value, Danish label), or LiveOptions
    for a list that configuration may change at run time."""
    if not isinstance(options, LiveOptions):
        options = tuple(options)
    values = [value for value, _ in options]
    field_class = FormInteger if values and all(isinstance(v, int) for v in values) \
        else FormText
    # "" and a value of only spaces load as None (not given), which is no wrong choice.
    return field_class(allow_none=True, load_default=None, validate=_OneOf(options),
                       metadata=_meta(label, CHOICE, required, help, options=options))


def flag(label, *, help=None):
    """A yes/no check box; unticked is False."""
    return FormBool(load_default=False, metadata=_meta(label, BOOL, False, help))


def integer(label, *, required=False, minimum=None, maximum=None, help=None):
    return FormInteger(allow_none=True, load_default=None,
                       validate=validate.Range(min=minimum, max=maximum,
                                               error="Skal være mellem {min} og {max}."),
                       metadata=_meta(label, INTEGER, required, help,
                                      minimum=minimum, maximum=maximum))


def section(schema, label, *, help=None):
    """A block of single fields under one heading (drawn as a two-column table)."""
    return FormNested(schema, load_default=dict, metadata={"label": label, "help": help})


def group(schema, label, *, help=None, blank_rows=3):
    """A repeating group (drawn as a table with a row per item)."""
    return FormList(FormNested(schema), load_default=list,
                    metadata={"label": label, "help": help, "blank_rows": blank_rows})
