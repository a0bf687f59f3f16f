"""WordprocessingML fragments for fillable fields: the content controls staff fill in.

Every fillable place is a content control (w:sdt) whose tag is the field's path in the
record. Text is written one paragraph per line, each line in its own inline control with
the same tag: inline controls are the kind LibreOffice keeps when it saves a .docx, and
paragraphs (not line breaks) survive every word processor.
"""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"

VALUE_STYLE = "FormValue"
PLACEHOLDER_STYLE = "FormPlaceholder"
CHECKED, UNCHECKED = "\u2612", "\u2610"  # ☒ ☐
PLACEHOLDER_TEXT = "Skriv her"
PLACEHOLDER_DATE = "Vælg dato"
PLACEHOLDER_CHOICE = "Vælg"
DATE_DISPLAY = "%d-%m-%Y"

_P_OPEN = f'<w:p><w:pPr><w:pStyle w:val="{VALUE_STYLE}"/></w:pPr>'
_PLACEHOLDER_RUN = f'<w:r><w:rPr><w:rStyle w:val="{PLACEHOLDER_STYLE}"/></w:rPr><w:t>{{}}</w:t></w:r>'


def _sdt_pr(tag, label, extra="", placeholder=False):
    return (f'<w:sdtPr><w:alias w:val="{escape(label)}"/><w:tag w:val="{escape(tag)}"/>'
            + ("<w:showingPlcHdr/>" if placeholder else "") + extra + "</w:sdtPr>")


def _text_run(line: str) -> str:
    parts = [f'<w:t xml:space="preserve">{escape(piece)}</w:t>' if piece else ""
             for piece in line.split("\t")]
    return "<w:r>" + "<w:tab/>".join(parts) + "</w:r>"


def text_cell(value, tag, label) -> Markup:
    """A text field: one paragraph per line, each holding an inline control."""
    if value is None or value == "":
        return Markup(_P_OPEN + "<w:sdt>" + _sdt_pr(tag, label, placeholder=True)
                      + "<w:sdtContent>" + _PLACEHOLDER_RUN.format(PLACEHOLDER_TEXT)
                      + "</w:sdtContent></w:sdt></w:p>")
    pr = _sdt_pr(tag, label)
    return Markup("".join(
        _P_OPEN + "<w:sdt>" + pr + "<w:sdtContent>" + _text_run(line)
        + "</w:sdtContent></w:sdt></w:p>"
        for line in str(value).split("\n")
    ))


def date_cell(value, tag, label) -> Markup:
    if value in (None, ""):
        date_pr = ('<w:date><w:dateFormat w:val="dd-MM-yyyy"/><w:lid w:val="da-DK"/>'
                   '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>')
        content = _PLACEHOLDER_RUN.format(PLACEHOLDER_DATE)
        placeholder = True
    else:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        date_pr = (f'<w:date w:fullDate="{day.isoformat()}T00:00:00Z">'
                   '<w:dateFormat w:val="dd-MM-yyyy"/><w:lid w:val="da-DK"/>'
                   '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>')
        content = _text_run(day.strftime(DATE_DISPLAY))
        placeholder = False
    return Markup(_P_OPEN + "<w:sdt>" + _sdt_pr(tag, label, date_pr, placeholder)
                  + "<w:sdtContent>" + content + "</w:sdtContent></w:sdt></w:p>")


def choice_cell(value, tag, label, options) -> Markup:
    items = "".join(
        f'<w:listItem w:displayText="{escape(option_label)}" w:value="{escape(option_value)}"/>'
        for option_value, option_label in options)
    drop_down = f'<w:dropDownList><w:listItem w:displayText="{PLACEHOLDER_CHOICE}" w:value=""/>{items}</w:dropDownList>'
    shown = next((lbl for val, lbl in options if val == value), None)
    if shown is None:
        content, placeholder = _PLACEHOLDER_RUN.format(PLACEHOLDER_CHOICE), True
    else:
        content, placeholder = _text_run(shown), False
    return Markup(_P_OPEN + "<w:sdt>" + _sdt_pr(tag, label, drop_down, placeholder)
                  + "<w:sdtContent>" + content + "</w:sdtContent></w:sdt></w:p>")


def checkbox_cell(value, tag, label) -> Markup:
    checked = bool(value)
    box = ('<w14:checkbox><w14:checked w14:val="{}"/>'
           '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
           '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
           ).format(1 if checked else 0)
    glyph = CHECKED if checked else UNCHECKED
    return Markup(
        _P_OPEN + "<w:sdt>" + _sdt_pr(tag, label, box) + "<w:sdtContent>"
        '<w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic"/>'
        f"</w:rPr><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt></w:p>")


def integer_cell(value, tag, label) -> Markup:
    return text_cell(None if value is None else str(value), tag, label)
