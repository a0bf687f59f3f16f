"""Fill a PDF template: values, their appearances drawn with the embedded Unicode font.

The template is read once. A fill appends an incremental update to the template's bytes
(PDF 32000-1 §7.5.6): a new version of each filled field with its value (/V) and its
appearance (/AP), each page's header and footer (the municipality's name, "side x af y")
with the page's marks (corner marks and the QR code with page x of y and the optional
document id, page_marks.py),
and for the network map its picture and the picture's alternative text. Nothing else of
the template is rewritten, so a fill costs a few milliseconds, and every reader shows the
values without regenerating anything.

How values are drawn: one font size per table (a section), the largest from 10 pt down to
8 pt at which every value of the table fits its box; lines break at word boundaries, a
word wider than its box is hyphenated by Danish rules, an address broken after "@", "."
or "/" (text_layout.py). A value that does not fit its box even at 8 pt shows its start
and "… fortsat side N", and is printed whole on a continuation page added at the end
(tagged like the rest). The value itself is always stored whole in the field.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DictionaryObject, IndirectObject, NameObject,
                           StreamObject, TextStringObject)

from ..forms import fields as kinds
from ..forms import get_form
from ..forms import options
from ..forms.layout import cpr_enabled, sections
from ..forms.record import Finding, warning
from . import form_layout
from .page_marks import PageMark
from .pdf_font import field_font
from .pdf_template import (BOTTOM, FIELD_FONT, HIDDEN_FLAGS, MARGIN, PAGE_H, PAGE_W, TOP, WIDTH,
                           build_pdf_template, page_furniture)
from .text_layout import wrap
from .word_template import footer_text

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "pdf_templates"
MAX_SIZE, MIN_SIZE, SIZE_STEP = 10.0, 8.0, 0.5
SIZES = tuple(MAX_SIZE - SIZE_STEP * i for i in range(int((MAX_SIZE - MIN_SIZE) / SIZE_STEP) + 1))
LEADING = 1.15
CONTINUED = "… fortsat side {}"
_SKIPPED_KEYS = {"/V", "/AP", "/AS"}
# A check box keeps its appearances (/Yes and /Off): a fill only sets its state, so every
# viewer, print and flattening draws the tick the record holds.
_SKIPPED_BOX_KEYS = {"/V", "/AS"}


@dataclass
class _Slot:
    idnum: int
    prefix: bytes  # the field dictionary without /V, /AP, /AS and without its closing >>
    kind: str
    width: float
    height: float
    options: tuple
    label: str = ""
    page: int = 0


def _serialize(obj) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def _without(dictionary, *keys) -> bytes:
    """A dictionary serialized without `keys` and without its closing >>."""
    kept = DictionaryObject({k: v for k, v in dictionary.items() if k not in keys})
    data = _serialize(kept)
    return data[: data.rindex(b">>")]


def _field_name(field) -> str:
    parts = []
    node = field
    while node is not None:
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


class PdfTemplate:
    def __init__(self, form_id: str, template: bytes):
        self.form = get_form(form_id)
        self.base = template
        self.font = field_font()
        reader = PdfReader(io.BytesIO(template))
        self.startxref = int(re.findall(rb"startxref\s+(\d+)", template[-1024:])[-1])
        trailer = reader.trailer
        self.size = int(trailer["/Size"])
        self.trailer_extra = b"/Root %d 0 R /Info %d 0 R" % (
            trailer.raw_get("/Root").idnum, trailer.raw_get("/Info").idnum)
        root = reader.trailer["/Root"]
        acroform = root["/AcroForm"]
        self.font_ref = acroform["/DR"]["/Font"].raw_get("/" + FIELD_FONT).idnum
        specs = {(section.name, spec.name): spec for section in sections(form_id)
                 for spec in section.fields}
        labels = {section.name: section.label for section in sections(form_id)}
        self.slots: dict[str, _Slot] = {}
        self.group_rows: dict[str, int] = {}
        self.header_streams = []
        self.picture = None
        self.page_refs = []
        for page_index, page in enumerate(reader.pages):
            self.page_refs.append(page.indirect_reference.idnum)
            contents = page.raw_get("/Contents")
            self.header_streams.append(contents.get_object()[0].idnum)
            for annotation in page.get("/Annots", []):
                widget = annotation.get_object()
                if int(widget.get("/F", 0)) & HIDDEN_FLAGS == HIDDEN_FLAGS:
                    hidden = True
                else:
                    hidden = False
                name = _field_name(widget)
                parts = name.split(".")
                section, field_name = parts[0], parts[-1]
                spec = specs.get((section, field_name))
                if spec is None:
                    continue
                if len(parts) == 3:
                    self.group_rows[section] = max(self.group_rows.get(section, 0), int(parts[1]) + 1)
                skipped = _SKIPPED_BOX_KEYS if spec.kind == kinds.BOOL else _SKIPPED_KEYS
                kept = DictionaryObject({k: v for k, v in widget.items() if k not in skipped})
                prefix = _serialize(kept)
                x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
                self.slots[name] = _Slot(annotation.idnum, prefix[: prefix.rindex(b">>")],
                                         spec.kind, x2 - x1, y2 - y1, spec.options,
                                         f"{labels[section]} – {spec.label}",
                                         -1 if hidden else page_index)
            for xobject in page["/Resources"].get("/XObject", {}).values():
                if xobject.get_object().get("/Subtype") == "/Image":
                    self.picture = xobject.idnum
        pages = root.raw_get("/Pages")
        self.pages_id = pages.idnum
        self.pages_prefix = _without(pages.get_object(), "/Kids", "/Count")
        self.media_box = _serialize(reader.pages[0].mediabox)
        self.structure = _Structure.of(root)

    # -- filling
    def _values(self, data: dict):
        """What a fill draws: (path, slot, shown, stored) of every text value, the check
        boxes ticked, the findings about missing glyphs."""
        values, ticked, findings = [], [], []
        for path, value, spec_kind in _values(self.form.id, data):
            slot = self.slots.get(path)
            if slot is None:
                raise ValueError(f"the PDF template has no field {path}")
            if spec_kind == kinds.BOOL:
                if value:
                    ticked.append(slot)
                continue
            shown, stored = _display(slot, value)
            values.append((path, slot, shown, stored))
            missing = self.font.missing(shown)
            if missing:
                findings.append(warning(
                    "pdf.glyph_missing", path,
                    "PDF'en kan ikke vise tegnet " + ", ".join(
                        f"'{ch}' (U+{ord(ch):04X})" for ch in sorted(missing))
                    + "; det står i stedet som en tom firkant. Værdien er gemt uændret i feltet."))
        return values, ticked, findings

    def _continued(self, values, sizes) -> list:
        """(path, label, text, page the box is on) of every value that does not fit its box."""
        return [(path, slot.label, shown, slot.page + 1) for path, slot, shown, _ in values
                if not _fit(shown, slot, sizes[path.split(".")[0]])[1]]

    def continuation_pages(self, data: dict) -> int:
        """How many continuation pages a fill with `data` adds."""
        values, _, _ = self._values(data)
        continued = self._continued(values, self._table_sizes(values))
        return len(_continuation_pages(self.font, continued)) if continued else 0

    def fill(self, data: dict, municipality: str,
             document_id: str | None = None) -> tuple[bytes, list[Finding]]:
        """The filled PDF and the findings of drawing it; `document_id` (an opaque token,
        no personal data) goes into every page's QR code (page_marks.py)."""
        objects: dict[int, bytes] = {}
        next_id = self.size

        def new_object(body: bytes) -> int:
            nonlocal next_id
            objects[next_id] = body
            next_id += 1
            return next_id - 1

        values, ticked, findings = self._values(data)
        for slot in ticked:
            objects[slot.idnum] = slot.prefix + b"/V /Yes /AS /Yes >>"
        sizes = self._table_sizes(values)
        continued = self._continued(values, sizes)
        overflowing = {path for path, *_ in continued}
        first_continuation = len(self.header_streams) + 1
        for path, slot, shown, stored in values:
            size = sizes[path.split(".")[0]]
            lines, _ = _fit(shown, slot, size)
            if path in overflowing:
                lines = _with_marker(lines, slot, size, CONTINUED.format(first_continuation))
                findings.append(warning(
                    "pdf.text_overflow", path,
                    "Teksten er for lang til sit felt i PDF'en; resten står på en "
                    f"fortsættelsesside sidst i dokumentet (side {first_continuation}). Hele "
                    "teksten er gemt i feltet og kommer med, når formularen læses."))
            content = self._appearance(lines, slot, size)
            appearance = new_object(
                b"<< /Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] "
                b"/Resources << /Font << /%s %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream"
                % (slot.width, slot.height, FIELD_FONT.encode(), self.font_ref, len(content),
                   content))
            objects[slot.idnum] = (slot.prefix + b"/V " + _serialize(TextStringObject(stored))
                                   + b" /AP << /N %d 0 R >> >>" % appearance)
        pages = _continuation_pages(self.font, continued) if continued else []
        total = len(self.header_streams) + len(pages)
        for number, idnum in enumerate(self.header_streams, start=1):
            objects[idnum] = self._furniture(municipality, number, total, document_id)
        if pages:
            self._add_pages(pages, municipality, total, objects, new_object, document_id)
        if self.picture is not None:
            objects[self.picture] = _picture_object(data)
            if self.structure.figure is not None:
                from .network_map_picture import describe_network_map
                objects[self.structure.figure] = (
                    self.structure.figure_prefix + b"/Alt "
                    + _serialize(TextStringObject(describe_network_map(data))) + b" >>")
        return self._append(objects, next_id), findings

    def _furniture(self, municipality: str, number: int, total: int,
                   document_id: str | None) -> bytes:
        """A page's header, footer and page marks as a stream object's body."""
        mark = PageMark(self.form.id, self.form.version, number, total, document_id)
        furniture = zlib.compress(page_furniture(
            self.font, self.form.title, footer_text(self.form), municipality, number, total,
            mark), 1)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
            len(furniture), furniture)

    def _table_sizes(self, values) -> dict[str, float]:
        """One size per section: the largest at which every value of it fits its box
        (values that do not fit even at the smallest size continue elsewhere)."""
        by_section: dict[str, list] = {}
        for path, slot, shown, _ in values:
            by_section.setdefault(path.split(".")[0], []).append((slot, shown))
        sizes = {}
        for section, items in by_section.items():
            fitting = [(slot, shown) for slot, shown in items if _fit(shown, slot, MIN_SIZE)[1]]
            sizes[section] = next((size for size in SIZES
                                   if all(_fit(shown, slot, size)[1] for slot, shown in fitting)),
                                  MIN_SIZE)
        return sizes

    def _appearance(self, lines: list[str], slot: _Slot, size: float) -> bytes:
        leading = size * LEADING
        ascent = self.font.ascent / self.font.units * size
        if len(lines) == 1 and slot.height < 30:
            top = (slot.height - size * 0.7) / 2
        else:
            top = slot.height - 1 - ascent
        parts = [b"/Tx BMC q 1 1 %.2f %.2f re W n BT /%s %.2f Tf 0 g %.2f TL 2 %.2f Td" % (
            slot.width - 2, slot.height - 2, FIELD_FONT.encode(), size, leading, top)]
        for index, line in enumerate(lines):
            parts.append(b"%s<%s> Tj" % (b"T* " if index else b"", self.font.hex(line).encode()))
        parts.append(b"ET Q EMC")
        return b" ".join(parts)

    # -- continuation pages
    def _add_pages(self, pages: list[list], municipality: str, total: int, objects: dict,
                   new_object, document_id: str | None = None) -> None:
        structure = self.structure
        kids = [b"%d 0 R" % ref for ref in self.page_refs]
        section_id = new_object(b"")  # filled below, once its kids are known
        section_kids = []
        next_key = structure.next_key
        parent_entries = []
        for offset, page in enumerate(pages):
            number = len(self.page_refs) + offset + 1
            page_id = new_object(b"")
            header_id = new_object(self._furniture(municipality, number, total, document_id))
            content, marks = _page_content(self.font, page)
            packed = zlib.compress(content)
            content_id = new_object(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
                                    % (len(packed), packed))
            elements = []
            for role, mcids in marks:
                element_id = new_object(
                    b"<< /Type /StructElem /S /%s /P %d 0 R /Pg %d 0 R /K [%s] >>" % (
                        role.encode(), section_id, page_id,
                        b" ".join(b"%d" % m for m in mcids)))
                section_kids.append(element_id)
                elements.extend((mcid, element_id) for mcid in mcids)
            by_mcid = b" ".join(b"%d 0 R" % element for _, element in sorted(elements))
            tree_array = new_object(b"[%s]" % by_mcid)
            parent_entries.append(b"%d %d 0 R" % (next_key, tree_array))
            objects[page_id] = (
                b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /Font << /%s %d 0 R >>"
                b" >> /Contents [%d 0 R %d 0 R] /StructParents %d /Tabs /S >>" % (
                    self.pages_id, self.media_box, FIELD_FONT.encode(), self.font_ref,
                    header_id, content_id, next_key))
            next_key += 1
            kids.append(b"%d 0 R" % page_id)
        objects[section_id] = b"<< /Type /StructElem /S /Sect /P %d 0 R /K [%s] >>" % (
            structure.document, b" ".join(b"%d 0 R" % kid for kid in section_kids))
        objects[self.pages_id] = self.pages_prefix + b"/Kids [%s] /Count %d >>" % (
            b" ".join(kids), len(kids))
        if structure.document is not None:
            objects[structure.document] = (structure.document_prefix + b"/K [%s %d 0 R] >>" % (
                structure.document_kids, section_id))
            objects[structure.parent_tree] = b"<< /Nums [%s %s] >>" % (
                structure.nums, b" ".join(parent_entries))
            objects[structure.root] = structure.root_prefix + b"/ParentTreeNextKey %d >>" % (
                next_key)

    def _append(self, objects: dict[int, bytes], size: int) -> bytes:
        out = bytearray(self.base)
        if not out.endswith(b"\n"):
            out += b"\n"
        offsets = {}
        for idnum in sorted(objects):
            offsets[idnum] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (idnum, objects[idnum])
        xref_at = len(out)
        out += b"xref\n"
        ids = sorted(offsets)
        start = 0
        while start < len(ids):
            end = start
            while end + 1 < len(ids) and ids[end + 1] == ids[end] + 1:
                end += 1
            out += b"%d %d\n" % (ids[start], end - start + 1)
            for idnum in ids[start:end + 1]:
                out += b"%010d 00000 n \n" % offsets[idnum]
            start = end + 1
        out += b"trailer\n<< /Size %d %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
            size, self.trailer_extra, self.startxref, xref_at)
        return bytes(out)


@dataclass
class _Structure:
    """The parts of the template's structure tree a fill rewrites."""
    root: int | None = None
    root_prefix: bytes = b""
    parent_tree: int | None = None
    nums: bytes = b""
    next_key: int = 0
    document: int | None = None
    document_prefix: bytes = b""
    document_kids: bytes = b""
    figure: int | None = None
    figure_prefix: bytes = b""

    @classmethod
    def of(cls, catalog) -> "_Structure":
        found = cls()
        reference = catalog.raw_get("/StructTreeRoot") if "/StructTreeRoot" in catalog else None
        if reference is None:
            return found
        root = reference.get_object()
        found.root = reference.idnum
        found.root_prefix = _without(root, "/ParentTreeNextKey")
        tree_ref = root.raw_get("/ParentTree")
        found.parent_tree = tree_ref.idnum
        nums = tree_ref.get_object()["/Nums"]
        found.nums = _serialize(ArrayObject(nums.get_object()))[1:-1]
        found.next_key = int(root.get("/ParentTreeNextKey", len(nums) // 2))
        kids = root["/K"]
        document_ref = kids[0] if isinstance(kids, ArrayObject) else root.raw_get("/K")
        if not isinstance(document_ref, IndirectObject):
            return cls()
        document = document_ref.get_object()
        found.document = document_ref.idnum
        found.document_prefix = _without(document, "/K")
        found.document_kids = _serialize(ArrayObject(document["/K"]))[1:-1]
        stack = [document]
        while stack:
            element = stack.pop()
            kids = element.get("/K")
            for kid in (kids if isinstance(kids, ArrayObject) else []):
                if isinstance(kid, IndirectObject):
                    child = kid.get_object()
                    if child.get("/S") == "/Figure":
                        found.figure = kid.idnum
                        found.figure_prefix = _without(child, "/Alt")
                    elif "/S" in child:
                        stack.append(child)
        return found


def _values(form_id: str, data: dict):
    """(path, value, kind) of every filled field of canonical `data`."""
    for section in sections(form_id):
        block = data.get(section.name)
        rows = enumerate(block) if section.is_group else [(None, block)]
        for index, row in rows:
            for spec in section.fields:
                value = row.get(spec.name)
                if value is None or value is False:
                    continue
                path = (f"{section.name}.{spec.name}" if index is None
                        else f"{section.name}.{index}.{spec.name}")
                yield path, value, spec.kind


def _display(slot: _Slot, value) -> tuple[str, str]:
    """What the field shows and what it stores (/V)."""
    if slot.kind == kinds.DATE:
        text = dt.date.fromisoformat(value).strftime("%d-%m-%Y")
        return text, text
    if slot.kind == kinds.CHOICE:
        label = next((lbl for val, lbl in slot.options if val == value), str(value))
        return label, str(value)
    return str(value), str(value)


def _capacity(slot: _Slot, size: float) -> int:
    return max(1, int((slot.height - 2 + 0.01) // (size * LEADING)))


def _fit(text: str, slot: _Slot, size: float) -> tuple[list[str], bool]:
    """The lines `text` takes in the box at `size`, and whether they all fit."""
    capacity = _capacity(slot, size)
    lines = [line.text for line in wrap(text, slot.width - 4, size, max_lines=capacity)]
    return lines, len(lines) <= capacity


def _with_marker(lines: list[str], slot: _Slot, size: float, marker: str) -> list[str]:
    """The lines that fit, the last one ending in `marker` (where the text continues)."""
    from .text_layout import measure
    capacity = _capacity(slot, size)
    shown = lines[:capacity]
    last = shown[-1]
    room = slot.width - 4 - measure(" " + marker, size)
    while last and measure(last, size) > room:
        cut = last.rstrip().rfind(" ")
        last = last[:cut] if cut > 0 else ""
    shown[-1] = (last.rstrip() + " " + marker).strip()
    return shown


def _break_long(font, text: str, limit: float) -> list[str]:
    """`text` cut where it reaches `limit` (font units), character by character, in one
    pass: the last resort for a word with no permitted break."""
    pieces, start, used = [], 0, 0
    for index, ch in enumerate(text):
        width = font.units_of(ch)
        if used + width > limit and index > start:
            pieces.append(text[start:index])
            start, used = index, 0
        used += width
    pieces.append(text[start:])
    return pieces


# ------------------------------------------------------------- continuation pages

_CONTINUATION_HEADING, _CONTINUATION_TEXT = 11.0, 10.0


def _continuation_pages(font, continued) -> list[list]:
    """The continued texts laid out on pages: each page a list of (role, size, lines, y)."""
    pages: list[list] = [[]]
    y = TOP

    def place(role, size, lines, gap):
        nonlocal y
        leading = size * 1.3
        for line in lines:
            if y - leading < BOTTOM:
                pages.append([])
                y = TOP
            y -= leading
            pages[-1].append((role, size, line, y + size * 0.25))
        y -= gap

    place("H2", 13.0, ["Fortsættelse af lange tekster"], 6)
    for path, label, text, page in continued:
        heading = f"{label} (fra side {page})"
        place("H3", _CONTINUATION_HEADING,
              [line.text for line in wrap(heading, WIDTH, _CONTINUATION_HEADING)], 2)
        place("P", _CONTINUATION_TEXT,
              [line.text for line in wrap(text, WIDTH, _CONTINUATION_TEXT)], 8)
    return pages


def _page_content(font, page) -> tuple[bytes, list]:
    """A continuation page's content stream (each line its own marked content) and the
    structure elements by role with their marked-content ids."""
    parts, marks = [], []
    for mcid, (role, size, line, y) in enumerate(page):
        bold = b" 2 Tr 0.35 w" if role != "P" else b""
        parts.append(b"/%s <</MCID %d>> BDC BT /%s %.1f Tf 0 g 0 G%s %.2f %.2f Td <%s> Tj ET EMC"
                     % (role.encode(), mcid, FIELD_FONT.encode(), size, bold, MARGIN, y,
                        font.hex(line).encode()))
        if marks and marks[-1][0] == role and role == "P":
            marks[-1][1].append(mcid)
        else:
            marks.append((role, [mcid]))
    return b"\n".join(parts), marks


def _picture_object(data: dict) -> bytes:
    from .network_map_picture import PRINT_SIZE_PX, draw_network_map_indexed
    image = draw_network_map_indexed(data, size_px=PRINT_SIZE_PX)
    palette = image.getpalette()
    colours = len(palette) // 3
    pixels = zlib.compress(image.tobytes(), 1)
    return (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 "
            b"/ColorSpace [/Indexed /DeviceRGB %d <%s>] /Filter /FlateDecode /Length %d >>\n"
            b"stream\n%s\nendstream" % (image.width, image.height, colours - 1,
                                         bytes(palette).hex().encode(), len(pixels), pixels))


_lock = threading.Lock()


@lru_cache(maxsize=32)
def _template(form_id: str, extra_rows: tuple, with_cpr: bool, meeting_types: tuple,
              contact: str | None, hidden: tuple) -> PdfTemplate:
    if (not extra_rows and not with_cpr and meeting_types == options.DEFAULT_MEETING_TYPES
            and not contact and not hidden):
        template = (TEMPLATE_DIR / f"{form_id}.pdf").read_bytes()
    else:  # more rows than the template holds, CPR turned on, the municipality's meeting
        # types or contact, a section that does not apply
        template = build_pdf_template(form_id, dict(extra_rows), with_cpr, contact, hidden)
    return PdfTemplate(form_id, template)


def template_key(form_id: str, data: dict | None = None,
                 contact: str | None = None) -> tuple:
    """What decides the template for `data`: (extra rows by group, CPR shown, the meeting
    types, the contact, the sections left out) — the arguments of pdf_template.layout and
    build_pdf_template after the form id (meeting types aside, read from forms.options)."""
    extra = tuple(sorted(
        (section.name, len(data[section.name]) - section.blank_rows)
        for section in sections(form_id)
        if section.is_group and data and len(data[section.name]) > section.blank_rows))
    hidden = tuple(section.name for section in sections(form_id)
                   if not section.is_group and data is not None
                   and not form_layout.shows_section(form_id, section.name, data))
    contact = contact if get_form(form_id).guidance else None
    return extra, cpr_enabled(), options.meeting_types(), contact or None, hidden


def pdf_template(form_id: str, data: dict | None = None,
                 contact: str | None = None) -> PdfTemplate:
    """The template for `data`: the standard one, or one with continuation pages, the
    municipality's contact, or a section left out."""
    key = template_key(form_id, data, contact)
    with _lock:
        return _template(form_id, *key)


def render_pdf(form_id: str, data: dict, municipality: str,
               contact: str | None = None, *,
               document_id: str | None = None) -> tuple[bytes, list[Finding]]:
    """The fillable PDF filled with canonical `data`, and the findings of drawing it;
    `contact` (the municipality profile's contact) goes into the consent guidance,
    `document_id` (an opaque token, no personal data) into every page's QR code."""
    return pdf_template(form_id, data, contact).fill(data, municipality,
                                                     document_id=document_id)


def flatten_pdf(pdf: bytes) -> bytes:
    """The filled PDF with its fields burnt into the pages: no form left, text extractable."""

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        kept, drawn = ArrayObject(), []
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        xobjects = resources["/XObject"].get_object()
        for index, reference in enumerate(page.get("/Annots", [])):
            widget = reference.get_object()
            if widget.get("/Subtype") != "/Widget":
                kept.append(reference)
                continue
            if int(widget.get("/F", 0)) & HIDDEN_FLAGS:
                continue
            appearance = widget.get("/AP", {}).get("/N")
            if isinstance(appearance, DictionaryObject) and "/Subtype" not in appearance:
                appearance = appearance.get(widget.get("/AS", "/Off"))
            if appearance is None:
                continue
            name = f"/Flat{index}"
            xobjects[NameObject(name)] = (appearance.indirect_reference
                                          if appearance.indirect_reference else appearance)
            x1, y1 = (float(v) for v in widget["/Rect"][:2])
            drawn.append(f"q 1 0 0 1 {x1:.2f} {y1:.2f} cm {name} Do Q")
        stream = StreamObject()
        stream.set_data("\n".join(drawn).encode())
        contents = page.raw_get("/Contents")
        contents = (contents.get_object() if isinstance(contents.get_object(), ArrayObject)
                    else ArrayObject([contents]))
        page[NameObject("/Contents")] = ArrayObject([*contents, writer._add_object(stream)])
        if kept:
            page[NameObject("/Annots")] = kept
        elif "/Annots" in page:
            del page["/Annots"]
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["PAGE_H", "PAGE_W", "PdfTemplate", "flatten_pdf", "pdf_template", "render_pdf",
           "template_key"]
