"""Fill a Word template: docxtpl's template, compiled once, rendered many times.

docxtpl's own render() reparses and recompiles the template and re-saves every part of
the package on each call. Here the template is prepared once: docxtpl's patch_xml mends
tags that Word split across runs and turns `{%tr %}`/`{{p }}` into plain Jinja, the body is
compiled with autoescaping on, the header gets the municipality's name, and every part
that never changes is packed into a ready-made zip. A render is then one Jinja render and
one appended zip entry (two for the network map, whose picture changes too).
"""
from __future__ import annotations

import io
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

from ..forms import get_form
from ..forms import fields as kinds
from ..forms import options
from ..forms.layout import cpr_enabled, sections
from . import word_xml

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "word_templates"
DOCUMENT_PART = "word/document.xml"
SPARE_ROWS = 1  # empty rows after the filled ones, to write more by hand


class WordTemplate:
    def __init__(self, form_id: str, template_bytes: bytes, municipality: str):
        self.form = get_form(form_id)
        self._sections = sections(form_id)
        self._cpr_enabled = cpr_enabled()
        self._cells = {
            (section.name, spec.name): self._cell_writer(spec)
            for section in self._sections for spec in section.fields
        }
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        env.globals["field"] = self._field

        template = DocxTemplate(io.BytesIO(template_bytes))
        template.init_docx()
        body = template.patch_xml(template.get_xml())
        self._body = env.from_string(body)

        source = zipfile.ZipFile(io.BytesIO(template_bytes))
        document = source.read(DOCUMENT_PART).decode("utf-8")
        self._document_head = document[: document.index("<w:body")]
        self._document_tail = document[document.index("</w:body>") + len("</w:body>"):]
        self.picture_part = _picture_part(source) if form_id == "network_map" else None

        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as packed:
            for info in source.infolist():
                if info.filename in (DOCUMENT_PART, self.picture_part):
                    continue
                data = source.read(info.filename)
                if info.filename.startswith("word/header"):
                    header = template.patch_xml(data.decode("utf-8"))
                    data = env.from_string(header).render(municipality=municipality).encode()
                packed.writestr(info, data)
        self._base = base.getvalue()

    @staticmethod
    def _cell_writer(spec):
        tag_label = spec.label
        if spec.kind == kinds.CHOICE:
            options = spec.options
            return lambda value, tag: word_xml.choice_cell(value, tag, tag_label, options)
        writer = {
            kinds.TEXT: word_xml.text_cell, kinds.TIME: word_xml.text_cell,
            kinds.DATE: word_xml.date_cell, kinds.BOOL: word_xml.checkbox_cell,
            kinds.INTEGER: word_xml.integer_cell,
        }[spec.kind]
        return lambda value, tag: writer(value, tag, tag_label)

    def _field(self, obj, index, section, name):
        tag = f"{section}.{name}" if index is None else f"{section}.{index}.{name}"
        return self._cells[(section, name)](obj.get(name), tag)

    def render(self, data: dict) -> bytes:
        """The filled document for canonical `data` (see forms.record.load_data)."""
        rows = {
            section.name: list(data[section.name])
            + [{}] * max(SPARE_ROWS, section.blank_rows - len(data[section.name]))
            for section in self._sections if section.is_group
        }
        body = self._body.render(data=data, rows=rows, cpr_enabled=self._cpr_enabled)
        out = io.BytesIO(self._base)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as packed:
            packed.writestr(DOCUMENT_PART, self._document_head + body + self._document_tail)
            if self.picture_part:
                from .network_map_picture import PRINT_SIZE_PX, draw_network_map
                packed.writestr(self.picture_part, draw_network_map(data, size_px=PRINT_SIZE_PX),
                                compress_type=zipfile.ZIP_STORED)
        return out.getvalue()


def _picture_part(source: zipfile.ZipFile) -> str:
    names = [n for n in source.namelist() if n.startswith("word/media/")]
    if len(names) != 1:
        raise ValueError("the network map template must hold exactly one picture")
    return names[0]


_lock = threading.Lock()


@lru_cache(maxsize=None)
def _load(form_id: str, municipality: str, with_cpr: bool, meeting_types: tuple) -> WordTemplate:
    if meeting_types == options.DEFAULT_MEETING_TYPES:
        template = (TEMPLATE_DIR / f"{form_id}.docx").read_bytes()
    else:  # the municipality's own meeting types in the drop-down
        from .word_template import build_template
        template = build_template(form_id)
    return WordTemplate(form_id, template, municipality)


def word_template(form_id: str, municipality: str) -> WordTemplate:
    """The compiled template of a form, loaded once per process, municipality and form
    options (CPR, meeting types)."""
    with _lock:
        return _load(form_id, municipality, cpr_enabled(), options.meeting_types())


def render_docx(form_id: str, data: dict, municipality: str = "Kommunen") -> bytes:
    return word_template(form_id, municipality).render(data)
