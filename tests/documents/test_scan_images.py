"""Scans and photos read defensively (documents.scan.images): a bomb, an absurd size, a
file that only looks like a picture, a truncated one, too many pages — each a Danish
refusal before anything large is decoded; a phone photo's EXIF orientation applied; and
a scan read in the sandbox's scan worker within its memory ceiling."""
from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from formservice.documents import sandbox
from formservice.documents.errors import DocumentError
from formservice.documents.pdf_fill import render_pdf
from formservice.documents.scan import images
from formservice.documents.scan.images import is_scan, load_pages, open_pages
from formservice.forms.record import load_data

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MB = 1024 * 1024


def _refusal(data: bytes) -> str:
    with pytest.raises(DocumentError) as caught:
        load_pages(data)
    return str(caught.value)


def _png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def _jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def _page(width=827, height=1170) -> Image.Image:
    """A page-shaped picture: white, a black bar along its top edge."""
    page = Image.new("L", (width, height), 255)
    page.paste(0, (0, 0, width, 60))
    return page


def _printed_pdf(form_id: str = "consent", document_id: str | None = "T3ST") -> tuple[bytes, dict]:
    data, _ = load_data(form_id, json.loads((SAMPLES / f"{form_id}.json").read_text()))
    return render_pdf(form_id, data, "Holbæk Kommune", document_id=document_id)[0], data


def _raster(pdf: bytes, dpi: float, page: int = 0) -> np.ndarray:
    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    pixels = document[page].render(scale=dpi / 72, grayscale=True).to_numpy()
    return np.ascontiguousarray(pixels[:, :, 0] if pixels.ndim == 3 else pixels).copy()


# --- refusals ----------------------------------------------------------------------------

def test_a_png_bomb_is_refused_before_it_is_decoded():
    # 40000 x 40000 one-bit pixels: 1.6 gigapixels in a file of some 200 kB
    width = height = 40_000
    row = b"\x00" + b"\xff" * (width // 8)
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", width.to_bytes(4, "big")
                                         + height.to_bytes(4, "big") + b"\x01\x00\x00\x00\x00")
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    assert len(bomb) < 1 * MB
    message = _refusal(bomb)
    assert "for stort" in message and "megapixel" in message


def test_a_picture_of_no_page_shape_is_refused():
    wide = _png(Image.new("L", (100_000, 10), 255))
    assert "ikke en sides form (100000 × 10 pixels)" in _refusal(wide)
    assert "for lille" in _refusal(_png(Image.new("L", (300, 420), 255)))
    huge = _png(Image.new("1", (9_000, 9_000), 1))  # 81 MP, though it packs small
    assert "for stort (81 megapixel; højst 60)" in _refusal(huge)


def test_a_colour_png_that_would_unpack_too_far_is_refused():
    colour = _png(Image.new("RGB", (6_000, 8_000), (255, 255, 255)), compress_level=1)
    assert "for stort" in _refusal(colour)


def test_a_file_that_only_looks_like_a_picture_is_refused():
    text = "Dette er et referat, ikke et billede.\n".encode() * 20
    assert "ikke det, dens navn siger" in _refusal(text)
    fake_png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert "ikke det, dens navn siger" in _refusal(fake_png)
    assert "GIF" in _refusal(b"GIF89a" + b"\x00" * 100)
    assert "iPhone" in _refusal(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100)


def test_a_truncated_jpeg_is_refused_with_what_to_do():
    photo = _jpeg(_page().convert("RGB"), quality=80)
    message = _refusal(photo[: len(photo) // 2])
    assert "ufuldstændigt" in message and "Upload billedet igen" in message


def test_a_pdf_of_too_many_pages_is_refused():
    pages = [Image.new("L", (595, 842), 255) for _ in range(30)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    assert "30 sider; en scanning kan højst have 20" in _refusal(out.getvalue())


def test_a_pdf_page_larger_than_a3_is_refused():
    out = io.BytesIO()
    Image.new("L", (1684, 2384), 255).save(out, "PDF", resolution=72)  # A1
    assert "større end A3" in _refusal(out.getvalue())


def test_a_damaged_or_locked_pdf_is_refused():
    assert "beskadiget" in _refusal(b"%PDF-1.7\n" + b"\x00" * 500)


# --- what is read ------------------------------------------------------------------------

@pytest.mark.parametrize("orientation,turn", [(6, Image.Transpose.ROTATE_90),
                                              (8, Image.Transpose.ROTATE_270),
                                              (3, Image.Transpose.ROTATE_180)])
def test_an_exif_turned_photo_is_read_upright(orientation, turn):
    stored = _page().transpose(turn)  # as the camera stored it
    exif = Image.Exif()
    exif[0x0112] = orientation
    pixels = load_pages(_jpeg(stored.convert("RGB"), exif=exif, quality=90))[0].pixels
    assert pixels.shape == (1170, 827)  # portrait again
    assert pixels[:50].mean() < 40 and pixels[100:].mean() > 215  # the bar on top


def test_an_exif_turned_phone_photo_of_a_printed_page_is_identified():
    from formservice.documents.scan.reader import identify
    pdf, _ = _printed_pdf()
    page = Image.fromarray(_raster(pdf, 150, 2))
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = _jpeg(page.transpose(Image.Transpose.ROTATE_90).convert("RGB"), exif=exif,
                  quality=70)
    [mark] = identify(photo)
    assert (mark.form_id, mark.page, mark.pages, mark.document_id) == ("consent", 3, 5, "T3ST")


def test_large_pictures_are_reduced_to_the_working_size():
    big = Image.new("RGB", (4000, 3000), (250, 250, 250))
    pixels = load_pages(_jpeg(big, quality=85))[0].pixels
    assert max(pixels.shape) <= images.WORK_LONG_SIDE and pixels.dtype == np.uint8
    png = load_pages(_png(Image.new("L", (5000, 7000), 255)))[0].pixels
    assert max(png.shape) <= images.WORK_LONG_SIDE


def test_pixel_formats_become_gray_on_white():
    transparent = Image.new("RGBA", (600, 800), (0, 0, 0, 0))  # nothing drawn: paper
    assert load_pages(_png(transparent))[0].pixels.min() == 255
    deep = Image.fromarray(np.full((800, 600), 40_000, dtype=np.uint16))
    assert 140 < load_pages(_png(deep))[0].pixels.mean() < 170


def test_a_tiff_of_two_pages_and_a_scanner_pdf_are_pages():
    first, second = _page(), _page().transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    out = io.BytesIO()
    first.save(out, "TIFF", save_all=True, append_images=[second], compression="tiff_lzw")
    pages = load_pages(out.getvalue())
    assert len(pages) == 2 and pages[0].pixels[:50].mean() < 40
    assert pages[1].pixels[-50:].mean() < 40
    pdf = io.BytesIO()
    first.save(pdf, "PDF", save_all=True, append_images=[second], resolution=100)
    with open_pages(pdf.getvalue()) as scanned:
        assert len(scanned) == 2
        page = scanned.page(1)
        assert page.dpi == images.RENDER_DPI and page.pixels.shape == (2341, 1655)
        assert page.pixels[-50:].mean() < 40  # the second page, as scanned


def test_is_scan_tells_pictures_from_fillable_forms():
    pdf, _ = _printed_pdf()
    picture = _page()
    scanned = io.BytesIO()
    picture.save(scanned, "PDF", resolution=100)
    tiff = io.BytesIO()
    picture.save(tiff, "TIFF")
    assert is_scan(_png(picture)) and is_scan(_jpeg(picture)) and is_scan(tiff.getvalue())
    assert is_scan(scanned.getvalue())
    assert not is_scan(pdf)  # the service's fillable PDF
    assert not is_scan((SAMPLES / "consent.docx").read_bytes())
    assert not is_scan(b"%PDF-1.7 damaged") and not is_scan(b"plain text")


# --- in the sandbox ----------------------------------------------------------------------

def _photo_12mp(pdf: bytes) -> bytes:
    """A 12 MP phone photo (4000 x 3000, held upright) of a printed page on a table."""
    page = _raster(pdf, 300, 2)
    height, width = page.shape
    canvas_w, canvas_h = 3000, 4000
    src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    dst = np.float32([[260, 300], [2760, 380], [2820, 3700], [180, 3620]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(page, matrix, (canvas_w, canvas_h), borderValue=70)
    noise = np.random.default_rng(4).normal(0, 5, photo.shape)
    photo = np.clip(photo + noise, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(photo, cv2.COLOR_GRAY2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, 85])
    return encoded.tobytes()


def test_a_300_dpi_scan_and_a_12_mp_photo_stay_under_the_scan_workers_ceiling():
    pdf, data = _printed_pdf()
    scan = cv2.imencode(".png", _raster(pdf, 300, 2))[1].tobytes()
    figures = {}
    for name, upload in (("300-dpi A4 scan", scan), ("12 MP photo", _photo_12mp(pdf))):
        outcome = sandbox.run_scan(upload, {"kind": "scan_read", "printed": {"T3ST": data}})
        assert outcome.fate == "ok", outcome.refusal
        assert outcome.reply["scan"]["form_id"] == "consent"
        assert 0 < outcome.peak_virtual < sandbox.SCAN_MEMORY_LIMIT
        figures[name] = (outcome.peak_rss // MB, outcome.peak_virtual // MB)
    print("scan worker peak (resident MB, address space MB):", figures)


def test_hostile_pictures_are_refused_by_the_scan_worker_in_danish():
    refused = sandbox.run_scan(_png(Image.new("1", (9_000, 9_000), 1)),
                               {"kind": "scan_identify"})
    assert refused.fate == "refused" and "for stort" in refused.refusal
    with pytest.raises(DocumentError, match="ikke det, dens navn siger"):
        sandbox.identify_scan(b"just text, named scan.png")


def test_a_scan_worker_below_what_opencv_needs_refuses_in_danish():
    saved = sandbox.SCAN_MEMORY_LIMIT
    pdf, data = _printed_pdf()
    scan = cv2.imencode(".png", _raster(pdf, 300, 2))[1].tobytes()
    try:
        sandbox.configure(scan_memory_limit=380 * MB)  # OpenCV alone maps some 360 MB
        outcome = sandbox.run_scan(scan, {"kind": "scan_read", "printed": {"T3ST": data}})
        assert outcome.fate == "memory"
        assert outcome.refusal == sandbox.SCAN_TOO_MUCH_MEMORY
    finally:
        sandbox.configure(scan_memory_limit=saved)
    assert sandbox.identify_scan(scan)[0].page == 3  # a fresh worker with the ceiling back
