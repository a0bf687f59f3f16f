"""Where the printed page is in a picture: its QR code, its corner marks, and the page
straightened into page space.

1. The QR code (zxing-cpp) says which page it is (page_marks.decode) and, by its four
   corners, roughly where the page lies and which way up: a first homography from PDF
   points to picture pixels. It is tried on the picture as it is, then binarised, then
   enlarged and reduced, until a valid mark is read.
2. The corner marks are dark, filled, near-square blobs of the size the QR predicts.
   Up to three blobs near where the QR's similarity puts each corner are tried in every
   combination; the combination with the most marks whose homography puts the QR's
   corners where they are and gives each mark the size it has there wins. A mark that
   is missing (cut off, under a thumb) is made up for by the QR's corners.
3. `straighten` resamples the page at a fixed resolution (SCAN_DPI) in page space,
   upright, whatever the picture's rotation or perspective.

Points: PDF points have their origin at the bottom left of the A4 page; picture pixels
are (column, row) with (0, 0) the centre of the top left pixel (OpenCV's convention).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import page_marks
from ..page_marks import PageMark

SCAN_DPI = 150             # the straightened page's resolution
PAGE_W, PAGE_H = page_marks.PAGE_W, page_marks.PAGE_H
CORNERS = ("top_left", "top_right", "bottom_left", "bottom_right")
MARK_TOLERANCE = 0.12      # a mark is looked for this far (share of the page's diagonal)
                           # from where the QR puts it
MARK_SIZES = (0.6, 1.6)    # a blob this many times the side the QR predicts may be a mark
CANDIDATES = 3             # blobs tried per corner


@dataclass
class QrFound:
    mark: PageMark
    text: str
    quad: np.ndarray       # 4x2: the symbol's corners in the picture, in the symbol's order
                           # top left, top right, bottom right, bottom left
    variant: str           # which attempt read it


@dataclass
class Located:
    """What was found on one picture."""
    mark: PageMark | None = None
    homography: np.ndarray | None = None  # 3x3, PDF points -> picture pixels
    marks_found: tuple[str, ...] = ()
    rotation: float = 0.0  # degrees the page is turned in the picture, clockwise (-180, 180]
    qr_variant: str = ""
    reason: str = ""       # why no mark was read ("no_qr", "several_pages")
    details: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.mark is not None and self.homography is not None


def _cv2():
    import cv2
    cv2.setNumThreads(1)
    return cv2


# --- the QR code -------------------------------------------------------------------------

def _read(pixels: np.ndarray, **options) -> list:
    import zxingcpp
    return zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode, **options)


def _quad(barcode, scale: float) -> np.ndarray:
    position = barcode.position
    points = (position.top_left, position.top_right, position.bottom_right,
              position.bottom_left)
    # zxing gives the symbol's outer corners (pixel edges); OpenCV's pixel centres are
    # half a pixel in
    return np.array([[p.x / scale - 0.5, p.y / scale - 0.5] for p in points], dtype=np.float64)


def _variants(pixels: np.ndarray):
    """The attempts, cheapest first: as it is, binarised (uneven light), enlarged (a small
    or soft picture), reduced (a large sharp one)."""
    yield "plain", pixels, 1.0
    cv2 = _cv2()
    height, width = pixels.shape
    block = max(31, (min(height, width) // 40) | 1)
    yield "binarised", cv2.adaptiveThreshold(pixels, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                             cv2.THRESH_BINARY, block, 12), 1.0
    if max(height, width) < 3000:
        yield "enlarged", cv2.resize(pixels, None, fx=1.5, fy=1.5,
                                     interpolation=cv2.INTER_CUBIC), 1.5
    yield "reduced", cv2.resize(pixels, None, fx=0.6, fy=0.6,
                                interpolation=cv2.INTER_AREA), 0.6
    sharpened = cv2.addWeighted(pixels, 1.8, cv2.GaussianBlur(pixels, (0, 0), 2.0), -0.8, 0)
    yield "sharpened", sharpened, 1.0


def find_qr(pixels: np.ndarray) -> tuple[QrFound | None, str]:
    """The page mark of the picture and where its QR is; (None, reason) when there is no
    readable mark ("no_qr") or marks of different pages ("several_pages")."""
    for name, image, scale in _variants(pixels):
        found = {}
        for barcode in _read(image):
            mark = page_marks.decode(barcode.text)
            if mark is not None:
                found.setdefault(mark, QrFound(mark, barcode.text, _quad(barcode, scale), name))
        if len(found) > 1:
            return None, "several_pages"
        if found:
            return next(iter(found.values())), ""
    return None, "no_qr"


def qr_corners_pdf(mark: PageMark) -> np.ndarray:
    """The QR symbol's corners (without quiet zone) in PDF points, in the symbol's order
    top left, top right, bottom right, bottom left."""
    count = len(page_marks.qr_matrix(mark))
    x1, y1, x2, y2 = page_marks.QR_RECT
    module = (x2 - x1) / (count + 2 * page_marks.QR_QUIET)
    inset = page_marks.QR_QUIET * module
    return np.array([[x1 + inset, y2 - inset], [x2 - inset, y2 - inset],
                     [x2 - inset, y1 + inset], [x1 + inset, y1 + inset]], dtype=np.float64)


# --- the corner marks --------------------------------------------------------------------

def project(homography: np.ndarray, points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ones = np.ones((len(points), 1))
    mapped = np.hstack([points, ones]) @ homography.T
    return mapped[:, :2] / mapped[:, 2:3]


def _mark_side_px(homography: np.ndarray, centre) -> float:
    """The side of a corner mark at `centre` (PDF points) in picture pixels."""
    half = page_marks.MARK_SIZE / 2
    x, y = centre
    quad = project(homography, [(x - half, y - half), (x + half, y - half),
                                (x + half, y + half), (x - half, y + half)])
    return math.sqrt(abs(_area(quad)))


def _area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def _blobs(pixels: np.ndarray, side: float, black: float, paper: float):
    """Dark, filled, near-square blobs about `side` pixels wide: their centres (n, 2) and
    sides (n,). `black` and `paper` are the QR's dark and light (the marks are printed as
    black as its modules)."""
    cv2 = _cv2()
    block = max(int(side * 3) | 1, 15)
    ink = cv2.adaptiveThreshold(pixels, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                cv2.THRESH_BINARY_INV, block, 25)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = (side * MARK_SIZES[0]) ** 2, (side * MARK_SIZES[1]) ** 2
    darkest = black + 0.35 * max(paper - black, 30.0)
    centres, sides = [], []
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if not low <= area <= high or max(w, h) > 2.0 * min(w, h):
            continue
        patch = (labels[y:y + h, x:x + w] == index).astype(np.uint8)
        contours, _ = cv2.findContours(patch, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if not contours:
            continue
        contour = max(contours, key=cv2.contourArea)
        (_, _), (rw, rh), _ = cv2.minAreaRect(contour)
        if rw <= 0 or rh <= 0 or max(rw, rh) > 1.35 * min(rw, rh):
            continue
        if area < 0.85 * rw * rh:  # a filled square, not a ring, a cross or a letter
            continue
        if float(pixels[y:y + h, x:x + w][patch > 0].mean()) > darkest:
            continue
        centres.append(centroids[index])
        sides.append(float(np.sqrt(area)))
    return (np.array(centres, dtype=np.float64).reshape(-1, 2),
            np.array(sides, dtype=np.float64))


def _page_diagonal(homography: np.ndarray) -> float:
    corners = project(homography, [(0, 0), (PAGE_W, 0), (PAGE_W, PAGE_H), (0, PAGE_H)])
    return float(max(np.linalg.norm(corners[0] - corners[2]),
                     np.linalg.norm(corners[1] - corners[3])))


def locate(pixels: np.ndarray, *, marks: bool = True) -> Located:
    """The page in `pixels` (grayscale): its mark and the homography from PDF points to
    pixels (from the QR alone when `marks` is False)."""
    cv2 = _cv2()
    qr, reason = find_qr(pixels)
    if qr is None:
        return Located(reason=reason)
    qr_pdf = qr_corners_pdf(qr.mark)
    first = cv2.getPerspectiveTransform(qr_pdf.astype(np.float32), qr.quad.astype(np.float32))
    first = first.astype(np.float64)
    located = Located(mark=qr.mark, qr_variant=qr.variant,
                      homography=_affine_guess(qr_pdf, qr.quad))
    located.details["qr_quad"] = qr.quad.round(1).tolist()
    if not marks:
        located.homography = first
        located.rotation = _rotation(first)
        return located
    guess = located.homography
    diagonal = _page_diagonal(guess)
    side = np.median([_mark_side_px(guess, centre)
                      for centre in page_marks.CORNER_MARKS.values()])
    black, paper = _qr_levels(pixels, qr.quad)
    blobs, sides = _blobs(pixels, side, black, paper)
    module = float(np.linalg.norm(qr.quad[0] - qr.quad[1])) / len(page_marks.qr_matrix(qr.mark))
    chosen = _choose_marks(blobs, sides, guess, diagonal, qr_pdf, qr.quad, module)
    src = [page_marks.CORNER_MARKS[name] for name in chosen]
    dst = [chosen[name] for name in chosen]
    homography = _fit(src, dst, qr_pdf, qr.quad)
    located.homography = homography
    located.marks_found = tuple(chosen)
    located.rotation = _rotation(homography)
    return located


_FLIP = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, PAGE_H], [0.0, 0.0, 1.0]])  # y down


def _similarity(src, dst, full: bool = False) -> np.ndarray | None:
    """A similarity (or with `full` an affine) transform, PDF points -> pixels, fitted to
    the point pairs; PDF's y axis points up, a picture's down, so the fit is made on the
    page seen from above (y down) — no similarity flips."""
    cv2 = _cv2()
    flipped = project(_FLIP, src).astype(np.float32)
    dst = np.asarray(dst, dtype=np.float32).reshape(-1, 2)
    if full:
        matrix, _ = cv2.estimateAffine2D(flipped, dst)
    else:
        matrix, _ = cv2.estimateAffinePartial2D(flipped, dst, method=cv2.LMEDS)
    if matrix is None:
        return None
    return np.vstack([matrix.astype(np.float64), [0.0, 0.0, 1.0]]) @ _FLIP


def _qr_levels(pixels: np.ndarray, quad: np.ndarray) -> tuple[float, float]:
    """The QR's dark and light as this picture shows them (5th and 95th percentile)."""
    x1, y1 = np.floor(quad.min(axis=0)).astype(int)
    x2, y2 = np.ceil(quad.max(axis=0)).astype(int) + 1
    height, width = pixels.shape
    area = pixels[max(0, y1):min(height, y2), max(0, x1):min(width, x2)]
    if area.size < 16:
        return 0.0, 255.0
    low, high = np.percentile(area, (5, 95))
    return float(low), float(high)


def _affine_guess(qr_pdf: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A similarity transform from the QR's corners: the QR is small, so its perspective
    says little about the far corners; the similarity predicts them better."""
    guess = _similarity(qr_pdf, quad)
    if guess is None:
        cv2 = _cv2()
        guess = cv2.getPerspectiveTransform(qr_pdf.astype(np.float32),
                                            quad.astype(np.float32)).astype(np.float64)
    return guess


def _choose_marks(blobs, sides, guess: np.ndarray, diagonal: float, qr_pdf, quad,
                  module: float) -> dict:
    """For each corner, the blob that makes the most consistent page: up to CANDIDATES
    blobs near where `guess` puts each corner, every combination tried (a corner may go
    without); a combination's marks must have the size the page's homography gives a
    mark where they are, and the QR's corners must fall where that homography puts them.
    The most marks win, then the best agreement."""
    import itertools
    cv2 = _cv2()
    options = {}
    for name in CORNERS:
        centre = page_marks.CORNER_MARKS[name]
        predicted = project(guess, [centre])[0]
        expected = _mark_side_px(guess, centre)
        near = []
        if len(blobs):
            distances = np.linalg.norm(blobs - predicted, axis=1)
            for index in np.argsort(distances)[:CANDIDATES * 3]:
                ratio = sides[index] / expected
                if distances[index] <= MARK_TOLERANCE * diagonal and \
                        MARK_SIZES[0] <= ratio <= MARK_SIZES[1]:
                    near.append(int(index))
        options[name] = near[:CANDIDATES] + [None]
    best, best_key = {}, (0, 0.0)
    for choice in itertools.product(*(options[name] for name in CORNERS)):
        chosen = {name: index for name, index in zip(CORNERS, choice) if index is not None}
        if not chosen or len(chosen) < best_key[0]:
            continue
        if len(set(chosen.values())) < len(chosen):
            continue
        src = np.array([page_marks.CORNER_MARKS[n] for n in chosen], dtype=np.float64)
        dst = np.array([blobs[i] for i in chosen.values()], dtype=np.float64)
        if len(chosen) == 4:
            homography = cv2.getPerspectiveTransform(src.astype(np.float32),
                                                     dst.astype(np.float32)).astype(np.float64)
        else:
            all_src, all_dst = np.vstack([src, qr_pdf]), np.vstack([dst, quad])
            homography, _ = cv2.findHomography(all_src, all_dst, 0)
            if homography is None:
                continue
        error = float(np.linalg.norm(project(homography, qr_pdf) - quad, axis=1).max())
        if error > max(3.0 * module, 0.01 * diagonal):
            continue
        ratios = [sides[index] / _mark_side_px(homography, page_marks.CORNER_MARKS[name])
                  for name, index in chosen.items()]
        if min(ratios) < 0.75 or max(ratios) > 1.33:
            continue
        key = (len(chosen), -(error / module + sum(abs(np.log(r)) for r in ratios) * 10))
        if key > best_key or not best:
            best, best_key = {n: blobs[i] for n, i in chosen.items()}, key
    return best


def _fit(src, dst, qr_pdf, quad) -> np.ndarray:
    """The homography from the marks, with the QR's corners when fewer than four."""
    cv2 = _cv2()
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    if len(src) == 4:
        return cv2.getPerspectiveTransform(src.astype(np.float32),
                                           dst.astype(np.float32)).astype(np.float64)
    if len(src) == 0:  # the QR alone: its perspective says little about the far
        return _affine_guess(qr_pdf, quad)  # corners; its similarity is safer
    all_src, all_dst = np.vstack([src, qr_pdf]), np.vstack([dst, quad])
    if len(src) == 1:
        return _similarity(all_src, all_dst, full=True)
    homography, _ = cv2.findHomography(all_src, all_dst, 0)
    return homography.astype(np.float64)


def _rotation(homography: np.ndarray) -> float:
    """Degrees the page is turned clockwise in the picture: 0 upright, 180 upside down,
    -3 a little anticlockwise."""
    centre = project(homography, [(PAGE_W / 2, PAGE_H / 2), (PAGE_W / 2, PAGE_H / 2 + 100)])
    dx, dy = centre[1] - centre[0]  # the page's "up" in the picture
    degrees = math.degrees(math.atan2(dx, -dy))
    return round(degrees if degrees > -180 else degrees + 360, 1)


# --- straightening -----------------------------------------------------------------------

def page_size_px(dpi: float = SCAN_DPI) -> tuple[int, int]:
    return round(PAGE_W * dpi / 72), round(PAGE_H * dpi / 72)


def page_to_pixels(dpi: float = SCAN_DPI) -> np.ndarray:
    """3x3: a straightened page's pixel (column, row) -> PDF points."""
    s = 72.0 / dpi
    return np.array([[s, 0.0, 0.5 * s], [0.0, -s, PAGE_H - 0.5 * s], [0.0, 0.0, 1.0]])


def straighten(pixels: np.ndarray, homography: np.ndarray, dpi: float = SCAN_DPI,
               size: tuple[int, int] | None = None) -> np.ndarray:
    """The page upright in page space at `dpi` (grayscale; outside the picture white),
    `size` (width, height) pixels (default: the A4 page at `dpi`; give the reference's
    size, as PDFium rounds it)."""
    cv2 = _cv2()
    size = tuple(size) if size is not None else page_size_px(dpi)
    # pixels per output pixel: a much sharper picture is reduced first (no aliasing)
    corners = project(homography, [(0, 0), (PAGE_W, PAGE_H), (PAGE_W, 0), (0, PAGE_H)])
    across = max(np.linalg.norm(corners[0] - corners[1]), np.linalg.norm(corners[2] - corners[3]))
    ratio = across / math.hypot(*size)
    if ratio > 1.4:
        factor = 1.0 / ratio
        pixels = cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        homography = np.diag([factor, factor, 1.0]) @ np.array(
            [[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]]) @ homography
        homography = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]]) @ homography
    matrix = homography @ page_to_pixels(dpi)
    return cv2.warpPerspective(pixels, matrix, size,
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)
