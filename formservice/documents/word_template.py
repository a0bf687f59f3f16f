"""Builds the Word template of each form from its layout (scripts/build_word_templates.py).

The template is an ordinary .docx a person can open and review in Word: headings, tables
and docxtpl tags (`{{p field(...) }}`, `{%tr for ... %}`) where the content controls go.
Rendering (word_render.py) compiles it once and fills it.

How it reads and prints:

- Real heading styles (the form's title Heading 1, each section Heading 2, the guidance's
  questions Heading 3), Arial throughout (no theme fonts), the document's language da-DK,
  automatic hyphenation on (Word hyphenates Danish at line ends; so does LibreOffice with
  its Danish patterns installed).
- Each repeating group is a table whose header row repeats on every page; its column
  widths come from its content when rendered (documents/text_layout.py), so no word has
  to break. The follow-up's review of earlier actions is a landscape section.
- Header: the municipality's name, the form's title and a QR code (form, version and, for a
  document printed for a case, its document id: page_marks.py) in the top margin at the
  right; four corner marks anchored to the page's corners, for reading scans back.
- Footer: "<title> · version N · side x af y" in small print; the form's machine id stays
  in the footer as hidden text, where the reader finds it if the document's properties
  are lost (it neither shows nor prints).
- The consent: the guidance first, a signature line under each custody holder (its label
  is the paragraph's list label, "Underskrift – forældremyndighedsindehaver 1", so the
  row holds no text a reader could take for a value), the young person's section only
  where it applies (form_layout.shows_section), and the municipality's contact as a
  footnote to the guidance's last point.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.shared import Cm, Pt, RGBColor
from lxml import etree
from markupsafe import escape

from ..forms import fields as kinds
from ..forms import get_form
from ..forms.layout import all_sections
from . import form_layout
from .text_layout import Column, column_widths, longest_piece, measure, widest_line
from .word_xml import PLACEHOLDER_STYLE, VALUE_STYLE, W14_NS, W15_NS, W_NS

CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PROP_FORM, PROP_VERSION = "FormserviceForm", "FormserviceVersion"
FOOTER_MARK = "formservice-formular"  # the machine id's mark, hidden in the footer
PAGE_W, PAGE_H, MARGIN = 11906, 16838, 1134  # A4 and 2 cm margins, in twips
TEXT_WIDTH = PAGE_W - 2 * MARGIN  # 9638
LANDSCAPE_WIDTH = PAGE_H - 2 * MARGIN  # 14570
LABEL_W = 3400  # the label column of a block of single fields
LABEL_SHADE, HEADER_SHADE, BORDER = "E8EEF4", "D5E0EC", "7F8C99"
INK, HELP_INK, HEADING_INK = "000000", "444C55", "1F3A5F"
FONT = "Arial"
BODY_PT, LABEL_PT, HELP_PT, SMALL_PT = 10, 9, 9, 8
HEADER_PT, CELL_PT, COMPACT_PT = 8, 9, 8  # a repeating group's column labels and values
CELL_MARGIN = 60  # twips left and right in a repeating group's cells
CELL_PAD_PT = 2 * CELL_MARGIN / 20 + 1.5  # the cell's margins and borders, in points
CELL_STYLE, COMPACT_STYLE, HEADER_STYLE = "FormCell", "FormCellCompact", "FormHeader"
SIGNATURE_NUM = 90  # numbering instance of the signature lines' labels
SIGNATURE_LABEL = "Underskrift – forældremyndighedsindehaver %1"
SIGNATURE_LINE = 5100  # twips: 9 cm to sign on
FIXED_TIME = (2026, 1, 1, 0, 0, 0)

_NSDECL = f'xmlns:w="{W_NS}" xmlns:w14="{W14_NS}" xmlns:w15="{W15_NS}" xmlns:r="{R_NS}"'


def footer_text(form) -> str:
    """What the footer says besides the page numbers: the form's Danish title and version."""
    return f"{form.title} · version {form.version}"


def machine_id(form) -> str:
    return f"{FOOTER_MARK} {form.id} version {form.version}"


# ------------------------------------------------------------------- column widths

def _kind_floor(spec) -> float:
    """Room to write a value of this kind by hand, in points."""
    if spec.kind == kinds.BOOL:
        return 16.0
    if spec.kind == kinds.DATE:
        return measure("00-00-0000", CELL_PT)
    if spec.kind == kinds.TIME:
        return measure("00:00", CELL_PT)
    if spec.kind == kinds.INTEGER:
        return measure("000", CELL_PT)
    if spec.kind == kinds.CHOICE:
        return 0.0
    return 96.0 if spec.multiline else 62.0


def shown_value(spec, value) -> str | None:
    """A value as the document shows it (dates as dd-mm-yyyy, a choice by its label)."""
    if value is None or value is False or value == "":
        return None
    if spec.kind == kinds.BOOL:
        return None
    if spec.kind == kinds.DATE:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return day.strftime("%d-%m-%Y")
    if spec.kind == kinds.CHOICE:
        return spec.option_label(value) or str(value)
    return str(value)


def group_columns(section, items, label_pt=HEADER_PT, value_pt=CELL_PT,
                  pad=CELL_PAD_PT) -> list[Column]:
    """What each column of a group's table must hold: its label (on up to two lines), its
    options, the values of `items`, and room to write by hand."""
    columns = []
    for spec in section.fields:
        least = longest_piece(spec.label, label_pt, True)
        most = max(least, widest_line(spec.label, label_pt, True) / 2)
        for _, option in spec.options:
            least = max(least, longest_piece(str(option), value_pt))
            most = max(most, widest_line(str(option), value_pt))
        for item in items:
            shown = shown_value(spec, item.get(spec.name))
            if shown:
                least = max(least, longest_piece(shown, value_pt, addresses=False))
                most = max(most, widest_line(shown, value_pt))
        floor = _kind_floor(spec)
        columns.append(Column(least + pad, max(most, floor) + pad, floor + pad))
    return columns


def group_layout(form_id: str, section, items) -> tuple[list[int], str]:
    """The column widths of a group's table in twips for these items (none: blank), and
    the style of its values: 9 pt, or 8 pt where 9 pt would have to break a word."""
    total = LANDSCAPE_WIDTH if form_layout.landscape(form_id, section.name) else TEXT_WIDTH
    columns, style = group_columns(section, items), CELL_STYLE
    if sum(c.least for c in columns) > total / 20:
        columns, style = group_columns(section, items, value_pt=COMPACT_PT), COMPACT_STYLE
    widths = column_widths(columns, total / 20)
    twips = [round(w * 20) for w in widths]
    twips[-1] = total - sum(twips[:-1])
    return twips, style


def group_widths(form_id: str, section, items) -> list[int]:
    return group_layout(form_id, section, items)[0]


# ------------------------------------------------------------------------ XML bits

def _ppr(style=None, keep_next=False, extra="") -> str:
    inner = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        "<w:keepNext/>" if keep_next else "") + extra
    return f"<w:pPr>{inner}</w:pPr>" if inner else ""


def _p(text, style=None, keep_next=False) -> str:
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f"<w:p>{_ppr(style, keep_next)}{run}</w:p>"


def _tbl_open(widths, caption: str, description: str = "", margin: int = 80) -> str:
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    describe = f'<w:tblDescription w:val="{escape(description)}"/>' if description else ""
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f"<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
            f'<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="{margin}" w:type="dxa"/>'
            f'<w:bottom w:w="40" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
            'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
            f'<w:tblCaption w:val="{escape(caption)}"/>{describe}'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>")


def _tc(width, content, shade=None, span=1) -> str:
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}{fill}</w:tcPr>'
            f"{content}</w:tc>")


def _row(cells: str, header=False) -> str:
    props = "<w:tblHeader/>" if header else ""
    return f"<w:tr><w:trPr><w:cantSplit/>{props}</w:trPr>{cells}</w:tr>"


def _field_tag(obj: str, index: str, section: str, name: str, keep: str,
               style: str = VALUE_STYLE) -> str:
    extra = f', cell_style["{section}"]' if style == CELL_STYLE else ""
    return _p(f'{{{{p field({obj}, {index}, "{section}", "{name}", {keep}{extra}) }}}}', style)


def _control_row(jinja_tag: str, width=TEXT_WIDTH, span=1) -> str:
    """A row holding only a docxtpl `{%tr ... %}` tag; rendering removes the row."""
    return "<w:tr>" + _tc(width, _p(jinja_tag), span=span) + "</w:tr>"


def _control_paragraph(jinja_tag: str) -> str:
    """A paragraph holding only a docxtpl `{%p ... %}` tag; rendering removes it."""
    return _p(jinja_tag)


def _fields_table(section) -> str:
    rows = []
    count = len(section.fields)
    for index, spec in enumerate(section.fields):
        keep = form_layout.keep_with_next(index, count)
        row = _row(_tc(LABEL_W, _p(spec.label, "FormLabel", keep), LABEL_SHADE)
                   + _tc(TEXT_WIDTH - LABEL_W,
                         _field_tag(f'data["{section.name}"]', "none", section.name, spec.name,
                                    "true" if keep else "false")))
        if spec.name == "cpr":  # only where the municipality has turned CPR on
            row = (_control_row("{%tr if cpr_enabled %}", TEXT_WIDTH, 2) + row
                   + _control_row("{%tr endif %}", TEXT_WIDTH, 2))
        rows.append(row)
    return (_tbl_open([LABEL_W, TEXT_WIDTH - LABEL_W], section.label)
            + "".join(rows) + "</w:tbl>")


def signature_indent(total: int) -> int:
    """The right indent that leaves SIGNATURE_LINE twips of line in a row `total` wide."""
    return max(0, total - 2 * CELL_MARGIN - SIGNATURE_LINE)


def _signature_row(widths) -> str:
    """The line a custody holder signs on, under their row: the label is the paragraph's
    list label (numbered per holder), the line its bottom border."""
    total = sum(widths)
    label = (f'<w:p><w:pPr><w:pStyle w:val="FormSignature"/><w:keepNext/><w:numPr>'
             f'<w:ilvl w:val="0"/><w:numId w:val="{SIGNATURE_NUM}"/></w:numPr></w:pPr></w:p>')
    line = (f'<w:p><w:pPr><w:pStyle w:val="FormSignatureLine"/>'
            f'<w:ind w:right="{signature_indent(total)}"/></w:pPr></w:p>')
    return _row(_tc(total, label + line, span=len(widths)))


def _group_table(form_id, section) -> str:
    """A header row of labels, then one row per item inside a Word repeating section,
    so Word's "+" button adds a row with the same content controls."""
    widths = group_widths(form_id, section, [])
    total, span = sum(widths), len(widths)
    header = _row("".join(_tc(w, _p(spec.label, HEADER_STYLE, True), HEADER_SHADE)
                          for w, spec in zip(widths, section.fields)), header=True)
    keep = f'keep_row(loop, "{section.name}")'
    item_rows = _row("".join(
        _tc(w, _field_tag("row", "loop.index0", section.name, spec.name, keep, CELL_STYLE))
        for w, spec in zip(widths, section.fields)))
    if form_layout.signed(form_id, section.name):
        item_rows += _signature_row(widths)
    item = ('<w:sdt><w:sdtPr><w15:repeatingSectionItem/></w:sdtPr>'
            f"<w:sdtContent>{item_rows}</w:sdtContent></w:sdt>")
    repeating = (f'<w:sdt><w:sdtPr><w:alias w:val="{escape(section.label)}"/>'
                 f'<w:tag w:val="{section.name}"/><w15:repeatingSection/></w:sdtPr><w:sdtContent>'
                 + _control_row(f"{{%tr for row in rows['{section.name}'] %}}", total, span)
                 + item + _control_row("{%tr endfor %}", total, span)
                 + "</w:sdtContent></w:sdt>")
    return (_tbl_open(widths, section.label, margin=CELL_MARGIN) + header + repeating
            + "</w:tbl>")


def _guidance(form) -> list[str]:
    parts = []
    for title, paragraphs in form.guidance:
        parts.append(_p(title, "Heading2", keep_next=True))
        last = len(paragraphs) - 1
        for index, text in enumerate(paragraphs):
            if index % 2 == 0:
                parts.append(_p(text, "Heading3", keep_next=True))
            elif index == last:  # the last point: the municipality's contact as a footnote
                parts.append(
                    f'<w:p>{_ppr("FormGuidance")}<w:r><w:t xml:space="preserve">'
                    f"{escape(text)}</w:t></w:r>"
                    '<w:r><w:t xml:space="preserve">{%r if contact %}</w:t></w:r>'
                    '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
                    '<w:footnoteReference w:id="1"/></w:r>'
                    '<w:r><w:t xml:space="preserve">{%r endif %}</w:t></w:r></w:p>')
            else:
                parts.append(_p(text, "FormGuidance"))
    return parts


def _page_break() -> str:
    return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def _body_xml(form) -> list[str]:
    """The body as a list of XML chunks; "PICTURE" where the network map's picture goes,
    ("SECTION", orientation) where a section of that orientation ends."""
    guidance_first = form.id in form_layout.GUIDANCE_FIRST
    chunks = [_p(form.title, "Heading1")]
    if form.intro and not form_layout.intro_contradicts(form):
        chunks.append(_p(form.intro, "FormHelp"))
    if form.guidance and guidance_first:
        chunks.extend(_guidance(form))
        chunks.append(_page_break())
    for section in all_sections(form.id):
        wide = form_layout.landscape(form.id, section.name)
        optional = form_layout.YOUNG_PERSON == (form.id, section.name)
        if wide:
            chunks.append(("SECTION", "portrait"))
        if optional:
            chunks.append(_control_paragraph(f'{{%p if show["{section.name}"] %}}'))
        chunks.append(_p(section.label, "Heading2", keep_next=True))
        if section.help:
            chunks.append(_p(section.help, "FormHelp", keep_next=True))
        chunks.append(_group_table(form.id, section) if section.is_group
                      else _fields_table(section))
        if optional:
            chunks.append(_control_paragraph("{%p endif %}"))
        if wide:
            chunks.append(("SECTION", "landscape"))
        if form.id == "network_map" and section.name == "map":
            chunks.append("PICTURE")
    if form.guidance and not guidance_first:
        chunks.append(_page_break())
        chunks.extend(_guidance(form))
    return chunks


# ------------------------------------------------------------------ styles and parts

def _plain_fonts(element) -> None:
    """Arial everywhere: theme font references (which win over named fonts) removed."""
    for fonts in element.iter(f"{{{W_NS}}}rFonts"):
        for attribute in list(fonts.attrib):
            if attribute.endswith("Theme") or attribute.endswith("theme"):
                del fonts.attrib[attribute]
        for side in ("ascii", "hAnsi", "cs", "eastAsia"):
            fonts.set(f"{{{W_NS}}}{side}", FONT)


def _styles(doc):
    styles = doc.styles
    root = styles.element
    _plain_fonts(root)
    defaults = root.find(f"{{{W_NS}}}docDefaults")
    for lang in defaults.iter(f"{{{W_NS}}}lang"):
        lang.set(f"{{{W_NS}}}val", "da-DK")
        lang.set(f"{{{W_NS}}}eastAsia", "da-DK")
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.widow_control = True

    def paragraph_style(name, size=None, bold=None, italic=None, colour=None, after=None,
                        before=None, base=normal):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = base
        if size:
            style.font.size = Pt(size)
        if bold is not None:
            style.font.bold = bold
        if italic is not None:
            style.font.italic = italic
        if colour:
            style.font.color.rgb = RGBColor.from_string(colour)
        if after is not None:
            style.paragraph_format.space_after = Pt(after)
        if before is not None:
            style.paragraph_format.space_before = Pt(before)
        return style

    value = paragraph_style(VALUE_STYLE, after=0)
    paragraph_style(CELL_STYLE, CELL_PT, after=0, base=value)
    paragraph_style(COMPACT_STYLE, COMPACT_PT, after=0, base=value)
    paragraph_style("FormLabel", LABEL_PT, bold=True, after=0)
    paragraph_style(HEADER_STYLE, HEADER_PT, bold=True, after=0)
    paragraph_style("FormHelp", HELP_PT, italic=True, colour=HELP_INK)
    paragraph_style("FormGuidance", after=6)
    paragraph_style("FormSmall", SMALL_PT, colour=HELP_INK, after=0)
    paragraph_style("FormSignature", SMALL_PT, colour=HELP_INK, after=0, before=4)
    paragraph_style("FormSignatureLine", after=4, before=22)
    paragraph_style("FootnoteText", SMALL_PT, after=0)
    placeholder = styles.add_style(PLACEHOLDER_STYLE, WD_STYLE_TYPE.CHARACTER)
    placeholder.font.color.rgb = RGBColor(0x76, 0x76, 0x76)
    reference = styles.add_style("FootnoteReference", WD_STYLE_TYPE.CHARACTER)
    reference.font.superscript = True
    for name, size in (("Heading 1", 17), ("Heading 2", 12.5), ("Heading 3", 10.5)):
        style = styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = RGBColor.from_string(HEADING_INK)
        style.font.bold = True
        style.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 8)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.keep_with_next = True
    line = styles["FormSignatureLine"].element.get_or_add_pPr()
    line.append(etree.fromstring(
        f'<w:pBdr {_NSDECL}><w:bottom w:val="single" w:sz="6" w:space="1" w:color="{INK}"/>'
        "</w:pBdr>"))
    _plain_fonts(root)


def _numbering(doc):
    """The signature lines' labels: a single-level list whose label is the text itself."""
    numbering = doc.part.numbering_part.element
    abstract = etree.fromstring(
        f'<w:abstractNum {_NSDECL} w:abstractNumId="{SIGNATURE_NUM}">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        f'<w:lvlText w:val="{escape(SIGNATURE_LABEL)}"/><w:suff w:val="nothing"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>'
        f'<w:color w:val="{HELP_INK}"/><w:sz w:val="{SMALL_PT * 2}"/></w:rPr></w:lvl>'
        "</w:abstractNum>")
    first_num = numbering.find(f"{{{W_NS}}}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(etree.fromstring(
        f'<w:num {_NSDECL} w:numId="{SIGNATURE_NUM}">'
        f'<w:abstractNumId w:val="{SIGNATURE_NUM}"/></w:num>'))


def _settings(doc):
    settings = doc.settings.element
    tab = settings.find(f"{{{W_NS}}}defaultTabStop")
    tab.addnext(etree.fromstring(f"<w:autoHyphenation {_NSDECL}/>"))
    font_lang = settings.find(f"{{{W_NS}}}themeFontLang")
    if font_lang is not None:
        font_lang.set(f"{{{W_NS}}}val", "da-DK")
    compat = settings.find(f"{{{W_NS}}}compat")
    compat.addprevious(etree.fromstring(
        f'<w:footnotePr {_NSDECL}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'))


def _footnotes(doc):
    """The footnote that carries the municipality's contact ({{ contact }}, filled when the
    template is loaded for a municipality)."""
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {_NSDECL}>'
           '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"/>'
           '</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
           '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
           '<w:spacing w:after="0"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p>'
           '</w:footnote>'
           '<w:footnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
           '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
           '<w:r><w:t xml:space="preserve"> {{ contact }}</w:t></w:r></w:p></w:footnote>'
           "</w:footnotes>").encode()
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, xml, doc.part.package)
    doc.part.relate_to(part, FOOTNOTES_RT)


# ------------------------------------------------------------------ page marks

EMU_PER_MM = 36000
QR_MM, QR_TOP_MM = 13, 6  # the QR code (quiet zone included) and its top edge from the paper's
QR_PX = 165  # 5 pixels a module (33 with the quiet zone): sharp at 300 dpi
QR_NAME = "QR-kode"
QR_ALT = ("QR-kode med formularens navn og version (og dokumentets nummer), så en scannet "
          "side kan læses ind igen. Den indeholder ingen personoplysninger.")
CORNER_NAME = "Hjørnemærke"
MARK_MM, MARK_EDGE_MM = 5, 7  # a corner mark's side and its outer edges from the paper's
_CORNER_PX = 10  # pixels a millimetre in a corner mark's picture
DECORATIVE_EXT = ('<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
                  '<a:ext uri="{C183D7F6-B498-43B3-948B-1728B52AA6E4}">'
                  '<adec:decorative xmlns:adec="http://schemas.microsoft.com/office/drawing/'
                  '2017/decorative" val="1"/></a:ext></a:extLst>')
_HEADER_TITLE_TAB = TEXT_WIDTH - round((QR_MM + 3) * 1440 / 25.4)  # the title ends left of the QR


def word_mark(form, document_id: str | None = None):
    """What the QR code in a Word document's header says (Word decides the pages)."""
    from .page_marks import PageMark
    return PageMark(form.id, form.version, 0, 0, document_id, "docx")


def corner_png(corner: str) -> bytes:
    """A corner mark as a picture MARK_EDGE_MM + MARK_MM square, aligned to the corner of
    the page: the black square at its inner corner, the rest transparent."""
    from PIL import Image
    side = (MARK_EDGE_MM + MARK_MM) * _CORNER_PX
    mark = MARK_MM * _CORNER_PX
    image = Image.new("LA", (side, side), (255, 0))
    x = side - mark if corner.endswith("left") else 0
    y = side - mark if corner.startswith("top") else 0
    image.paste((0, 255), (x, y, x + mark, y + mark))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _anchor(r_id: str, shape_id: int, name: str, size_mm: float, horizontal: str,
            vertical: str, alt: str = "", decorative: bool = False) -> str:
    """A picture anchored to the page (behind the text, no wrapping) as a run."""
    extent = round(size_mm * EMU_PER_MM)
    ext = DECORATIVE_EXT if decorative else ""
    return (
        f'<w:r {_NSDECL}><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/'
        'drawingml/2006/wordprocessingDrawing" distT="0" distB="0" distL="0" distR="0" '
        f'simplePos="0" relativeHeight="{251658240 + shape_id}" behindDoc="1" locked="1" '
        'layoutInCell="0" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'{horizontal}{vertical}<wp:extent cx="{extent}" cy="{extent}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f'<wp:docPr id="{shape_id}" name="{name}" descr="{escape(alt)}">{ext}</wp:docPr>'
        '<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/'
        'drawingml/2006/main" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="{shape_id}" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{r_id}"/><a:stretch><a:fillRect/></a:stretch>'
        '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{extent}" cy="{extent}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
        '</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:anchor>'
        '</w:drawing></w:r>')


def _position(axis: str, relative: str, *, align: str | None = None,
              offset_mm: float = 0) -> str:
    where = (f"<wp:align>{align}</wp:align>" if align
             else f"<wp:posOffset>{round(offset_mm * EMU_PER_MM)}</wp:posOffset>")
    return f'<wp:position{axis} relativeFrom="{relative}">{where}</wp:position{axis}>'


def _page_marks(header, form) -> None:
    """The QR code at the top right (right-aligned with the text, in the top margin) and
    the four corner marks, anchored to the page in the header so every page shows them;
    aligned to the page's edges and corners, so a landscape page has them too."""
    from .page_marks import qr_png
    paragraph = header.paragraphs[0]
    r_id, _ = header.part.get_or_add_image(io.BytesIO(qr_png(word_mark(form), QR_PX)))
    paragraph._p.append(etree.fromstring(_anchor(
        r_id, 9001, QR_NAME, QR_MM, _position("H", "margin", align="right"),
        _position("V", "page", offset_mm=QR_TOP_MM), alt=QR_ALT)))
    size = MARK_EDGE_MM + MARK_MM
    for shape_id, corner in enumerate(("top_left", "top_right", "bottom_left", "bottom_right"),
                                      start=9002):
        r_id, _ = header.part.get_or_add_image(io.BytesIO(corner_png(corner)))
        vertical, horizontal = corner.split("_")
        paragraph._p.append(etree.fromstring(_anchor(
            r_id, shape_id, CORNER_NAME, size, _position("H", "page", align=horizontal),
            _position("V", "page", align=vertical), decorative=True)))


def _header_footer(doc, form):
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.style = doc.styles["FormSmall"]
    header._p.get_or_add_pPr().append(etree.fromstring(
        f'<w:tabs {_NSDECL}><w:tab w:val="right" w:pos="{_HEADER_TITLE_TAB}"/></w:tabs>'))
    header._p.append(etree.fromstring(
        f'<w:r {_NSDECL}><w:rPr><w:b/><w:sz w:val="{BODY_PT * 2}"/></w:rPr>'
        '<w:t xml:space="preserve">{{ municipality }}</w:t></w:r>'))
    header._p.append(etree.fromstring(
        f'<w:r {_NSDECL}><w:tab/><w:t xml:space="preserve">{escape(form.title)}</w:t></w:r>'))
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["FormSmall"]

    def run(text, hidden=False):
        props = "<w:rPr><w:vanish/></w:rPr>" if hidden else ""
        footer._p.append(etree.fromstring(
            f'<w:r {_NSDECL}>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'))

    def field(instruction):
        footer._p.append(etree.fromstring(
            f'<w:fldSimple {_NSDECL} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r>'
            "</w:fldSimple>"))

    run(f"{footer_text(form)} · side ")
    field("PAGE")
    run(" af ")
    field("NUMPAGES")
    run(f" {machine_id(form)}", hidden=True)
    _page_marks(section.header, form)


def _custom_properties(doc, form):
    fmtid = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<property fmtid="{fmtid}" pid="2" name="{PROP_FORM}"><vt:lpwstr>{form.id}</vt:lpwstr></property>'
        f'<property fmtid="{fmtid}" pid="3" name="{PROP_VERSION}"><vt:i4>{form.version}</vt:i4></property>'
        "</Properties>").encode()
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, xml, package)
    package.relate_to(part, CUSTOM_PROPS_RT)


def _section_break(final_sect_pr, orientation: str):
    """A paragraph ending a section of `orientation`, with the document's header and footer."""
    sect_pr = copy.deepcopy(final_sect_pr)
    size = sect_pr.find(f"{{{W_NS}}}pgSz")
    if orientation == "landscape":
        size.set(f"{{{W_NS}}}w", str(PAGE_H))
        size.set(f"{{{W_NS}}}h", str(PAGE_W))
        size.set(f"{{{W_NS}}}orient", "landscape")
    paragraph = etree.fromstring(f"<w:p {_NSDECL}><w:pPr/></w:p>")
    paragraph[0].append(sect_pr)
    return paragraph


def _picture(doc, body, sect_pr, form):
    from .network_map_picture import draw_network_map
    doc.add_picture(io.BytesIO(draw_network_map({})), width=Cm(16))
    picture = body[-2]  # add_picture appends before sectPr
    paragraph_pr = etree.fromstring(
        f'<w:pPr {_NSDECL}><w:jc w:val="center"/><w:keepNext/></w:pPr>')
    picture.insert(0, paragraph_pr)
    doc_pr = picture.find(".//{http://schemas.openxmlformats.org/drawingml/2006/"
                          "wordprocessingDrawing}docPr")
    doc_pr.set("name", "Netværkskort")
    doc_pr.set("title", "Netværkskort")
    doc_pr.set("descr", "{{ picture_alt }}")
    sect_pr.addprevious(picture)


def build_template(form_id: str) -> bytes:
    form = get_form(form_id)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    section.header_distance = section.footer_distance = Cm(1)
    _styles(doc)
    _numbering(doc)
    _settings(doc)
    _header_footer(doc, form)
    if form.guidance:
        _footnotes(doc)
    core = doc.core_properties
    core.title, core.author, core.language = form.title, "", "da-DK"
    core.comments = core.keywords = core.category = ""
    core.subject = form.intro
    core.last_modified_by = ""
    core.created = core.modified = dt.datetime(2026, 1, 1)
    core.revision = 1
    _custom_properties(doc, form)

    body = doc.element.body
    sect_pr = body[-1]
    for chunk in _body_xml(form):
        if chunk == "PICTURE":
            _picture(doc, body, sect_pr, form)
            continue
        if isinstance(chunk, tuple):
            sect_pr.addprevious(_section_break(sect_pr, chunk[1]))
            continue
        wrapper = etree.fromstring(f"<w:body {_NSDECL}>{chunk}</w:body>")
        for element in list(wrapper):
            sect_pr.addprevious(element)
    raw = io.BytesIO()
    doc.save(raw)
    return _normalise_package(raw.getvalue())


def _normalise_package(docx: bytes) -> bytes:
    """Declare the w15 namespace Word needs for repeating sections, drop python-docx's
    leftovers, and fix every timestamp so a rebuilt template differs only where it changed."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "docProps/thumbnail.jpeg":
                continue
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:document ", f'<w:document xmlns:w15="{W15_NS}" '.encode(), 1)
                data = data.replace(b'mc:Ignorable="w14 wp14"', b'mc:Ignorable="w14 w15 wp14"', 1)
            if info.filename == "word/fontTable.xml":  # Arial is a sans serif where it is missing
                data = re.sub(rb'(<w:font w:name="Arial">.*?<w:family w:val=")auto(")',
                              rb"\1swiss\2", data, flags=re.DOTALL)
            if info.filename == "_rels/.rels":
                data = re.sub(rb'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>', b"", data)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b'<Default Extension="jpeg" ContentType="image/jpeg"/>', b"")
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()
