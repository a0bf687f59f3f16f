"""Builds the fillable PDF of each form from its layout (scripts/build_pdf_templates.py).

The page is drawn with reportlab (labels, tables, the consent guidance, page numbers);
the form fields are then added with pypdf as AcroForm fields named by their record path.
Names are hierarchical as the PDF specification wants them ("child" > "name" gives the
field "child.name"; "actions" > "2" > "deadline" gives "actions.2.deadline"), so every
PDF tool sees the same full names. Each page's first content stream is an empty header
that filling replaces with the municipality's name.

A template holds `blank_rows` rows per repeating group. For a record with more rows the
service builds (and caches) a template with continuation pages at the end, whose fields
continue the numbering.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field, replace

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, BooleanObject, DictionaryObject, FloatObject, NameObject,
                           NumberObject, StreamObject, TextStringObject)
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..forms import fields as kinds
from ..forms import get_form
from ..forms.layout import all_sections
from .pdf_font import BOLD, REGULAR, field_font
from .word_template import FOOTER_MARK, footer_text

PAGE_W, PAGE_H = A4
MARGIN = 56.7  # 2 cm
TOP = PAGE_H - MARGIN - 14  # below the header line
BOTTOM = MARGIN + 18  # above the footer
WIDTH = PAGE_W - 2 * MARGIN
LABEL_W = 165.0
LINE_H, MULTI_H, ROW_MULTI_H = 20.0, 58.0, 44.0
PAD = 3.0
FIELD_FONT = "FS"  # the field font's resource name (/DR and page resources)
# The font other fillers draw with (each field's /DA): a simple font with WinAnsi encoding
# (Helvetica, which every PDF tool and viewer has). pdftk, pypdf, PyMuPDF and viewers that
# regenerate appearances write one byte per letter, which drawn with the Type0 DejaVu font
# (two bytes per glyph) shows nothing. The service's own fill draws with DejaVu (FS).
FILLER_FONT = "Helv"
FIELD_SIZE = 10.0
LABEL_FILL, HEADER_FILL, BORDER = HexColor("#E8EEF4"), HexColor("#D5E0EC"), HexColor("#7F8C99")
INK, HELP_INK, HEADING_INK = HexColor("#000000"), HexColor("#444C55"), HexColor("#1F3A5F")
PICTURE_SIZE = 420.0
COMBO, MULTILINE = 1 << 17, 1 << 12

_registered = False


def _fonts():
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("FormSans", str(REGULAR)))
        pdfmetrics.registerFont(TTFont("FormSans-Bold", str(BOLD)))
        _registered = True


@dataclass
class FieldBox:
    name: str
    kind: str
    rect: tuple[float, float, float, float]  # x1, y1, x2, y2
    label: str
    multiline: bool = False
    options: tuple = ()


@dataclass
class Page:
    ops: list = field(default_factory=list)  # (method, args) for the reportlab canvas
    fields: list = field(default_factory=list)
    picture: tuple | None = None


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(" "), ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


class _Flow:
    """Places blocks top to bottom, page after page."""

    def __init__(self):
        self.pages: list[Page] = []
        self.new_page()

    def new_page(self):
        self.pages.append(Page())
        self.y = TOP

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def room(self, height: float) -> bool:
        return self.y - height >= BOTTOM

    def ensure(self, height: float) -> bool:
        """Start a new page unless `height` fits; True when a page was started."""
        if not self.room(height):
            self.new_page()
            return True
        return False

    def text(self, text, font="FormSans", size=9.5, color=INK, gap=3.0, width=WIDTH,
             keep=0.0):
        lines = _wrap(text, font, size, width)
        leading = size * 1.3
        self.ensure(len(lines) * leading + keep)
        for line in lines:
            self.y -= leading
            self.page.ops.append(("text", (MARGIN, self.y + size * 0.25, line, font, size, color)))
        self.y -= gap

    def cell(self, x, y_top, w, h, fill=None):
        self.page.ops.append(("cell", (x, y_top - h, w, h, fill)))

    def label(self, x, y_top, w, text, size=8.5):
        lines = _wrap(text, "FormSans-Bold", size, w - 2 * PAD)
        for index, line in enumerate(lines):
            self.page.ops.append(("text", (x + PAD, y_top - PAD - size - index * size * 1.2,
                                           line, "FormSans-Bold", size, INK)))
        return len(lines) * size * 1.2 + 2 * PAD

    def field(self, spec, name, x, y_top, w, h):
        if spec.kind == kinds.BOOL:
            side = 12.0
            rect = (x + PAD, y_top - PAD - side, x + PAD + side, y_top - PAD)
            self.page.ops.append(("cell", (rect[0], rect[1], side, side, None)))
        else:
            rect = (x + 1.5, y_top - h + 1.5, x + w - 1.5, y_top - 1.5)
        self.page.fields.append(FieldBox(name, spec.kind, rect, spec.label, spec.multiline,
                                         spec.options))


def _field_height(spec) -> float:
    return MULTI_H if spec.multiline else LINE_H


def _fields_table(flow: _Flow, section):
    for index, spec in enumerate(section.fields):
        label_h = _wrap_height(spec.label, LABEL_W)
        height = max(_field_height(spec), label_h)
        flow.ensure(height)
        top = flow.y
        flow.cell(MARGIN, top, LABEL_W, height, LABEL_FILL)
        flow.label(MARGIN, top, LABEL_W, spec.label)
        flow.cell(MARGIN + LABEL_W, top, WIDTH - LABEL_W, height)
        flow.field(spec, f"{section.name}.{spec.name}", MARGIN + LABEL_W, top,
                   WIDTH - LABEL_W, height)
        flow.y -= height
    flow.y -= 8


def _wrap_height(text, width, size=8.5) -> float:
    return len(_wrap(text, "FormSans-Bold", size, width - 2 * PAD)) * size * 1.2 + 2 * PAD


def _columns(section) -> list[float]:
    weights = [2 if spec.multiline else 1 for spec in section.fields]
    unit = WIDTH / sum(weights)
    return [unit * w for w in weights]


def _group_header(flow: _Flow, section, widths) -> None:
    height = max(_wrap_height(spec.label, w, 8) for spec, w in zip(section.fields, widths))
    top, x = flow.y, MARGIN
    for spec, w in zip(section.fields, widths):
        flow.cell(x, top, w, height, HEADER_FILL)
        flow.label(x, top, w, spec.label, size=8)
        x += w
    flow.y -= height


def _group_rows(flow: _Flow, section, first: int, count: int):
    widths = _columns(section)
    row_h = ROW_MULTI_H if any(spec.multiline for spec in section.fields) else LINE_H
    header_h = max(_wrap_height(spec.label, w, 8) for spec, w in zip(section.fields, widths))
    flow.ensure(header_h + row_h)
    _group_header(flow, section, widths)
    for index in range(first, first + count):
        if flow.ensure(row_h):
            _group_header(flow, section, widths)
        top, x = flow.y, MARGIN
        for spec, w in zip(section.fields, widths):
            flow.cell(x, top, w, row_h)
            flow.field(spec, f"{section.name}.{index}.{spec.name}", x, top, w, row_h)
            x += w
        flow.y -= row_h
    flow.y -= 8


def _sections(form_id: str, with_cpr: bool):
    return [section if with_cpr or section.name != "child" else replace(
        section, fields=tuple(spec for spec in section.fields if spec.name != "cpr"))
        for section in all_sections(form_id)]


def layout(form_id: str, extra_rows: dict[str, int] | None = None,
           with_cpr: bool = False) -> list[Page]:
    _fonts()
    form = get_form(form_id)
    extra_rows = extra_rows or {}
    flow = _Flow()
    flow.text(form.title, "FormSans-Bold", 18, HEADING_INK, gap=4)
    flow.text(form.intro, "FormSans", 8.5, HELP_INK, gap=8)
    for section in _sections(form_id, with_cpr):
        keep = 40.0
        flow.text(section.label, "FormSans-Bold", 12, HEADING_INK, gap=2, keep=keep)
        if section.help:
            flow.text(section.help, "FormSans", 8.5, HELP_INK, gap=3, keep=keep)
        if section.is_group:
            _group_rows(flow, section, 0, section.blank_rows)
        else:
            _fields_table(flow, section)
        if form_id == "network_map" and section.name == "map":
            flow.ensure(PICTURE_SIZE + 10)
            flow.page.picture = (MARGIN + (WIDTH - PICTURE_SIZE) / 2, flow.y - PICTURE_SIZE,
                                 PICTURE_SIZE)
            flow.y -= PICTURE_SIZE + 10
    for section in _sections(form_id, with_cpr):
        if extra_rows.get(section.name):
            flow.new_page()
            flow.text(f"Fortsættelse: {section.label}", "FormSans-Bold", 12, HEADING_INK, gap=4)
            _group_rows(flow, section, section.blank_rows, extra_rows[section.name])
    for title, paragraphs in form.guidance:
        flow.new_page()
        flow.text(title, "FormSans-Bold", 15, HEADING_INK, gap=6)
        for index, paragraph in enumerate(paragraphs):
            if index % 2 == 0:
                flow.text(paragraph, "FormSans-Bold", 10.5, HEADING_INK, gap=1, keep=30)
            else:
                flow.text(paragraph, "FormSans", 9.5, INK, gap=6)
    return flow.pages


def _draw(form, pages: list[Page], picture_png: bytes | None) -> bytes:
    _fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(form.title)
    pdf.setAuthor("formservice")
    for number, page in enumerate(pages, start=1):
        pdf.setStrokeColor(BORDER)
        pdf.setLineWidth(0.5)
        for op, args in page.ops:
            if op == "text":
                x, y, text, font, size, color = args
                pdf.setFont(font, size)
                pdf.setFillColor(color)
                pdf.drawString(x, y, text)
            else:
                x, y, w, h, fill = args
                if fill is not None:
                    pdf.setFillColor(fill)
                pdf.rect(x, y, w, h, stroke=1, fill=1 if fill is not None else 0)
        if page.picture and picture_png:
            from reportlab.lib.utils import ImageReader
            x, y, size = page.picture
            pdf.drawImage(ImageReader(io.BytesIO(picture_png)), x, y, size, size)
        pdf.setStrokeColor(BORDER)
        pdf.line(MARGIN, PAGE_H - MARGIN + 2, PAGE_W - MARGIN, PAGE_H - MARGIN + 2)
        pdf.setFont("FormSans", 7.5)
        pdf.setFillColor(HELP_INK)
        pdf.drawRightString(PAGE_W - MARGIN, PAGE_H - MARGIN + 6, form.title)
        pdf.drawString(MARGIN, MARGIN - 4,
                       f"Side {number} af {len(pages)}   ·   {footer_text(form)}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


def _stream(writer, content: bytes, bbox=None, resources=None):
    stream = StreamObject()
    stream.set_data(content)
    if bbox is not None:
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        stream[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in bbox)
    if resources is not None:
        stream[NameObject("/Resources")] = resources
    return writer._add_object(stream)


def _checkbox_appearances(writer, w, h):
    inset = 2.2
    cross = (f"q 0 g 0 G 1.3 w {inset} {inset} m {w - inset} {h - inset} l S "
             f"{inset} {h - inset} m {w - inset} {inset} l S Q").encode()
    on = _stream(writer, cross, (0, 0, w, h))
    off = _stream(writer, b"", (0, 0, w, h))
    return DictionaryObject({NameObject("/Yes"): on, NameObject("/Off"): off})


def _add_fields(writer: PdfWriter, pages: list[Page], font_ref):
    parents: dict[str, object] = {}
    top_level = ArrayObject()
    zapf = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/ZapfDingbats")}))
    helvetica = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    font_resources = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {_name(FIELD_FONT): font_ref, _name(FILLER_FONT): helvetica,
         NameObject("/ZaDb"): zapf})})
    filler_da = TextStringObject(f"/{FILLER_FONT} {FIELD_SIZE:g} Tf 0 g")

    def parent_of(path: str):
        if path in parents:
            return parents[path]
        head, _, tail = path.rpartition(".")
        node = DictionaryObject({NameObject("/T"): TextStringObject(tail),
                                 NameObject("/Kids"): ArrayObject()})
        reference = writer._add_object(node)
        if head:
            parent = parent_of(head)
            node[NameObject("/Parent")] = parent
            parent.get_object()["/Kids"].append(reference)
        else:
            top_level.append(reference)
        parents[path] = reference
        return reference

    for page_index, page in enumerate(pages):
        page_object = writer.pages[page_index]
        annotations = ArrayObject()
        for box in page.fields:
            head, _, tail = box.name.rpartition(".")
            x1, y1, x2, y2 = box.rect
            widget = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/T"): TextStringObject(tail),
                NameObject("/TU"): TextStringObject(box.label),
                NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in box.rect),
                NameObject("/F"): NumberObject(4),
                NameObject("/P"): page_object.indirect_reference,
            })
            if box.kind == kinds.BOOL:
                widget[NameObject("/FT")] = NameObject("/Btn")
                widget[NameObject("/V")] = NameObject("/Off")
                widget[NameObject("/AS")] = NameObject("/Off")
                widget[NameObject("/MK")] = DictionaryObject({NameObject("/CA"): TextStringObject("8")})
                widget[NameObject("/DA")] = TextStringObject("/ZaDb 0 Tf 0 g")
                widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): _checkbox_appearances(
                    writer, round(x2 - x1, 2), round(y2 - y1, 2))})
            else:
                widget[NameObject("/DA")] = filler_da
                if box.kind == kinds.CHOICE:
                    widget[NameObject("/FT")] = NameObject("/Ch")
                    widget[NameObject("/Ff")] = NumberObject(COMBO)
                    widget[NameObject("/Opt")] = ArrayObject(
                        ArrayObject([TextStringObject(str(value)), TextStringObject(label)])
                        for value, label in box.options)
                else:
                    widget[NameObject("/FT")] = NameObject("/Tx")
                    if box.multiline:
                        widget[NameObject("/Ff")] = NumberObject(MULTILINE)
            reference = writer._add_object(widget)
            parent = parent_of(head)
            widget[NameObject("/Parent")] = parent
            parent.get_object()["/Kids"].append(reference)
            annotations.append(reference)
        page_object[NameObject("/Annots")] = annotations
        resources = page_object["/Resources"].get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            resources[NameObject("/Font")] = fonts = DictionaryObject()
        fonts.get_object()[_name(FIELD_FONT)] = font_ref
        header = _stream(writer, b"")
        contents = page_object.raw_get("/Contents")
        existing = (contents.get_object() if isinstance(contents.get_object(), ArrayObject)
                    else ArrayObject([contents]))
        page_object[NameObject("/Contents")] = ArrayObject([header, *existing])
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): top_level,
        NameObject("/DR"): font_resources,
        NameObject("/DA"): filler_da,
        NameObject("/NeedAppearances"): BooleanObject(False),
    }))


PROP_FORM, PROP_VERSION = "/FormserviceForm", "/FormserviceVersion"


def build_pdf_template(form_id: str, extra_rows: dict[str, int] | None = None,
                       with_cpr: bool = False) -> bytes:
    form = get_form(form_id)
    pages = layout(form_id, extra_rows, with_cpr)
    picture = None
    if form_id == "network_map":
        from .network_map_picture import draw_network_map
        picture = draw_network_map({}, size_px=600)
    drawn = _draw(form, pages, picture)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(drawn)))
    font_ref = field_font().add_to(writer)
    _add_fields(writer, pages, font_ref)
    writer._root_object[NameObject("/Lang")] = TextStringObject("da-DK")
    writer.add_metadata({"/Title": form.title, "/Author": "formservice",
                         "/Subject": f"{FOOTER_MARK} {form.id} version {form.version}",
                         PROP_FORM: form.id, PROP_VERSION: str(form.version)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
