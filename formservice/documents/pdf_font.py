"""The Unicode font of the PDF forms: DejaVu Sans, subset, embedded as a Type0 font.

pypdf and most fillers draw field values with a Latin-1 font, so ş, ł, ơ or € come out as
"?" or nothing. Here every filled field's appearance is drawn with this font: glyphs by
id (Identity-H), widths for wrapping, and a ToUnicode map so text can be copied and
extracted (pdftotext) from the filled and the flattened PDF.
"""
from __future__ import annotations

import io
from functools import cached_property, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from pypdf.generic import (ArrayObject, DictionaryObject, FloatObject,
                           NameObject, NumberObject, StreamObject, TextStringObject)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans-subset.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold-subset.ttf"
TAB_SPACES = 4


class EmbeddedFont:
    def __init__(self, path: Path = REGULAR):
        self.data = path.read_bytes()
        font = TTFont(io.BytesIO(self.data))
        self.units = font["head"].unitsPerEm
        self.glyph_ids = {code: font.getGlyphID(name)
                          for code, name in font.getBestCmap().items()}
        order = font.getGlyphOrder()
        metrics = font["hmtx"].metrics
        self.advances = [metrics[name][0] for name in order]
        self.ascent = font["hhea"].ascent
        self.descent = font["hhea"].descent
        self.bbox = (font["head"].xMin, font["head"].yMin, font["head"].xMax, font["head"].yMax)
        self.name = font["name"].getDebugName(6) or "DejaVuSans"
        self._space = self.glyph_ids[ord(" ")]

    def missing(self, text: str) -> set[str]:
        """Characters the font cannot draw (newlines and tabs are layout, not glyphs)."""
        return {ch for ch in text if ch not in "\n\t" and ord(ch) not in self.glyph_ids}

    def glyphs(self, text: str) -> list[int]:
        out = []
        for ch in text:
            if ch == "\t":
                out.extend([self._space] * TAB_SPACES)
            else:
                out.append(self.glyph_ids.get(ord(ch), 0))  # 0 = .notdef, reported before
        return out

    @cached_property
    def _char_units(self) -> dict[str, int]:
        widths = {chr(code): self.advances[glyph] for code, glyph in self.glyph_ids.items()}
        widths["\t"] = widths[" "] * TAB_SPACES
        return widths

    def units_of(self, text: str) -> int:
        """Advance width in font units (size-independent)."""
        widths, notdef = self._char_units, self.advances[0]
        return sum(widths.get(ch, notdef) for ch in text)

    def width(self, text: str, size: float) -> float:
        return self.units_of(text) * size / self.units

    def hex(self, text: str) -> str:
        return "".join(f"{g:04X}" for g in self.glyphs(text))

    @cached_property
    def _to_unicode(self) -> bytes:
        by_glyph: dict[int, int] = {}
        for code, glyph in sorted(self.glyph_ids.items()):
            by_glyph.setdefault(glyph, code)
        entries = sorted(by_glyph.items())
        chunks = []
        for start in range(0, len(entries), 100):
            block = entries[start:start + 100]
            lines = "\n".join(f"<{g:04X}> <{_utf16_hex(code)}>" for g, code in block)
            chunks.append(f"{len(block)} beginbfchar\n{lines}\nendbfchar")
        return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
                "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
                + "\n".join(chunks) + "\nendcmap CMapName currentdict /CMap defineresource pop end end"
                ).encode("ascii")

    def add_to(self, writer) -> object:
        """Add the Type0 font to a pypdf writer; returns the indirect reference."""
        file_stream = StreamObject()
        file_stream.set_data(self.data)
        file_stream[NameObject("/Length1")] = NumberObject(len(self.data))
        file_stream = _compressed(file_stream)
        scale = 1000 / self.units
        descriptor = DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): NameObject("/" + self.name),
            NameObject("/Flags"): NumberObject(32),
            NameObject("/FontBBox"): ArrayObject(FloatObject(v * scale) for v in self.bbox),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): FloatObject(self.ascent * scale),
            NameObject("/Descent"): FloatObject(self.descent * scale),
            NameObject("/CapHeight"): FloatObject(self.ascent * scale),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): writer._add_object(file_stream),
        })
        widths = ArrayObject([NumberObject(0), ArrayObject(
            NumberObject(round(a * scale)) for a in self.advances)])
        cid_font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): NameObject("/" + self.name),
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): TextStringObject("Adobe"),
                NameObject("/Ordering"): TextStringObject("Identity"),
                NameObject("/Supplement"): NumberObject(0)}),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/W"): widths,
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        })
        to_unicode = StreamObject()
        to_unicode.set_data(self._to_unicode)
        return writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject("/" + self.name),
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
            NameObject("/ToUnicode"): writer._add_object(_compressed(to_unicode)),
        }))


def _compressed(stream):
    return stream.flate_encode() if hasattr(stream, "flate_encode") else stream


def _utf16_hex(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


@lru_cache(maxsize=None)
def field_font() -> EmbeddedFont:
    return EmbeddedFont(REGULAR)

