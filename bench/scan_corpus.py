"""A scan corpus made from the forms themselves: printed, written on, scanned or photographed.

    python bench/scan_corpus.py OUT_DIR [--pages 120] [--seed 1]

Each of the four forms, blank and pre-filled with its sample record (samples/<form>.json,
with a few optional fields left out so there is room to write), is rendered as the service
prints it (pdf_fill.render_pdf; a pre-filled one with a document id in its QR codes),
rasterised with pypdfium2 at 150, 200 or 300 dpi, and written on in page space: ticks or
crosses in some empty check boxes (a pen stroke of 2-3 px at 200 dpi, dark blue or black),
handwriting in some empty fields (the Debian handwriting fonts, Danish words with æøå),
a scrawl in some of the consent's signature boxes. Then it is distorted as it comes back:

- "scanner": a multi-page PDF of page images (Pillow, JPEG quality 60), the pages in a
  shuffled order, each skewed by up to ±3°, some fed upside down or sideways, noise, blur,
  some in grey;
- "photo": one PNG per page, a phone photo: the page on a table, perspective, up to ±3°,
  some held sideways, uneven light, blur, noise, JPEG quality 60 before the PNG.

Beside each file FILE.png|.pdf lies FILE.json, its ground truth: per page (in file order)
the page mark its QR holds, where the page is in the image (page_to_image: a 3x3 matrix
from the undistorted page raster's pixels to the image's), and per field path what a reader
should find: a check box ticked or not, a printed value (canonical, as the record holds
it), handwritten text (what was written), empty; per signature box whether it was signed.
The corpus is reproducible: the same --seed and --pages give the same files.
`corpus.json` in OUT_DIR lists the files, and `printed.json` the canonical data printed
for each document id (what the service stores when it prints).

Importable: make_corpus(out_dir, pages=..., seed=...).
"""
from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from formservice.documents.page_layout import PageLayout, page_layouts
from formservice.documents.page_marks import PageMark
from formservice.documents.pdf_fill import flatten_pdf, render_pdf
from formservice.forms import FORMS, danish
from formservice.forms import fields as kinds
from formservice.forms.layout import sections
from formservice.forms.record import load_data

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
MUNICIPALITY = "Holbæk Kommune"
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in PDF points (every form page)
DPIS = (150, 200, 300)
PHOTO_DPIS = (150, 200)  # a phone's 12 MP photo of an A4 page is about 200-250 dpi
HANDWRITING_FONTS = (Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"),
                     Path("/usr/share/fonts/truetype/breip/Breip.ttf"))
INKS = ((24, 36, 120), (20, 20, 28), (35, 45, 95))  # dark blue, black, blue-black (RGB)
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
JPEG_QUALITY = 60
FIXED_TIME = time.gmtime(0)  # the scanner PDFs' dates: the same bytes every run

PHRASES = ("Søren Ærø", "Mødet er flyttet", "Børnehaven Æblehaven", "Sprog og trivsel",
           "Åse Møller", "Kløverstuen", "Bjørn Høgh", "Forældrene ønsker samtale",
           "Ingen bemærkninger", "Sundhedsplejen", "Jørgen Bæk", "Skolen i Tølløse",
           "Mor og far er enige", "Hjælp til søvn", "Legepladsen", "Ugentlig opfølgning",
           "Dorthe Lærkesen", "Gråsten", "Sønderborg", "Bøgeskovvej 7", "Pædagog",
           "Læs højt hver dag", "Frøstuen", "Tårnfalken", "Mødes igen i maj")
NAMES = ("Søren Ærø", "Åse Møller", "Bjørn Høgh", "Jørgen Bæk", "Dorthe Lærkesen",
         "Mette Kjær", "Lærke Sørensen", "Rasmus Ølgaard")


# -- documents ---------------------------------------------------------------------------
@dataclass
class Printed:
    """A document as the service prints it, and the page layouts of its pages."""
    form_id: str
    data: dict               # canonical data it was printed with (empty record: blank)
    prefilled: bool
    document_id: str | None
    pdf: bytes
    layouts: list[PageLayout]

    @property
    def pages(self) -> int:
        return len(self.layouts)


def sample_data(form_id: str, rng: random.Random, *, drop: int = 3) -> dict:
    """The form's sample record, canonical, with up to `drop` optional text fields left
    empty (room to write by hand); only a variant that still validates is kept."""
    raw = json.loads((SAMPLES / f"{form_id}.json").read_text("utf-8"))
    data, findings = load_data(form_id, raw)
    assert data is not None and not findings, (form_id, findings)
    candidates = []
    for section in sections(form_id):
        block = raw.get(section.name)
        rows = enumerate(block) if section.is_group and block else [(None, block)]
        for index, row in rows:
            if not isinstance(row, dict):
                continue
            for spec in section.fields:
                if spec.kind == kinds.TEXT and row.get(spec.name):
                    candidates.append((section.name, index, spec.name))
    for section_name, index, name in rng.sample(candidates, min(drop, len(candidates))):
        variant = json.loads(json.dumps(raw))
        row = variant[section_name] if index is None else variant[section_name][index]
        row[name] = None
        changed, problems = load_data(form_id, variant)
        if changed is not None and not problems:
            raw, data = variant, changed
    return data


def document_id(rng: random.Random) -> str:
    return "".join(rng.choice(ID_ALPHABET) for _ in range(10))


def print_document(form_id: str, prefilled: bool, rng: random.Random) -> Printed:
    if prefilled:
        data, ident = sample_data(form_id, rng), document_id(rng)
    else:
        data, ident = load_data(form_id, {})[0], None
    pdf, _ = render_pdf(form_id, data, MUNICIPALITY, document_id=ident)
    return Printed(form_id, data, prefilled, ident, pdf, page_layouts(form_id, data))


def rasterise(pdf: bytes, dpi: int, printer: str = "appearance") -> list[Image.Image]:
    """The pages as printed. "appearance": each field's appearance stream, as Acrobat and
    most printer drivers print it (the PDF flattened); "viewer": as pdfium draws the form
    in a viewer (a drop-down's button included)."""
    if printer == "appearance":
        pdf = flatten_pdf(pdf)
    document = pdfium.PdfDocument(pdf)
    try:
        if printer == "viewer":
            document.init_forms()
        return [document[i].render(scale=dpi / 72, may_draw_forms=printer == "viewer")
                .to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def value_at(data: dict, path: str):
    node = data
    for part in path.split("."):
        if node is None:
            return None
        if part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        else:
            node = node.get(part)
    return node


# -- ink ---------------------------------------------------------------------------------
@dataclass
class PageInk:
    """What a person wrote on one page, and so what a reader should find there."""
    fields: dict = field(default_factory=dict)
    signatures: dict = field(default_factory=dict)


class Pen:
    """Draws on a page raster in page space (PDF points in, pixels out)."""

    def __init__(self, image: Image.Image, dpi: int, rng: random.Random):
        self.image, self.dpi, self.rng = image, dpi, rng
        self.scale = dpi / 72
        self.ink = rng.choice(INKS)
        self.width = max(1, round(rng.uniform(2.0, 3.0) * dpi / 200))
        self.font_path = rng.choice(HANDWRITING_FONTS)
        self.canvas = np.asarray(image).copy()

    def px(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale, (PAGE_H - y) * self.scale

    def stroke(self, points_pt) -> None:
        """A pen stroke through points in PDF points, smoothed, anti-aliased."""
        points = np.array([self.px(x, y) for x, y in points_pt], dtype=np.float64)
        points = _smooth(points, 8)
        shift = 4  # sub-pixel precision for cv2
        cv2.polylines(self.canvas, [np.round(points * (1 << shift)).astype(np.int32)], False,
                      self.ink, self.width, cv2.LINE_AA, shift)

    def tick(self, rect) -> str:
        x1, y1, x2, y2 = rect
        s = min(x2 - x1, y2 - y1)
        j = lambda: self.rng.uniform(-0.08, 0.08) * s
        if self.rng.random() < 0.3:  # a cross, as "Sæt kryds" asks
            self.stroke([(x1 + 0.15 * s + j(), y2 - 0.15 * s + j()),
                         (x1 + 0.5 * s + j(), y1 + 0.5 * s + j()),
                         (x2 - 0.12 * s + j(), y1 + 0.12 * s + j())])
            self.stroke([(x2 - 0.15 * s + j(), y2 - 0.15 * s + j()),
                         (x1 + 0.15 * s + j(), y1 + 0.15 * s + j())])
            return "cross"
        overshoot = self.rng.uniform(0.0, 0.35) if self.rng.random() < 0.3 else 0.0
        self.stroke([(x1 + 0.12 * s + j(), y1 + 0.5 * s + j()),
                     (x1 + 0.38 * s + j(), y1 + 0.12 * s + j() / 2),
                     (x1 + 0.62 * s + j(), y1 + 0.5 * s + j()),
                     (x2 - 0.08 * s + j() + overshoot * s, y2 - 0.1 * s + j() + overshoot * s)])
        return "tick"

    def write(self, rect, text: str, multiline: bool, whole: bool = False) -> str:
        """Handwriting inside the box (its ink never crosses the box's lines); returns the
        text as written (shortened to fit unless `whole`, "" when nothing fits)."""
        x1, y1, x2, y2 = rect
        box_w, box_h = (x2 - x1) * self.scale, (y2 - y1) * self.scale
        line_pt = min(y2 - y1, 24.0) if not multiline else 16.0
        size_pt = self.rng.uniform(0.6, 0.8) * line_pt
        lines = [text] if not multiline or self.rng.random() < 0.5 else _two_lines(text)
        lines = lines if multiline else [" ".join(lines)]
        margin = 3 * self.scale  # ink stays this far from the box's lines
        room_w, room_h = box_w - 2 * margin - 6 * self.scale, box_h - 2 * margin
        while size_pt >= 6:
            font = ImageFont.truetype(str(self.font_path), round(size_pt * self.scale))
            inks, kept = [], []
            for line in lines:
                words = line.split()
                while words and font.getlength(" ".join(words)) > room_w * 0.97:
                    if whole:
                        words = []
                        break
                    words.pop()
                if words:
                    kept.append(" ".join(words))
                    inks.append(self._ink_of(kept[-1], font))
            gap = 0.25 * size_pt * self.scale
            height = sum(a.shape[0] for a in inks) + gap * (len(inks) - 1)
            if (inks and height <= room_h and max(a.shape[1] for a in inks) <= room_w
                    and (not whole or len(kept) == len(lines))):
                break
            size_pt *= 0.9
        else:
            return ""
        x = x1 * self.scale + margin + self.rng.uniform(0, 6 * self.scale
                                                       + room_w - max(a.shape[1] for a in inks))
        top = (PAGE_H - y2) * self.scale + margin
        if multiline:
            y = top + self.rng.uniform(0, min(room_h - height, 8 * self.scale))
        else:
            y = top + (room_h - height) / 2 * self.rng.uniform(0.6, 1.4)
        for alpha in inks:
            self._paste(alpha, x + self.rng.uniform(-2, 2) * self.scale, y)
            y += alpha.shape[0] + gap
        return "\n".join(kept)

    def _ink_of(self, text: str, font) -> np.ndarray:
        """The text's ink (alpha 0..1), slightly rotated, cropped to the ink."""
        _, _, right, bottom = font.getbbox(text)
        pad = 8
        layer = Image.new("L", (right + 2 * pad, bottom + 2 * pad), 0)
        ImageDraw.Draw(layer).text((pad, pad), text, font=font, fill=self.rng.randint(215, 255))
        layer = layer.rotate(self.rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, expand=True)
        alpha = np.asarray(layer, dtype=np.float32) / 255
        rows, cols = np.nonzero(alpha > 0.02)
        return alpha[rows.min():rows.max() + 1, cols.min():cols.max() + 1]

    def _paste(self, alpha: np.ndarray, x: float, y: float) -> None:
        h, w = alpha.shape
        x0, y0 = round(x), round(y)
        region = self.canvas[y0:y0 + h, x0:x0 + w]
        a = alpha[:region.shape[0], :region.shape[1], None]
        region[:] = (region * (1 - a) + np.array(self.ink, dtype=np.float32) * a).astype(np.uint8)

    def sign(self, rect) -> None:
        """A signature: a quick smooth scrawl along the signing line."""
        x1, y1, x2, y2 = rect
        w, h = x2 - x1, y2 - y1
        start = x1 + self.rng.uniform(0.05, 0.2) * w
        end = x2 - self.rng.uniform(0.05, 0.25) * w
        count = self.rng.randint(7, 14)
        base = y1 + self.rng.uniform(0.25, 0.45) * h
        points = []
        for i in range(count):
            x = start + (end - start) * i / (count - 1) + self.rng.uniform(-0.04, 0.04) * w
            y = base + self.rng.uniform(-0.05, 0.45) * h * (1 if i % 2 else -0.4)
            points.append((x, y))
        self.stroke(points)
        if self.rng.random() < 0.6:  # an underline or a second name
            y = base - self.rng.uniform(0.05, 0.15) * h
            self.stroke([(start + self.rng.uniform(0, 0.2) * w, y),
                         (end, y + self.rng.uniform(-0.05, 0.05) * h)])

    def result(self) -> Image.Image:
        return Image.fromarray(self.canvas)


def _smooth(points: np.ndarray, steps: int) -> np.ndarray:
    """A Catmull-Rom curve through the points: a pen, not a ruler."""
    if len(points) < 3:
        return points
    padded = np.vstack([points[0], points, points[-1]])
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1:i + 3]
        for t in np.linspace(0, 1, steps, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                              + (-p0 + 3 * p1 - 3 * p2 + p3) * t3))
    out.append(points[-1])
    return np.array(out)


def _two_lines(text: str) -> list[str]:
    words = text.split()
    if len(words) < 2:
        return [text]
    cut = len(words) // 2
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def handwriting_for(place, rng: random.Random) -> str:
    kind = place.kind
    if kind == kinds.DATE:
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.choice((2025, 2026, 2027))
        return (f"{day:02d}-{month:02d}-{year}" if rng.random() < 0.7
                else f"{day}/{month}-{year}")
    if kind == kinds.TIME:
        return f"{rng.randint(8, 15):02d}:{rng.choice(('00', '15', '30', '45'))}"
    if kind == kinds.INTEGER:
        return str(rng.randint(1, 9))
    if kind == kinds.CHOICE and place.options:
        return rng.choice(place.options)[1]
    if "navn" in place.label.lower():
        return rng.choice(NAMES)
    if place.multiline:
        return " ".join(rng.sample(PHRASES, 2))
    return rng.choice(PHRASES)


def written_value(place, text: str):
    """What the handwriting says in the field's canonical shape (what a person reviewing
    it would type)."""
    line = " ".join(text.split())
    if place.kind == kinds.DATE:
        return danish.parse_date(line).isoformat()
    if place.kind == kinds.TIME:
        return danish.parse_time(line)
    if place.kind == kinds.INTEGER:
        return int(line)
    if place.kind == kinds.CHOICE:
        return next(value for value, label in place.options if label == line)
    return line


def ink_page(image: Image.Image, layout: PageLayout, printed: Printed, dpi: int,
             rng: random.Random, *, tick_rate=0.4, write_rate=0.25, sign_rate=0.6,
             max_written=4) -> tuple[Image.Image, PageInk]:
    """Ticks, handwriting and signatures on one page; what a reader should find there."""
    pen = Pen(image, dpi, rng)
    ink = PageInk()
    written = 0
    for place in layout.fields:
        printed_value = value_at(printed.data, place.path) if printed.prefilled else None
        truth = {"kind": place.kind, "rect": list(place.rect), "multiline": place.multiline}
        if place.kind == kinds.BOOL:
            if printed_value is True:
                truth.update(expected=True, source="printed")
            elif rng.random() < tick_rate:
                truth.update(expected=True, source="hand", mark=pen.tick(place.rect))
            else:
                truth.update(expected=False, source="empty")
        elif printed_value not in (None, "", False):
            truth.update(expected=printed_value, source="printed")
        elif written < max_written and rng.random() < write_rate:
            text = pen.write(place.rect, handwriting_for(place, rng), place.multiline,
                             whole=place.kind != kinds.TEXT)
            if text:
                written += 1
                truth.update(expected=None, source="handwritten", text=text,
                             value=written_value(place, text), font=pen.font_path.name)
            else:
                truth.update(expected=None, source="empty")
        else:
            truth.update(expected=None, source="empty")
        ink.fields[place.path] = truth
    for place in layout.signatures:
        signed = rng.random() < sign_rate
        if signed:
            pen.sign(place.rect)
        ink.signatures[place.path] = {"rect": list(place.rect), "signed": signed}
    return pen.result(), ink


# -- distortion --------------------------------------------------------------------------
def _quarter(image: np.ndarray, quarter: int) -> tuple[np.ndarray, np.ndarray]:
    """The image turned counter-clockwise by quarter x 90°, and the matrix of that turn."""
    h, w = image.shape[:2]
    matrices = {0: np.eye(3),
                1: np.array([[0, 1, 0], [-1, 0, w - 1], [0, 0, 1]], dtype=np.float64),
                2: np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], dtype=np.float64),
                3: np.array([[0, -1, h - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64)}
    return np.ascontiguousarray(np.rot90(image, quarter)), matrices[quarter]


def _noise_blur(image: np.ndarray, rng: random.Random, noise: float, blur: float):
    if blur > 0:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    grain = np.empty(image.shape, np.int16)
    cv2.setRNGSeed(rng.getrandbits(31))
    cv2.randn(grain, 0, noise)
    return cv2.convertScaleAbs(image.astype(np.int16) + grain)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)


def scanner(page: Image.Image, rng: random.Random) -> tuple[np.ndarray, np.ndarray, dict]:
    """A flatbed/feeder scan: skew, sometimes upside down or sideways, noise, blur, maybe grey.
    JPEG quality 60 happens when the PDF is written."""
    image = np.asarray(page)
    h, w = image.shape[:2]
    angle = rng.uniform(-3, 3)
    quarter = rng.choices((0, 1, 2, 3), weights=(70, 8, 15, 7))[0]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64).T
    moved = rotation @ corners
    margin = rng.uniform(0.005, 0.02) * w
    low = moved.min(axis=1) - margin
    size = (int(np.ceil(moved[0].max() - low[0] + margin)),
            int(np.ceil(moved[1].max() - low[1] + margin)))
    rotation[:, 2] -= low
    bed = rng.randint(225, 250)
    skewed = cv2.warpAffine(image, rotation, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(bed, bed, bed))
    matrix = np.vstack([rotation, [0, 0, 1]])
    grey = rng.random() < 0.3
    if grey:
        skewed = cv2.cvtColor(skewed, cv2.COLOR_RGB2GRAY)
    noise, blur = rng.uniform(2, 6), rng.uniform(0.3, 0.9)
    out = _noise_blur(skewed, rng, noise, blur)
    out, turn = _quarter(out, quarter)
    return out, turn @ matrix, {"capture": "scanner", "skew_deg": round(angle, 2),
                                "turned_deg": 90 * quarter, "grey": grey,
                                "noise_sigma": round(noise, 2), "blur_sigma": round(blur, 2),
                                "jpeg_quality": JPEG_QUALITY}


def photo(page: Image.Image, rng: random.Random) -> tuple[np.ndarray, np.ndarray, dict]:
    """A phone photo of the page on a table: perspective, up to ±3°, uneven light, blur,
    noise, JPEG quality 60; sometimes held sideways."""
    image = np.asarray(page)
    h, w = image.shape[:2]
    margin = rng.uniform(0.05, 0.12)
    out_w, out_h = int(w * (1 + 2 * margin)), int(h * (1 + 2 * margin))
    angle = np.radians(rng.uniform(-3, 3))
    scale = rng.uniform(0.9, 1.0)
    cx, cy = out_w / 2 + rng.uniform(-0.02, 0.02) * w, out_h / 2 + rng.uniform(-0.02, 0.02) * h
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    tilt = rng.uniform(0.0, 0.06)  # the camera not square over the page: one edge shorter
    side = rng.choice(("top", "bottom", "left", "right"))
    dst = []
    for x, y in src:
        u, v = (x - w / 2) * scale, (y - h / 2) * scale
        if side in ("top", "bottom") and (y == 0) == (side == "top"):
            u *= 1 - tilt
        if side in ("left", "right") and (x == 0) == (side == "left"):
            v *= 1 - tilt
        u += rng.uniform(-0.012, 0.012) * w
        v += rng.uniform(-0.012, 0.012) * h
        dst.append([cx + u * np.cos(angle) - v * np.sin(angle),
                    cy + u * np.sin(angle) + v * np.cos(angle)])
    dst = np.array(dst, dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst).astype(np.float64)
    table = rng.choice(((96, 72, 52), (70, 70, 74), (150, 120, 90), (40, 42, 48)))
    nprng = np.random.default_rng(rng.getrandbits(32))
    grain = nprng.normal(0, 12, size=(out_h // 32 + 2, out_w // 32 + 2)).astype(np.float32)
    grain = cv2.resize(grain, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    composed = np.empty((out_h, out_w, 3), np.uint8)
    for channel in range(3):
        composed[..., channel] = cv2.convertScaleAbs(grain, beta=table[channel])
    cv2.warpPerspective(image, matrix, (out_w, out_h), dst=composed, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)
    # light: brighter towards one side, a warm cast (a coarse map, smoothly enlarged)
    gx = np.linspace(-1, 1, 16, dtype=np.float32)[None, :, None]
    gy = np.linspace(-1, 1, 16, dtype=np.float32)[:, None, None]
    a, b = rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)
    cast = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)], dtype=np.float32)
    light = (rng.uniform(0.82, 0.95) + a * gx + b * gy) * cast
    light = cv2.resize(light, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    composed = cv2.multiply(composed, light, dtype=cv2.CV_8U)
    noise, blur = rng.uniform(3, 8), rng.uniform(0.5, 1.4)
    out = _noise_blur(composed, rng, noise, blur)
    out = _jpeg(out, JPEG_QUALITY)
    quarter = rng.choices((0, 1, 3), weights=(80, 10, 10))[0]
    out, turn = _quarter(out, quarter)
    return out, turn @ matrix, {"capture": "photo", "rotation_deg": round(np.degrees(angle), 2),
                                "tilt": round(tilt, 3), "tilt_side": side,
                                "turned_deg": 90 * quarter, "noise_sigma": round(noise, 2),
                                "blur_sigma": round(blur, 2), "jpeg_quality": JPEG_QUALITY}


def clean(page: Image.Image, rng: random.Random) -> tuple[np.ndarray, np.ndarray, dict]:
    """No distortion at all: the page as rendered and written on."""
    return np.asarray(page), np.eye(3), {"capture": "clean"}


CAPTURES = {"scanner": scanner, "photo": photo, "clean": clean}


# -- the corpus --------------------------------------------------------------------------
def _mark(printed: Printed, number: int) -> dict:
    return asdict(PageMark(printed.form_id, FORMS[printed.form_id].version, number,
                           printed.pages, printed.document_id, "pdf"))


@dataclass(frozen=True)
class Job:
    """One document of the corpus: which form, how printed, how it comes back."""
    form_id: str
    prefilled: bool
    capture: str = "scanner"      # "scanner" | "photo" | "clean" (CAPTURES)
    dpi: int = 200
    printer: str = "appearance"   # "appearance" | "viewer" (rasterise)

    @property
    def stem(self) -> str:
        return (f"{self.form_id}-{'filled' if self.prefilled else 'blank'}-{self.capture}"
                f"-{self.dpi}dpi" + ("-viewer" if self.printer == "viewer" else ""))


def _plan(pages: int, rng: random.Random) -> list[Job]:
    """Documents until `pages` pages: every form blank and pre-filled in turn, captures
    (3 scanner : 2 photo), resolutions (photos 150 and 200 dpi) and printers (1 in 6 viewer-printed) mixed."""
    page_counts = {form_id: len(page_layouts(form_id, None)) for form_id in FORMS}
    combos = [(form_id, prefilled) for form_id in FORMS for prefilled in (False, True)]
    plan, total = [], 0
    while total < pages:
        order = combos[:]
        rng.shuffle(order)
        for form_id, prefilled in order:
            if total >= pages:
                break
            n = len(plan)
            capture = "photo" if rng.random() < 0.4 else "scanner"
            dpis = PHOTO_DPIS if capture == "photo" else DPIS
            plan.append(Job(form_id, prefilled, capture, dpis[(n + n // 8) % len(dpis)],
                            "viewer" if n % 6 == 5 else "appearance"))
            total += page_counts[form_id]
    return plan


def make_document(out_dir: Path, index: int, job: Job, seed: int, *,
                  keep_pages: int | None = None) -> list[dict]:
    """One printed document written on and captured; its files and ground truth in out_dir.
    Returns the ground truths written (one per file)."""
    rng = random.Random(f"{seed}/{index}/{job}")
    printed = print_document(job.form_id, job.prefilled, rng)
    rasters = rasterise(printed.pdf, job.dpi, job.printer)
    assert len(rasters) == printed.pages, (job, len(rasters), printed.pages)
    captured = []
    numbers = list(range(1, printed.pages + 1))
    if keep_pages is not None and keep_pages < len(numbers):
        numbers = sorted(rng.sample(numbers, keep_pages))
    for number in numbers:
        layout = printed.layouts[number - 1]
        inked, ink = ink_page(rasters[number - 1], layout, printed, job.dpi, rng)
        image, matrix, distortion = CAPTURES[job.capture](inked, rng)
        captured.append((number, image, {
            "mark": _mark(printed, number), "dpi": job.dpi,
            "page_size_px": [inked.width, inked.height],
            "image_size_px": [image.shape[1], image.shape[0]],
            "page_to_image": np.round(matrix, 6).tolist(), "distortion": distortion,
            "continuation": layout.continuation, "fields": ink.fields,
            "signatures": ink.signatures}))
    stem = f"{index:03d}-{job.stem}"
    document = {"form_id": job.form_id, "form_version": FORMS[job.form_id].version,
                "prefilled": job.prefilled, "document_id": printed.document_id,
                "pages": printed.pages, "printer": job.printer,
                "printed": printed.data if job.prefilled else None}
    truths = []
    if job.capture == "scanner":
        rng.shuffle(captured)
        images = [Image.fromarray(image) for _, image, _ in captured]
        path = out_dir / f"{stem}.pdf"
        images[0].save(path, "PDF", save_all=True, append_images=images[1:],
                       resolution=job.dpi, quality=JPEG_QUALITY, creationDate=FIXED_TIME,
                       modDate=FIXED_TIME)
        truths.append(_truth(path, "pdf", job.capture, document,
                             [page for _, _, page in captured]))
    else:
        for number, image, page in captured:
            path = out_dir / f"{stem}-p{number}.png"
            Image.fromarray(image).save(path, "PNG", compress_level=1)
            truths.append(_truth(path, "png", job.capture, document, [page]))
    return truths


def _truth(path: Path, fmt: str, capture: str, document: dict, pages: list[dict]) -> dict:
    truth = {"file": path.name, "format": fmt, "capture": capture, "document": document,
             "pages": pages}
    path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                         "utf-8")
    return truth


def make_corpus(out_dir, pages: int = 120, seed: int = 1) -> list[dict]:
    """A corpus of about `pages` pages (exactly `pages`: the last document keeps only the
    pages that fit) in out_dir; returns the ground truths (one per file)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plan = _plan(pages, rng)
    truths, total = [], 0
    for index, job in enumerate(plan):
        made = make_document(out_dir, index, job, seed, keep_pages=pages - total)
        total += sum(len(t["pages"]) for t in made)
        truths.extend(made)
    printed = {t["document"]["document_id"]: t["document"]["printed"] for t in truths
               if t["document"]["document_id"]}
    (out_dir / "printed.json").write_text(json.dumps(printed, ensure_ascii=False, indent=1),
                                          "utf-8")
    (out_dir / "corpus.json").write_text(json.dumps(
        {"seed": seed, "pages": total, "files": [t["file"] for t in truths]}, indent=1), "utf-8")
    return truths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    truths = make_corpus(args.out_dir, pages=args.pages, seed=args.seed)
    pages = sum(len(t["pages"]) for t in truths)
    print(f"{pages} pages in {len(truths)} files in {args.out_dir} "
          f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
