"""Where everything is on each page the service prints: for reading a scan back.

`page_layouts(form_id, data, contact=c)` describes the pages of
`pdf_fill.render_pdf(form_id, data, municipality, contact=c)` (`data` None: the blank form):
every visible field with its record path, kind and box (the widget's /Rect), every box a
person signs in, and the continuation pages the fill adds for texts too long for their box.
It is derived from the code that lays the pages out — `pdf_fill.template_key` decides the
template (extra rows, CPR, hidden sections, contact) as the fill does, `pdf_template.layout`
places the fields, `PdfTemplate.continuation_pages` counts the pages the fill adds — never
from a second copy of the geometry.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from ..forms import get_form


@dataclass(frozen=True)
class FieldPlace:
    path: str                 # record path: "meeting.date", "participants.2.role"
    kind: str                 # the field kind (forms.fields: text, bool, choice, date, ...)
    rect: tuple[float, float, float, float]   # x1, y1, x2, y2 in PDF points (the widget's /Rect)
    label: str
    multiline: bool
    options: tuple            # (value, Danish label) pairs for a choice


@dataclass(frozen=True)
class SignaturePlace:
    path: str                 # the item, e.g. "custody_holders.0"
    rect: tuple[float, float, float, float]   # the box a person signs in, PDF points


@dataclass(frozen=True)
class PageLayout:
    number: int               # 1-based page number in the printed PDF
    fields: tuple[FieldPlace, ...]     # visible fields only (hidden ones excluded)
    signatures: tuple[SignaturePlace, ...]
    continuation: bool = False         # a continuation page the fill adds: no fields


def _rect(rect) -> tuple[float, float, float, float]:
    return tuple(round(float(v), 2) for v in rect)  # as the widget's /Rect is written


_lock = threading.Lock()


@lru_cache(maxsize=64)
def _template_pages(form_id: str, extra_rows: tuple, with_cpr: bool, meeting_types: tuple,
                    contact: str | None, hidden: tuple) -> tuple[PageLayout, ...]:
    from .pdf_template import layout
    pages, _ = layout(form_id, dict(extra_rows), with_cpr, contact, hidden)
    return tuple(
        PageLayout(
            number,
            tuple(FieldPlace(box.name, box.kind, _rect(box.rect), box.label, box.multiline,
                             tuple(tuple(option) for option in box.options))
                  for box in page.fields if not box.hidden),
            tuple(SignaturePlace(path, _rect(rect)) for path, rect in page.signatures))
        for number, page in enumerate(pages, start=1))


def page_layouts(form_id: str, data: dict | None = None, *,
                 contact: str | None = None) -> list[PageLayout]:
    """The pages of the PDF of `form_id` printed with canonical `data` (None: blank)."""
    from .pdf_fill import pdf_template, template_key
    get_form(form_id)  # UnknownForm for an unknown id
    key = template_key(form_id, data, contact)
    with _lock:
        pages = list(_template_pages(form_id, *key))
    added = pdf_template(form_id, data, contact).continuation_pages(data) if data else 0
    pages += [PageLayout(len(pages) + offset, (), (), continuation=True)
              for offset in range(1, added + 1)]
    return pages


__all__ = ["FieldPlace", "PageLayout", "SignaturePlace", "page_layouts"]
