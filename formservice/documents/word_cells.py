"""The content controls of the Word forms as they print: a value, or a light line to write on.

Like word_xml's fields (the same controls, tags, date pickers, drop-downs and check boxes,
which the reader reads back), with two differences in how they look:

- An empty field prints as a light line, not as grey "Skriv her" / "Vælg dato" text: its
  paragraph has a light bottom border, and the control holds an empty placeholder run (so
  Word and LibreOffice keep it, a click lands in it, and typing replaces it). A multi-line
  field left empty gets three lines to write on.
- `keep_next` keeps the paragraph with the next one (a table's rows stay together, a last
  row never alone on a page).
"""
from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from .word_xml import CHECKED, DATE_DISPLAY, PLACEHOLDER_CHOICE, PLACEHOLDER_STYLE, \
    UNCHECKED, VALUE_STYLE

LINE_COLOUR = "A6A6A6"  # light grey, still visible when printed in greyscale
EMPTY_LINES = 3  # lines to write on for an empty multi-line field
_LINE = (f'<w:bottom w:val="single" w:sz="4" w:space="1" w:color="{LINE_COLOUR}"/>'
         f'<w:between w:val="single" w:sz="4" w:space="1" w:color="{LINE_COLOUR}"/>')
_EMPTY_RUN = (f'<w:r><w:rPr><w:rStyle w:val="{PLACEHOLDER_STYLE}"/></w:rPr>'
              '<w:t xml:space="preserve"></w:t></w:r>')


def _p_open(keep_next: bool, line: bool = False, writing_room: bool = False,
            style: str = VALUE_STYLE) -> str:
    extra = "<w:keepNext/>" if keep_next else ""
    if line:
        extra += f"<w:pBdr>{_LINE}</w:pBdr>"
        if writing_room:
            extra += '<w:spacing w:before="160"/>'
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>'


def _sdt_pr(tag, label, extra="", placeholder=False):
    return (f'<w:sdtPr><w:alias w:val="{escape(label)}"/><w:tag w:val="{escape(tag)}"/>'
            + ("<w:showingPlcHdr/>" if placeholder else "") + extra + "</w:sdtPr>")


def _text_run(line: str) -> str:
    parts = [f'<w:t xml:space="preserve">{escape(piece)}</w:t>' if piece else ""
             for piece in line.split("\t")]
    return "<w:r>" + "<w:tab/>".join(parts) + "</w:r>"


def _empty(tag, label, extra="", keep_next=False, lines=1, style=VALUE_STYLE) -> Markup:
    """An empty control on a light line (and `lines` - 1 more lines below it to write on;
    those paragraphs have no control, so the reader reads the field as empty)."""
    first = (_p_open(keep_next, line=True, style=style) + "<w:sdt>" + _sdt_pr(tag, label, extra, True)
             + "<w:sdtContent>" + _EMPTY_RUN + "</w:sdtContent></w:sdt></w:p>")
    more = (_p_open(keep_next, line=True, writing_room=True, style=style) + "</w:p>") * (
        lines - 1)
    return Markup(first + more)


def text_cell(value, tag, label, keep_next=False, multiline=False,
              style=VALUE_STYLE) -> Markup:
    """A text field: one paragraph per line, each holding an inline control."""
    if value is None or value == "":
        return _empty(tag, label, keep_next=keep_next,
                      lines=EMPTY_LINES if multiline else 1, style=style)
    pr = _sdt_pr(tag, label)
    return Markup("".join(
        _p_open(keep_next, style=style) + "<w:sdt>" + pr + "<w:sdtContent>" + _text_run(line)
        + "</w:sdtContent></w:sdt></w:p>"
        for line in str(value).split("\n")
    ))


def _date_pr(day: dt.date | None) -> str:
    full = f' w:fullDate="{day.isoformat()}T00:00:00Z"' if day else ""
    return (f'<w:date{full}><w:dateFormat w:val="dd-MM-yyyy"/><w:lid w:val="da-DK"/>'
            '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>')


def date_cell(value, tag, label, keep_next=False, multiline=False,
              style=VALUE_STYLE) -> Markup:
    if value in (None, ""):
        return _empty(tag, label, _date_pr(None), keep_next, style=style)
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return Markup(_p_open(keep_next, style=style) + "<w:sdt>" + _sdt_pr(tag, label, _date_pr(day))
                  + "<w:sdtContent>" + _text_run(day.strftime(DATE_DISPLAY))
                  + "</w:sdtContent></w:sdt></w:p>")


def choice_cell(value, tag, label, options, keep_next=False, multiline=False,
                style=VALUE_STYLE) -> Markup:
    items = "".join(
        f'<w:listItem w:displayText="{escape(option_label)}" w:value="{escape(option_value)}"/>'
        for option_value, option_label in options)
    drop_down = (f'<w:dropDownList><w:listItem w:displayText="{PLACEHOLDER_CHOICE}" w:value=""/>'
                 f"{items}</w:dropDownList>")
    shown = next((lbl for val, lbl in options if val == value), None)
    if shown is None:
        return _empty(tag, label, drop_down, keep_next, style=style)
    return Markup(_p_open(keep_next, style=style) + "<w:sdt>" + _sdt_pr(tag, label, drop_down)
                  + "<w:sdtContent>" + _text_run(shown) + "</w:sdtContent></w:sdt></w:p>")


def checkbox_cell(value, tag, label, keep_next=False, multiline=False,
                  style=VALUE_STYLE) -> Markup:
    checked = bool(value)
    box = ('<w14:checkbox><w14:checked w14:val="{}"/>'
           '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
           '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
           ).format(1 if checked else 0)
    glyph = CHECKED if checked else UNCHECKED
    return Markup(
        _p_open(keep_next, style=style) + "<w:sdt>" + _sdt_pr(tag, label, box) + "<w:sdtContent>"
        '<w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic"/>'
        f"</w:rPr><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt></w:p>")


def integer_cell(value, tag, label, keep_next=False, multiline=False,
                 style=VALUE_STYLE) -> Markup:
    return text_cell(None if value is None else str(value), tag, label, keep_next, style=style)
