"""The forms themselves, without a case: validate data, render a document, read one back.

The municipality's profile decides the name in each document's header and which rules
are errors, warnings or off; it is given, never read from the environment here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..config import Profile
from ..documents.errors import DocumentError
from ..documents.pdf_fill import flatten_pdf, render_pdf
from ..documents import sandbox
from ..documents.word_render import render_docx
from ..forms import get_form
from ..forms.record import Finding, has_errors, load_data, load_lenient, make_record
from ..rules import apply_severity, check
from .errors import Invalid, Unavailable

DOCX = "docx"
PDF = "pdf"
FORMATS = (DOCX, PDF)


@dataclass
class Checked:
    """Data in canonical shape (None when its shape is wrong) and what the rules say."""
    form_id: str
    data: dict | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def validate(profile: Profile, form_id: str, data, *, today: dt.date | None = None) -> Checked:
    get_form(form_id)
    canonical, findings = load_data(form_id, data)
    if canonical is None:
        return Checked(form_id, None, findings)
    return Checked(form_id, canonical, apply_severity(
        check(form_id, canonical, today=today), profile.severity))


def render(profile: Profile, form_id: str, data, fmt: str = DOCX, *,
           flatten: bool = False, document_id: str | None = None) -> tuple[bytes, Checked]:
    """The document pre-filled with `data`. Only data whose shape is wrong is refused
    (Invalid, with every bad field): a pre-filled form is incomplete by nature, so missing
    fields and rule errors are reported, not blocking. `flatten` (PDF only) burns the
    values into the pages. `document_id`: the print's token, in every page's QR code."""
    if fmt not in FORMATS:
        raise Invalid("Formatet skal være docx eller pdf.",
                      [{"path": "format", "message": "Formatet skal være docx eller pdf."}])
    if flatten and fmt != PDF:
        raise Invalid("Kun en PDF kan gøres flad (flatten).",
                      [{"path": "flatten", "message": "Kun en PDF kan gøres flad."}])
    checked = validate(profile, form_id, data)
    if checked.data is None:
        raise Invalid("Data passer ikke til formularen.",
                      [{"path": f.path, "message": f.message} for f in checked.findings])
    if fmt == DOCX:
        return render_docx(form_id, checked.data, profile.name, contact=profile.contact,
                           document_id=document_id), checked
    document, drawing = render_pdf(form_id, checked.data, profile.name, contact=profile.contact,
                                   document_id=document_id)
    checked.findings.extend(drawing)
    return (flatten_pdf(document) if flatten else document), checked


def render_blank(profile: Profile, form_id: str, fmt: str = DOCX) -> bytes:
    document, _ = render(profile, form_id, {}, fmt)
    return document


@dataclass
class Parsed:
    """A document read back: its record (data as read when its shape is wrong) and every
    finding about it, the reading's and the rules'."""
    record: dict
    findings: list[Finding]
    fits: bool  # the data has the form's shape (else only a draft can keep it)
    fitting: dict | None = None  # when it does not: the data without what does not fit

    def as_dict(self) -> dict:
        return {**self.record, "findings": [f.as_dict() for f in self.findings]}


def parse(profile: Profile, document: bytes, *, today: dt.date | None = None) -> Parsed:
    """The record in a filled form and its findings (reading warnings, then rules).

    The file is read in a worker process with a memory ceiling and a time limit
    (documents.sandbox): every upload comes through here. Raises DocumentError when the
    file is not a form we can read, or needs more memory or time than a form does."""
    outcome = sandbox.run(document)
    if outcome.fate == "busy":  # not the file's fault: the readers are all taken
        raise Unavailable(outcome.refusal)
    record, reading = outcome.result()
    return read_back(profile, record["form"], record["data"], reading, today=today)


def read_back(profile: Profile, form_id: str, data, reading=(), *,
              today: dt.date | None = None) -> Parsed:
    """What was read from a document, checked in one pass: a value that does not fit its
    field is a finding beside every rule's finding (never one layer at a time), and the
    record keeps it as typed, so a draft loses nothing."""
    checked = validate(profile, form_id, data, today=today)
    if checked.data is not None:
        return Parsed(make_record(form_id, checked.data), list(reading) + checked.findings, True)
    fitting, kept, shape = load_lenient(form_id, data)
    refused = {finding.path for finding in shape}
    rules = [finding for finding in apply_severity(check(form_id, fitting, today=today),
                                                   profile.severity)
             if finding.path not in refused]  # a refused value is not also "missing"
    return Parsed(make_record(form_id, kept), list(reading) + shape + rules, False, fitting)


__all__ = ["Checked", "DocumentError", "FORMATS", "Parsed", "parse", "render", "render_blank",
           "validate"]
