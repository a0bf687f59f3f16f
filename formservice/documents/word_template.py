"""Builds the Word template of each form from its layout (scripts/build_word_templates.py).

The template is an ordinary .docx a person can open and review in Word: headings, tables
and docxtpl tags (`{{p field(...) }}`, `{%tr for ... %}`) where the content controls go.
Rendering (word_render.py) compiles it once and fills it.
"""
from __future__ import annotations

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

from ..forms import get_form
from ..forms.layout import all_sections
from .word_xml import PLACEHOLDER_STYLE, VALUE_STYLE, W14_NS, W15_NS, W_NS

CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
PROP_FORM, PROP_VERSION = "FormserviceForm", "FormserviceVersion"
FOOTER_MARK = "formservice-formular"
TEXT_WIDTH = 9638  # A4 less 2 cm margins, in twips
LABEL_SHADE, HEADER_SHADE, BORDER = "E8EEF4", "D5E0EC", "7F8C99"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)

_NSDECL = f'xmlns:w="{W_NS}" xmlns:w14="{W14_NS}" xmlns:w15="{W15_NS}"'


def footer_text(form) -> str:
    return f"{form.title} · {FOOTER_MARK} {form.id} version {form.version}"


def _p(text, style=None, keep_next=False) -> str:
    ppr = ""
    if style or keep_next:
        ppr = "<w:pPr>" + (f'<w:pStyle w:val="{style}"/>' if style else "") + (
            "<w:keepNext/>" if keep_next else "") + "</w:pPr>"
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


def _tbl_open(widths) -> str:
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
            f"<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
            '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>'
            '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>")


def _tc(width, content, shade=None) -> str:
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}</w:tcPr>{content}</w:tc>'


def _field_tag(obj: str, index: str, section: str, name: str) -> str:
    return _p(f'{{{{p field({obj}, {index}, "{section}", "{name}") }}}}', VALUE_STYLE)


def _fields_table(section) -> str:
    label_w = 3400
    rows = []
    for spec in section.fields:
        row = ("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
               + _tc(label_w, _p(spec.label, "FormLabel"), LABEL_SHADE)
               + _tc(TEXT_WIDTH - label_w,
                     _field_tag(f'data["{section.name}"]', "none", section.name, spec.name))
               + "</w:tr>")
        if spec.name == "cpr":  # only where the municipality has turned CPR on
            row = (_control_row("{%tr if cpr_enabled %}") + row + _control_row("{%tr endif %}"))
        rows.append(row)
    return _tbl_open([label_w, TEXT_WIDTH - label_w]) + "".join(rows) + "</w:tbl>"


def _control_row(jinja_tag: str) -> str:
    """A row holding only a docxtpl `{%tr ... %}` tag; rendering removes the row."""
    return "<w:tr>" + _tc(TEXT_WIDTH, _p(jinja_tag)) + "</w:tr>"


def _column_widths(section) -> list[int]:
    weights = [2 if spec.multiline else 1 for spec in section.fields]
    unit = TEXT_WIDTH // sum(weights)
    widths = [unit * w for w in weights]
    widths[-1] += TEXT_WIDTH - sum(widths)
    return widths


def _group_table(section) -> str:
    """A header row of labels, then one row per item inside a Word repeating section,
    so Word's "+" button adds a row with the same content controls."""
    widths = _column_widths(section)
    header = ('<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
              + "".join(_tc(w, _p(spec.label, "FormLabel"), HEADER_SHADE)
                        for w, spec in zip(widths, section.fields)) + "</w:tr>")
    item_row = ("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                + "".join(_tc(w, _field_tag("row", "loop.index0", section.name, spec.name))
                          for w, spec in zip(widths, section.fields)) + "</w:tr>")
    item = ('<w:sdt><w:sdtPr><w15:repeatingSectionItem/></w:sdtPr>'
            f"<w:sdtContent>{item_row}</w:sdtContent></w:sdt>")
    repeating = (f'<w:sdt><w:sdtPr><w:alias w:val="{escape(section.label)}"/>'
                 f'<w:tag w:val="{section.name}"/><w15:repeatingSection/></w:sdtPr><w:sdtContent>'
                 + _control_row(f"{{%tr for row in rows['{section.name}'] %}}")
                 + item + _control_row("{%tr endfor %}") + "</w:sdtContent></w:sdt>")
    return _tbl_open(widths) + header + repeating + "</w:tbl>"


def _guidance(form) -> str:
    parts = []
    for title, paragraphs in form.guidance:
        parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        parts.append(_p(title, "Heading1"))
        for index, text in enumerate(paragraphs):
            parts.append(_p(text, "Heading3" if index % 2 == 0 else None, keep_next=index % 2 == 0))
    return "".join(parts)


def _body_xml(form) -> list[str]:
    """The body as a list of XML chunks; the network map's picture goes after "map"."""
    chunks = [_p(form.title, "Title"), _p(form.intro, "FormHelp")]
    for section in all_sections(form.id):
        chunks.append(_p(section.label, "Heading2", keep_next=True))
        if section.help:
            chunks.append(_p(section.help, "FormHelp", keep_next=True))
        chunks.append(_group_table(section) if section.is_group else _fields_table(section))
        if form.id == "network_map" and section.name == "map":
            chunks.append("PICTURE")
    chunks.append(_guidance(form))
    return chunks


def _styles(doc):
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    value = styles.add_style(VALUE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    value.base_style = normal
    value.paragraph_format.space_after = Pt(0)
    label = styles.add_style("FormLabel", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = normal
    label.font.bold, label.font.size = True, Pt(9)
    label.paragraph_format.space_after = Pt(0)
    help_style = styles.add_style("FormHelp", WD_STYLE_TYPE.PARAGRAPH)
    help_style.base_style = normal
    help_style.font.italic, help_style.font.size = True, Pt(9)
    help_style.font.color.rgb = RGBColor(0x44, 0x4C, 0x55)
    placeholder = styles.add_style(PLACEHOLDER_STYLE, WD_STYLE_TYPE.CHARACTER)
    placeholder.font.color.rgb = RGBColor(0x76, 0x76, 0x76)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 12), ("Heading 3", 10.5)):
        style = styles[name]
        style.font.name, style.font.size = "Arial", Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)


def _header_footer(doc, form):
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = "{{ municipality }}"
    header.runs[0].bold = True
    header.add_run("\t\t" + form.title).font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["FormHelp"]
    footer._p.append(etree.fromstring(
        f'<w:r {_NSDECL}><w:t xml:space="preserve">Side </w:t></w:r>'))
    footer._p.append(etree.fromstring(
        f'<w:fldSimple {_NSDECL} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer._p.append(etree.fromstring(
        f'<w:r {_NSDECL}><w:t xml:space="preserve"> af </w:t></w:r>'))
    footer._p.append(etree.fromstring(
        f'<w:fldSimple {_NSDECL} w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer._p.append(etree.fromstring(
        f'<w:r {_NSDECL}><w:t xml:space="preserve">   ·   {escape(footer_text(form))}</w:t></w:r>'))


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


def build_template(form_id: str) -> bytes:
    form = get_form(form_id)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _styles(doc)
    _header_footer(doc, form)
    core = doc.core_properties
    core.title, core.author, core.language = form.title, "formservice", "da-DK"
    core.comments = core.keywords = core.subject = core.category = ""
    core.last_modified_by = "formservice"
    core.created = core.modified = dt.datetime(2026, 1, 1)
    core.revision = 1
    _custom_properties(doc, form)

    body = doc.element.body
    sect_pr = body[-1]
    for chunk in _body_xml(form):
        if chunk == "PICTURE":
            from .network_map_picture import draw_network_map
            doc.add_picture(io.BytesIO(draw_network_map({})), width=Cm(16))
            picture = body[-2]  # add_picture appends before sectPr
            sect_pr.addprevious(picture)
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
            if info.filename == "_rels/.rels":
                data = re.sub(rb'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>', b"", data)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b'<Default Extension="jpeg" ContentType="image/jpeg"/>', b"")
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()
