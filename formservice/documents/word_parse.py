"""Read a filled Word form back into its record, following the document as it is.

People edit the form in ways the template never showed: they split a table, delete its
header row, copy a row, paste a row into another table, type "Ja" instead of ticking, leave
tracked changes on, or write a note under a table. The reader follows the document:

- Tracked changes are read as accepted: insertions and moves' targets are in; deletions,
  moves' sources and deleted rows are out; a deleted paragraph mark joins two paragraphs.
- Every table is read, row by row. A row is placed by its content controls' tags first
  (`meeting.leader`, `actions.2.deadline`), by its label or its column second; a table
  belongs to the section its header row, the heading above it or most of its tags name, so a
  split table (with or without its header row) continues its section. Each row of a group
  is one item, in document order.
- A section field given twice (a copied row) keeps both values, one per line, with a
  warning. A row whose tags belong to another group is quoted in a warning, never read
  into the wrong columns.
- A check box reads a tick typed or inserted beside or instead of the control ("Ja", "X",
  "✓", "☒", a Wingdings tick) with a warning; an answer it cannot tell is a warning too.
- A control's text is its value unless it is the template's placeholder text shown as a
  placeholder (LibreOffice leaves the placeholder flag on text set through its API).
- Text it cannot place (a paragraph under a table, a text box, a tag the form doesn't
  know, a note in a label cell) comes back as a warning that quotes it.
- A document whose tags belong to another form than its properties say is refused.
- A tag longer than any field's path (200 characters) or a row number that is not 1-4
  digits up to 1,000 is refused: the document was made to hurt, not filled in.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from lxml import etree

from ..forms import FORMS, fields as kinds
from ..forms.layout import Section, cpr_enabled, sections
from ..forms.record import Finding, make_record, warning
from .docx_package import DocxPackage
from .errors import DocumentError
from .other_files import refuse_other_file
from .values import normal_label as _normal
from .values import read_choice, read_date, read_integer, read_time
from .word_template import FOOTER_MARK, PROP_FORM, PROP_VERSION
from .word_xml import (PLACEHOLDER_CHOICE, PLACEHOLDER_DATE, PLACEHOLDER_STYLE,
                       PLACEHOLDER_TEXT, W14_NS, W_NS)

W = "{%s}" % W_NS
W14 = "{%s}" % W14_NS
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
MARK = "{urn:formservice:reader}textbox"  # where a text box stood, with its text
T, TAB, BR, CR, P, TBL, TR, TC, SDT, R = (W + n for n in (
    "t", "tab", "br", "cr", "p", "tbl", "tr", "tc", "sdt", "r"))
SDT_PR, SDT_CONTENT, TAG, PLACEHOLDER = (W + n for n in ("sdtPr", "sdtContent", "tag",
                                                          "showingPlcHdr"))
NO_BREAK_HYPHEN, SOFT_HYPHEN, SYM = W + "noBreakHyphen", W + "softHyphen", W + "sym"
RUN_STYLE, TABS, VAL = W + "rStyle", W + "tabs", W + "val"
CHECKBOX, CHECKED_STATE = W14 + "checkbox", W14 + "checked"
MAX_TAG = 200  # characters in a content control's tag (a field's path is under 60)
MAX_ROWS = 1000  # the highest row number a group's tags may carry
_ROW = re.compile(r"[0-9]{1,4}")
_FOOTER_ID = re.compile(FOOTER_MARK + r" (\w+) version (\d+)")

# What a control shows before anything is chosen or typed: ours, and Word's own defaults.
PLACEHOLDERS = {PLACEHOLDER_TEXT, PLACEHOLDER_DATE, PLACEHOLDER_CHOICE,
                "Klik eller tryk her for at skrive tekst.", "Klik eller tryk for at angive en dato.",
                "Vælg et element.", "Click or tap here to enter text.",
                "Click or tap to enter a date.", "Choose an item."}

# Ticks people type or insert. A lone ballot box is the box itself.
YES_WORDS = {"ja", "j", "x", "yes", "\u2713", "\u2714", "\u2612", "\u2611", "\u2717", "\u2718",
             "\u00d7", "\u2327", "\u2613", "\u221a", "\U0001f5f9", "\U0001f5f8", "\u2705"}
NO_WORDS = {"nej", "n", "no", "-", "\u2013", "\u2610", "\u25a1"}
BOX_GLYPHS = {"\u2610", "\u2612", "\u2611"}
# Symbol fonts' ticks and boxes (w:sym, or their private-use characters in w:t).
SYMBOL_FONTS = {
    "wingdings": {0xFC: "\u2713", 0xFB: "\u2717", 0xFD: "\u2612", 0xFE: "\u2611", 0xA8: "\u2610",
                  0x6F: "\u2610", 0x71: "\u2610", 0x78: "\u2327"},
    "wingdings 2": {0x50: "\u2713", 0x4F: "\u2717", 0x51: "\u2612", 0x52: "\u2611",
                    0x53: "\u2612", 0x54: "\u2612", 0xA3: "\u2610", 0x2A: "\u2610"},
    "symbol": {0xD6: "\u221a", 0xB4: "\u00d7"},
}

LABEL_READ = ("word.read_by_label",
              "Feltet er læst ud fra sin overskrift, fordi dokumentet har mistet sine "
              "felt-mærker (fx efter redigering i et andet program). Kontrollér værdien.")


def _quote(text: str) -> str:
    return "«" + text + "»"


def parse_docx(data: bytes) -> tuple[dict, list[Finding]]:
    """The record in a filled Word form and the warnings from reading it.

    Raises DocumentError when the file is not one of our forms or cannot be trusted."""
    refuse_other_file(data, zips=False)
    package = DocxPackage(data)
    form_id, version = _identify(package)
    document, raw = package.xml_and_bytes("word/document.xml")
    body = document.find(W + "body")
    if body is None:
        raise DocumentError("Dokumentet har intet indhold.")
    if next(document.iter(_CHANGE_ELEMENTS), None) is not None and _CHANGE_MARKS.search(raw):
        _accept_changes(body)
    reader = _Reader(form_id)
    reader.read(body)
    _check_form(form_id, reader.tags)
    return make_record(form_id, reader.finish()), reader.findings


def _check_tag(value: str) -> None:
    """Refuse a tag no form has: a row number that is not a row number, or far too long."""
    parts = value.split(".", 2)
    if len(parts) == 3 and parts[1].isdigit() and not (
            _ROW.fullmatch(parts[1]) and int(parts[1]) <= MAX_ROWS):
        shown = parts[1] if len(parts[1]) <= 12 else parts[1][:12] + "…"
        raise DocumentError(
            f"Dokumentet har et felt-mærke med rækkenummeret «{shown}»; en formular har "
            f"højst {MAX_ROWS} rækker i en tabel. Dokumentet bliver ikke læst.")
    if len(value) > MAX_TAG:
        raise DocumentError(
            f"Dokumentet har et felt-mærke på {len(value)} tegn; en formulars mærker er "
            f"højst {MAX_TAG} tegn. Dokumentet bliver ikke læst.")
    if len(_GOOD_TAGS) < MAX_GOOD_TAGS:
        _GOOD_TAGS.add(value)


def _identify(package: DocxPackage) -> tuple[str, int]:
    form_id = version = None
    if "docProps/custom.xml" in package.names:
        for prop in package.xml("docProps/custom.xml").iter(CUSTOM_NS + "property"):
            value = "".join(prop.itertext()).strip()
            if prop.get("name") == PROP_FORM:
                form_id = value
            elif prop.get("name") == PROP_VERSION:
                version = value
    if form_id is None:  # the properties were dropped: the footer says it too
        for name in sorted(n for n in package.names if re.match(r"word/footer\d*\.xml$", n)):
            match = _FOOTER_ID.search("".join(package.xml(name).itertext()))
            if match:
                form_id, version = match.groups()
                break
    if form_id is None:
        raise DocumentError("Dokumentet er ikke en formular fra formservice: det har "
                            "ingen formular-id. Hent formularen fra tjenesten og udfyld den.")
    form = FORMS.get(form_id)
    if form is None:
        raise DocumentError(f"Dokumentet er formularen '{form_id[:80]}', som tjenesten ikke "
                            "kender.")
    if str(version) != str(form.version):
        raise DocumentError(f"Dokumentet er version {str(version)[:20]} af formularen '{form_id}'; "
                            f"tjenesten læser version {form.version}. Hent en ny formular.")
    return form_id, form.version


# --- tracked changes, alternate content and text boxes, settled before reading ----------

_NS = {"w": W_NS, "mc": MC_NS}
_FALLBACKS = etree.XPath("//mc:Fallback", namespaces=_NS)
_REMOVED = etree.XPath("//w:del[not(parent::w:rPr) and not(parent::w:trPr)]"
                       "|//w:moveFrom[not(parent::w:rPr)]"
                       "|//w:tr[w:trPr/w:del]|//w:tc[w:tcPr/w:cellDel]", namespaces=_NS)
_JOINED = etree.XPath("//w:p[w:pPr/w:rPr/w:del or w:pPr/w:rPr/w:moveFrom]", namespaces=_NS)
_TEXT_BOXES = etree.XPath("//w:txbxContent", namespaces=_NS)
# the local names of what _accept_changes settles, looked for in the part's bytes first
_CHANGE_MARKS = re.compile(rb":(?:del|moveFrom|Fallback|txbxContent|cellDel)[\s/>]")
# ... and the elements it settles: without any, it has nothing to do. Asked of the tree
# first, as lxml answers at once when no element of the document has such a name.
_CHANGE_ELEMENTS = (W + "del", W + "moveFrom", "{%s}Fallback" % MC_NS, W + "txbxContent",
                    W + "cellDel")


def _accept_changes(body) -> None:
    """Make the tree what Word shows with every tracked change accepted, each text box
    read once (its DrawingML and VML copies are alternates) and left as a marker."""
    for fallback in _FALLBACKS(body):
        fallback.getparent().remove(fallback)
    for element in _REMOVED(body):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    for paragraph in reversed(_JOINED(body)):  # its mark is deleted: the next one joins it
        following = paragraph.getnext()
        if following is None or following.tag != P:
            continue
        for child in list(following):
            if child.tag != W + "pPr":
                paragraph.append(child)
        following.getparent().remove(following)
    for box in _TEXT_BOXES(body):
        lines = ["".join(p.itertext(T)) for p in box.iter(P)]
        marker = etree.Element(MARK, text="\n".join(lines).strip())
        anchor = next(box.iterancestors(R), box)
        parent = anchor.getparent()
        if parent is not None:
            parent.replace(anchor, marker)


# --- tables, read in one pass --------------------------------------------------------

def _blocks(parent):
    """Paragraphs and tables of the body in order, looking through block-level wrappers."""
    for child in parent:
        if child.tag in (P, TBL):
            yield child
        elif child.tag in (SDT, W + "customXml"):
            content = child.find(SDT_CONTENT) if child.tag == SDT else child
            if content is not None:
                yield from _blocks(content)


def _symbol(element) -> str:
    font = (element.get(W + "font") or "").casefold()
    try:
        code = int(element.get(W + "char") or "", 16)
    except ValueError:
        return ""
    if code >= 0xF000:
        code -= 0xF000
    mapped = SYMBOL_FONTS.get(font, {}).get(code)
    return mapped if mapped is not None else chr(0xF000 + code)


class _Cell:
    """What a table cell holds: its text by paragraph, its fields' tags, its check box."""
    __slots__ = ("paras", "controls", "tags", "checked", "has_box", "glyph", "boxes", "_text")

    def __init__(self):
        self.paras: list[list[str]] = []
        self.controls: list = []  # (paragraph index, w:tag) of each control in the cell
        self.tags: list[str] = []
        self.checked: bool | None = None
        self.has_box = False
        self.glyph = ""  # the check box control's own text (☐/☒)
        self.boxes: list[str] = []  # text boxes in the cell
        self._text = None

    @property
    def text(self) -> str:
        if self._text is None:
            paras = self.paras
            self._text = "".join(paras[0]) if len(paras) == 1 else self._join()
        return self._text

    def _join(self) -> str:
        paras, last = self.paras, len(self.paras)
        if last > 1 and not "".join(paras[-1]):
            # Enter pressed at the end of a field leaves an empty paragraph without a control
            # of its own; an empty last line the service wrote has its own inline control
            owned = max((index for index, tag in self.controls if _inline(tag)), default=-1)
            while last > 1 and last - 1 > owned and not "".join(paras[last - 1]):
                last -= 1
        return "\n".join(["".join(line) for line in paras[:last]])


def _inline(tag_element) -> bool:
    """Whether the control of this w:tag sits inside a paragraph (not around paragraphs)."""
    content = next(tag_element.getparent().getparent().iterchildren(SDT_CONTENT), None)
    return content is None or len(content) == 0 or content[0].tag not in _BLOCK_CONTENT


_TABLE_TAGS = (TR, TC, P, T, TAB, BR, CR, NO_BREAK_HYPHEN, SOFT_HYPHEN, SYM, TAG, PLACEHOLDER,
               RUN_STYLE, CHECKBOX, CHECKED_STATE, MARK)
_BLOCK_CONTENT = (P, TBL, TR, TC)


def _table(table, tags: list[str]) -> list[list[_Cell]]:
    """The rows and cells of a table, read in one pass in document order.

    Rows wrapped in content controls (Word's repeating sections) are rows like any other.
    w:delText (deleted in tracked changes) and w:instrText (field codes) are other element
    names, so they are never read; tab stops in w:pPr/w:tabs are skipped; a control's
    placeholder text, shown as a placeholder, is no value. The fields' tags of the table's
    cells are added to `tags` in document order."""
    rows: list[list[_Cell]] = []
    row: list[_Cell] | None = None
    cell = outside = _Cell()  # (what comes before the first cell belongs to no cell)
    line: list[str] = []
    skipped: set | None = None  # w:t of placeholders
    box: set | None = None  # w:t and w:sym of check boxes' own glyphs
    placeholders: dict = {}  # a control's content → whether it shows its placeholder text
    # the names compared most often, in the order they are most common
    p_tag, t_tag, tc_tag, tag_tag, tr_tag = P, T, TC, TAG, TR
    for element in table.iter(_TABLE_TAGS):
        tag = element.tag
        if tag == p_tag:
            line = []
            cell.paras.append(line)
        elif tag == t_tag:
            if skipped is not None and element in skipped:
                continue
            if box is not None and element in box:
                cell.glyph += element.text or ""
            else:
                line.append(element.text or "")
        elif tag == tc_tag:
            cell = _Cell()
            if row is None:
                row = []
                rows.append(row)
            row.append(cell)
        elif tag == tag_tag:
            value = element.get(VAL)
            if value:
                if value not in _GOOD_TAGS:
                    _check_tag(value)
                if "." in value:
                    cell.tags.append(value)
                    cell.controls.append((len(cell.paras) - 1, element))
                    if cell is not outside:
                        tags.append(value)
        elif tag == tr_tag:
            row = []
            rows.append(row)
        elif tag == PLACEHOLDER:
            content = next(element.getparent().getparent().iterchildren(SDT_CONTENT), None)
            if content is not None:
                shown = placeholders.get(content)
                if shown is None:
                    shown = placeholders[content] = _t_text(content).strip() in PLACEHOLDERS
                if shown:
                    skipped = _skip(skipped, content)
        elif tag == RUN_STYLE:
            if element.get(VAL) == PLACEHOLDER_STYLE:
                run = element.getparent().getparent()
                if run.tag == R:
                    holder = run.getparent()
                    shown = alone = None
                    if holder.tag == SDT_CONTENT:
                        shown = placeholders.get(holder)
                        if shown is None:
                            shown = placeholders[holder] = (
                                _t_text(holder).strip() in PLACEHOLDERS)
                        alone = len(holder) == 1  # the run is all of it: the same text
                    if shown:
                        skipped = _skip(skipped, holder)
                    elif not alone and _t_text(run).strip() in PLACEHOLDERS:
                        skipped = _skip(skipped, run)
        elif tag == TAB:
            if element.getparent().tag != TABS:
                line.append("\t")
        elif tag == SYM:
            if box is not None and element in box:
                cell.glyph += _symbol(element)
            else:
                line.append(_symbol(element))
        elif tag == CHECKBOX:
            cell.has_box = True
            content = next(element.getparent().getparent().iterchildren(SDT_CONTENT), None)
            if content is not None:
                if box is None:
                    box = set()
                box.update(content.iter(T, SYM))
        elif tag == CHECKED_STATE:
            cell.checked = element.get(W14 + "val") in ("1", "true", "on")
        elif tag == NO_BREAK_HYPHEN:
            line.append("\u2011")  # how Word and LibreOffice store a non-breaking hyphen
        elif tag == SOFT_HYPHEN:
            line.append("\u00ad")
        elif tag == MARK:
            cell.boxes.append(element.get("text") or "")
        elif element.get(W + "type") in (None, "textWrapping"):  # BR, CR
            line.append("\n")
    return rows


def _t_text(element) -> str:
    """The text of the w:t in an element as itertext(T) gives it (each one's text and
    tail), without its generator."""
    parts = []
    for text in element.iter(T):
        if len(text):  # a w:t with children: their text comes between its text and tail
            return "".join(element.itertext(T))
        parts.append(text.text or "")
        if text.tail:
            parts.append(text.tail)
    return "".join(parts)


def _skip(skipped: set | None, element) -> set:
    """The w:t below `element` added to those skipped."""
    if skipped is None:
        skipped = set()
    skipped.update(element.iter(T))
    return skipped


# tags already checked by _check_tag and found fine (a form's few hundred; bounded)
_GOOD_TAGS: set[str] = set()
MAX_GOOD_TAGS = 20_000


def _paragraph(paragraph) -> tuple[str, list[str]]:
    """A body paragraph's text and the text boxes in it."""
    text = _t_text(paragraph)
    boxes = [mark.get("text") or "" for mark in paragraph.iter(MARK)]
    return text, boxes


# --- reading values ----------------------------------------------------------------------

def _read_value(spec, text: str):
    if spec.kind == kinds.TEXT:
        return text if text != "" else None
    stripped = text.strip()
    if stripped == "":
        return None
    if spec.kind == kinds.TIME:
        return read_time(stripped)
    if spec.kind == kinds.DATE:
        return read_date(stripped)
    if spec.kind == kinds.INTEGER:
        return read_integer(stripped)
    if spec.kind == kinds.CHOICE:
        return read_choice(spec, stripped)
    raise AssertionError(spec.kind)


def _tokens(text: str) -> list[str]:
    text = "".join(SYMBOL_FONTS["wingdings"].get(ord(ch) - 0xF000, ch) if "\uf000" <= ch <= "\uf0ff"
                   else ch for ch in text)
    return [token for token in re.split(r"[\s,.;:!()\[\]]+", text.casefold()) if token]


def _read_bool(cell: _Cell) -> tuple[bool, str | None]:
    """A check box cell's answer and, when text beside or instead of the control decided
    it or leaves it unclear, a message that says so."""
    state = cell.checked
    if state is None and cell.has_box:
        state = any(token in YES_WORDS for token in _tokens(cell.glyph))
    beside = cell.text.strip()
    if not beside:
        return bool(state), None
    if state is None and beside in BOX_GLYPHS:  # no control, its glyph left as text
        return beside != "\u2610", None
    tokens = [token for token in _tokens(beside) if token not in ("\u2610", "\u25a1")]
    if not tokens:
        return bool(state), None
    shown = "afkrydset" if state else "ikke afkrydset"
    if all(token in YES_WORDS for token in tokens):
        if state:
            return True, None
        return True, (f"Feltet er læst som afkrydset, fordi der står {_quote(beside)} ved "
                      "eller i stedet for afkrydsningsfeltet. Kontrollér svaret.")
    if all(token in NO_WORDS for token in tokens):
        if state is None:
            return False, (f"Feltet er læst som ikke afkrydset, fordi der står {_quote(beside)} "
                           "i stedet for afkrydsningsfeltet. Kontrollér svaret.")
        if not state:
            return False, None
    return bool(state), (f"Svaret kan ikke aflæses sikkert: der står {_quote(beside)} ved "
                         f"afkrydsningsfeltet. Feltet er læst som {shown}; kontrollér svaret.")


def _filled(value) -> bool:
    """Whether a field was read with a value: not None, not an unticked box — a typed 0 is
    a value (`0 in (None, False)` would call it empty, since 0 == False)."""
    return value is not None and value is not False


def _empty_value(spec):
    return False if spec.kind == kinds.BOOL else None


@lru_cache(maxsize=8192)
def _tag_path(tag: str):
    """(section, index or None, field) of a tag, or None when it is not shaped like a path."""
    parts = tag.split(".")
    if len(parts) == 2:
        return parts[0], None, parts[1]
    if len(parts) == 3 and parts[1].isascii() and parts[1].isdigit() and len(parts[1]) <= 4:
        return parts[0], int(parts[1]), parts[2]
    return None


@lru_cache(maxsize=8192)
def _shape(tag: str):
    """(section, is in a group, field) of a tag, or None when it is not shaped like a path."""
    path = _tag_path(tag)
    return None if path is None else (path[0], path[1] is not None, path[2])


@lru_cache(maxsize=None)
def _shapes(form_id: str, with_cpr: bool) -> frozenset:
    """(section, is in a group, field) of every field of a form."""
    return frozenset((section.name, section.is_group, spec.name)
                     for section in sections(form_id) for spec in section.fields)


def _check_form(form_id: str, tags: list[str]) -> None:
    """Refuse a document whose fields belong to another form than its properties say."""
    shapes = [shape for shape in map(_shape, tags) if shape is not None]
    if not shapes:
        return
    with_cpr = cpr_enabled()
    claimed = sum(map(_shapes(form_id, with_cpr).__contains__, shapes))
    if claimed * 2 >= len(shapes):
        return
    best, best_count = None, claimed
    for other in FORMS:
        if other != form_id:
            count = sum(map(_shapes(other, with_cpr).__contains__, shapes))
            if count > best_count:
                best, best_count = other, count
    if best is None:
        return
    raise DocumentError(
        f"Dokumentet siger, at det er formularen «{FORMS[form_id].title}», men dets felter "
        f"hører til formularen «{FORMS[best].title}» (fx fordi indholdet er kopieret ind i en "
        "anden formular). Det bliver ikke læst, så intet havner i de forkerte felter. Upload "
        f"den udfyldte «{FORMS[best].title}», som den blev hentet fra tjenesten, eller skriv "
        "oplysningerne i en ny formular.")


class _Form:
    """What the reader looks up about a form, built once per form and settings."""

    def __init__(self, form_id: str, form_sections: tuple):
        form = FORMS[form_id]
        self.sections = form_sections
        self.by_name = {section.name: section for section in self.sections}
        self.by_label = {_normal(section.label): section for section in self.sections}
        self.labels = {section.name: {_normal(spec.label): spec for spec in section.fields}
                       for section in self.sections}
        self.names = {section.name: {spec.name: spec for spec in section.fields}
                      for section in self.sections}
        self.field_labels = {}  # a label → (section, spec), for rows without tags or heading
        for section in self.sections:
            if not section.is_group:
                for spec in section.fields:
                    self.field_labels.setdefault(_normal(spec.label), (section, spec))
        self.all_labels = {label for table in self.labels.values() for label in table}
        self.known_text = {_normal(text) for text in (form.title, form.intro) if text}
        for section in self.sections:
            self.known_text.add(_normal(section.label))
            if section.help:
                self.known_text.add(_normal(section.help))
        for title, paragraphs in form.guidance:
            self.known_text.add(_normal(title))
            self.known_text.update(_normal(text) for text in paragraphs)
        # a section field's tag → (section, spec): "meeting.date"
        self.field_tags = {f"{section.name}.{spec.name}": (section, spec)
                           for section in self.sections if not section.is_group
                           for spec in section.fields}
        self.groups = [section for section in self.sections if section.is_group]
        # the labels as the form writes them (each one's normal form is in all_labels)
        self.label_texts = {spec.label for section in self.sections for spec in section.fields}
        self._tags: dict[str, tuple] = {}

    def tag(self, tag: str) -> tuple:
        """(section or None, has a row number, the field's spec in that section or None)."""
        found = self._tags.get(tag)
        if found is None:
            path = _tag_path(tag)
            section = self.by_name.get(path[0]) if path else None
            found = (section, section is not None and path[1] is not None,
                     self.names[section.name].get(path[2]) if section is not None else None)
            if len(self._tags) < MAX_GOOD_TAGS:
                self._tags[tag] = found
        return found


_FORMS: dict[str, _Form] = {}


def _form(form_id: str) -> _Form:
    """The reader's tables of a form with the settings in force now."""
    form_sections = sections(form_id)
    found = _FORMS.get(form_id)
    if found is None or found.sections is not form_sections:
        found = _FORMS[form_id] = _Form(form_id, form_sections)
    return found


class _Reader:
    def __init__(self, form_id: str):
        form = self.form = _form(form_id)
        self.sections = form.sections
        self.by_name = form.by_name
        self.by_label = form.by_label
        self.labels = form.labels
        self.names = form.names
        self.field_labels = form.field_labels
        self.all_labels = form.all_labels
        self.known_text = form.known_text
        # per field of a section, what each place in the document gave: (value, text, by tag)
        self.values: dict[str, dict[str, list]] = {
            section.name: {spec.name: [] for spec in section.fields}
            for section in self.sections if not section.is_group}
        self.items: dict[str, list] = {section.name: [] for section in form.groups}
        self.findings: list[Finding] = []
        self.tags: list[str] = []

    # -- warnings
    def _warn(self, code, path, message):
        self.findings.append(warning(code, path, message))

    def _stray(self, path: str, text: str, where: str):
        self._warn("word.text_outside_fields", path,
                   f"Teksten {_quote(text)} står {where} og er ikke læst ind i et felt. "
                   "Skriv den i det rigtige felt, hvis den skal med.")

    def _text_boxes(self, path: str, boxes: list[str]):
        for text in boxes:
            if text:
                self._warn("word.text_box", path,
                           f"Teksten {_quote(text)} står i en tekstboks og er ikke læst ind "
                           "i et felt. Skriv den i selve feltet, hvis den skal med.")

    def _known(self, tag: str) -> bool:
        section, numbered, spec = self.form.tag(tag)
        return section is not None and numbered == section.is_group and spec is not None

    def _where(self, section, cell) -> str:
        place = (f"i tabellen {_quote(section.label)}" if section is not None
                 else "i en tabel, der ikke hører til formularen")
        unknown = [tag for tag in cell.tags if not self._known(tag)]
        if unknown:
            return f"{place} i et felt med et mærke, formularen ikke kender ({', '.join(unknown)})"
        return place

    # -- the body
    def read(self, body):
        heading: Section | None = None  # the section whose heading came last
        fresh = False  # that heading came after the last table
        previous: Section | None = None  # the last table's section
        for block in _blocks(body):
            if block.tag == P:
                text, boxes = _paragraph(block)
                where = heading.name if heading else ""
                if boxes:
                    self._text_boxes(where, boxes)
                normal = _normal(text)
                if not normal:
                    continue
                if normal in self.by_label:
                    heading, fresh = self.by_label[normal], True
                elif normal not in self.known_text:
                    self._stray(where, text.strip(), "uden for formularens felter" + (
                        f" (under {_quote(heading.label)})" if heading else ""))
                continue
            rows = _table(block, self.tags)
            section = self._table_section(rows, heading if fresh else None, previous)
            self._read_table(section, rows)
            previous, fresh = section, False

    def _row_sections(self, row) -> set[str]:
        found = set()
        tag_of = self.form.tag
        for cell in row:
            for tag in cell.tags:
                section = tag_of(tag)[0]
                if section is not None:
                    found.add(section.name)
        return found

    def _header_of(self, row) -> Section | None:
        """The group whose column labels this row shows (a header row), if any."""
        for cell in row:
            if cell.tags:
                return None
        filled = [text for text in (_normal(cell.text) for cell in row) if text]
        if not filled:
            return None
        for section in self.form.groups:
            labels = self.labels[section.name]
            hits = sum(text in labels for text in filled)
            if hits and hits * 2 >= len(filled) and hits * 2 >= len(labels):
                return section
        return None

    def _table_section(self, rows, heading, previous) -> Section | None:
        if rows:
            header = self._header_of(rows[0])
            if header is not None:
                return header
        votes = Counter()
        for row in rows:
            votes.update(self._row_sections(row))
        if heading is not None and (not votes or votes[heading.name]):
            return heading
        if votes:
            return self.by_name[votes.most_common(1)[0][0]]
        return heading if heading is not None else previous

    def _read_table(self, section: Section | None, rows):
        columns = list(section.fields) if section is not None and section.is_group else None
        for row in rows:
            if not row:
                continue
            header = self._header_of(row)
            if header is not None:
                section = header
                labels = self.labels[header.name]
                columns = [labels.get(_normal(cell.text)) for cell in row]
                for cell, spec in zip(row, columns):
                    if spec is None and cell.text.strip():
                        self._stray(header.name, cell.text.strip(),
                                    f"i overskriften i tabellen {_quote(header.label)}")
                continue
            current = section
            if current is None:
                found = self._row_sections(row)
                if len(found) == 1:
                    current = self.by_name[found.pop()]
            if current is not None and current.is_group:
                self._read_item(current, row, columns if current is section else list(current.fields))
            else:
                self._read_fields(current, row)

    def _read_fields(self, section: Section | None, row):
        """A label | value row (or a row of a table the reader cannot place)."""
        used = None  # the index of each cell read into a field
        field_tags = self.form.field_tags
        for index, cell in enumerate(row):
            for tag in cell.tags:
                found = field_tags.get(tag)
                if found is not None:
                    self._take(found[0], found[1], cell, by_tag=True)
                    used = {index} if used is None else used | {index}
                    break
        if used is None and len(row) >= 2:
            label = _normal(row[0].text)
            found = None
            if section is not None and not section.is_group and label in self.labels[section.name]:
                found = (section, self.labels[section.name][label])
            elif label in self.field_labels:
                found = self.field_labels[label]
            if found is not None:
                self._take(found[0], found[1], row[-1], by_tag=False)
                used = {len(row) - 1}
        path = section.name if section is not None else ""
        for index, cell in enumerate(row):
            if used is not None and index in used:
                continue
            if cell.boxes:
                self._text_boxes(path, cell.boxes)
            text = cell.text.strip()
            if text and not (index == 0 and (text in self.form.label_texts
                                             or _normal(text) in self.all_labels)):
                self._stray(path, text, self._where(section, cell))

    def _take(self, section: Section, spec, cell: _Cell, by_tag: bool):
        if cell.boxes:
            self._text_boxes(f"{section.name}.{spec.name}", cell.boxes)
        if spec.kind == kinds.BOOL:
            value, why = _read_bool(cell)
            if why:
                self._warn("word.checkbox_text", f"{section.name}.{spec.name}", why)
            self.values[section.name][spec.name].append((value, None, by_tag))
        else:
            text = cell.text
            self.values[section.name][spec.name].append((_read_value(spec, text), text, by_tag))

    def _read_item(self, group: Section, row, columns):
        """One row of a group: a new item, its cells placed by tag, then by column."""
        placed: dict[str, list] = {}
        foreign = []
        own = False
        tag_of = self.form.tag
        for index, cell in enumerate(row):
            spec = belongs = None
            for tag in cell.tags:
                target, numbered, field = tag_of(tag)
                if target is None:
                    continue
                if target is not group:
                    belongs = target
                elif numbered and field is not None:
                    spec = field
                    break
            if spec is None and belongs is not None:
                foreign.append((cell, belongs))
                continue
            by_tag = spec is not None
            own = own or by_tag
            if spec is None and index < len(columns):
                spec = columns[index]
            if spec is None:
                if cell.boxes:
                    self._text_boxes(group.name, cell.boxes)
                text = cell.text.strip()
                if text:
                    self._stray(group.name, text, self._where(group, cell))
                continue
            cells = placed.get(spec.name)
            if cells is None:
                placed[spec.name] = [(cell, by_tag)]
            else:
                cells.append((cell, by_tag))
        if foreign:
            self._foreign(group, row, foreign, whole=not own and not any(
                cell.text.strip() for cells in placed.values() for cell, _ in cells))
            if not own and not placed:
                return
        position = len(self.items[group.name])
        values, label_read, notes = {}, [], []
        anything = False  # a value that is not None or False
        for spec in group.fields:
            cells = placed.get(spec.name)
            if not cells:
                values[spec.name] = _empty_value(spec)
                continue
            path = None
            for cell, _ in cells:
                if cell.boxes:
                    path = path or f"{group.name}.{position}.{spec.name}"
                    self._text_boxes(path, cell.boxes)
            if spec.kind == kinds.BOOL:
                answers = [_read_bool(cell) for cell, _ in cells]
                value = any(value for value, _ in answers)
                if any(why for _, why in answers):
                    path = path or f"{group.name}.{position}.{spec.name}"
                    notes.extend(("word.checkbox_text", path, why) for _, why in answers if why)
            elif len(cells) == 1:
                value = _read_value(spec, cells[0][0].text)
            else:
                texts = [cell.text for cell, _ in cells]
                filled = [text for text in texts if text.strip()]
                value = _read_value(spec, "\n".join(filled) if filled else texts[0])
                if len(filled) > 1:
                    path = path or f"{group.name}.{position}.{spec.name}"
                    notes.append(("word.two_values", path, _two_values(filled)))
            values[spec.name] = value
            if _filled(value):
                anything = True
                if not (cells[0][1] if len(cells) == 1 else all(tagged for _, tagged in cells)):
                    label_read.append(path or f"{group.name}.{position}.{spec.name}")
        if not anything:
            for code, _, message in notes:  # nothing read, but something written: say so
                self._warn(code, group.name, message)
            return
        self.items[group.name].append(values)
        for path in label_read:
            self._warn(LABEL_READ[0], path, LABEL_READ[1])
        for code, path, message in notes:
            self._warn(code, path, message)

    def _foreign(self, group: Section, row, foreign, whole: bool):
        others = ", ".join(sorted({_quote(belongs.label) for _, belongs in foreign}))
        if whole:
            text = " | ".join(cell.text.strip() for cell in row if cell.text.strip())
            if text:
                self._warn("word.row_from_other_table", group.name,
                           f"Rækken {_quote(text)} i tabellen {_quote(group.label)} er kopieret "
                           f"fra {others} og er ikke læst ind, så intet havner i de forkerte "
                           "kolonner. Skriv oplysningerne i de rigtige felter.")
            for cell in row:
                self._text_boxes(group.name, cell.boxes)
            return
        for cell, belongs in foreign:
            self._text_boxes(group.name, cell.boxes)
            text = cell.text.strip()
            if text:
                self._warn("word.row_from_other_table", group.name,
                           f"Teksten {_quote(text)} i tabellen {_quote(group.label)} står i et "
                           f"felt fra {_quote(belongs.label)} og er ikke læst ind. Skriv den i "
                           "det rigtige felt.")

    # -- the record
    def finish(self) -> dict:
        data = {}
        for section in self.sections:
            if section.is_group:
                data[section.name] = self.items[section.name]
                continue
            data[section.name] = {
                spec.name: self._settle(spec, f"{section.name}.{spec.name}",
                                        self.values[section.name][spec.name])
                for spec in section.fields}
        return data

    def _settle(self, spec, path, found):
        """One value from every place the document gave the field."""
        if not found:
            return _empty_value(spec)
        if len(found) == 1 and found[0][2]:
            return found[0][0]
        if spec.kind == kinds.BOOL:
            answers = [value for value, _, _ in found]
            if len(set(answers)) > 1:
                self._warn("word.two_values", path,
                           "Feltet står flere gange i dokumentet, afkrydset ét sted og ikke et "
                           "andet. Det er læst som afkrydset; kontrollér svaret.")
            if any(answers) and not all(by_tag for _, _, by_tag in found):
                self._warn(LABEL_READ[0], path, LABEL_READ[1])
            return any(answers)
        filled = [(value, text, by_tag) for value, text, by_tag in found if value is not None]
        if not filled:
            return found[0][0]
        if not all(by_tag for _, _, by_tag in filled):
            self._warn(LABEL_READ[0], path, LABEL_READ[1])
        texts = []
        for _, text, _ in filled:
            if text not in texts:
                texts.append(text)
        if len(texts) == 1:
            return filled[0][0]
        self._warn("word.two_values", path, _two_values(texts))
        return _read_value(spec, "\n".join(texts))


def _two_values(texts: list[str]) -> str:
    return ("Feltet står flere gange i dokumentet (fx en kopieret række); alle værdier er "
            f"læst ind, én pr. linje: {' og '.join(_quote(t) for t in texts)}. Ret feltet, så "
            "det kun har den rigtige værdi.")
