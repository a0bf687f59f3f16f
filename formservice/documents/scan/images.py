"""The pages of an uploaded scan or photo as grayscale pictures, read defensively.

A scan arrives as a PDF whose pages are pictures (JPEG, JBIG2, CCITT or Flate strips, as
scanners make them), or as a JPEG, PNG or TIFF from a phone or a scanner. Each is read
only after its size is known to be sane:

- a picture may have at most MAX_PIXELS (Pillow's own bomb limit is set to the same and
  its warning is an error), a side of at least MIN_SIDE and at most MAX_SIDE pixels, and
  the shape of a page (ratio at most MAX_RATIO) — a 100000 x 10 "image" is refused before
  any pixel is decoded;
- a PDF may have at most MAX_PAGES pages, each at most A3-ish (MAX_PAGE_MM), and no picture
  in a page larger than MAX_PIXELS; pages are rendered one at a time at RENDER_DPI;
- a photo's EXIF orientation is applied (a phone held sideways gives an upright page), and
  a large photo is reduced to WORK_LONG_SIDE pixels (a JPEG is decoded reduced, so a
  12 MP photo never needs 36 MB of colour pixels);
- anything else (a text file named .png, a truncated JPEG, a GIF) is a DocumentError with a
  Danish reason that says what to do.

`is_scan` tells a scan or photo from a fillable form by its first bytes, and for a PDF by
its pages (pictures, no form fields): the service sends scans to the scan reader.
"""
from __future__ import annotations

import io
import re
import struct
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
# the only formats opened, registered here whatever else of Pillow this process loaded
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, TiffImagePlugin  # noqa: F401

from ..errors import DocumentError

MAX_PIXELS = 60_000_000        # one picture (a 300-dpi A3 scan is 17 MP, a phone photo 12-50)
MAX_DECODED_BYTES = 120_000_000  # a PNG or TIFF is decoded whole: pixels x colour channels
                                 # (a 600-dpi A4 colour scan is 105 MB); a JPEG is decoded
                                 # reduced and in gray, so only MAX_PIXELS bounds it
MAX_SIDE = 20_000              # pixels, either side
MIN_SIDE = 400                 # pixels: less cannot show a form's fields
MAX_RATIO = 3.0                # long side / short side of a page's picture
MAX_PAGES = 20
MAX_PAGE_MM = (320.0, 450.0)   # a PDF page: A3 is 297 x 420 mm
RENDER_DPI = 200               # a PDF page is rendered at this resolution (or less)
WORK_LONG_SIDE = 2800          # pixels: a larger picture is reduced to this
MAX_PDF_OBJECTS = 2000         # page objects looked at per page (a scan has a few)
MM = 25.4 / 72

# Pillow's bomb limit, for every picture this process opens (lowered, never raised).
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

# PDFium is not thread-safe: every use in this package holds this lock.
PDFIUM_LOCK = threading.RLock()

RESCAN = ("Scan eller fotografér formularen igen, og upload billedet som PDF, JPEG eller "
          "PNG.")
NOT_AN_IMAGE = ("Filen kan ikke læses som et billede eller en scannet PDF: den er "
                "beskadiget eller er ikke det, dens navn siger. " + RESCAN)
TRUNCATED = ("Billedet er ufuldstændigt (filen slutter, før billedet gør, fx fordi "
             "overførslen blev afbrudt). Upload billedet igen, eller " + RESCAN[0].lower()
             + RESCAN[1:])
TOO_MANY_PIXELS = ("Billedet er for stort ({megapixels} megapixel; højst {limit}). Tag "
                   "billedet med lavere opløsning, eller scan ved 200-300 dpi, og prøv "
                   "igen.")
BOMB = ("Billedet er for stort (over {limit} megapixel), eller filen er lavet til at fylde "
        "langt mere, når den pakkes ud. Tag billedet med lavere opløsning, eller scan ved "
        "200-300 dpi, og prøv igen.")
ODD_SHAPE = ("Billedet har ikke en sides form ({width} × {height} pixels). Scan eller "
             "fotografér én side ad gangen, så hele siden er med, og prøv igen.")
TOO_SMALL = ("Billedet er for lille ({width} × {height} pixels) til, at formularen kan "
             "læses. Scan ved mindst 150 dpi, eller tag et skarpt foto, hvor siden fylder "
             "det meste af billedet.")
TOO_MANY_PAGES = ("Filen har {pages} sider; en scanning kan højst have {limit}. Scan hver "
                  "formular for sig, og upload dem hver for sig.")
PAGE_TOO_LARGE = ("Side {page} i PDF'en er større end A3 ({width:.0f} × {height:.0f} mm). "
                  "En formular fra tjenesten er A4: scan den igen på A4.")
PDF_DAMAGED = "PDF'en er beskadiget og kan ikke læses. " + RESCAN
PDF_PASSWORD = ("PDF'en er beskyttet med adgangskode. Gem scanningen uden adgangskode, "
                "og prøv igen.")
PDF_EMPTY = "PDF'en har ingen sider. " + RESCAN
OTHER_KIND = ("Filen er et {kind}-billede; tjenesten læser scanninger og fotos som PDF, "
              "JPEG, PNG eller TIFF. Gem billedet som JPEG eller PNG, og prøv igen.")
HEIC = ("Filen er et HEIC-billede (iPhone). Tjenesten læser JPEG, PNG, TIFF og PDF: del "
        "billedet som JPEG, eller vælg \"Mest kompatibel\" under Indstillinger > Kamera > "
        "Formater, og tag billedet igen.")

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_TIFF = (b"II*\x00", b"MM\x00*")
_OTHER = ((b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"))


def kind_of(data: bytes) -> str | None:
    """"pdf", "png", "jpeg", "tiff" by the file's first bytes, else None."""
    head = bytes(data[:8])
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_PNG):
        return "png"
    if head.startswith(_JPEG):
        return "jpeg"
    if head[:4] in _TIFF:
        return "tiff"
    return None


@dataclass
class PageImage:
    """One page of the upload: grayscale pixels (uint8, 0 = black) and, for a rendered
    PDF page, its resolution (a photo has none)."""
    pixels: np.ndarray
    dpi: float | None = None


class Pages:
    """The pages of an upload, counted at once and decoded one at a time."""

    def __init__(self, data: bytes):
        self._data = data
        self.kind = kind_of(data)
        if self.kind is None:
            _refuse_unknown(data)
        if self.kind == "pdf":
            self._pdf = _open_pdf(data)
            self.count = len(self._pdf)
        elif self.kind == "tiff":
            self._image = _open_image(data)
            self.count = getattr(self._image, "n_frames", 1)
        else:
            self._image = _open_image(data)
            self.count = 1
        if self.count == 0:
            raise DocumentError(PDF_EMPTY)
        if self.count > MAX_PAGES:
            raise DocumentError(TOO_MANY_PAGES.format(pages=self.count, limit=MAX_PAGES))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[PageImage]:
        for index in range(self.count):
            yield self.page(index)

    def page(self, index: int) -> PageImage:
        if self.kind == "pdf":
            return _render_pdf_page(self._pdf, index)
        if index:
            _seek(self._image, index)
        return PageImage(_decode(self._image))

    def close(self) -> None:
        if self.kind == "pdf":
            with PDFIUM_LOCK:
                self._pdf.close()
        else:
            self._image.close()

    def __enter__(self) -> Pages:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_pages(data: bytes) -> Pages:
    """The pages of a scan or photo; DocumentError (Danish) for anything else."""
    return Pages(data)


def load_pages(data: bytes) -> list[PageImage]:
    """Every page at once (for tests and small files; the reader iterates `open_pages`)."""
    with open_pages(data) as pages:
        return list(pages)


def is_scan(data: bytes) -> bool:
    """Whether `data` is a scan or photo for the scan reader: a PNG, JPEG or TIFF by its
    first bytes, or a PDF without form fields whose pages are pictures (every page of the
    first MAX_PAGES holds an image and shows no text; an OCR layer is invisible text).

    A PDF is opened (PDFium) to tell: call this where uploads are read (the sandbox
    worker), or on PDFs the service already trusts. Never raises."""
    kind = kind_of(data)
    if kind in ("png", "jpeg", "tiff"):
        return True
    if kind != "pdf":
        return False
    try:
        return _scanned_pdf(data)
    except Exception:  # noqa: BLE001 - a PDF PDFium cannot read is no scan we can read
        return False


# --- pictures ---------------------------------------------------------------------------

def _refuse_unknown(data: bytes) -> None:
    head = bytes(data[:16])
    for magic, kind in _OTHER:
        if head.startswith(magic):
            raise DocumentError(OTHER_KIND.format(kind=kind))
    if head[:4] == b"RIFF" and bytes(data[8:12]) == b"WEBP":
        raise DocumentError(OTHER_KIND.format(kind="WebP"))
    if bytes(data[4:12]) in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise DocumentError(HEIC)
    raise DocumentError(NOT_AN_IMAGE)


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise DocumentError(NOT_AN_IMAGE)
    if width * height > MAX_PIXELS:
        raise DocumentError(TOO_MANY_PIXELS.format(
            megapixels=_megapixels(width * height), limit=MAX_PIXELS // 1_000_000))
    long_side, short_side = max(width, height), min(width, height)
    if long_side > MAX_SIDE or long_side / short_side > MAX_RATIO:
        raise DocumentError(ODD_SHAPE.format(width=width, height=height))
    if short_side < MIN_SIDE:
        raise DocumentError(TOO_SMALL.format(width=width, height=height))


def _megapixels(pixels: int) -> str:
    value = pixels / 1_000_000
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".replace(".", ",")


def _open_image(data: bytes) -> Image.Image:
    """The picture, opened (header read, no pixels decoded) and its size checked."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "TIFF"))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentError(_bomb(exc)) from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise DocumentError(_broken(exc)) from None
    _check_size(*image.size)
    _check_decoded(image)
    return image


def _check_decoded(image: Image.Image) -> None:
    if image.format in ("JPEG", "MPO"):
        return
    width, height = image.size
    bands = {"1": 0.125, "L": 1, "P": 1, "LA": 2, "PA": 2, "RGB": 3, "YCbCr": 3, "LAB": 3,
             "HSV": 3, "RGBA": 4, "CMYK": 4, "I;16": 2, "I;16B": 2, "I;16L": 2,
             "I": 4, "F": 4}.get(image.mode, 4)
    if width * height * bands > MAX_DECODED_BYTES:
        raise DocumentError(TOO_MANY_PIXELS.format(
            megapixels=_megapixels(width * height),
            limit=int(MAX_DECODED_BYTES / max(bands, 1) / 1_000_000)))


def _bomb(exc: Exception) -> str:
    """Pillow's bomb warning says the picture's size ("Image size (81000000 pixels) ...")."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    if found and int(found.group(1)) <= 100 * MAX_PIXELS:
        return TOO_MANY_PIXELS.format(megapixels=_megapixels(int(found.group(1))),
                                      limit=MAX_PIXELS // 1_000_000)
    return BOMB.format(limit=MAX_PIXELS // 1_000_000)


def _broken(exc: Exception) -> str:
    text = str(exc).lower()
    if "truncated" in text or "premature end" in text or isinstance(exc, EOFError):
        return TRUNCATED
    return NOT_AN_IMAGE


def _seek(image: Image.Image, index: int) -> None:
    try:
        image.seek(index)
    except (OSError, ValueError, EOFError) as exc:
        raise DocumentError(_broken(exc)) from None
    _check_size(*image.size)
    _check_decoded(image)


def _decode(image: Image.Image) -> np.ndarray:
    """The picture upright (EXIF), in grayscale, at most WORK_LONG_SIDE pixels long."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format in ("JPEG", "MPO"):
                scale = WORK_LONG_SIDE / max(image.size)
                if scale < 1:  # decode reduced (1/2, 1/4, 1/8) where that stays large enough
                    image.draft("L", (int(image.size[0] * scale), int(image.size[1] * scale)))
            orientation = image.getexif().get(0x0112, 1)
            image.load()
            factor = int(max(image.size) // WORK_LONG_SIDE)
            if factor >= 2:  # a large picture made smaller at once (box filter) before
                # it is turned and made gray: less memory than the full picture twice
                image = image.reduce(factor)
            gray = _grayscale(image)
            del image
            gray = _upright(gray, orientation)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentError(_bomb(exc)) from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise DocumentError(_broken(exc)) from None
    pixels = np.asarray(gray, dtype=np.uint8)
    return reduce(pixels)


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose)
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}


def _upright(image: Image.Image, orientation) -> Image.Image:
    turn = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(turn) if turn is not None else image


def _grayscale(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "L":
        return image
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("L")
    if mode.startswith("I;16") or mode == "I":
        array = np.asarray(image, dtype=np.uint32)
        top = max(int(array.max()), 1)
        shift = max(top.bit_length() - 8, 0)
        return Image.fromarray((array >> shift).clip(0, 255).astype(np.uint8), "L")
    if mode == "F":
        array = np.asarray(image, dtype=np.float32)
        return Image.fromarray(np.nan_to_num(array).clip(0, 255).astype(np.uint8), "L")
    return image.convert("L")


def reduce(pixels: np.ndarray, long_side: int = WORK_LONG_SIDE) -> np.ndarray:
    """`pixels` at most `long_side` long (area averaging), else unchanged."""
    height, width = pixels.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return pixels
    import cv2
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


# --- PDFs -------------------------------------------------------------------------------

def _open_pdf(data: bytes):
    import pypdfium2 as pdfium
    with PDFIUM_LOCK:
        try:
            return pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise DocumentError(PDF_PASSWORD) from None
            raise DocumentError(PDF_DAMAGED) from None


def _render_pdf_page(pdf, index: int) -> PageImage:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    with PDFIUM_LOCK:
        try:
            page = pdf[index]
        except (pdfium.PdfiumError, IndexError):
            raise DocumentError(PDF_DAMAGED) from None
        try:
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise DocumentError(PDF_DAMAGED)
            long_mm, short_mm = max(width, height) * MM, min(width, height) * MM
            if long_mm > MAX_PAGE_MM[1] or short_mm > MAX_PAGE_MM[0]:
                raise DocumentError(PAGE_TOO_LARGE.format(page=index + 1, width=width * MM,
                                                          height=height * MM))
            if short_mm < 50:
                raise DocumentError(PDF_DAMAGED)
            _check_page_images(page)
            dpi = min(RENDER_DPI, WORK_LONG_SIDE * 72 / max(width, height))
            bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=False,
                                 force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
            pixels = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
            bitmap.close()
        except pdfium.PdfiumError:
            raise DocumentError(PDF_DAMAGED) from None
        finally:
            page.close()
    if pixels.ndim == 3:
        pixels = np.ascontiguousarray(pixels[:, :, 0])
    return PageImage(pixels, dpi)


def _check_page_images(page) -> None:
    """Every picture drawn on the page at most MAX_PIXELS (its size read from its
    dictionary, nothing decoded); a page of thousands of objects is no scan."""
    import pypdfium2.raw as pdfium_c
    for count, obj in enumerate(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,),
                                                 max_depth=3)):
        if count >= MAX_PDF_OBJECTS:
            raise DocumentError(PDF_DAMAGED)
        width, height = obj.get_px_size()
        if width * height > MAX_PIXELS or max(width, height) > 4 * MAX_SIDE:
            raise DocumentError(TOO_MANY_PIXELS.format(
                megapixels=_megapixels(width * height), limit=MAX_PIXELS // 1_000_000))


def _scanned_pdf(data: bytes) -> bool:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            if pdf.get_formtype() != pdfium_c.FORMTYPE_NONE and _has_fields(pdf):
                return False
            count = len(pdf)
            if not 0 < count <= MAX_PAGES:
                return False
            for index in range(count):
                page = pdf[index]
                try:
                    if not _picture_page(page):
                        return False
                finally:
                    page.close()
            return True
        finally:
            pdf.close()


def _has_fields(pdf) -> bool:
    """Whether the PDF's form has any field (a widget on a page)."""
    import pypdfium2.raw as pdfium_c
    for index in range(min(len(pdf), MAX_PAGES)):
        page = pdf[index]
        try:
            if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0:
                for number in range(min(pdfium_c.FPDFPage_GetAnnotCount(page.raw), 500)):
                    annot = pdfium_c.FPDFPage_GetAnnot(page.raw, number)
                    try:
                        if pdfium_c.FPDFAnnot_GetSubtype(annot) == pdfium_c.FPDF_ANNOT_WIDGET:
                            return True
                    finally:
                        pdfium_c.FPDFPage_CloseAnnot(annot)
        finally:
            page.close()
    return False


def _picture_page(page) -> bool:
    """An image on the page and no visible text (text render mode 3 is invisible)."""
    import pypdfium2.raw as pdfium_c
    images = 0
    for count, obj in enumerate(page.get_objects(max_depth=3)):
        if count >= MAX_PDF_OBJECTS:
            return False
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT and (
                pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
                != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE):
            return False
    return images > 0
