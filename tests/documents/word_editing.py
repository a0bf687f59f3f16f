"""Edit a .docx the way Word does, for tests: fill content controls, add rows."""
from __future__ import annotations

import copy
import io
import re
import zipfile

from lxml import etree

from formservice.documents.word_xml import CHECKED, UNCHECKED, W14_NS, W15_NS, W_NS

W = "{%s}" % W_NS
W14 = "{%s}" % W14_NS
W15 = "{%s}" % W15_NS


class WordDocument:
    def __init__(self, docx: bytes):
        self.parts = {}
        source = zipfile.ZipFile(io.BytesIO(docx))
        for name in source.namelist():
            self.parts[name] = source.read(name)
        self.root = etree.fromstring(self.parts["word/document.xml"])

    def save(self) -> bytes:
        self.parts["word/document.xml"] = etree.tostring(self.root, xml_declaration=True,
                                                         encoding="UTF-8", standalone=True)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in self.parts.items():
                target.writestr(name, data)
        return out.getvalue()

    def controls(self, tag):
        return [sdt for sdt in self.root.iter(W + "sdt")
                if sdt.find(f"{W}sdtPr/{W}tag") is not None
                and sdt.find(f"{W}sdtPr/{W}tag").get(W + "val") == tag]

    def type_text(self, tag, text):
        """Like a person typing into a text control: the placeholder goes, lines become
        paragraphs (Word splits the control's paragraph when Enter is pressed)."""
        first = self.controls(tag)[0]
        paragraph = first.getparent()
        cell = paragraph.getparent()
        for sdt in self.controls(tag)[1:]:
            cell.remove(sdt.getparent())
        lines = text.split("\n")
        self._set_runs(first, lines[0])
        anchor = paragraph
        for line in lines[1:]:
            clone = copy.deepcopy(paragraph)
            self._set_runs(clone.find(W + "sdt"), line)
            anchor.addnext(clone)
            anchor = clone

    def _set_runs(self, sdt, line):
        pr = sdt.find(W + "sdtPr")
        placeholder = pr.find(W + "showingPlcHdr")
        if placeholder is not None:
            pr.remove(placeholder)
        content = sdt.find(W + "sdtContent")
        for child in list(content):
            content.remove(child)
        run = etree.SubElement(content, W + "r")
        for index, piece in enumerate(line.split("\t")):
            if index:
                etree.SubElement(run, W + "tab")
            t = etree.SubElement(run, W + "t")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = piece

    def choose(self, tag, display_text):
        sdt = self.controls(tag)[0]
        self._set_runs(sdt, display_text)

    def pick_date(self, tag, iso):
        sdt = self.controls(tag)[0]
        sdt.find(f"{W}sdtPr/{W}date").set(W + "fullDate", iso + "T00:00:00Z")
        y, m, d = iso.split("-")
        self._set_runs(sdt, f"{d}-{m}-{y}")

    def tick(self, tag, checked=True):
        sdt = self.controls(tag)[0]
        sdt.find(f"{W}sdtPr/{W14}checkbox/{W14}checked").set(W14 + "val", "1" if checked else "0")
        sdt.find(f"{W}sdtContent//{W}t").text = CHECKED if checked else UNCHECKED

    def repeat_last_item(self, group):
        """Word's "+" on a repeating section: a copy of the last item, controls and all
        (their tags unchanged), emptied."""
        section = self.controls(group)[0]
        items = [sdt for sdt in section.iter(W + "sdt")
                 if sdt.find(f"{W}sdtPr/{W15}repeatingSectionItem") is not None]
        clone = copy.deepcopy(items[-1])
        items[-1].addnext(clone)
        return clone

    def add_plain_row(self, group, texts):
        """Word's "Insert row below" in a group table: cells with plain text, no controls."""
        section = self.controls(group)[0]
        row = etree.Element(W + "tr")
        for text in texts:
            cell = etree.SubElement(row, W + "tc")
            paragraph = etree.SubElement(cell, W + "p")
            if text:
                run = etree.SubElement(paragraph, W + "r")
                etree.SubElement(run, W + "t").text = text
        section.addnext(row)
        return row

    def strip_tags(self):
        """What an editor that drops content controls leaves: their text, no controls."""
        for sdt in list(self.root.iter(W + "sdt")):
            parent = sdt.getparent()
            content = sdt.find(W + "sdtContent")
            index = parent.index(sdt)
            parent.remove(sdt)
            if content is not None:
                for offset, child in enumerate(list(content)):
                    parent.insert(index + offset, child)
        self.parts.pop("docProps/custom.xml", None)


# --- structural edits and what Word writes for them ---------------------------------------

MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
V_NS = "urn:schemas-microsoft-com:vml"
_revision = [100]


def _track(tag_name):
    """A w:ins/w:del/w:moveFrom/w:moveTo element with the attributes Word gives it."""
    _revision[0] += 1
    element = etree.Element(W + tag_name)
    element.set(W + "id", str(_revision[0]))
    element.set(W + "author", "Hanne Øster")
    element.set(W + "date", "2026-12-03T10:15:00Z")
    return element


def _ancestor(element, tag):
    while element is not None and element.tag != tag:
        element = element.getparent()
    return element


def _text_run(text):
    run = etree.Element(W + "r")
    t = etree.SubElement(run, W + "t")
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text
    return run


class EditedDocument(WordDocument):
    """The edits people make in Word, written the way Word writes them."""

    def row_of(self, tag):
        return _ancestor(self.controls(tag)[0], W + "tr")

    def cell_of(self, tag):
        return _ancestor(self.controls(tag)[0], W + "tc")

    def table_of(self, tag):
        return _ancestor(self.controls(tag)[0], W + "tbl")

    @staticmethod
    def rows(table):
        return [row for row in table.iter(W + "tr") if _ancestor(row.getparent(), W + "tbl") is table]

    @staticmethod
    def _row_unit(row):
        """The row, or the repeating-section item wrapping it."""
        parent = row.getparent()
        if parent.tag == W + "sdtContent" and parent.getparent().find(
                f"{W}sdtPr/{W15}repeatingSectionItem") is not None:
            return parent.getparent()
        return row

    def split_table_before(self, tag):
        """Word's Layout > Split Table with the cursor in the row holding `tag`: the rows
        from there on move to a new table after an empty paragraph (no header row)."""
        row = self.row_of(tag)
        table = _ancestor(row, W + "tbl")
        new = etree.Element(W + "tbl")
        new.append(copy.deepcopy(table.find(W + "tblPr")))
        new.append(copy.deepcopy(table.find(W + "tblGrid")))
        unit = self._row_unit(row)
        container = unit.getparent()
        moving = [unit] + list(unit.itersiblings())
        if container is not table:  # inside the repeating section: it is split too
            section = container.getparent()
            twin = etree.SubElement(new, W + "sdt")
            twin.append(copy.deepcopy(section.find(W + "sdtPr")))
            target = etree.SubElement(twin, W + "sdtContent")
            moving_after = list(section.itersiblings())
        else:
            target, moving_after = new, []
        for element in moving:
            target.append(element)
        for element in moving_after:
            new.append(element)
        paragraph = etree.Element(W + "p")
        table.addnext(paragraph)
        paragraph.addnext(new)
        return new

    def delete_header_row(self, group):
        table = _ancestor(self.controls(group)[0], W + "tbl")
        header = self.rows(table)[0]
        header.getparent().remove(header)

    def copy_row(self, tag):
        """Copy the row holding `tag` and paste it below itself (tags and all)."""
        unit = self._row_unit(self.row_of(tag))
        clone = copy.deepcopy(unit)
        unit.addnext(clone)
        return clone

    def paste_row_into(self, tag, group):
        """Copy the row holding `tag` and paste it as the last row of `group`'s table."""
        clone = copy.deepcopy(self._row_unit(self.row_of(tag)))
        if clone.tag != W + "tr":
            clone = clone.find(f"{W}sdtContent/{W}tr")
        table = _ancestor(self.controls(group)[0], W + "tbl")
        table.append(clone)
        return clone

    def delete_row_tracked(self, tag):
        """Delete the row with Track Changes on: the row and its text are marked deleted."""
        row = self.row_of(tag)
        tr_pr = row.find(W + "trPr")
        if tr_pr is None:
            tr_pr = etree.Element(W + "trPr")
            row.insert(0, tr_pr)
        tr_pr.append(_track("del"))
        for run in list(row.iter(W + "r")):
            self._mark_run(run, "del")

    def _mark_run(self, run, kind):
        for t in run.findall(W + "t"):
            if kind in ("del",):
                t.tag = W + "delText"
        wrapper = _track(kind)
        run.addprevious(wrapper)
        wrapper.append(run)
        return wrapper

    def delete_text_tracked(self, tag):
        """Select the field's text and delete it with Track Changes on."""
        for sdt in self.controls(tag):
            for run in list(sdt.find(W + "sdtContent").iter(W + "r")):
                self._mark_run(run, "del")

    def insert_text_tracked(self, tag, text):
        """Type `text` at the end of the field with Track Changes on."""
        content = self.controls(tag)[-1].find(W + "sdtContent")
        wrapper = _track("ins")
        wrapper.append(_text_run(text))
        content.append(wrapper)

    def move_text_tracked(self, from_tag, to_tag):
        """Drag the field's text into another field with Track Changes on."""
        source = self.controls(from_tag)[0].find(W + "sdtContent")
        runs = list(source.iter(W + "r"))
        moved = [copy.deepcopy(run) for run in runs]
        for run in runs:
            wrapper = _track("moveFrom")
            run.addprevious(wrapper)
            wrapper.append(run)
        target = self.controls(to_tag)[-1].find(W + "sdtContent")
        pr = self.controls(to_tag)[-1].find(W + "sdtPr")
        placeholder = pr.find(W + "showingPlcHdr")
        if placeholder is not None:
            pr.remove(placeholder)
            for child in list(target):
                target.remove(child)
        wrapper = _track("moveTo")
        for run in moved:
            wrapper.append(run)
        target.append(wrapper)

    def delete_paragraph_mark_tracked(self, tag):
        """Join the field's first line with the next (Delete at its end, tracked)."""
        paragraph = _ancestor(self.controls(tag)[0], W + "p")
        p_pr = paragraph.find(W + "pPr")
        r_pr = p_pr.find(W + "rPr")
        if r_pr is None:
            r_pr = etree.SubElement(p_pr, W + "rPr")
        r_pr.append(_track("del"))

    def paragraph_after_table(self, tag, text):
        """A note typed in the empty paragraph under the table holding `tag`."""
        table = self.table_of(tag)
        paragraph = etree.Element(W + "p")
        paragraph.append(_text_run(text))
        table.addnext(paragraph)

    def text_box_in_cell(self, tag, text):
        """Insert > Text Box in the field's cell: Word writes DrawingML with a VML
        fallback, both holding the text."""
        cell = self.cell_of(tag)
        paragraph = etree.SubElement(cell, W + "p")
        run = etree.SubElement(paragraph, W + "r")
        alternate = etree.SubElement(run, MC + "AlternateContent")
        choice = etree.SubElement(alternate, MC + "Choice", Requires="wps")
        drawing = etree.SubElement(choice, W + "drawing")
        shape = etree.SubElement(drawing, "{%s}wsp" % WPS_NS)
        box = etree.SubElement(shape, "{%s}txbx" % WPS_NS)
        content = etree.SubElement(box, W + "txbxContent")
        inner = etree.SubElement(content, W + "p")
        inner.append(_text_run(text))
        fallback = etree.SubElement(alternate, MC + "Fallback")
        pict = etree.SubElement(fallback, W + "pict")
        vshape = etree.SubElement(pict, "{%s}shape" % V_NS)
        vbox = etree.SubElement(vshape, "{%s}textbox" % V_NS)
        vbox.append(copy.deepcopy(content))

    def press_enter_at_end(self, tag, inside=False):
        """Enter at the end of the field: an empty paragraph after it in the cell (or, as
        Word does for an inline rich text control, the control made block-level around
        the field's paragraphs and the new empty one)."""
        sdt = self.controls(tag)[-1]
        paragraph = _ancestor(sdt, W + "p")
        empty = etree.Element(W + "p")
        empty.append(copy.deepcopy(paragraph.find(W + "pPr")))
        if not inside:
            paragraph.addnext(empty)
            return
        cell = paragraph.getparent()
        block = etree.Element(W + "sdt")
        block.append(copy.deepcopy(sdt.find(W + "sdtPr")))
        content = etree.SubElement(block, W + "sdtContent")
        first = cell.index(paragraph)
        for paragraph in [p for p in cell.findall(W + "p")]:
            inline = paragraph.find(W + "sdt")
            if inline is not None:
                index = paragraph.index(inline)
                for offset, child in enumerate(list(inline.find(W + "sdtContent"))):
                    paragraph.insert(index + offset, child)
                paragraph.remove(inline)
            content.append(paragraph)
        content.append(empty)
        cell.insert(min(first, len(cell)), block)

    def type_beside(self, tag, text):
        """Type `text` in the cell after the control (in the same paragraph)."""
        sdt = self.controls(tag)[0]
        sdt.addnext(_text_run(" " + text))

    def replace_control_with(self, tag, text=None, symbol=None):
        """Delete the control and type `text` (or Insert > Symbol: `symbol` is (font, char))."""
        sdt = self.controls(tag)[0]
        paragraph = sdt.getparent()
        index = paragraph.index(sdt)
        paragraph.remove(sdt)
        if symbol is not None:
            run = etree.Element(W + "r")
            etree.SubElement(run, W + "sym", {W + "font": symbol[0], W + "char": symbol[1]})
        else:
            run = _text_run(text)
        paragraph.insert(index, run)

    def insert_symbol_beside(self, tag, font, char):
        sdt = self.controls(tag)[0]
        run = etree.Element(W + "r")
        etree.SubElement(run, W + "sym", {W + "font": font, W + "char": char})
        sdt.addnext(run)

    def set_text_keeping_placeholder(self, tag, text):
        """What LibreOffice 25.2 writes when text is set through its API on a blank form:
        the text replaces the placeholder's, the placeholder flag and run style stay."""
        content = self.controls(tag)[0].find(W + "sdtContent")
        content.find(f".//{W}t").text = text

    def set_form_property(self, form_id):
        """Change the form id in the custom properties (File > Properties > Custom)."""
        self.parts["docProps/custom.xml"] = re.sub(
            rb"<vt:lpwstr>[^<]*</vt:lpwstr>", b"<vt:lpwstr>" + form_id.encode() + b"</vt:lpwstr>",
            self.parts["docProps/custom.xml"], count=1)
