"""Subset DejaVu Sans (Debian's fonts-dejavu-core) to the letters families we serve write.

The subsets are committed in formservice/documents/fonts/, so nothing is read from the
system or fetched at run time. Covered: Latin (incl. Danish, Turkish, Polish, Vietnamese
and transliterated Arabic/Somali spellings), Greek, Cyrillic, punctuation, € and the
ballot boxes the check boxes use.
"""
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/dejavu")
TARGET = Path(__file__).resolve().parents[1] / "formservice" / "documents" / "fonts"
RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x250, 0x2AF), (0x2B0, 0x2FF), (0x300, 0x36F),
          (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF),
          (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2610, 0x2612), (0x2713, 0x2714),
          (0x25A0, 0x25FF), (0xFB00, 0xFB06)]


def build(name: str):
    font = TTFont(SOURCE / f"{name}.ttf")
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    font.save(TARGET / f"{name}-subset.ttf")


if __name__ == "__main__":
    TARGET.mkdir(exist_ok=True)
    for name in ("DejaVuSans", "DejaVuSans-Bold"):
        build(name)
        print(TARGET / f"{name}-subset.ttf")
