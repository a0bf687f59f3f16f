"""Paper in the tests: a page the service printed, written on by hand and photographed.

The page is rasterised (PDFium), written on where the page layout says a field is (a
handwriting font from Debian's fonts-dkg-handwriting), ticked with a pen stroke, signed
with a scrawl, then turned a little, seen in perspective, and saved as a JPEG — as a phone
photo of the kitchen table would be."""
from __future__ import annotations

import io
import random

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from formservice.documents.page_layout import page_layouts

HANDWRITING = "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"
INK = (25, 35, 110)


def page_of(layouts, path: str) -> int:
    """The page number (1-based) on which the field or signature box `path` is printed."""
    for layout in layouts:
        if any(place.path == path for place in (*layout.fields, *layout.signatures)):
            return layout.number
    raise KeyError(path)


def _rect_px(rect, dpi: float, height_px: int):
    x1, y1, x2, y2 = rect
    scale = dpi / 72.0
    return x1 * scale, height_px - y2 * scale, x2 * scale, height_px - y1 * scale


def written_page(pdf: bytes, form_id: str, data: dict | None, page: int, *,
                 writing: dict[str, str] = (), ticks=(), signatures=(), dpi: int = 200,
                 contact: str | None = None, seed: int = 7) -> Image.Image:
    """Page `page` of the printed `pdf` (printed with `data`) with text written by hand in
    the fields of `writing` (path -> text), ticks in `ticks`, scrawls in `signatures`."""
    rng = random.Random(seed)
    layout = page_layouts(form_id, data, contact=contact)[page - 1]
    document = pdfium.PdfDocument(pdf)
    document.init_forms()  # PDFium draws the form fields' values only with forms loaded
    picture = document[page - 1].render(scale=dpi / 72.0, may_draw_forms=True).to_pil() \
        .convert("RGB")
    document.close()
    draw = ImageDraw.Draw(picture)
    places = {place.path: place for place in (*layout.fields, *layout.signatures)}
    for path, text in dict(writing).items():
        left, top, right, bottom = _rect_px(places[path].rect, dpi, picture.height)
        size = int(min(bottom - top, 40 * dpi / 200) * 0.8)
        font = ImageFont.truetype(HANDWRITING, size)
        draw.text((left + 6, top + (bottom - top - size) / 2 - 2), text, font=font, fill=INK)
    for path in ticks:
        left, top, right, bottom = _rect_px(places[path].rect, dpi, picture.height)
        w, h = right - left, bottom - top
        points = [(left + w * 0.2, top + h * 0.55), (left + w * 0.42, top + h * 0.8),
                  (left + w * 0.85, top + h * 0.15)]
        draw.line(points, fill=INK, width=max(2, dpi // 80), joint="curve")
    for path in signatures:
        left, top, right, bottom = _rect_px(places[path].rect, dpi, picture.height)
        x, y = left + 14, (top + bottom) / 2
        points = []
        while x < left + (right - left) * 0.7:
            points.append((x, y + rng.uniform(-1, 1) * (bottom - top) * 0.25))
            x += rng.uniform(6, 14)
        draw.line(points, fill=INK, width=max(2, dpi // 90), joint="curve")
    return picture


def photographed(picture: Image.Image, *, angle: float = 2.0, perspective: float = 0.03,
                 quality: int = 70) -> bytes:
    """The page as a phone photo: on a grey table, turned `angle` degrees, in perspective,
    JPEG at `quality`."""
    page = np.asarray(picture)[:, :, ::-1]
    h, w = page.shape[:2]
    margin = int(0.06 * max(w, h))
    canvas_w, canvas_h = w + 2 * margin, h + 2 * margin
    d = perspective * w
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = np.float32([[margin + d, margin], [margin + w - d * 0.4, margin + d * 0.5],
                         [margin + w, margin + h], [margin - d * 0.3, margin + h - d * 0.3]])
    warp = cv2.getPerspectiveTransform(source, target)
    turn = cv2.getRotationMatrix2D((canvas_w / 2, canvas_h / 2), angle, 1.0)
    warp = np.vstack([turn, [0, 0, 1]]) @ warp
    photo = cv2.warpPerspective(page, warp, (canvas_w, canvas_h), borderValue=(120, 124, 128))
    ok, encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def scanned_pdf(pictures: list[Image.Image], dpi: int = 200) -> bytes:
    """The pages as a scanner's PDF: one JPEG picture per page."""
    out = io.BytesIO()
    first, *rest = [picture.convert("L") for picture in pictures]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=dpi, quality=75)
    return out.getvalue()
