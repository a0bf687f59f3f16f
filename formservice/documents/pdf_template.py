"""Builds the fillable PDF of each form from its layout (scripts/build_pdf_templates.py).

The page is drawn with reportlab (labels, tables, the consent guidance); the form fields
are then added with pypdf as AcroForm fields named by their record path. Names are
hierarchical as the PDF specification wants them ("child" > "name" gives the field
"child.name"; "actions" > "2" > "deadline" gives "actions.2.deadline"), so every PDF tool
sees the same full names. Each page's first content stream holds the header and footer
(the municipality's name, "<title> · version N · side x af y") and the page's marks (four
corner marks and a QR code saying form, version, page x of y: page_marks.py), which
filling replaces. The signature boxes are recorded on their page (`Page.signatures`) for
page_layout.py.

Layout: labels wrap at word boundaries and are hyphenated by Danish rules only where a word
is wider than its cell (text_layout.py); a repeating group's column widths follow its
labels and options; the follow-up's review of earlier actions and the consent's custody
holders are one block per item (the consent's with a line to sign on); a table keeps its
header with its first row and never leaves its last row alone on a page; the consent's
guidance comes first, with the municipality's contact.

The PDF is tagged (pdf_structure.py): headings, paragraphs, tables with header cells, the
network map as a Figure with alternative text, every field in a Form element with a
tooltip (/TU), the document's language (da-DK) and its title shown by viewers.

A template holds `blank_rows` rows per repeating group. For a record with more rows the
service builds (and caches) a template whose tables hold them all, in place, the fields
numbered on; likewise for a municipality's contact and for a consent whose young person's
section does not apply (its fields are kept, hidden).
"""
from __future__ import annotations

import io
import zlib
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
from . import form_layout
from .page_marks import PageMark, pdf_marks
from .pdf_font import BOLD, REGULAR, field_font
from .pdf_structure import Marked, Node, Widget, add_structure
from .text_layout import Column, column_widths, longest_piece, measure, widest_line, wrap
from .word_template import FOOTER_MARK, footer_text

PAGE_W, PAGE_H = A4
MARGIN = 56.7  # 2 cm
TOP = PAGE_H - MARGIN - 14  # below the header line
BOTTOM = MARGIN + 18  # above the footer
WIDTH = PAGE_W - 2 * MARGIN
LABEL_W = 165.0
LINE_H, MULTI_H, ROW_H, ROW_MULTI_H = 20.0, 70.0, 26.0, 44.0
BLOCK_LABEL_W, BLOCK_MULTI_H, SIGN_H = 112.0, 46.0, 36.0
PAD = 3.0
HEADER_PT, LABEL_PT = 8.0, 8.5
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
HIDDEN_FLAGS = 2 | 32  # hidden, no view: a field kept for reading, never shown
PRINT_FLAG = 4
BLOCK_TITLES = {("follow_up_meeting", "reviewed_actions"): "Indsats",
                ("consent", "custody_holders"): "Forældremyndighedsindehaver"}
SIGNATURE = "__signature__"
# One block per item: rows of (field, span) on a grid of two label-value pairs.
BLOCKS = {
    ("follow_up_meeting", "reviewed_actions"): (
        (("description", 2),), (("goal", 2),), (("responsible", 1), ("deadline", 1)),
        (("works", 1), ("meaningful", 1)), (("decision", 1),), (("note", 2),)),
    ("consent", "custody_holders"): (
        (("name", 1), ("address", 1)), (("custody", 1), ("lives_with_child", 1)),
        (("signed_date", 1), (SIGNATURE, 1)), (("proxy_name", 1), ("proxy_date", 1))),
}

_registered = False


def _fonts():
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont("FormSans", str(REGULAR)))
        pdfmetrics.registerFont(TTFont("FormSans-Bold", str(BOLD)))
        _registered = True


@dataclass(eq=False)
class FieldBox:
    name: str
    kind: str
    rect: tuple[float, float, float, float]  # x1, y1, x2, y2
    label: str
    multiline: bool = False
    options: tuple = ()
    tooltip: str = ""
    hidden: bool = False


@dataclass
class Page:
    ops: list = field(default_factory=list)  # (kind, args, node): what is drawn, in order
    fields: list = field(default_factory=list)
    picture: tuple | None = None
    signatures: list = field(default_factory=list)  # (item path, (x1, y1, x2, y2)): boxes to sign in


def _lines(text: str, width: float, size: float, bold: bool) -> list[str]:
    return [line.text for line in wrap(text, width, size, bold)]


class _Flow:
    """Places blocks top to bottom, page after page, and builds the structure tree."""

    def __init__(self, document: Node):
        self.pages: list[Page] = []
        self.document = document
        self.new_page()

    def new_page(self):
        self.pages.append(Page())
        self.y = TOP

    @property
    def page(self) -> Page:
        return self.pages[-1]

    def room(self, height: float) -> bool:
        return self.y - height >= BOTTOM

    def fresh(self) -> bool:
        return self.y >= TOP - 0.01

    def ensure(self, height: float) -> bool:
        """Start a new page unless `height` fits; True when a page was started."""
        if not self.room(height) and not self.fresh():
            self.new_page()
            return True
        return False

    def text(self, text, node: Node, bold=False, size=9.5, color=INK, gap=3.0, keep=0.0,
             x=MARGIN, width=WIDTH):
        font = "FormSans-Bold" if bold else "FormSans"
        lines = _lines(text, width, size, bold)
        leading = size * 1.3
        self.ensure(len(lines) * leading + keep)
        for line in lines:
            if not self.room(leading):
                self.new_page()
            self.y -= leading
            self.page.ops.append(("text", (x, self.y + size * 0.25, line, font, size, color),
                                  node))
        self.y -= gap

    def cell(self, x, y_top, w, h, fill=None):
        self.page.ops.append(("cell", (x, y_top - h, w, h, fill), None))

    def line(self, x1, y, x2, width=0.8):
        self.page.ops.append(("line", (x1, y, x2, width), None))

    def label(self, x, y_top, w, text, node: Node, size=LABEL_PT):
        for index, line in enumerate(_lines(text, w - 2 * PAD, size, True)):
            self.page.ops.append(("text", (x + PAD, y_top - PAD - size - index * size * 1.2,
                                           line, "FormSans-Bold", size, INK), node))

    def field(self, spec, name, x, y_top, w, h, parent: Node, tooltip: str):
        if spec.kind == kinds.BOOL:
            side = 12.0
            rect = (x + PAD, y_top - PAD - side, x + PAD + side, y_top - PAD)
            self.page.ops.append(("cell", (rect[0], rect[1], side, side, None), None))
        else:
            rect = (x + 1.5, y_top - h + 1.5, x + w - 1.5, y_top - 1.5)
        box = FieldBox(name, spec.kind, rect, spec.label, spec.multiline, spec.options, tooltip)
        self.page.fields.append(box)
        parent.add("Form").kids.append(Widget(box))

    def hidden_field(self, spec, name, tooltip: str):
        """A field kept for reading but never shown (a section that does not apply), in the
        page's bottom margin."""
        rect = (MARGIN, 8.0, MARGIN + 12.0, 20.0)
        self.page.fields.append(FieldBox(name, spec.kind, rect, spec.label, spec.multiline,
                                         spec.options, tooltip, hidden=True))


def label_height(text, width, size=LABEL_PT) -> float:
    return len(_lines(text, width - 2 * PAD, size, True)) * size * 1.2 + 2 * PAD


def _field_height(spec, multi=MULTI_H) -> float:
    """A multi-line text's box; two lines for a single-line text, one for the rest."""
    if spec.multiline:
        return multi
    return ROW_H if spec.kind == kinds.TEXT else LINE_H


# ------------------------------------------------------------------------- tables

def _fields_table(flow: _Flow, section, parent: Node):
    table = parent.add("Table")
    heights = [max(_field_height(spec), label_height(spec.label, LABEL_W))
               for spec in section.fields]
    flow.ensure(sum(heights[:2]))
    for index, (spec, height) in enumerate(zip(section.fields, heights)):
        if index == len(heights) - 2 and not flow.room(height + heights[-1]):
            flow.new_page()  # the last row never alone on a page
        flow.ensure(height)
        row = table.add("TR")
        top = flow.y
        flow.cell(MARGIN, top, LABEL_W, height, LABEL_FILL)
        flow.label(MARGIN, top, LABEL_W, spec.label, row.add("TH", scope="Row"))
        flow.cell(MARGIN + LABEL_W, top, WIDTH - LABEL_W, height)
        flow.field(spec, f"{section.name}.{spec.name}", MARGIN + LABEL_W, top,
                   WIDTH - LABEL_W, height, row.add("TD"), f"{section.label}: {spec.label}")
        flow.y -= height
    flow.y -= 8


def _kind_floor(spec) -> float:
    if spec.kind == kinds.BOOL:
        return 18.0
    if spec.kind == kinds.DATE:
        return measure("00-00-0000", FIELD_SIZE) + 2 * PAD
    if spec.kind == kinds.TIME:
        return measure("00:00", FIELD_SIZE) + 2 * PAD
    if spec.kind == kinds.INTEGER:
        return measure("000", FIELD_SIZE) + 2 * PAD
    if spec.kind == kinds.CHOICE:
        return 0.0
    return 100.0 if spec.multiline else 60.0


def _kind_most(spec) -> float:
    """How wide a column of this kind would like to be: a free text as wide as it can get."""
    if spec.kind == kinds.TEXT:
        return 220.0 if spec.multiline else 150.0
    return _kind_floor(spec)


def group_widths(section) -> list[float]:
    """A group's column widths in points: from its labels, its options (on up to two
    lines) and room for what is written in it (a free text most)."""
    columns = []
    for spec in section.fields:
        least = longest_piece(spec.label, HEADER_PT, True)
        most = max(least, widest_line(spec.label, HEADER_PT, True) / 2)
        for _, option in spec.options:
            least = max(least, longest_piece(str(option), 9.0))
            most = max(most, widest_line(str(option), 9.0) / 1.6)
        floor = _kind_floor(spec)
        columns.append(Column(least + 2 * PAD, max(most + 2 * PAD, _kind_most(spec)), floor))
    return column_widths(columns, WIDTH)


def _group_header(flow: _Flow, section, widths, table: Node) -> None:
    height = max(label_height(spec.label, w, HEADER_PT) for spec, w in zip(section.fields, widths))
    row = table.add("TR")
    top, x = flow.y, MARGIN
    for spec, w in zip(section.fields, widths):
        flow.cell(x, top, w, height, HEADER_FILL)
        flow.label(x, top, w, spec.label, row.add("TH", scope="Column"), size=HEADER_PT)
        x += w
    flow.y -= height


def group_row_height(section, widths) -> float:
    """A row as tall as two lines of text, or as the longest option needs at 9 pt."""
    lines = 2
    for spec, width in zip(section.fields, widths):
        for _, option in spec.options:
            lines = max(lines, len(wrap(str(option), width - 4, 9.0)))
    height = max(ROW_H, lines * 9.0 * 1.15 + 3)
    if any(spec.multiline for spec in section.fields):
        height = max(height, ROW_MULTI_H)
    return height


def _group_rows(flow: _Flow, section, first: int, count: int, parent: Node):
    widths = group_widths(section)
    row_h = group_row_height(section, widths)
    header_h = max(label_height(spec.label, w, HEADER_PT)
                   for spec, w in zip(section.fields, widths))
    flow.ensure(header_h + row_h * min(count, 2))  # the header with its first rows
    table = parent.add("Table")
    _group_header(flow, section, widths, table)
    for offset, index in enumerate(range(first, first + count)):
        last_two = offset == count - 2 and not flow.room(2 * row_h)
        if last_two or not flow.room(row_h):
            flow.new_page()
            _group_header(flow, section, widths, table)
        row = table.add("TR")
        top, x = flow.y, MARGIN
        for spec, w in zip(section.fields, widths):
            flow.cell(x, top, w, row_h)
            flow.field(spec, f"{section.name}.{index}.{spec.name}", x, top, w, row_h,
                       row.add("TD"), f"{section.label}, række {index + 1}: {spec.label}")
            x += w
        flow.y -= row_h
    flow.y -= 8


def _block_height(section, grid) -> float:
    height = 0.0
    for cells in grid:
        height += _block_row_height(section, cells)
    return height + 16


def _block_row_height(section, cells) -> float:
    heights = []
    for name, span in cells:
        label_w = BLOCK_LABEL_W
        if name == SIGNATURE:
            heights.append(SIGN_H)
            continue
        spec = section.field(name)
        heights.append(max(_field_height(spec, BLOCK_MULTI_H), label_height(spec.label, label_w)))
    return max(heights)


def _blocks(flow: _Flow, form_id, section, first: int, count: int, parent: Node):
    """One block per item: its fields as label-value pairs on a grid of two."""
    grid = BLOCKS[(form_id, section.name)]
    title = BLOCK_TITLES[(form_id, section.name)]
    half = WIDTH / 2
    for index in range(first, first + count):
        block = parent.add("Sect")
        flow.ensure(_block_height(section, grid))
        flow.text(f"{title} {index + 1}", block.add("H3"), bold=True, size=10, color=HEADING_INK,
                  gap=2)
        table = block.add("Table")
        for cells in grid:
            height = _block_row_height(section, cells)
            flow.ensure(height)
            row = table.add("TR")
            top, x = flow.y, MARGIN
            for name, span in cells:
                value_w = (half if span == 1 else WIDTH) - BLOCK_LABEL_W
                flow.cell(x, top, BLOCK_LABEL_W, height, LABEL_FILL)
                if name == SIGNATURE:
                    flow.label(x, top, BLOCK_LABEL_W, "Underskrift", row.add("TH", scope="Row"))
                    flow.cell(x + BLOCK_LABEL_W, top, value_w, height)
                    flow.line(x + BLOCK_LABEL_W + 6, top - height + 8,
                              x + BLOCK_LABEL_W + value_w - 6)
                    flow.page.signatures.append((f"{section.name}.{index}", (
                        x + BLOCK_LABEL_W, top - height, x + BLOCK_LABEL_W + value_w, top)))
                    row.add("TD")
                else:
                    spec = section.field(name)
                    flow.label(x, top, BLOCK_LABEL_W, spec.label, row.add("TH", scope="Row"))
                    flow.cell(x + BLOCK_LABEL_W, top, value_w, height)
                    flow.field(spec, f"{section.name}.{index}.{spec.name}", x + BLOCK_LABEL_W,
                               top, value_w, height, row.add("TD"),
                               f"{title} {index + 1}: {spec.label}")
                x += BLOCK_LABEL_W + value_w
            flow.y -= height
        flow.y -= 10


def _group(flow, form_id, section, first, count, parent):
    if (form_id, section.name) in BLOCKS:
        _blocks(flow, form_id, section, first, count, parent)
    else:
        _group_rows(flow, section, first, count, parent)


def _guidance(flow: _Flow, form, contact: str | None):
    for title, paragraphs in form.guidance:
        part = flow.document.add("Sect")
        flow.text(title, part.add("H2"), bold=True, size=13, color=HEADING_INK, gap=6, keep=60)
        for index, paragraph in enumerate(paragraphs):
            if index % 2 == 0:
                flow.text(paragraph, part.add("H3"), bold=True, size=10.5, color=HEADING_INK,
                          gap=1, keep=30)
            else:
                flow.text(paragraph, part.add("P"), size=9.5, gap=6)
        if contact:
            flow.text(contact, part.add("P"), size=9.5, gap=6)


def _sections(form_id: str, with_cpr: bool):
    return [section if with_cpr or section.name != "child" else replace(
        section, fields=tuple(spec for spec in section.fields if spec.name != "cpr"))
        for section in all_sections(form_id)]


def layout(form_id: str, extra_rows: dict[str, int] | None = None, with_cpr: bool = False,
           contact: str | None = None, hidden: tuple = ()) -> tuple[list[Page], Node]:
    """The pages and the structure tree of a form's PDF. `hidden`: sections not shown (their
    fields kept, hidden)."""
    _fonts()
    form = get_form(form_id)
    extra_rows = extra_rows or {}
    document = Node("Document")
    flow = _Flow(document)
    flow.text(form.title, document.add("H1"), bold=True, size=18, color=HEADING_INK, gap=4)
    if form.intro and not form_layout.intro_contradicts(form):
        flow.text(form.intro, document.add("P"), size=8.5, color=HELP_INK, gap=8)
    guidance_first = form_id in form_layout.GUIDANCE_FIRST
    if form.guidance and guidance_first:
        _guidance(flow, form, contact)
        flow.new_page()
    for section in _sections(form_id, with_cpr):
        if section.name in hidden:
            for spec in section.fields:
                flow.hidden_field(spec, f"{section.name}.{spec.name}", spec.label)
            continue
        part = document.add("Sect")
        keep = 44.0
        flow.text(section.label, part.add("H2"), bold=True, size=12, color=HEADING_INK, gap=2,
                  keep=keep)
        if section.help:
            flow.text(section.help, part.add("P"), size=8.5, color=HELP_INK, gap=3, keep=keep)
        if section.is_group:  # a record's rows beyond the template's continue in place
            _group(flow, form_id, section, 0,
                   section.blank_rows + extra_rows.get(section.name, 0), part)
        else:
            _fields_table(flow, section, part)
        if form_id == "network_map" and section.name == "map":
            flow.ensure(PICTURE_SIZE + 10)
            flow.page.picture = (MARGIN + (WIDTH - PICTURE_SIZE) / 2, flow.y - PICTURE_SIZE,
                                 PICTURE_SIZE)
            figure = part.add("Figure", key="figure")
            from .network_map_picture import describe_network_map
            figure.alt = describe_network_map({})
            flow.page.ops.append(("picture", flow.page.picture, figure))
            flow.y -= PICTURE_SIZE + 10
    if form.guidance and not guidance_first:
        flow.new_page()
        _guidance(flow, form, contact)
    return flow.pages, document


# ------------------------------------------------------------------ header, footer

def page_furniture(font, title: str, footer: str, municipality: str, number: int,
                   total: int, mark: PageMark | None = None) -> bytes:
    """A page's header (the municipality's name, the form's title, a rule) and footer
    ("<title> · version N · side x af y"), drawn as artifacts with the field font, and the
    page's marks (corner marks and QR code, page_marks.py) when `mark` is given."""
    right = PAGE_W - MARGIN
    title_w = font.width(title, 7.5)
    bottom = f"{footer} · side {number} af {total}"
    ops = [
        b"/Artifact <</Type /Pagination /Subtype /Header>> BDC",
        b"q 0.498 0.549 0.6 RG 0.5 w %.2f %.2f m %.2f %.2f l S Q" % (
            MARGIN, PAGE_H - MARGIN + 2, right, PAGE_H - MARGIN + 2),
        b"BT /%s 9 Tf 0.1 0.1 0.1 rg %.2f %.2f Td <%s> Tj ET" % (
            FIELD_FONT.encode(), MARGIN, PAGE_H - MARGIN + 6, font.hex(municipality).encode()),
        b"BT /%s 7.5 Tf 0.267 0.298 0.333 rg %.2f %.2f Td <%s> Tj ET" % (
            FIELD_FONT.encode(), right - title_w, PAGE_H - MARGIN + 6,
            font.hex(title).encode()),
        b"EMC",
        b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC",
        b"BT /%s 7.5 Tf 0.267 0.298 0.333 rg %.2f %.2f Td <%s> Tj ET" % (
            FIELD_FONT.encode(), MARGIN, MARGIN - 4, font.hex(bottom).encode()),
        b"EMC",
    ]
    if mark is not None:
        ops.append(pdf_marks(mark))
    return b"\n".join(ops)


# ------------------------------------------------------------------------ drawing

def _draw(form, pages: list[Page], picture_png: bytes | None) -> bytes:
    _fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1,
                        initialFontName="FormSans", initialFontSize=9.5)
    pdf.setTitle(form.title)
    pdf.setAuthor("")
    for number, page in enumerate(pages):
        mcid = 0
        for kind, args, node in page.ops:
            if node is None:
                pdf._code.append("/Artifact BMC")
            else:
                pdf._code.append(f"/{node.role} <</MCID {mcid}>> BDC")
                node.kids.append(Marked(number, mcid))
                mcid += 1
            if kind == "text":
                x, y, text, font, size, color = args
                pdf.setFont(font, size)
                pdf.setFillColor(color)
                pdf.drawString(x, y, text)
            elif kind == "cell":
                x, y, w, h, fill = args
                pdf.setStrokeColor(BORDER)
                pdf.setLineWidth(0.5)
                if fill is not None:
                    pdf.setFillColor(fill)
                pdf.rect(x, y, w, h, stroke=1, fill=1 if fill is not None else 0)
            elif kind == "line":
                x1, y, x2, width = args
                pdf.setStrokeColor(INK)
                pdf.setLineWidth(width)
                pdf.line(x1, y, x2, y)
            elif kind == "picture" and picture_png:
                from reportlab.lib.utils import ImageReader
                x, y, size = args
                pdf.drawImage(ImageReader(io.BytesIO(picture_png)), x, y, size, size)
            pdf._code.append("EMC")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


def _stream(writer, content: bytes, bbox=None, resources=None, flate=False):
    stream = StreamObject()
    stream.set_data(content)
    if flate:  # `content` is compressed already
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
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


def _add_fields(writer: PdfWriter, pages: list[Page], font_ref, furniture: list[bytes]):
    """The AcroForm; returns each field box's widget reference and page index."""
    parents: dict[str, object] = {}
    top_level = ArrayObject()
    refs, on_page = {}, {}
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
                NameObject("/TU"): TextStringObject(box.tooltip or box.label),
                NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in box.rect),
                NameObject("/F"): NumberObject(HIDDEN_FLAGS if box.hidden else PRINT_FLAG),
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
            refs[id(box)], on_page[id(box)] = reference, page_index
        page_object[NameObject("/Annots")] = annotations
        resources = page_object["/Resources"].get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            resources[NameObject("/Font")] = fonts = DictionaryObject()
        fonts.get_object()[_name(FIELD_FONT)] = font_ref
        header = _stream(writer, zlib.compress(furniture[page_index]), flate=True)
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
    return refs, on_page


def _xmp(form) -> bytes:
    from markupsafe import escape
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(form.title)}</rdf:li>'
        '</rdf:Alt></dc:title>'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(form.intro)}</rdf:li>'
        '</rdf:Alt></dc:description>'
        '<dc:language><rdf:Bag><rdf:li>da-DK</rdf:li></rdf:Bag></dc:language>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


PROP_FORM, PROP_VERSION = "/FormserviceForm", "/FormserviceVersion"


def build_pdf_template(form_id: str, extra_rows: dict[str, int] | None = None,
                       with_cpr: bool = False, contact: str | None = None,
                       hidden: tuple = ()) -> bytes:
    form = get_form(form_id)
    pages, document = layout(form_id, extra_rows, with_cpr, contact, hidden)
    picture = None
    if form_id == "network_map":
        from .network_map_picture import draw_network_map
        picture = draw_network_map({}, size_px=600)
    drawn = _draw(form, pages, picture)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(drawn)))
    font = field_font()
    font_ref = font.add_to(writer)
    furniture = [page_furniture(font, form.title, footer_text(form), "", number, len(pages),
                                PageMark(form.id, form.version, number, len(pages)))
                 for number in range(1, len(pages) + 1)]
    refs, on_page = _add_fields(writer, pages, font_ref, furniture)
    add_structure(writer, document, refs, on_page)
    catalog = writer._root_object
    catalog[NameObject("/Lang")] = TextStringObject("da-DK")
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject({
        NameObject("/DisplayDocTitle"): BooleanObject(True)})
    metadata = StreamObject()
    metadata.set_data(_xmp(form))
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    catalog[NameObject("/Metadata")] = writer._add_object(metadata)
    writer.add_metadata({"/Title": form.title, "/Author": "", "/Subject": form.intro,
                         "/Creator": "", "/Producer": "",
                         PROP_FORM: form.id, PROP_VERSION: str(form.version)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["FOOTER_MARK", "build_pdf_template", "layout", "page_furniture"]
