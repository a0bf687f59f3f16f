"""The three things done with a form's data: validate it, render it, read it back.

Entry points (CLI, API) call these; they know nothing of files or HTTP.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from .forms import get_form
from .forms.record import Finding, has_errors, load_data, make_record
from .rules import check

DOCX = "docx"
PDF = "pdf"


@dataclass
class Checked:
    """Data in canonical shape (None when its shape is wrong) and what the rules say."""
    form_id: str
    data: dict | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def validate(form_id: str, data, *, today: dt.date | None = None) -> Checked:
    get_form(form_id)
    canonical, findings = load_data(form_id, data)
    if canonical is None:
        return Checked(form_id, None, findings)
    return Checked(form_id, canonical, check(form_id, canonical, today=today))


def render(form_id: str, data, fmt: str = DOCX, *, municipality: str | None = None,
           flatten: bool = False) -> tuple[bytes, Checked]:
    """The document pre-filled with `data`. Only data whose shape is wrong is refused:
    a pre-filled form is incomplete by nature, so missing fields and rule errors are
    reported, not blocking. `flatten` (PDF only) burns the values into the pages.
    Raises ValueError for an unknown format."""
    checked = validate(form_id, data)
    if checked.data is None:
        return b"", checked
    municipality = municipality or default_municipality()
    if fmt == DOCX:
        from .documents.word_render import render_docx
        return render_docx(form_id, checked.data, municipality), checked
    if fmt == PDF:
        from .documents.pdf_fill import flatten_pdf, render_pdf
        document, drawing = render_pdf(form_id, checked.data, municipality)
        checked.findings.extend(drawing)
        return (flatten_pdf(document) if flatten else document), checked
    raise ValueError(f"Ukendt format '{fmt}'. Brug docx eller pdf.")


def render_blank(form_id: str, fmt: str = DOCX, *, municipality: str | None = None) -> bytes:
    document, _ = render(form_id, {}, fmt, municipality=municipality)
    return document


def default_municipality() -> str:
    return os.environ.get("FORMSERVICE_MUNICIPALITY", "Kommunen")


def parse(document: bytes, *, today: dt.date | None = None) -> tuple[dict, list[Finding]]:
    """The record in a filled form and its findings (reading warnings, then rules).

    Raises DocumentError when the file is not a form we can read."""
    if document[:5] == b"%PDF-":
        from .documents.pdf_parse import parse_pdf
        record, reading = parse_pdf(document)
    else:
        from .documents.word_parse import parse_docx
        record, reading = parse_docx(document)
    checked = validate(record["form"], record["data"], today=today)
    if checked.data is not None:
        record = make_record(record["form"], checked.data)
    return record, reading + checked.findings
