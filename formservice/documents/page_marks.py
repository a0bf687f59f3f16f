"""What every printed page says about itself: four corner marks and a QR code.

A page printed by the service comes back as a scan or a photo. The four filled squares in
its corners let a reader find the page and undo the perspective; the QR code says which
form and version it is, which page of how many, and (for a document printed for a case)
an opaque document id — never personal data.

The QR holds one line of text, `FS1|<form>|<version>|<page>|<pages>|<document id>|<p|d>`:
"FS1" (this format, version 1), the form's id, its version, the page (1-based) and the page
count of the printed PDF (both 0 for Word, which decides its pages itself), the document
id (empty when there is none) and "p" for a PDF, "d" for a Word document. `decode` accepts
exactly that and nothing else (an unknown form id included).

Geometry (PDF points, origin bottom-left of the A4 page): the corner marks are 5 mm squares
whose outer edges are 7 mm from the paper's edges (printers clip about 5 mm); the QR code,
18 mm including a quiet zone of 2 modules, sits in the bottom margin at the right, its
right edge on the content's right edge, 7 mm above the paper's bottom edge — below every
field (the page's content ends 26 mm above the bottom edge) and right of the footer's text.
The QR is version 3 (29 modules) at error correction level M whenever the text fits
(a document id of up to 10 characters always does, up to 99 pages), else the smallest
version that holds it.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

import segno
from reportlab.lib.pagesizes import A4

MM = 72 / 25.4
PAGE_W, PAGE_H = A4
CONTENT_MARGIN = 56.7  # pdf_template.MARGIN: 2 cm
EDGE = 7 * MM  # the outer edge of a corner mark from the paper's edge
MARK_SIZE: float = 5 * MM
_CENTRE = EDGE + MARK_SIZE / 2
CORNER_MARKS: dict[str, tuple[float, float]] = {
    "top_left": (_CENTRE, PAGE_H - _CENTRE),
    "top_right": (PAGE_W - _CENTRE, PAGE_H - _CENTRE),
    "bottom_left": (_CENTRE, _CENTRE),
    "bottom_right": (PAGE_W - _CENTRE, _CENTRE),
}
QR_SIDE = 18 * MM  # quiet zone included
QR_QUIET = 2  # modules of quiet zone on each side, inside QR_RECT
QR_VERSION = 3
QR_ERROR = "m"
# One mask for every code: scoring the eight masks to pick the best costs 4 ms a code (five
# times the rest of the encoding, on every page printed) and reading blurred, noisy, small
# rasters did not get better with it (200 payloads each, zxing-cpp).
QR_MASK = 6
QR_RECT: tuple[float, float, float, float] = (
    PAGE_W - CONTENT_MARGIN - QR_SIDE, EDGE, PAGE_W - CONTENT_MARGIN, EDGE + QR_SIDE)

FORMAT = "FS1"
SOURCES = {"pdf": "p", "docx": "d"}
_SOURCE_OF = {code: source for source, code in SOURCES.items()}
DOCUMENT_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")
_NUMBER = re.compile(r"0|[1-9][0-9]{0,5}")


@dataclass(frozen=True)
class PageMark:
    form_id: str
    form_version: int
    page: int            # 1-based; 0 for a Word page (Word decides its pages)
    pages: int           # total pages of the printed document; 0 for Word
    document_id: str | None = None   # opaque token of a printed document (no personal data)
    source: str = "pdf"  # "pdf" | "docx"


def _valid(mark: PageMark) -> bool:
    from ..forms import FORMS
    if not isinstance(mark.form_id, str) or not isinstance(mark.source, str) \
            or mark.form_id not in FORMS or mark.source not in SOURCES:
        return False
    numbers = (mark.form_version, mark.page, mark.pages)
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > 999_999
           for n in numbers) or mark.form_version < 1:
        return False
    if mark.source == "pdf" and not 1 <= mark.page <= mark.pages:
        return False
    if mark.source == "docx" and (mark.page, mark.pages) != (0, 0):
        return False
    return mark.document_id is None or (isinstance(mark.document_id, str)
                                        and DOCUMENT_ID.fullmatch(mark.document_id) is not None)


def encode(mark: PageMark) -> str:
    """The QR's text for `mark`; ValueError for a mark `decode` would not read back."""
    if not _valid(mark):
        raise ValueError(f"not a valid page mark: {mark!r}")
    return "|".join((FORMAT, mark.form_id, str(mark.form_version), str(mark.page),
                     str(mark.pages), mark.document_id or "", SOURCES[mark.source]))


def decode(text: str) -> PageMark | None:
    """The mark `text` (a QR's content) holds, or None for anything else; never raises."""
    try:
        if not isinstance(text, str) or len(text) > 200:
            return None
        parts = text.split("|")
        if len(parts) != 7 or parts[0] != FORMAT:
            return None
        _, form_id, version, page, pages, document_id, source = parts
        if not all(_NUMBER.fullmatch(n) for n in (version, page, pages)):
            return None
        if source not in _SOURCE_OF or (document_id and not DOCUMENT_ID.fullmatch(document_id)):
            return None
        mark = PageMark(form_id, int(version), int(page), int(pages), document_id or None,
                        _SOURCE_OF[source])
        return mark if _valid(mark) else None
    except Exception:  # noqa: BLE001 - strict and total: anything unreadable is no mark
        return None


@lru_cache(maxsize=512)
def _matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR's modules (True = dark), without a quiet zone."""
    try:
        code = segno.make_qr(text, error=QR_ERROR, version=QR_VERSION, mask=QR_MASK,
                             boost_error=False)
    except segno.DataOverflowError:
        code = segno.make_qr(text, error=QR_ERROR, mask=QR_MASK, boost_error=False)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def qr_matrix(mark: PageMark) -> tuple[tuple[bool, ...], ...]:
    """The QR's modules for `mark`, top row first (True = dark), without the quiet zone."""
    return _matrix(encode(mark))


def _corner_ops() -> bytes:
    half = MARK_SIZE / 2
    return b" ".join(b"%.2f %.2f %.2f %.2f re" % (x - half, y - half, MARK_SIZE, MARK_SIZE)
                     for x, y in CORNER_MARKS.values()) + b" f"


_CORNERS = _corner_ops()


@lru_cache(maxsize=512)
def _qr_ops(text: str) -> bytes:
    matrix = _matrix(text)
    count = len(matrix)
    x1, y1, x2, _ = QR_RECT
    module = (x2 - x1) / (count + 2 * QR_QUIET)
    rects = []
    for row_index, row in enumerate(matrix):
        y = count - 1 - row_index
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                rects.append(b"%d %d %d 1 re" % (start, y, column - start))
            else:
                column += 1
    origin_x, origin_y = x1 + QR_QUIET * module, y1 + QR_QUIET * module
    return (b"q %.4f 0 0 %.4f %.3f %.3f cm\n" % (module, module, origin_x, origin_y)
            + b"\n".join(rects) + b" f Q")


def pdf_marks(mark: PageMark) -> bytes:
    """Content-stream operators drawing the corner marks and the QR code of `mark` in black
    as one artifact; self-contained (q … Q), no resources needed."""
    return (b"/Artifact BMC q 0 g " + _CORNERS + b"\n" + _qr_ops(encode(mark))
            + b" Q EMC")


@lru_cache(maxsize=256)
def _png(text: str, size_px: int) -> bytes:
    from PIL import Image
    matrix = _matrix(text)
    modules = len(matrix) + 2 * QR_QUIET
    scale = max(1, size_px // modules)
    side = max(size_px, modules * scale)
    image = Image.new("1", (side, side), 1)
    offset = (side - modules * scale) // 2 + QR_QUIET * scale
    pixels = image.load()
    for row_index, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[offset + column * scale + dx, offset + row_index * scale + dy] = 0
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def qr_png(mark: PageMark, size_px: int) -> bytes:
    """The QR code of `mark` as a black-and-white PNG of `size_px` square (its quiet zone
    of 2 modules included; whole pixels per module, centred)."""
    return _png(encode(mark), int(size_px))


__all__ = ["CORNER_MARKS", "MARK_SIZE", "PageMark", "QR_RECT", "decode", "encode",
           "pdf_marks", "qr_matrix", "qr_png"]
