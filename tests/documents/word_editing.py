"""Edit a .docx the way Word does, for tests: fill content controls, add rows."""
from __future__ import annotations

import copy
import io
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
