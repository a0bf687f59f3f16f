"""The fields of one straightened page, read by comparing it with the page as printed.

The service knows exactly what it printed: the reader renders the very same page
(`reference`) at the scan's resolution and compares ink field by field. Ink is what is
clearly darker than the paper around it (a local background, so uneven light in a photo
does not matter); ink the reference explains (within a few pixels: printing, scanning and
the straightening are never exact) is not new. What is left is what a person added.

- A check box: new ink inside the box → ticked, none → not ticked; in between the box is
  *uncertain* and is never guessed. A box printed ticked stays ticked when nothing was
  added; anything added to it (a box scribbled out) is uncertain too.
- A field printed with a value: no new ink and the printed text all there → the printed
  value is confirmed; else it *changed* (handwriting, a crossing-out) and needs review.
- A field printed empty with ink in it: *handwritten*; Tesseract (Danish) suggests what it
  says — one call for all the handwriting of a page — and a person types what it says.
- A signature box: signed when enough new ink is in it.

Every field that needs a person's eye comes with its crop (PNG) from the scan.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

from ...forms import fields as kinds
from ..page_layout import FieldPlace, PageLayout, SignaturePlace
from .locate import PAGE_H, SCAN_DPI

BACKGROUND_PX = 15         # the background is the local maximum over this many pixels
SLACK_PX = 2               # reference ink explains scan ink this far away (at SCAN_DPI)
SHIFT_PX = 3               # a field's box may be this far off after straightening
SPECK_PX = 6               # new ink in smaller pieces is noise (at SCAN_DPI)
# check boxes: new ink as a share of the box's interior
TICKED = 0.06              # at least this: ticked
UNTICKED = 0.015           # at most this: not ticked
BOX_INSET_PT = 1.6         # the interior of a box starts this far inside its border
# text fields: new ink in pixels (at SCAN_DPI)
WRITTEN_PX = 40            # at least this much new ink: something was written
MISSING_SHARE = 0.3        # printed ink not in the scan: the printed value is not there
FIELD_INSET_PT = 1.0
# signatures: new ink in pixels (at SCAN_DPI)
SIGNED_PX = 150
UNSIGNED_PX = 40
CROP_MARGIN_PT = 4.0
CROP_MAX_WIDTH = 900
CROP_PAPER = 22            # less darker than the paper than this is paper in a crop
OCR_SCALE = 2              # crops are enlarged this much for Tesseract (150 -> 300 dpi)
OCR_GAP_PX = 40
OCR_TIMEOUT = 8.0
OCR_MIN_CONFIDENCE = 45.0

EMPTY, PRINTED, TICKED_STATE, UNTICKED_STATE = "empty", "printed", "ticked", "unticked"
CHANGED, HANDWRITTEN, UNCERTAIN = "changed", "handwritten", "uncertain"


@dataclass
class FieldReading:
    """What one field shows. `state`: empty | printed (confirmed) | ticked | unticked |
    changed (printed, with ink added or missing) | handwritten (on an empty field) |
    uncertain (a box neither clearly ticked nor clearly not)."""
    place: FieldPlace
    state: str
    confidence: float = 1.0
    new_ink: float = 0.0        # check box: share of its interior; else pixels
    missing: float = 0.0        # share of the printed ink not in the scan
    suggestion: str | None = None
    crop: bytes | None = None

    @property
    def path(self) -> str:
        return self.place.path

    @property
    def needs_person(self) -> bool:
        return self.state in (CHANGED, HANDWRITTEN, UNCERTAIN)


@dataclass
class SignatureReading:
    place: SignaturePlace
    signed: bool
    uncertain: bool
    new_ink: int
    crop: bytes | None = None

    @property
    def path(self) -> str:
        return self.place.path


@dataclass
class PageReading:
    fields: list[FieldReading] = field(default_factory=list)
    signatures: list[SignatureReading] = field(default_factory=list)
    ocr_seconds: float = 0.0


def _cv2():
    import cv2
    cv2.setNumThreads(1)
    return cv2


# --- ink ---------------------------------------------------------------------------------
#
# Darkness is how much darker a pixel is than the paper around it (the local maximum,
# smoothed): light, shading and the paper's colour drop out. The scan's darkness is then
# compared with a *model* of it made from the reference: the reference's darkness blurred
# and scaled as this scan blurs and fades print (fitted per page), so a soft photo of
# thin grey lines is expected to show them faint, and a crisp scan crisp. Scan darkness
# well beyond what the model allows anywhere within SLACK_PX is new ink; strong model
# darkness without scan darkness nearby is printed ink that is missing.

def _scaled(value: float, dpi: float, power: int = 1) -> float:
    return value * (dpi / SCAN_DPI) ** power


def darkness(pixels: np.ndarray, dpi: float = SCAN_DPI) -> np.ndarray:
    """How much darker (0-255, float32) each pixel is than the paper around it."""
    cv2 = _cv2()
    size = int(_scaled(BACKGROUND_PX, dpi)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    background = cv2.blur(cv2.dilate(pixels, kernel), (size, size))
    return cv2.subtract(background, pixels).astype(np.float32)


def _max_near(values: np.ndarray, radius: int) -> np.ndarray:
    cv2 = _cv2()
    if radius <= 0:
        return values
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(values, kernel)


def _strokes(excess: np.ndarray, high: float, low: float, smallest: int) -> np.ndarray:
    """New ink (uint8 mask): the pieces of `excess` >= `low` that reach `high` somewhere
    and have at least `smallest` pixels (hysteresis: a faint stroke is kept whole when
    part of it is clearly ink; noise reaches `high` in specks only)."""
    cv2 = _cv2()
    weak = (excess >= low).astype(np.uint8)
    if not weak.any():
        return weak
    count, labels, stats, _ = cv2.connectedComponentsWithStats(weak, connectivity=8)
    keep = np.zeros(count, dtype=np.uint8)
    keep[np.unique(labels[excess >= high])] = 1
    keep[0] = 0
    keep[stats[:, cv2.CC_STAT_AREA] < smallest] = 0
    return keep[labels]


def _differs(one: np.ndarray, other: np.ndarray) -> bool:
    """Whether `one` has ink `other` has not (more than a few pixels)."""
    cv2 = _cv2()
    return int(np.count_nonzero(cv2.subtract(other, one) > 40)) > 20


REGISTER_SCALES = ((0.125, 40), (0.25, 40), (0.5, 10))  # ECC registration, coarse to
                                                        # fine: (scale, iterations)
REGISTER_SCORE = 0.8       # ... and is trusted from this correlation on
BLURS = (0.0, 0.7, 1.1, 1.6, 2.3)  # pixels (at the reading's dpi) the model may blur by
NEW_MARGIN = 0.2           # scan darkness up to the model's * (1 + this) + NEW_FLOOR is
NEW_FLOOR = 12.0           # explained by print
NEW_INK = 0.2              # new ink: beyond that by this share of full black (as scanned),
NEW_INK_MIN = 28.0         # and at least this (0-255)
NEW_LOW = 0.5              # a stroke that reaches it is followed down to this share of it
STRONG = 0.4               # model darkness of this share of black: printed ink that must
                           # show in the scan
SHOWN = 0.35               # ... with at least this share of the model's darkness nearby


class Page:
    """A straightened scan and its reference at `dpi`: their darkness and the model of
    the scan made from the reference (blur and contrast fitted to this page).

    `also` is the same page as a PDF viewer prints it (a drop-down's button drawn, say):
    ink it has is allowed, never required."""

    def __init__(self, scan: np.ndarray, reference: np.ndarray, dpi: float = SCAN_DPI,
                 also: np.ndarray | None = None, slack: int = 0):
        if scan.shape != reference.shape or (also is not None and also.shape != scan.shape):
            raise ValueError("scan and reference differ in size")
        self.scan, self.reference, self.dpi = scan, reference, dpi
        self.slack = max(1, round(_scaled(SLACK_PX, dpi))) + slack
        self.shift = max(1, round(_scaled(SHIFT_PX, dpi)))
        self.speck = max(2, round(_scaled(SPECK_PX, dpi, 2)))
        self.dark = darkness(scan, dpi)
        printed = darkness(reference, dpi)
        self.blur, self.gain = self._fit(printed)
        self.model = self._blurred(printed, self.blur) * self.gain
        self.black = 255.0 * self.gain  # full black as this scan shows it
        # a sharper part of the page (the fit is the page's average) may be as dark as
        # the print itself
        allowed = np.maximum(self.model, printed * self.gain)
        self.viewer = False
        if also is not None and _differs(also, reference):
            viewed = self._blurred(darkness(also, dpi), self.blur) * self.gain
            self.viewer = self._shows(viewed)
            if self.viewer:
                allowed = np.maximum(allowed, viewed)
        self.explained = _max_near(allowed, self.slack) * (1 + NEW_MARGIN) + NEW_FLOOR
        self.new_threshold = max(NEW_INK_MIN, NEW_INK * self.black)
        self.strong = (self.model >= STRONG * self.black).astype(np.uint8)

    def _shows(self, viewed: np.ndarray) -> bool:
        """Whether the page was printed as a viewer draws it: most of the ink only the
        viewer draws (drop-down buttons) is on the scan."""
        extra = (viewed >= STRONG * self.black) & (self.model < 0.5 * STRONG * self.black)
        count = int(extra.sum())
        if count < 20:
            return False
        near = _max_near(self.dark, self.slack)
        return float((near[extra] >= SHOWN * viewed[extra]).sum()) / count >= 0.5

    @staticmethod
    def _blurred(values: np.ndarray, sigma: float) -> np.ndarray:
        if sigma <= 0:
            return values
        cv2 = _cv2()
        return cv2.GaussianBlur(values, (0, 0), sigma)

    def _fit(self, printed: np.ndarray) -> tuple[float, float]:
        """The blur and gain that make the reference's darkness most like the scan's
        (measured at half the resolution: enough to tell, four times faster)."""
        cv2 = _cv2()
        half = (self.dark.shape[1] // 2, self.dark.shape[0] // 2)
        dark = cv2.resize(self.dark, half, interpolation=cv2.INTER_AREA)
        printed = cv2.resize(printed, half, interpolation=cv2.INTER_AREA)
        best = (-1.0, 0.0, 1.0)
        for sigma in BLURS:
            model = self._blurred(printed, sigma / 2)
            both = float((dark * model).sum())
            norm = float((model * model).sum())
            if norm <= 0:
                continue
            score = both / np.sqrt(norm * max(float((dark * dark).sum()), 1.0))
            if score > best[0]:
                best = (score, sigma, both / norm)
        _, sigma, gain = best
        return sigma, float(min(max(gain, 0.25), 1.4))

    def agreement(self) -> float:
        """The share of the printed page's strong ink that the scan shows: near 1 when
        the page is straightened well, low when it is not."""
        strong = int(self.strong.sum())
        if not strong:
            return 1.0
        shown = (_max_near(self.dark, self.slack) >= SHOWN * self.model).astype(np.uint8)
        return float((self.strong & shown).sum()) / strong

    def box(self, rect, inset_pt: float = 0.0) -> tuple[int, int, int, int]:
        """A PDF rect -> pixel box (x1, y1, x2, y2), clipped to the page."""
        scale = self.dpi / 72
        x1, y1, x2, y2 = rect
        left = round((x1 + inset_pt) * scale)
        right = round((x2 - inset_pt) * scale)
        top = round((PAGE_H - y2 + inset_pt) * scale)
        bottom = round((PAGE_H - y1 - inset_pt) * scale)
        height, width = self.scan.shape
        return (max(0, left), max(0, top), min(width, max(right, left + 1)),
                min(height, max(bottom, top + 1)))

    def offset(self, rect) -> tuple[int, int]:
        """The shift (dx, dy) that puts the model's darkness around `rect` (box borders,
        printed text) best onto the scan's."""
        cv2 = _cv2()
        m = self.shift
        x1, y1, x2, y2 = self.box(rect, -3.0)
        height, width = self.scan.shape
        if x1 - m < 0 or y1 - m < 0 or x2 + m > width or y2 + m > height:
            return 0, 0
        template = self.model[y1:y2, x1:x2]
        if float(template.sum()) < 20 * self.black:
            return 0, 0
        area = self.dark[y1 - m:y2 + m, x1 - m:x2 + m]
        scores = cv2.matchTemplate(area, template, cv2.TM_CCORR)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best <= scores[m, m] * 1.02:  # no clear improvement: stay
            return 0, 0
        return bx - m, by - m

    def compare(self, rect, inset_pt: float, shift: tuple[int, int]):
        """Inside `rect` shrunk by `inset_pt`: the new ink (mask), the count of strong
        printed ink and the share of it missing."""
        dx, dy = shift
        x1, y1, x2, y2 = self.box(rect, inset_pt)
        height, width = self.scan.shape
        # the scan's box, and the same box in the reference (shifted back)
        sx1, sy1 = max(0, x1 + dx), max(0, y1 + dy)
        sx2, sy2 = min(width, x2 + dx), min(height, y2 + dy)
        rx1, ry1 = sx1 - dx, sy1 - dy
        rx2, ry2 = sx2 - dx, sy2 - dy
        dark = self.dark[sy1:sy2, sx1:sx2]
        explained = self.explained[ry1:ry2, rx1:rx2]
        new = _strokes(dark - explained, self.new_threshold,
                       NEW_LOW * self.new_threshold, self.speck)
        strong = self.strong[ry1:ry2, rx1:rx2]
        printed = int(strong.sum())
        missing = 0.0
        if printed:
            shown = self._shown(sx1, sy1, sx2, sy2, rx1, ry1, rx2, ry2)
            missing = float((strong & (1 - shown)).sum()) / printed
        return new, printed, missing

    def _shown(self, sx1, sy1, sx2, sy2, rx1, ry1, rx2, ry2) -> np.ndarray:
        """Where the scan shows the model's darkness (scan box against reference box)."""
        near = _max_near(self.dark[max(0, sy1 - self.slack):sy2 + self.slack,
                                   max(0, sx1 - self.slack):sx2 + self.slack], self.slack)
        near = near[sy1 - max(0, sy1 - self.slack):, sx1 - max(0, sx1 - self.slack):]
        near = near[:sy2 - sy1, :sx2 - sx1]
        return (near >= SHOWN * self.model[ry1:ry2, rx1:rx2]).astype(np.uint8)

    def crop(self, rect, shift=(0, 0)) -> bytes:
        """The field as scanned, for a person to read: PNG, paper white, ink dark."""
        cv2 = _cv2()
        dx, dy = shift
        x1, y1, x2, y2 = self.box(rect, -CROP_MARGIN_PT)
        height, width = self.scan.shape
        x1, x2 = max(0, x1 + dx), min(width, x2 + dx)
        y1, y2 = max(0, y1 + dy), min(height, y2 + dy)
        darker = self.dark[y1:y2, x1:x2]
        # the paper white (noise, shading and JPEG's blocks gone), ink dark, 16 levels:
        # a small PNG a person reads easily
        stretch = 255.0 / max(self.black * 0.8, 60.0)
        clean = 255 - np.clip((darker - CROP_PAPER) * stretch, 0, 255)
        clean = (clean.astype(np.uint8) >> 4) * 17
        if clean.shape[1] > CROP_MAX_WIDTH:
            factor = CROP_MAX_WIDTH / clean.shape[1]
            clean = cv2.resize(clean, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".png", clean, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        return encoded.tobytes() if ok else b""


def register(scan: np.ndarray, reference: np.ndarray, dpi: float = SCAN_DPI
             ) -> np.ndarray | None:
    """A small homography (3x3, scan pixels of the reference's pixels) that lays the
    straightened `scan` onto `reference`, found by ECC on their darkness, coarse to fine
    (an eighth, a quarter, then half the resolution); None when it does not converge to a
    good match. For a page found with fewer than four corner marks, whose straightening
    is only approximate."""
    cv2 = _cv2()
    dark = [darkness(image, dpi) for image in (reference, scan)]
    warp = np.eye(3, dtype=np.float64)
    score = 0.0
    for scale, iterations in REGISTER_SCALES:
        small = [cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                 for image in dark]
        down = np.diag([scale, scale, 1.0])
        start = (down @ warp @ np.linalg.inv(down)).astype(np.float32)
        try:
            score, found = cv2.findTransformECC(
                small[0], small[1], start, cv2.MOTION_HOMOGRAPHY,
                (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, iterations, 1e-5), None, 5)
        except cv2.error:
            return None
        if not np.isfinite(found).all():
            return None
        warp = np.linalg.inv(down) @ found.astype(np.float64) @ down
    return warp if score >= REGISTER_SCORE else None


# --- the fields ------------------------------------------------------------------------

def read_page(scan: np.ndarray, reference: np.ndarray, layout: PageLayout, *,
              dpi: float = SCAN_DPI, ocr: bool = True, page: Page | None = None,
              also: np.ndarray | None = None) -> PageReading:
    """Every field and signature box of `layout` on the straightened `scan`, compared
    with `reference` (the printed page rendered at the same `dpi`; `also` as a viewer
    prints it; `page` the two already made into a Page)."""
    import time
    page = page if page is not None else Page(scan, reference, dpi, also)
    reading = PageReading()
    to_ocr: list[tuple[FieldReading, np.ndarray]] = []
    for place in layout.fields:
        shift = page.offset(place.rect)
        if place.kind == kinds.BOOL:
            result = _check_box(page, place, shift)
        else:
            result, new = _text_field(page, place, shift)
            if result.state == HANDWRITTEN and ocr:
                to_ocr.append((result, new))
        if result.needs_person:
            result.crop = page.crop(place.rect, shift)
        reading.fields.append(result)
    for place in layout.signatures:
        reading.signatures.append(_signature(page, place))
    if to_ocr:
        started = time.monotonic()
        for (result, _), text in zip(to_ocr, suggest([new for _, new in to_ocr], dpi)):
            result.suggestion = text
        reading.ocr_seconds = time.monotonic() - started
    return reading


def _check_box(page: Page, place: FieldPlace, shift) -> FieldReading:
    new, printed, missing = page.compare(place.rect, BOX_INSET_PT, shift)
    share = float(new.sum()) / max(1, new.size)
    if printed == 0 or printed < 0.02 * new.size:  # printed empty
        if share >= TICKED:
            return FieldReading(place, TICKED_STATE, _confidence(share, TICKED), share)
        if share <= UNTICKED:
            return FieldReading(place, UNTICKED_STATE, 1.0 - share / TICKED, share)
        return FieldReading(place, UNCERTAIN, 0.5, share)
    # printed ticked: the mark must be there and nothing added
    if share <= UNTICKED and missing <= MISSING_SHARE:
        return FieldReading(place, TICKED_STATE, 1.0, share, missing)
    return FieldReading(place, UNCERTAIN, 0.5, share, missing)


def _confidence(value: float, threshold: float) -> float:
    return round(min(1.0, 0.75 + 0.25 * (value - threshold) / threshold), 3)


def _text_field(page: Page, place: FieldPlace, shift) -> tuple[FieldReading, np.ndarray]:
    new, printed, missing = page.compare(place.rect, FIELD_INSET_PT, shift)
    amount = float(new.sum())
    written = amount >= _scaled(WRITTEN_PX, page.dpi, 2)
    if not printed:
        state = HANDWRITTEN if written else EMPTY
        return FieldReading(place, state, 1.0, amount), new
    if written or missing > MISSING_SHARE:
        return FieldReading(place, CHANGED, 1.0, amount, missing), new
    return FieldReading(place, PRINTED, 1.0, amount, missing), new


def _signature(page: Page, place: SignaturePlace) -> SignatureReading:
    shift = page.offset(place.rect)
    new, _, _ = page.compare(place.rect, FIELD_INSET_PT, shift)
    amount = int(new.sum())
    signed = amount >= _scaled(SIGNED_PX, page.dpi, 2)
    unsigned = amount <= _scaled(UNSIGNED_PX, page.dpi, 2)
    reading = SignatureReading(place, signed, not signed and not unsigned, amount)
    if not unsigned:
        reading.crop = page.crop(place.rect, shift)
    return reading


# --- suggestions for handwriting (Tesseract) -------------------------------------------

def tesseract() -> str | None:
    """The Tesseract program with the Danish model, or None (then no suggestions)."""
    return _TESSERACT.get()


class _Tesseract:
    def __init__(self):
        self.checked = False
        self.path: str | None = None

    def get(self) -> str | None:
        if not self.checked:
            self.checked = True
            path = shutil.which("tesseract")
            if path:
                try:
                    listed = subprocess.run([path, "--list-langs"], capture_output=True,
                                            text=True, timeout=10, env=_ocr_env(),
                                            check=False)
                    if re.search(r"^dan$", listed.stdout, re.MULTILINE):
                        self.path = path
                except (OSError, subprocess.SubprocessError):
                    self.path = None
        return self.path


_TESSERACT = _Tesseract()


def _ocr_env() -> dict:
    env = {key: value for key, value in os.environ.items()
           if key in ("PATH", "HOME", "LANG", "LC_ALL", "TESSDATA_PREFIX")}
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def suggest(masks: list[np.ndarray], dpi: float = SCAN_DPI) -> list[str | None]:
    """What Tesseract reads in each mask of new ink (1 = ink), in one call: the masks are
    stacked, each at its own height, and the words are given back by where they are.
    None where it reads nothing it is reasonably sure of, or without Tesseract."""
    cv2 = _cv2()
    program = tesseract()
    results: list[str | None] = [None] * len(masks)
    if program is None or not masks:
        return results
    strips, spans, top = [], [], OCR_GAP_PX
    for mask in masks:
        ys, xs = np.nonzero(mask)
        if not len(ys):
            spans.append(None)
            continue
        pad = 6
        y1, y2 = max(0, ys.min() - pad), min(mask.shape[0], ys.max() + pad + 1)
        x1, x2 = max(0, xs.min() - pad), min(mask.shape[1], xs.max() + pad + 1)
        strip = np.where(mask[y1:y2, x1:x2] > 0, 0, 255).astype(np.uint8)
        scale = OCR_SCALE * SCAN_DPI / dpi
        strip = cv2.resize(strip, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        strips.append((top, strip))
        spans.append((top, top + strip.shape[0]))
        top += strip.shape[0] + OCR_GAP_PX
    if not strips:
        return results
    width = max(strip.shape[1] for _, strip in strips) + 2 * OCR_GAP_PX
    canvas = np.full((top, width), 255, dtype=np.uint8)
    for y, strip in strips:
        canvas[y:y + strip.shape[0], OCR_GAP_PX:OCR_GAP_PX + strip.shape[1]] = strip
    ok, png = cv2.imencode(".png", canvas)
    if not ok:
        return results
    try:
        done = subprocess.run(
            [program, "stdin", "stdout", "-l", "dan", "--psm", "6", "--dpi",
             str(int(SCAN_DPI * OCR_SCALE)), "tsv"],
            input=png.tobytes(), capture_output=True, timeout=OCR_TIMEOUT, env=_ocr_env(),
            check=False)
    except (OSError, subprocess.SubprocessError):
        return results
    if done.returncode != 0:
        return results
    words: dict[int, list] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        try:
            word_top, height = int(parts[7]), int(parts[9])
            confidence = float(parts[10])
            key = (int(parts[2]), int(parts[3]), int(parts[4]))  # block, paragraph, line
        except ValueError:
            continue
        if not text:
            continue
        middle = word_top + height / 2
        for index, span in enumerate(spans):
            if span is not None and span[0] <= middle < span[1]:
                words.setdefault(index, []).append((middle, key, int(parts[6]), text,
                                                    confidence))
                break
    for index, found in words.items():
        confidence = sum(w[4] for w in found) / len(found)
        text = _join(found)
        if confidence >= OCR_MIN_CONFIDENCE and sum(ch.isalnum() for ch in text) >= 1:
            results[index] = text
    return results


def _join(words: list) -> str:
    """Words in reading order, a line break between Tesseract's lines."""
    lines: dict[tuple, list] = {}
    for middle, key, left, text, _ in words:
        lines.setdefault(key, []).append((left, text, middle))
    ordered = sorted(lines.values(), key=lambda line: min(w[2] for w in line))
    return "\n".join(" ".join(text for _, text, _ in sorted(line)) for line in ordered)
