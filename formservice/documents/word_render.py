"""Fill a Word template: docxtpl's template, compiled once, rendered many times.

docxtpl's own render() reparses and recompiles the template and re-saves every part of
the package on each call. Here the template is prepared once: docxtpl's patch_xml mends
tags that Word split across runs and turns `{%tr %}`/`{{p }}` into plain Jinja, the column
widths of each repeating group's table become expressions (they follow the values, see
word_template.group_widths), the body is compiled with autoescaping on, the header gets
the municipality's name and the footnotes its contact, and every part that never changes
is packed into a ready-made zip. A render is then one Jinja render and two appended zip
entries, the body and the header's QR code (which holds the document id), three for the
network map, whose picture changes too.
"""
from __future__ import annotations

import io
import re
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
from . import form_layout, word_cells
from .page_marks import qr_png
from .word_template import QR_NAME, QR_PX, group_layout, signature_indent, word_mark

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "word_templates"
DOCUMENT_PART = "word/document.xml"
FOOTNOTES_PART = "word/footnotes.xml"
_ROW = re.compile(r"<w:tr[ >].*?</w:tr>", re.DOTALL)
_CELL = re.compile(r"<w:tc[ >].*?</w:tc>", re.DOTALL)
_SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"/>')
_TCW = re.compile(r'<w:tcW w:w="\d+"')
_GRID = re.compile(r"<w:tblGrid>.*?</w:tblGrid>", re.DOTALL)


def _widths_as_expressions(body: str, groups) -> str:
    """Each group table's grid and cell widths as Jinja expressions over `widths`."""
    for name in groups:
        marker = f'<w:tag w:val="{name}"/><w15:repeatingSection/>'
        at = body.find(marker)
        if at < 0:
            continue
        start = max(body.rfind("<w:tbl>", 0, at), body.rfind("<w:tbl ", 0, at))
        end = body.find("</w:tbl>", at) + len("</w:tbl>")
        table = body[start:end]
        count = len(re.findall(r"<w:gridCol ", _GRID.search(table).group()))
        grid = "<w:tblGrid>" + "".join(
            f'<w:gridCol w:w="{{{{ widths["{name}"][{i}] }}}}"/>' for i in range(count)
        ) + "</w:tblGrid>"
        table = _GRID.sub(lambda _: grid, table, count=1)

        def row(match):
            column = 0

            def cell(cell_match):
                nonlocal column
                xml = cell_match.group()
                span = _SPAN.search(xml)
                span = int(span.group(1)) if span else 1
                expression = (f'{{{{ widths["{name}"][{column}] }}}}' if span == 1 else
                              f'{{{{ widths["{name}"][{column}:{column + span}]|sum }}}}')
                column += span
                return _TCW.sub(f'<w:tcW w:w="{expression}"', xml, count=1)

            return _CELL.sub(cell, match.group())

        table = _ROW.sub(row, table)
        ind = re.compile(r'(<w:pStyle w:val="FormSignatureLine"/><w:ind w:right=")\d+(")')
        table = ind.sub(lambda m: m.group(1) + f'{{{{ signature_indent["{name}"] }}}}'
                        + m.group(2), table)
        body = body[:start] + table + body[end:]
    return body


class WordTemplate:
    def __init__(self, form_id: str, template_bytes: bytes, municipality: str,
                 contact: str | None = None):
        self.form = get_form(form_id)
        self._sections = sections(form_id)
        self._groups = [section for section in self._sections if section.is_group]
        self._cpr_enabled = cpr_enabled()
        self._contact = contact
        self._cells = {
            (section.name, spec.name): self._cell_writer(spec)
            for section in self._sections for spec in section.fields
        }
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        env.globals["field"] = self._field
        env.globals["keep_row"] = self._keep_row

        template = DocxTemplate(io.BytesIO(template_bytes))
        template.init_docx()
        body = template.patch_xml(template.get_xml())
        body = _widths_as_expressions(body, [section.name for section in self._groups])
        self._body = env.from_string(body)

        source = zipfile.ZipFile(io.BytesIO(template_bytes))
        document = source.read(DOCUMENT_PART).decode("utf-8")
        self._document_head = document[: document.index("<w:body")]
        self._document_tail = document[document.index("</w:body>") + len("</w:body>"):]
        self.picture_part = _picture_part(source) if form_id == "network_map" else None
        self.qr_part = _qr_part(source)
        self._qr_blank = source.read(self.qr_part) if self.qr_part else None

        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as packed:
            for info in source.infolist():
                if info.filename in (DOCUMENT_PART, self.picture_part, self.qr_part):
                    continue
                data = source.read(info.filename)
                if info.filename.startswith("word/header") or info.filename == FOOTNOTES_PART:
                    part = template.patch_xml(data.decode("utf-8"))
                    data = env.from_string(part).render(
                        municipality=municipality, contact=contact or "").encode()
                packed.writestr(info, data)
        self._base = base.getvalue()

    @staticmethod
    def _cell_writer(spec):
        tag_label, multiline = spec.label, spec.multiline
        if spec.kind == kinds.CHOICE:
            choices = spec.options
            return lambda value, tag, keep, style: word_cells.choice_cell(
                value, tag, tag_label, choices, keep, style=style)
        writer = {
            kinds.TEXT: word_cells.text_cell, kinds.TIME: word_cells.text_cell,
            kinds.DATE: word_cells.date_cell, kinds.BOOL: word_cells.checkbox_cell,
            kinds.INTEGER: word_cells.integer_cell,
        }[spec.kind]
        return lambda value, tag, keep, style: writer(
            value, tag, tag_label, keep, multiline, style)

    def _field(self, obj, index, section, name, keep=False, style=word_cells.VALUE_STYLE):
        tag = f"{section}.{name}" if index is None else f"{section}.{index}.{name}"
        return self._cells[(section, name)](obj.get(name), tag, bool(keep), style)

    def _keep_row(self, loop, section) -> bool:
        if form_layout.signed(self.form.id, section):
            return True  # a custody holder's row stays with its signature line
        return form_layout.keep_with_next(loop.index0, loop.length)

    def render(self, data: dict, document_id: str | None = None) -> bytes:
        """The filled document for canonical `data` (see forms.record.load_data);
        `document_id` (an opaque token, no personal data) goes into the header's QR code."""
        rows, widths, indent, styles = {}, {}, {}, {}
        for section in self._groups:
            items = list(data[section.name])
            count = form_layout.rows_to_draw(self.form.id, section, items)
            rows[section.name] = items + [{}] * (count - len(items))
            widths[section.name], styles[section.name] = group_layout(
                self.form.id, section, items)
            indent[section.name] = signature_indent(sum(widths[section.name]))
        show = {section.name: form_layout.shows_section(self.form.id, section.name, data)
                for section in self._sections if not section.is_group}
        context = dict(data=data, rows=rows, widths=widths, signature_indent=indent,
                       cell_style=styles,
                       show=show, cpr_enabled=self._cpr_enabled, contact=self._contact)
        if self.picture_part:
            from .network_map_picture import describe_network_map
            context["picture_alt"] = describe_network_map(data)
        body = self._body.render(**context)
        out = io.BytesIO(self._base)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as packed:
            packed.writestr(DOCUMENT_PART, self._document_head + body + self._document_tail)
            if self.qr_part:
                qr = (self._qr_blank if document_id is None
                      else qr_png(word_mark(self.form, document_id), QR_PX))
                packed.writestr(self.qr_part, qr, compress_type=zipfile.ZIP_STORED)
            if self.picture_part:
                from .network_map_picture import PRINT_SIZE_PX, draw_network_map
                packed.writestr(self.picture_part, draw_network_map(data, size_px=PRINT_SIZE_PX),
                                compress_type=zipfile.ZIP_STORED)
        return out.getvalue()


_RELATIONSHIP = re.compile(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="(media/[^"]+)"')
_TARGET_FIRST = re.compile(r'<Relationship [^>]*?Target="(media/[^"]+)"[^>]*?Id="([^"]+)"')


def _media(source: zipfile.ZipFile, part: str) -> dict[str, str]:
    """The pictures a part relates to: relationship id → part name in the package."""
    folder, _, name = part.rpartition("/")
    try:
        rels = source.read(f"{folder}/_rels/{name}.rels").decode("utf-8")
    except KeyError:
        return {}
    found = {r_id: target for r_id, target in _RELATIONSHIP.findall(rels)}
    found.update({r_id: target for target, r_id in _TARGET_FIRST.findall(rels)})
    return {r_id: f"{folder}/{target}" for r_id, target in found.items()}


def _picture_part(source: zipfile.ZipFile) -> str:
    names = set(_media(source, DOCUMENT_PART).values())
    if len(names) != 1:
        raise ValueError("the network map template must hold exactly one picture")
    return names.pop()


def _qr_part(source: zipfile.ZipFile) -> str | None:
    """The picture of the header's QR code (word_template._page_marks), if it has one."""
    for part in source.namelist():
        if not re.fullmatch(r"word/header\d+\.xml", part):
            continue
        xml = source.read(part).decode("utf-8")
        at = xml.find(f'name="{QR_NAME}"')
        embed = re.compile(r'r:embed="([^"]+)"').search(xml, at) if at >= 0 else None
        if embed:
            return _media(source, part).get(embed.group(1))
    return None


_lock = threading.Lock()


@lru_cache(maxsize=None)
def _load(form_id: str, municipality: str, contact: str | None, with_cpr: bool,
          meeting_types: tuple) -> WordTemplate:
    if meeting_types == options.DEFAULT_MEETING_TYPES:
        template = (TEMPLATE_DIR / f"{form_id}.docx").read_bytes()
    else:  # the municipality's own meeting types in the drop-down
        from .word_template import build_template
        template = build_template(form_id)
    return WordTemplate(form_id, template, municipality, contact)


def word_template(form_id: str, municipality: str, contact: str | None = None) -> WordTemplate:
    """The compiled template of a form, loaded once per process, municipality (its name
    and contact) and form options (CPR, meeting types)."""
    with _lock:
        return _load(form_id, municipality, contact or None, cpr_enabled(),
                     options.meeting_types())


def render_docx(form_id: str, data: dict, municipality: str = "Kommunen",
                contact: str | None = None, *, document_id: str | None = None) -> bytes:
    """The Word form filled with canonical `data`; `contact` (the municipality profile's
    contact) goes into the consent guidance, `document_id` (an opaque token, no personal
    data) into the QR code in the header."""
    return word_template(form_id, municipality, contact).render(data, document_id)
