"""Read a filled Word form back into its record.

The document is read table by table, cell by cell, with the form's layout: a table is a
section (label | value rows) or a repeating group (a header row of labels, a row per
item). Each value cell is recognised by the tag of its content control; when the tags are
gone (an old LibreOffice, an online editor, a row added by hand) by its label or column,
and such a value gets a warning so a person checks it. A cell's value is all of its text,
paragraph by paragraph, so text typed beside a control, or as several paragraphs, is kept.
"""
from __future__ import annotations

import re

from ..forms import FORMS, fields as kinds
from ..forms.layout import Section, sections
from ..forms.record import Finding, make_record, warning
from .docx_package import DocxPackage
from .errors import DocumentError
from .word_template import FOOTER_MARK, PROP_FORM, PROP_VERSION
from .values import normal_label as _normal
from .values import read_choice, read_date
from .word_xml import CHECKED, PLACEHOLDER_STYLE, W14_NS, W_NS

W = "{%s}" % W_NS
W14 = "{%s}" % W14_NS
CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
T, TAB, BR, CR, P, TBL, TR, TC, SDT = (W + n for n in ("t", "tab", "br", "cr", "p", "tbl", "tr", "tc", "sdt"))
SDT_PR, SDT_CONTENT, TAG, PLACEHOLDER = (W + n for n in ("sdtPr", "sdtContent", "tag", "showingPlcHdr"))
NO_BREAK_HYPHEN, SOFT_HYPHEN = W + "noBreakHyphen", W + "softHyphen"
RUN_STYLE, TABS = W + "rStyle", W + "tabs"
CHECKBOX = W14 + "checkbox"
CHECKED_STATE = W14 + "checked"
TICKS = {CHECKED, "\u2611", "\u2713", "\u2714", "x", "X"}
_INTEGER = re.compile(r"^[+-]?\d+$")
_FOOTER_ID = re.compile(FOOTER_MARK + r" (\w+) version (\d+)")
LABEL_READ = ("word.read_by_label",
              "Feltet er læst ud fra sin overskrift, fordi dokumentet har mistet sine "
              "felt-mærker (fx efter redigering i et andet program). Kontrollér værdien.")


def parse_docx(data: bytes) -> tuple[dict, list[Finding]]:
    """The record in a filled Word form and the warnings from reading it.

    Raises DocumentError when the file is not one of our forms or cannot be trusted."""
    package = DocxPackage(data)
    form_id, version = _identify(package)
    document = package.xml("word/document.xml")
    body = document.find(W + "body")
    if body is None:
        raise DocumentError("Dokumentet har intet indhold.")
    reader = _Reader(form_id)
    reader.read(body)
    return make_record(form_id, reader.data), reader.findings


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
        raise DocumentError(f"Dokumentet er formularen '{form_id}', som tjenesten ikke kender.")
    if str(version) != str(form.version):
        raise DocumentError(f"Dokumentet er version {version} af formularen '{form_id}'; "
                            f"tjenesten læser version {form.version}. Hent en ny formular.")
    return form_id, form.version


def _blocks(parent):
    """Paragraphs and tables of the body in order, looking through block-level wrappers."""
    for child in parent:
        if child.tag in (P, TBL):
            yield child
        elif child.tag in (SDT, W + "customXml"):
            content = child.find(SDT_CONTENT) if child.tag == SDT else child
            if content is not None:
                yield from _blocks(content)


class _Cell:
    """What a table cell holds: its text by paragraph, its fields' tags, its check box."""
    __slots__ = ("lines", "tags", "checked")

    def __init__(self):
        self.lines: list[list[str]] = []
        self.tags: list[str] = []
        self.checked: bool | None = None

    @property
    def text(self) -> str:
        return "\n".join("".join(line) for line in self.lines)


_TABLE_TAGS = (TR, TC, P, T, TAB, BR, CR, NO_BREAK_HYPHEN, SOFT_HYPHEN, TAG, PLACEHOLDER, RUN_STYLE,
               CHECKED_STATE)


def _table(table) -> list[list[_Cell]]:
    """The rows and cells of a table, read in one pass in document order.

    Rows wrapped in content controls (Word's repeating sections) are rows like any other.
    w:delText (deleted in tracked changes) and w:instrText (field codes) are other element
    names, so they are never read; tab stops in w:pPr/w:tabs are skipped; a control's
    placeholder, and placeholder-styled runs an editor left behind, are no value."""
    rows: list[list[_Cell]] = []
    row = cell = None
    line: list[str] = []
    skipped: set = set()
    for element in table.iter(_TABLE_TAGS):
        tag = element.tag
        if tag == T:
            if element not in skipped:
                line.append(element.text or "")
        elif tag == P:
            line = []
            if cell is not None:
                cell.lines.append(line)
        elif tag == TC:
            cell = _Cell()
            if row is None:
                row = []
                rows.append(row)
            row.append(cell)
        elif tag == TR:
            row, cell = [], None
            rows.append(row)
        elif tag == TAB:
            if element.getparent().tag != TABS:
                line.append("\t")
        elif tag == TAG:
            value = element.get(W + "val")
            if cell is not None and value and "." in value:
                cell.tags.append(value)
        elif tag == PLACEHOLDER:
            content = element.getparent().getparent().find(SDT_CONTENT)
            if content is not None:
                skipped.update(content.iter(T))
        elif tag == RUN_STYLE:
            if element.get(W + "val") == PLACEHOLDER_STYLE:
                skipped.update(element.getparent().getparent().iter(T))
        elif tag == CHECKED_STATE:
            if cell is not None:
                cell.checked = element.get(W14 + "val") in ("1", "true", "on")
        elif tag == NO_BREAK_HYPHEN:
            line.append("\u2011")  # how Word and LibreOffice store a non-breaking hyphen
        elif tag == SOFT_HYPHEN:
            line.append("\u00ad")
        elif element.get(W + "type") in (None, "textWrapping"):  # BR, CR
            line.append("\n")
    return rows


def paragraph_text(paragraph) -> str:
    return "".join(text for text in paragraph.itertext(T))


def _read_value(spec, cell: _Cell):
    if spec.kind == kinds.BOOL:
        if cell.checked is not None:
            return cell.checked
        return bool(TICKS & set(cell.text.split()))
    text = cell.text
    if spec.kind == kinds.TEXT:
        return text if text != "" else None
    stripped = text.strip()
    if stripped == "":
        return None
    if spec.kind == kinds.TIME:
        return stripped
    if spec.kind == kinds.DATE:
        return read_date(stripped)
    if spec.kind == kinds.INTEGER:
        return int(stripped) if _INTEGER.match(stripped) else stripped
    if spec.kind == kinds.CHOICE:
        return read_choice(spec, stripped)
    raise AssertionError(spec.kind)




def _empty_value(spec):
    return False if spec.kind == kinds.BOOL else None


class _Reader:
    def __init__(self, form_id: str):
        self.sections = sections(form_id)
        self.by_name = {section.name: section for section in self.sections}
        self.by_label = {_normal(section.label): section for section in self.sections}
        self.data = {section.name: [] if section.is_group else
                     {spec.name: _empty_value(spec) for spec in section.fields}
                     for section in self.sections}
        self.findings: list[Finding] = []
        self._seen: set[str] = set()

    def read(self, body):
        recent: list[str] = []
        for block in _blocks(body):
            if block.tag == P:
                text = paragraph_text(block).strip()
                if text:
                    recent = (recent + [_normal(text)])[-3:]
                continue
            section = self._section_of(block, recent)
            if section is not None and section.name not in self._seen:
                self._seen.add(section.name)
                if section.is_group:
                    self._read_group(section, block)
                else:
                    self._read_fields(section, block)
            recent = []

    def _section_of(self, table, recent) -> Section | None:
        for tag in (t.get(W + "val") for t in table.iter(TAG)):
            if tag:
                section = self.by_name.get(tag.split(".", 1)[0])
                if section is not None:
                    return section
        for text in reversed(recent):
            if text in self.by_label:
                return self.by_label[text]
        return None

    def _read_fields(self, section: Section, table):
        by_label = {_normal(spec.label): spec for spec in section.fields}
        values = self.data[section.name]
        for cells in _table(table):
            if len(cells) < 2:
                continue
            spec, by_tag = None, False
            for tag in cells[-1].tags:
                name = tag.rsplit(".", 1)[-1]
                if tag.startswith(section.name + ".") and name in values:
                    spec, by_tag = section.field(name), True
                    break
            if spec is None:
                spec = by_label.get(_normal(cells[0].text))
            if spec is None:
                continue
            value = _read_value(spec, cells[-1])
            values[spec.name] = value
            if not by_tag and value not in (None, False):
                self.findings.append(warning(LABEL_READ[0], f"{section.name}.{spec.name}",
                                             LABEL_READ[1]))

    def _read_group(self, section: Section, table):
        by_label = {_normal(spec.label): spec for spec in section.fields}
        columns = None
        items, label_read = [], []
        for cells in _table(table):
            if columns is None:
                labels = [by_label.get(_normal(cell.text)) for cell in cells]
                if any(labels):
                    columns = labels
                continue
            item = {spec.name: _empty_value(spec) for spec in section.fields}
            untagged = []
            for column, cell in zip(columns, cells):
                spec = column
                tags = cell.tags
                if tags:
                    name = tags[0].rsplit(".", 1)[-1]
                    if tags[0].startswith(section.name + ".") and name in item:
                        spec = section.field(name)
                elif spec is not None:
                    untagged.append(spec.name)
                if spec is None:
                    continue
                item[spec.name] = _read_value(spec, cell)
            if all(value in (None, False) for value in item.values()):
                continue
            index = len(items)
            items.append(item)
            label_read.extend(f"{section.name}.{index}.{name}" for name in untagged
                              if item[name] not in (None, False))
        self.data[section.name] = items
        self.findings.extend(warning(LABEL_READ[0], path, LABEL_READ[1]) for path in label_read)
