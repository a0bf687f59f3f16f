"""Fill a PDF template: values, their appearances drawn with the embedded Unicode font.

The template is read once. A fill appends an incremental update to the template's bytes
(PDF 32000-1 §7.5.6): a new version of each filled field with its value (/V) and its
appearance (/AP), the header with the municipality's name, and for the network map its
picture. Nothing else of the template is rewritten, so a fill costs a few milliseconds,
and every reader shows the values without regenerating anything.
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
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject

from ..forms import fields as kinds
from ..forms import get_form
from ..forms import options
from ..forms.layout import cpr_enabled, sections
from ..forms.record import Finding, warning
from .pdf_font import field_font
from .pdf_template import FIELD_FONT, MARGIN, PAGE_H, build_pdf_template

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "pdf_templates"
MAX_SIZE, MIN_SIZE = 10.0, 6.0
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


def _serialize(obj) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


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
        acroform = reader.trailer["/Root"]["/AcroForm"]
        self.font_ref = acroform["/DR"]["/Font"].raw_get("/" + FIELD_FONT).idnum
        specs = {(section.name, spec.name): spec for section in sections(form_id)
                 for spec in section.fields}
        self.slots: dict[str, _Slot] = {}
        self.group_rows: dict[str, int] = {}
        self.header_streams = []
        self.picture = None
        for page in reader.pages:
            contents = page.raw_get("/Contents")
            self.header_streams.append(contents.get_object()[0].idnum)
            for annotation in page.get("/Annots", []):
                widget = annotation.get_object()
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
                                         spec.kind, x2 - x1, y2 - y1, spec.options)
            for xobject in page["/Resources"].get("/XObject", {}).values():
                if xobject.get_object().get("/Subtype") == "/Image":
                    self.picture = xobject.idnum

    def fill(self, data: dict, municipality: str) -> tuple[bytes, list[Finding]]:
        objects: dict[int, bytes] = {}
        findings: list[Finding] = []
        next_id = self.size

        def new_object(body: bytes) -> int:
            nonlocal next_id
            objects[next_id] = body
            next_id += 1
            return next_id - 1

        for path, value, spec_kind in _values(self.form.id, data):
            slot = self.slots.get(path)
            if slot is None:
                raise ValueError(f"the PDF template has no field {path}")
            if spec_kind == kinds.BOOL:
                if value:
                    objects[slot.idnum] = slot.prefix + b"/V /Yes /AS /Yes >>"
                continue
            shown, stored = _display(slot, value)
            missing = self.font.missing(shown)
            if missing:
                findings.append(warning(
                    "pdf.glyph_missing", path,
                    "PDF'en kan ikke vise tegnet " + ", ".join(
                        f"'{ch}' (U+{ord(ch):04X})" for ch in sorted(missing))
                    + "; det står i stedet som en tom firkant. Værdien er gemt uændret i feltet."))
            content, fits = self._appearance(shown, slot)
            if not fits:
                findings.append(warning(
                    "pdf.text_overflow", path,
                    "Teksten er for lang til at blive vist helt i PDF-feltet. Hele teksten er "
                    "gemt i feltet og kommer med, når formularen læses; skriv den evt. kortere."))
            appearance = new_object(
                b"<< /Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] "
                b"/Resources << /Font << /%s %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream"
                % (slot.width, slot.height, FIELD_FONT.encode(), self.font_ref, len(content),
                   content))
            objects[slot.idnum] = (slot.prefix + b"/V " + _serialize(TextStringObject(stored))
                                   + b" /AP << /N %d 0 R >> >>" % appearance)
        header = self._header(municipality)
        for idnum in self.header_streams:
            objects[idnum] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(header), header)
        if self.picture is not None:
            objects[self.picture] = _picture_object(data)
        return self._append(objects, next_id), findings

    def _header(self, municipality: str) -> bytes:
        return b"BT /%s 9 Tf 0.1 0.1 0.1 rg %.2f %.2f Td <%s> Tj ET" % (
            FIELD_FONT.encode(), MARGIN, PAGE_H - MARGIN + 6, self.font.hex(municipality).encode())

    def _appearance(self, text: str, slot: _Slot) -> tuple[bytes, bool]:
        inner_w, inner_h = slot.width - 4, slot.height - 2
        paragraphs = _words(self.font, text)
        size = MAX_SIZE
        while True:
            leading = size * 1.15
            lines = _wrap(self.font, paragraphs, inner_w * self.font.units / size,
                          max_lines=int(inner_h // leading) + 1)
            fits = len(lines) * leading <= inner_h + 0.01
            if fits or size <= MIN_SIZE:
                break
            size = max(MIN_SIZE, size - 0.5)
        if not fits:
            lines = lines[: max(1, int(inner_h // leading))]
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
        return b" ".join(parts), fits

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


def _words(font, text: str) -> list[list[tuple[str, int]]]:
    """Per paragraph, its words (each with its trailing spaces) and their widths in font units."""
    return [[(word, font.units_of(word)) for word in re.split(r"(?<= )(?=[^ ])", paragraph)]
            for paragraph in text.split("\n")]


def _wrap(font, paragraphs, limit: float, max_lines: int) -> list[str]:
    """Greedy line breaking at spaces within `limit` font units; a word wider than a whole
    line is broken where it overflows. Stops after `max_lines` + 1 lines: what does not fit
    the box is not drawn, so a huge value costs no more than a full box."""
    lines: list[str] = []
    space = font.units_of(" ")
    for words in paragraphs:
        line, used = "", 0
        for word, units in words:
            trailing = (len(word) - len(word.rstrip(" "))) * space
            if not line or used + units - trailing <= limit:
                line, used = line + word, used + units
            else:
                lines.append(line)
                line, used = word, units
            if used - (len(line) - len(line.rstrip(" "))) * space > limit and len(line) > 1:
                pieces = _break_long(font, line, limit)
                lines.extend(pieces[:-1])
                line = pieces[-1]
                used = font.units_of(line)
            if len(lines) > max_lines:
                return lines
        lines.append(line)
        if len(lines) > max_lines:
            return lines
    return lines


def _break_long(font, text: str, limit: float) -> list[str]:
    """`text` cut where it reaches `limit`, character by character, in one pass."""
    pieces, start, used = [], 0, 0
    for index, ch in enumerate(text):
        width = font.units_of(ch)
        if used + width > limit and index > start:
            pieces.append(text[start:index])
            start, used = index, 0
        used += width
    pieces.append(text[start:])
    return pieces


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
def _template(form_id: str, extra_rows: tuple, with_cpr: bool, meeting_types: tuple) -> PdfTemplate:
    if not extra_rows and not with_cpr and meeting_types == options.DEFAULT_MEETING_TYPES:
        template = (TEMPLATE_DIR / f"{form_id}.pdf").read_bytes()
    else:  # more rows than the template holds, CPR turned on, the municipality's meeting types
        template = build_pdf_template(form_id, dict(extra_rows), with_cpr)
    return PdfTemplate(form_id, template)


def pdf_template(form_id: str, data: dict | None = None) -> PdfTemplate:
    """The template for `data`: the standard one, or one with continuation pages."""
    extra = tuple(sorted(
        (section.name, len(data[section.name]) - section.blank_rows)
        for section in sections(form_id)
        if section.is_group and data and len(data[section.name]) > section.blank_rows))
    with _lock:
        return _template(form_id, extra, cpr_enabled(), options.meeting_types())


def render_pdf(form_id: str, data: dict, municipality: str) -> tuple[bytes, list[Finding]]:
    return pdf_template(form_id, data).fill(data, municipality)


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
